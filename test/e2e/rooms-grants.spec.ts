// Token grants and publishers' subscription permissions, enforced by the host (not only by the client).
import { TrackSource, TrackType } from '@livekit/protocol';
import { appEvents, inRoom } from './helpers/app';
import { COLORS, heardTones, remoteIdentities, seenColors, waitToSeeAndHear } from './helpers/peer';
import { expect, test } from './fixtures';

/** Sends AddTrack straight on the signal connection, past the client's own checks, and returns the host's answer. */
function rawAddTrack(page: import('@playwright/test').Page, source: number, type: number) {
  return inRoom(page, (r, a) => new Promise((resolve) => {
    r.engine.once('signalRequestResponse', (res: { reason: number; message: string }) => resolve({ reason: res.reason, message: res.message }));
    r.engine.client.sendAddTrack({ cid: `raw-${Date.now()}`, name: 'raw', type: a.type, source: a.source, layers: [] });
    setTimeout(() => resolve(null), 5000);
  }), { source, type });
}

test('the host refuses a track the token does not allow: no publishing at all, or not this source', async ({ call }) => {
  const viewer = await call.join('viewer', { color: COLORS.red, tone: 440, publish: false, grant: { canPublish: false } });
  expect(await rawAddTrack(viewer.page, TrackSource.CAMERA, TrackType.VIDEO)).toMatchObject({ reason: 2, message: expect.stringContaining('does not allow') });
  const micOnly = await call.join('mic-only', { color: COLORS.green, tone: 660, publish: false, grant: { canPublishSources: [TrackSource.MICROPHONE] } });
  expect(await rawAddTrack(micOnly.page, TrackSource.CAMERA, TrackType.VIDEO)).toMatchObject({ reason: 2 });
  expect(await rawAddTrack(micOnly.page, TrackSource.MICROPHONE, TrackType.AUDIO)).toBeNull(); // accepted: a trackPublished, no refusal
});

test('a participant without canSubscribe gets no media', async ({ call }) => {
  await call.join('alice', { color: COLORS.red, tone: 440 });
  const watcher = await call.join('watcher', { color: COLORS.green, tone: 660, publish: false, grant: { canSubscribe: false } });
  await new Promise((r) => setTimeout(r, 3000));
  expect(await seenColors(watcher.page)).toEqual({});
  expect(await heardTones(watcher.page)).toEqual({});
});

test('a hidden participant is seen by nobody, and still sees the others', async ({ call }) => {
  const alice = await call.join('alice', { color: COLORS.red, tone: 440 });
  const ghost = await call.join('ghost', { color: COLORS.green, tone: 660, publish: false, grant: { hidden: true } });
  await new Promise((r) => setTimeout(r, 1500));
  expect(await remoteIdentities(alice.page)).toEqual([]);
  expect((await waitToSeeAndHear(ghost, [alice])).ok).toBe(true);
});

test('updating name, metadata and attributes reaches everyone when the token allows it, and is refused when not', async ({ call }) => {
  const alice = await call.join('alice', { color: COLORS.red, tone: 440, publish: false, grant: { canUpdateOwnMetadata: true } });
  const bob = await call.join('bob', { color: COLORS.green, tone: 660, publish: false });
  await inRoom(alice.page, async (r) => {
    await r.localParticipant.setName('Alice A.');
    await r.localParticipant.setMetadata('{"role":"host"}');
    await r.localParticipant.setAttributes({ mood: 'happy' });
  });
  await expect.poll(() => inRoom(bob.page, (r) => {
    const p = r.getParticipantByIdentity('alice');
    return { name: p.name, metadata: p.metadata, attributes: p.attributes };
  })).toEqual({ name: 'Alice A.', metadata: '{"role":"host"}', attributes: { mood: 'happy' } });
  expect((await appEvents(bob.page, 'name')).map((e) => e.name)).toContain('Alice A.');

  const refused = await inRoom(bob.page, (r) => r.localParticipant.setMetadata('nope').then(() => 'accepted', (e: Error) => e.message));
  expect(refused).toContain('does not allow updating metadata');
});

test('a publisher that allows only some participants keeps its tracks from the others until it allows everyone', async ({ call }) => {
  const alice = await call.join('alice', { color: COLORS.red, tone: 440 });
  const bob = await call.join('bob', { color: COLORS.green, tone: 660, publish: false });
  const carol = await call.join('carol', { color: COLORS.blue, tone: 880, publish: false });
  expect((await waitToSeeAndHear(bob, [alice])).ok).toBe(true);

  await inRoom(alice.page, (r) => r.localParticipant.setTrackSubscriptionPermissions(false, [{ participantIdentity: 'carol', allowAll: true }]));
  await expect.poll(() => seenColors(bob.page)).toEqual({});
  await expect.poll(async () => (await appEvents(bob.page, 'permission')).filter((e) => e.status === 'not_allowed').length).toBeGreaterThan(0);
  expect((await waitToSeeAndHear(carol, [alice])).ok).toBe(true);

  await inRoom(alice.page, (r) => r.localParticipant.setTrackSubscriptionPermissions(true));
  expect((await waitToSeeAndHear(bob, [alice])).ok).toBe(true);
});
