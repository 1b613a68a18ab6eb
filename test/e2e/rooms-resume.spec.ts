import { appEvents, inRoom } from './helpers/app';
import { COLORS, type Peer, waitToSeeAndHear } from './helpers/peer';
import { adminToken } from './helpers/tokens';
import { expect, test } from './fixtures';

test.use({ hostQuery: '?resumeWindowMs=10000' });

/** What others must find unchanged after a resume: the sid and the track sids. */
function identityOf(peer: Peer) {
  return inRoom(peer.page, (r) => ({ sid: r.localParticipant.sid as string, tracks: [...r.localParticipant.trackPublications.keys()].sort() as string[] }));
}

function seenBy(observer: Peer, identity: string) {
  return inRoom(observer.page, (r, id) => {
    const p = r.getParticipantByIdentity(id);
    return p ? { sid: p.sid as string, tracks: [...p.trackPublications.keys()].sort() as string[] } : null;
  }, identity);
}

async function everyoneSeesAndHearsEveryone(peers: Peer[]) {
  for (const p of peers) {
    const seen = await waitToSeeAndHear(p, peers.filter((o) => o !== p));
    expect(seen, `${p.name} saw ${JSON.stringify(seen.colors)} and heard ${JSON.stringify(seen.tones)}`).toMatchObject({ ok: true });
  }
}

for (const scenario of ['signal-reconnect'] as const) {
  test(`after ${scenario} the peer is resumed with its sid, tracks and subscriptions, and its media keeps flowing`, async ({ call }) => {
    const alice = await call.join('alice', { color: COLORS.red, tone: 440 });
    const bob = await call.join('bob', { color: COLORS.green, tone: 660 });
    await everyoneSeesAndHearsEveryone([alice, bob]);
    const before = await identityOf(alice);

    await inRoom(alice.page, (r, s) => r.simulateScenario(s), scenario);
    await expect.poll(async () => (await appEvents(alice.page, 'reconnected')).length).toBe(1);

    expect(await identityOf(alice)).toEqual(before);
    expect(await seenBy(bob, 'alice')).toEqual(before);
    expect(await appEvents(bob.page, 'participant-disconnected')).toEqual([]);
    await everyoneSeesAndHearsEveryone([alice, bob]);
  });
}

test('a peer whose WebSocket is cut at the relay resumes, keeps its sid and tracks, and everyone still sees and hears it', async ({ call, baseURL }) => {
  const alice = await call.join('alice', { color: COLORS.red, tone: 440 });
  const bob = await call.join('bob', { color: COLORS.green, tone: 660 });
  await everyoneSeesAndHearsEveryone([alice, bob]);
  const before = await identityOf(alice);

  const res = await fetch(`${baseURL}/api/admin/cut-signal?room=${call.room}&identity=alice`, { method: 'POST', headers: { authorization: `Bearer ${await adminToken(call.room)}` } });
  expect(await res.json()).toEqual({ cut: 1 });
  await expect.poll(async () => (await appEvents(alice.page, 'reconnected')).length).toBe(1);

  expect(await identityOf(alice)).toEqual(before);
  expect(await seenBy(bob, 'alice')).toEqual(before);
  await everyoneSeesAndHearsEveryone([alice, bob]);
});

test('cutting a connection needs a roomAdmin token', async ({ call, baseURL }) => {
  await call.join('alice', { color: COLORS.red, tone: 440, publish: false });
  const res = await fetch(`${baseURL}/api/admin/cut-signal?room=${call.room}&identity=alice`, { method: 'POST' });
  expect(res.status).toBe(401);
  expect((await res.json()).error).toContain('no access token');
});

// resume-reconnect makes the client's resume fail after the host accepted it; livekit-client then joins from
// scratch, as it would against LiveKit
for (const scenario of ['full-reconnect', 'resume-reconnect'] as const) {
  test(`after ${scenario} the peer joins again from scratch, and everyone sees and hears everyone`, async ({ call }) => {
    const alice = await call.join('alice', { color: COLORS.red, tone: 440 });
    const bob = await call.join('bob', { color: COLORS.green, tone: 660 });
    await everyoneSeesAndHearsEveryone([alice, bob]);
    const before = await identityOf(alice);
    await inRoom(alice.page, (r, s) => r.simulateScenario(s), scenario);
    await expect.poll(async () => (await appEvents(alice.page, 'reconnected')).length, { timeout: 20_000 }).toBe(1);
    const after = await identityOf(alice);
    expect(after.sid).not.toBe(before.sid);
    await expect.poll(() => seenBy(bob, 'alice')).toEqual(after);
    await everyoneSeesAndHearsEveryone([alice, bob]);
  });
}
