import { appEvents, inRoom } from './helpers/app';
import { COLORS, type Peer, waitToSeeAndHear } from './helpers/peer';
import { count, eventsIn, statsWorkerOf, storedStats } from './helpers/telemetry';
import { adminToken } from './helpers/tokens';
import { expect, test } from './fixtures';

// stats every second, so that "stats keep flowing" shows within a few seconds
test.use({ hostQuery: '?statsIntervalMs=1000&resumeWindowMs=4000' });

const sidOf = (peer: Peer) => inRoom(peer.page, (r) => r.localParticipant.sid as string);

async function inCall(alice: Peer, bob: Peer) {
  for (const [p, other] of [[alice, bob], [bob, alice]] as const) expect((await waitToSeeAndHear(p, [other])).ok).toBe(true);
}

/** Stats records of a participant's tracks written after `since`, as read from IndexedDB. */
async function statsSince(hostPage: import('@playwright/test').Page, participantSid: string, since: number) {
  return (await storedStats(hostPage)).filter((s) => s.participantSid === participantSid && s.at > since);
}

async function leaveAndCountLefts(alice: Peer, hostPage: import('@playwright/test').Page, room: string, sid: string) {
  await inRoom(alice.page, (r) => r.disconnect());
  await expect.poll(async () => count(await eventsIn(hostPage, room), 'participant_left', sid)).toBe(1);
  // a second one would come from a worker or a source that outlived the leave; give it time to show
  await alice.page.waitForTimeout(3000);
  expect(count(await eventsIn(hostPage, room), 'participant_left', sid)).toBe(1);
}

test('a WebSocket cut and resumed keeps the stats worker; stats keep flowing, and participant_left comes once when the peer leaves', async ({ call, host, baseURL }) => {
  const alice = await call.join('alice', { color: COLORS.red, tone: 440 });
  const bob = await call.join('bob', { color: COLORS.green, tone: 660 });
  await inCall(alice, bob);
  const sid = await sidOf(alice);
  await expect.poll(async () => (await statsSince(host.page, sid, 0)).length).toBeGreaterThan(0);

  const res = await fetch(`${baseURL}/api/admin/cut-signal?room=${call.room}&identity=alice`, { method: 'POST', headers: { authorization: `Bearer ${await adminToken(call.room)}` } });
  expect(await res.json()).toEqual({ cut: 1 });
  await expect.poll(async () => (await appEvents(alice.page, 'reconnected')).length).toBe(1);
  const resumedAt = Date.now();

  await expect.poll(async () => count(await eventsIn(host.page, call.room), 'participant_resumed', sid)).toBe(1);
  // the old connection's close released its reference; the participant's own and the new connection's hold it
  await expect.poll(() => statsWorkerOf(host.page, sid)).toEqual({ references: 2, closed: false });
  await expect.poll(async () => new Set((await statsSince(host.page, sid, resumedAt + 1500)).map((s) => s.kind))).toEqual(new Set(['audio', 'video']));
  expect(count(await eventsIn(host.page, call.room), 'participant_left', sid)).toBe(0);

  await leaveAndCountLefts(alice, host.page, call.room, sid);
  await expect.poll(() => statsWorkerOf(host.page, sid)).toMatchObject({ closed: true });
});

test('resume-reconnect: the resume keeps the worker, the full reconnect that follows ends the old participant once, and the new one leaves once', async ({ call, host }) => {
  const alice = await call.join('alice', { color: COLORS.red, tone: 440 });
  const bob = await call.join('bob', { color: COLORS.green, tone: 660 });
  await inCall(alice, bob);
  const first = await sidOf(alice);

  await inRoom(alice.page, (r) => r.simulateScenario('resume-reconnect'));
  await expect.poll(async () => (await appEvents(alice.page, 'reconnected')).length, { timeout: 20_000 }).toBe(1);
  const second = await sidOf(alice);
  expect(second).not.toBe(first);

  // livekit-client resumes first (tabsfu accepts), then fails that resume on purpose and joins from scratch.
  // Events reach IndexedDB with the next write (every 2 s): wait for them there rather than read once.
  const seen = async () => {
    const events = await eventsIn(host.page, call.room);
    return { resumed: count(events, 'participant_resumed', first), left: count(events, 'participant_left', first), joined: count(events, 'participant_joined', second) };
  };
  await expect.poll(seen).toEqual({ resumed: 1, left: 1, joined: 1 });
  await inCall(alice, bob);
  const rejoinedAt = Date.now();
  await expect.poll(async () => (await statsSince(host.page, second, rejoinedAt)).length).toBeGreaterThan(0);

  await leaveAndCountLefts(alice, host.page, call.room, second);
  expect(count(await eventsIn(host.page, call.room), 'participant_left', first)).toBe(1);
});

test('a peer whose tab dies without leaving gets participant_left once, after the resume window', async ({ call, host }) => {
  const alice = await call.join('alice', { color: COLORS.red, tone: 440 });
  const bob = await call.join('bob', { color: COLORS.green, tone: 660 });
  await inCall(alice, bob);
  const sid = await sidOf(alice);
  // a closed tab's livekit-client sends a leave on pagehide; a crashed or killed one sends nothing
  const cdp = await alice.context.newCDPSession(alice.page);
  const crashed = alice.page.waitForEvent('crash');
  const closedAt = Date.now();
  // the crashed page never answers the command
  void cdp.send('Page.crash').catch(() => {});
  await crashed;

  await expect.poll(async () => count(await eventsIn(host.page, call.room), 'participant_left', sid), { timeout: 30_000 }).toBe(1);
  const left = (await eventsIn(host.page, call.room)).find((e) => e.event === 'participant_left' && e.participantSid === sid)!;
  // the host waits out the resume window (4 s here) before it gives the participant up
  expect(left.at - closedAt).toBeGreaterThanOrEqual(3500);
  await host.page.waitForTimeout(3000);
  expect(count(await eventsIn(host.page, call.room), 'participant_left', sid)).toBe(1);
  expect(count(await eventsIn(host.page, call.room), 'participant_connection_aborted', sid)).toBe(0);
});
