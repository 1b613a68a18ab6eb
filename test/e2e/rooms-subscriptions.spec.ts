import { appEvents, inRoom } from './helpers/app';
import { COLORS, heardTones, seenColors, waitToSeeAndHear } from './helpers/peer';
import { expect, test } from './fixtures';

test.use({ hostQuery: '?subscribeFailAfterMs=1500&resumeWindowMs=20000' });

/** Subscribes to (or leaves) every publication of `identity`. */
function setSubscribed(page: import('@playwright/test').Page, identity: string, subscribed: boolean) {
  return inRoom(page, (r, a) => {
    for (const pub of r.getParticipantByIdentity(a.identity).trackPublications.values()) pub.setSubscribed(a.subscribed);
  }, { identity, subscribed });
}

function duplicateSendingTracks(page: import('@playwright/test').Page) {
  return inRoom(page, (r) => {
    // on /rtc/v1 the client's one connection gets the host's answers, whose sendonly sections are the subscriber's
    const sdp: string = (r.engine.pcManager.subscriber ?? r.engine.pcManager.publisher).getRemoteDescription()?.sdp ?? '';
    const counts = new Map<string, number>();
    let sending = 0;
    for (const section of sdp.split(/\r\nm=/).slice(1)) {
      if (!/\r\na=sendonly/.test(section)) continue;
      sending++;
      const track = /\r\na=msid:\S+ (\S+)/.exec(section)?.[1];
      if (track) counts.set(track, (counts.get(track) ?? 0) + 1);
    }
    return { duplicates: [...counts].filter(([, n]) => n > 1).map(([t]) => t), sending, sections: sdp.split(/\r\nm=/).length - 1 };
  });
}

test('with auto-subscribe off, a peer gets only what it subscribes to, and loses it when it unsubscribes', async ({ call }) => {
  const alice = await call.join('alice', { color: COLORS.red, tone: 440 });
  const bob = await call.join('bob', { color: COLORS.green, tone: 660, connectOptions: { autoSubscribe: false } });
  await expect.poll(() => inRoom(bob.page, (r) => r.getParticipantByIdentity('alice')?.trackPublications.size ?? 0)).toBe(2);
  await new Promise((r) => setTimeout(r, 1500));
  expect(await seenColors(bob.page)).toEqual({});
  expect(await heardTones(bob.page)).toEqual({});
  // alice auto-subscribes as usual
  expect((await waitToSeeAndHear(alice, [bob])).ok).toBe(true);

  await setSubscribed(bob.page, 'alice', true);
  expect((await waitToSeeAndHear(bob, [alice])).ok).toBe(true);

  await setSubscribed(bob.page, 'alice', false);
  await expect.poll(async () => (await appEvents(bob.page, 'unsubscribed')).length).toBe(2);
  await expect.poll(() => seenColors(bob.page)).toEqual({});
});

test('racing unpublish and republish against subscribes never puts a track on two m-lines of the subscriber offer', async ({ call }) => {
  const alice = await call.join('alice', { color: COLORS.red, tone: 440 });
  const bob = await call.join('bob', { color: COLORS.green, tone: 660, connectOptions: { autoSubscribe: false } });
  await expect.poll(() => inRoom(bob.page, (r) => r.getParticipantByIdentity('alice')?.trackPublications.size ?? 0)).toBe(2);

  for (let round = 0; round < 4; round++) {
    // alice swaps her camera for a new one while bob subscribes to whatever camera he knows of
    await Promise.all([
      inRoom(alice.page, async (r) => {
        const pub = r.localParticipant.getTrackPublication('camera');
        const track = pub.track.mediaStreamTrack.clone();
        await r.localParticipant.unpublishTrack(pub.track, false);
        await r.localParticipant.publishTrack(track, { source: 'camera' });
      }),
      setSubscribed(bob.page, 'alice', true),
    ]);
    const offer = await duplicateSendingTracks(bob.page);
    expect(offer.duplicates).toEqual([]);
    expect(offer.sending).toBeLessThanOrEqual(2);
  }
  await setSubscribed(bob.page, 'alice', true);
  expect((await waitToSeeAndHear(bob, [alice])).ok).toBe(true);
  const offer = await duplicateSendingTracks(bob.page);
  expect(offer.duplicates).toEqual([]);
  // parked transceivers are reused: the offer does not grow one m-line per republish (on /rtc/v1 the client's one
  // connection starts with nine: data, what it sends, and three receive-only audio and video sections)
  const single = (await inRoom(bob.page, (r) => r.engine.pcManager.mode)) === 'publisher-only';
  expect(offer.sections).toBeLessThanOrEqual(single ? 9 : 4);
});

test('a track that cannot be subscribed to is reported as TrackSubscriptionFailed', async ({ call }) => {
  const alice = await call.join('alice', { color: COLORS.red, tone: 440 });
  const bob = await call.join('bob', { color: COLORS.green, tone: 660, connectOptions: { autoSubscribe: false } });
  await expect.poll(() => inRoom(bob.page, (r) => r.getParticipantByIdentity('alice')?.trackPublications.size ?? 0)).toBe(2);
  const camera = await inRoom(bob.page, (r) => r.getParticipantByIdentity('alice').getTrackPublication('camera').trackSid as string);
  // alice's host session drops and her tab goes before she can come back: her tracks stay listed, closing
  await inRoom(alice.page, (r) => r.simulateScenario('node-failure'));
  await alice.context.close();
  await inRoom(bob.page, (r, sid) => r.getParticipantByIdentity('alice').trackPublications.get(sid).setSubscribed(true), camera);
  await expect.poll(async () => (await appEvents(bob.page, 'subscription-failed')).map((e) => e.trackSid), { timeout: 10_000 }).toContain(camera);
});
