// Firefox peers (Debian's firefox-esr) in calls with Chromium peers, through the host: Firefox numbers its codecs
// otherwise (VP8 120, Opus 109) and labels its tracks otherwise (its msid track ids are not the track ids
// livekit-client announces), and each direction must still carry the picture and the tone.
import { appEvents } from './helpers/app';
import { COLORS, type Peer, heardTones, waitToSeeAndHear } from './helpers/peer';
import { type Firefox, type FirefoxPeer, firefoxAppPeer, firefoxMissing, launchFirefox } from './helpers/firefox';
import { expect, test } from './fixtures';

test.skip(firefoxMissing() !== null, firefoxMissing() ?? '');

let firefox: Firefox;
test.beforeAll(async () => {
  firefox = await launchFirefox();
});
test.afterAll(async () => {
  await firefox?.close();
});

/** VP8 loses the colour space on the way (ARCHITECTURE.md, "Colour"): a shifted colour still names its peer. */
const VP8_TOLERANCE = 50;

async function expectToSeeAndHear(observer: Peer | FirefoxPeer, others: (Peer | FirefoxPeer)[]) {
  const seen = await waitToSeeAndHear(observer as Peer, others as Peer[], 30_000, VP8_TOLERANCE);
  const what = `${observer.identity} saw ${JSON.stringify(seen.colors)}, heard ${JSON.stringify(seen.tones)}`;
  expect(seen.ok, seen.ok ? what : `${what}; its tiles: ${await tiles(observer)}`).toBe(true);
}

/**
 * The observer page's visibility and each remote tile's video element, for a failure's message: a hidden Firefox page
 * decodes frames but presents them about once a second, too seldom for a colour sample (firefoxAppPeer's windows).
 */
function tiles(observer: Peer | FirefoxPeer): Promise<string> {
  return (observer.page as Peer['page']).evaluate(() => `page ${document.visibilityState}; ` + [...document.querySelectorAll<HTMLElement>('.tile:not(.local)')].map((t) => {
    const v = t.querySelector('video');
    const r = v?.getBoundingClientRect();
    return v ? `${t.dataset.identity}: ${v.videoWidth}x${v.videoHeight}, paused ${v.paused}, readyState ${v.readyState}, at ${Math.round(r!.x)},${Math.round(r!.y)} ${Math.round(r!.width)}x${Math.round(r!.height)} in ${innerWidth}x${innerHeight}` : `${t.dataset.identity}: no video`;
  }).join('; '));
}

// This Firefox has no H.264 (Mozilla's OpenH264 plugin is downloaded at first run, which a closed network
// prevents), so the room allows VP8, which every peer then publishes.
test.describe('in a room that allows VP8', () => {
  test.use({ hostQuery: 'publishCodecs=vp8,h264' });

  test('a Firefox peer and two Chromium peers see and hear each other', async ({ call, app, baseURL }) => {
    const alice = await call.join('alice', { color: COLORS.red, tone: 440 });
    const bob = await call.join('bob', { color: COLORS.green, tone: 660 });
    const fox = await firefoxAppPeer(firefox.browser, app, baseURL!, call.room, 'fox', { color: COLORS.blue, tone: 880 });
    try {
      await expectToSeeAndHear(fox, [alice, bob]);
      await expectToSeeAndHear(alice, [bob, fox]);
      await expectToSeeAndHear(bob, [alice, fox]);
    } finally {
      await fox.close();
    }
  });

  test('two Firefox peers see and hear each other, and a Chromium peer sees and hears both', async ({ call, app, baseURL }) => {
    const alice = await call.join('alice', { color: COLORS.red, tone: 440 });
    const fox = await firefoxAppPeer(firefox.browser, app, baseURL!, call.room, 'fox', { color: COLORS.blue, tone: 880 });
    const vix = await firefoxAppPeer(firefox.browser, app, baseURL!, call.room, 'vix', { color: COLORS.yellow, tone: 660 });
    try {
      await expectToSeeAndHear(fox, [alice, vix]);
      await expectToSeeAndHear(vix, [alice, fox]);
      await expectToSeeAndHear(alice, [fox, vix]);
    } finally {
      await fox.close();
      await vix.close();
    }
  });
});

test('a Firefox peer without H.264 in a room of H.264 hears everyone, is told their video is in a codec it cannot decode, and is seen and heard', async ({ call, app, baseURL }) => {
  const alice = await call.join('alice', { color: COLORS.red, tone: 440 });
  const bob = await call.join('bob', { color: COLORS.green, tone: 660 });
  const fox = await firefoxAppPeer(firefox.browser, app, baseURL!, call.room, 'fox', { color: COLORS.blue, tone: 880 });
  try {
    // its subscriber connection survives the sections it rejects: it hears both Chromium peers
    await expect.poll(async () => {
      const tones = await heardTones(fox.page);
      return [[tones.alice, alice.media.tone], [tones.bob, bob.media.tone]].map(([heard, sent]) => heard !== undefined && Math.abs(heard - sent!) < 25);
    }, { timeout: 30_000 }).toEqual([true, true]);
    // and livekit-client tells the app why their cameras do not arrive
    await expect.poll(async () => (await appEvents(fox.page, 'subscription-failed')).map((e) => e.identity).sort(), { timeout: 30_000 }).toEqual(['alice', 'bob']);
    // Firefox sends VP8 (the codec it offered), and the Chromium peers see and hear it
    await expectToSeeAndHear(alice, [bob, fox]);
    await expectToSeeAndHear(bob, [alice, fox]);
  } finally {
    await fox.close();
  }
});
