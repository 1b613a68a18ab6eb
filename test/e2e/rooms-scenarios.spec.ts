// The server side of livekit-client's simulateScenario requests that LiveKit honours: the client then behaves as
// it does against LiveKit (a dropped participant fails to resume, is told to reconnect, and joins again).
import { appEvents, inRoom } from './helpers/app';
import { COLORS, type Peer, waitToSeeAndHear } from './helpers/peer';
import { expect, test } from './fixtures';

test.use({ hostQuery: '?resumeWindowMs=15000' });

async function everyoneSeesAndHearsEveryone(peers: Peer[]) {
  for (const p of peers) {
    const seen = await waitToSeeAndHear(p, peers.filter((o) => o !== p), 30_000);
    expect(seen, `${p.name} saw ${JSON.stringify(seen.colors)} and heard ${JSON.stringify(seen.tones)}`).toMatchObject({ ok: true });
  }
}

function publicationsOf(observer: Peer, identity: string) {
  return inRoom(observer.page, (r, id) => {
    const p = r.getParticipantByIdentity(id);
    return p ? { sid: p.sid as string, tracks: [...p.trackPublications.keys()].sort() as string[] } : null;
  }, identity);
}

/** Track ids that appear on more than one sending m-line of the subscriber connection's current remote offer. */
function duplicateTracksInSubscriberOffer(peer: Peer) {
  return inRoom(peer.page, (r) => {
    // on /rtc/v1 the client's one connection gets the host's answers, whose sendonly sections are the subscriber's
    const sdp: string = (r.engine.pcManager.subscriber ?? r.engine.pcManager.publisher).getRemoteDescription()?.sdp ?? '';
    const counts = new Map<string, number>();
    for (const section of sdp.split(/\r\nm=/).slice(1)) {
      if (!/\r\na=sendonly/.test(section)) continue;
      const track = /\r\na=msid:\S+ (\S+)/.exec(section)?.[1];
      if (track) counts.set(track, (counts.get(track) ?? 0) + 1);
    }
    return [...counts].filter(([, n]) => n > 1).map(([t]) => t);
  });
}

for (const scenario of ['migration', 'node-failure'] as const) {
  test(`on ${scenario} the dropped peer joins again and takes over its sid and tracks; the others never see it leave`, async ({ call }) => {
    const alice = await call.join('alice', { color: COLORS.red, tone: 440 });
    const bob = await call.join('bob', { color: COLORS.green, tone: 660 });
    await everyoneSeesAndHearsEveryone([alice, bob]);
    const before = await publicationsOf(bob, 'alice');

    await inRoom(alice.page, (r, s) => r.simulateScenario(s), scenario);
    // as against LiveKit: the resume is refused with a reconnect, and the client joins from scratch
    await expect.poll(async () => (await appEvents(alice.page, 'reconnected')).length, { timeout: 30_000 }).toBe(1);

    await everyoneSeesAndHearsEveryone([alice, bob]);
    expect(await publicationsOf(bob, 'alice')).toEqual(before);
    expect(await appEvents(bob.page, 'participant-disconnected')).toEqual([]);
    expect(await duplicateTracksInSubscriberOffer(bob)).toEqual([]);
  });
}

test('two peers that migrate at the same time come back to each other without duplicate tracks in either offer', async ({ call }) => {
  const alice = await call.join('alice', { color: COLORS.red, tone: 440 });
  const bob = await call.join('bob', { color: COLORS.green, tone: 660 });
  const carol = await call.join('carol', { color: COLORS.blue, tone: 880 });
  await everyoneSeesAndHearsEveryone([alice, bob, carol]);
  const aliceBefore = await publicationsOf(carol, 'alice');
  const bobBefore = await publicationsOf(carol, 'bob');

  await Promise.all([alice, bob].map((p) => inRoom(p.page, (r) => r.simulateScenario('migration'))));
  for (const p of [alice, bob]) await expect.poll(async () => (await appEvents(p.page, 'reconnected')).length, { timeout: 30_000 }).toBe(1);

  await everyoneSeesAndHearsEveryone([alice, bob, carol]);
  expect(await publicationsOf(carol, 'alice')).toEqual(aliceBefore);
  expect(await publicationsOf(carol, 'bob')).toEqual(bobBefore);
  for (const p of [alice, bob, carol]) expect(await duplicateTracksInSubscriberOffer(p)).toEqual([]);
});

test('on server-leave the peer is disconnected with SERVER_SHUTDOWN, and the others see it go', async ({ call }) => {
  const alice = await call.join('alice', { color: COLORS.red, tone: 440, publish: false });
  const bob = await call.join('bob', { color: COLORS.green, tone: 660, publish: false });
  await inRoom(alice.page, (r) => r.simulateScenario('server-leave'));
  await expect.poll(() => appEvents(alice.page, 'disconnected')).toMatchObject([{ reason: 3 }]);
  await expect.poll(async () => (await appEvents(bob.page, 'participant-disconnected')).map((e) => e.identity)).toEqual(['alice']);
});

test('speaker updates reach everyone', async ({ call }) => {
  const alice = await call.join('alice', { color: COLORS.red, tone: 440, publish: false });
  const bob = await call.join('bob', { color: COLORS.green, tone: 660, publish: false });
  await inRoom(alice.page, (r) => r.simulateScenario('speaker'));
  await expect.poll(() => inRoom(bob.page, (r) => r.activeSpeakers.map((p: { identity: string }) => p.identity))).toEqual(['alice']);
});
