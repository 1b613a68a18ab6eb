// What the differential check against livekit-server (npm run compat) found tabsfu did not do, done as LiveKit does it.
import { DisconnectReason } from '@livekit/protocol';
import { appEvents, inRoom } from './helpers/app';
import { COLORS } from './helpers/peer';
import { expect, test } from './fixtures';

test('a publisher is told once, when the first subscriber gets each of its tracks (LocalTrackSubscribed)', async ({ call }) => {
  const alice = await call.join('alice', { color: COLORS.red, tone: 440 });
  await call.join('bob', { color: COLORS.green, tone: 660, publish: false });
  const sources = async () => (await appEvents(alice.page, 'local-track-subscribed')).map((e) => e.source).sort();
  await expect.poll(sources).toEqual(['camera', 'microphone']);
  // a second subscriber is not news to the publisher
  const carol = await call.join('carol', { color: COLORS.blue, tone: 880, publish: false });
  await expect.poll(async () => (await appEvents(carol.page, 'subscribed')).filter((e) => e.identity === 'alice').length).toBe(2);
  expect(await sources()).toEqual(['camera', 'microphone']);
});

test('the others learn why a participant left: CLIENT_INITIATED when it leaves by itself', async ({ call }) => {
  const alice = await call.join('alice', { color: COLORS.red, tone: 440, publish: false });
  const bob = await call.join('bob', { color: COLORS.green, tone: 660, publish: false });
  await inRoom(alice.page, (r) => r.disconnect());
  await expect.poll(() => appEvents(bob.page, 'participant-disconnected')).toMatchObject([{ identity: 'alice', reason: DisconnectReason.CLIENT_INITIATED }]);
});
