// Room limits and the host's controls: each participant affected gets the leave reason LiveKit would send.
import { appEvents, inRoom } from './helpers/app';
import { COLORS, remoteIdentities } from './helpers/peer';
import { expect, test } from './fixtures';

const quiet = { publish: false } as const;

test.describe('room timeouts', () => {
  test.use({ hostQuery: '?emptyTimeout=2&departureTimeout=1' });

  test('a room nobody joins closes after the empty timeout, and an emptied room after the departure timeout', async ({ call, host }) => {
    await host.page.getByLabel('Start a room').fill('nobody-comes');
    await host.page.getByRole('button', { name: 'Show join link' }).click();
    const waiting = host.page.locator('article.room[data-room="nobody-comes"]');
    await expect(waiting).toContainText('nobody here yet');
    await expect(waiting).toHaveCount(0, { timeout: 6000 });

    const alice = await call.join('alice', { color: COLORS.red, tone: 440, ...quiet });
    const first = await inRoom(alice.page, (r) => r.getSid());
    await expect(host.page.locator(`article.room[data-room="${call.room}"]`)).toHaveCount(1);
    await inRoom(alice.page, (r) => r.disconnect());
    await expect(host.page.locator(`article.room[data-room="${call.room}"]`)).toHaveCount(0, { timeout: 5000 });
    const again = await call.join('alice-again', { color: COLORS.red, tone: 440, ...quiet });
    expect(await inRoom(again.page, (r) => r.getSid())).not.toBe(first);
  });
});

test('a room full at maxParticipants refuses the next participant with a clear reason, and the others carry on', async ({ call }) => {
  const claims = { roomConfig: { maxParticipants: 2 } };
  const alice = await call.join('alice', { color: COLORS.red, tone: 440, ...quiet, claims });
  await call.join('bob', { color: COLORS.green, tone: 660, ...quiet, claims });
  const refused = await call.join('carol', { color: COLORS.blue, tone: 880, ...quiet, claims }).then(() => 'joined', (e: Error) => e.message);
  expect(refused).toContain('is full (2 participants)');
  expect(await remoteIdentities(alice.page)).toEqual(['bob']);
});

test('a second session with the same identity replaces the first, which is told DUPLICATE_IDENTITY', async ({ call }) => {
  const first = await call.join('alice', { color: COLORS.red, tone: 440, ...quiet });
  const bob = await call.join('bob', { color: COLORS.green, tone: 660, ...quiet });
  const second = await call.join('alice', { color: COLORS.red, tone: 440, ...quiet });
  await expect.poll(() => appEvents(first.page, 'disconnected')).toMatchObject([{ reason: 2 }]);
  await expect.poll(() => remoteIdentities(bob.page)).toEqual(['alice']);
  const sid = await inRoom(second.page, (r) => r.localParticipant.sid);
  await expect.poll(() => inRoom(bob.page, (r) => r.getParticipantByIdentity('alice')?.sid)).toBe(sid);
});

test('the host removes a participant, mutes a track and closes the room; each participant gets LiveKit\'s reason', async ({ call, host }) => {
  const alice = await call.join('alice', { color: COLORS.red, tone: 440 });
  const bob = await call.join('bob', { color: COLORS.green, tone: 660 });
  const carol = await call.join('carol', { color: COLORS.blue, tone: 880, ...quiet });
  const card = host.page.locator(`article.room[data-room="${call.room}"]`);

  // mute alice's camera from the host: alice's own client mutes it, and bob sees it muted
  const camera = await inRoom(alice.page, (r) => r.localParticipant.getTrackPublication('camera').trackSid as string);
  await card.locator(`[data-track="${camera}"] button`).click();
  await expect.poll(() => inRoom(alice.page, (r) => r.localParticipant.getTrackPublication('camera').isMuted)).toBe(true);
  await expect.poll(async () => (await appEvents(bob.page, 'muted')).map((e) => e.trackSid)).toContain(camera);

  await card.locator('li[data-identity="carol"] button[data-action="remove"]').click();
  await expect.poll(() => appEvents(carol.page, 'disconnected')).toMatchObject([{ reason: 4 }]);
  await expect.poll(() => remoteIdentities(bob.page)).toEqual(['alice']);

  await card.getByRole('button', { name: 'Close room' }).click();
  for (const p of [alice, bob]) await expect.poll(() => appEvents(p.page, 'disconnected')).toMatchObject([{ reason: 5 }]);
  await expect(card).toHaveCount(0);
});
