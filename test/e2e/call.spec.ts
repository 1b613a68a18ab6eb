import { expect, test } from '@playwright/test';
import { openHost } from './helpers/host';
import { COLORS, joinPeer, waitToSeeAndHear } from './helpers/peer';

test('three peers each see and hear the other two', async ({ browser, baseURL }) => {
  const host = await openHost(browser, baseURL!);
  const room = `call-${Date.now()}`;
  const alice = await joinPeer(browser, baseURL!, room, 'Alice', { color: COLORS.red, tone: 440 });
  const bob = await joinPeer(browser, baseURL!, room, 'Bob', { color: COLORS.green, tone: 660 });
  const carol = await joinPeer(browser, baseURL!, room, 'Carol', { color: COLORS.blue, tone: 880 });
  const peers = [alice, bob, carol];
  for (const p of peers) {
    const others = peers.filter((o) => o !== p);
    const seen = await waitToSeeAndHear(p, others);
    expect(seen, `${p.name} saw ${JSON.stringify(seen.colors)} and heard ${JSON.stringify(seen.tones)}`).toMatchObject({ ok: true });
  }
  for (const p of peers) await p.context.close();
  await host.close();
});
