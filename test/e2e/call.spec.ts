import { expect, test } from '@playwright/test';
import { openHost } from './helpers/host';
import { COLORS, SIGNAL_PATHS, joinPeer, whoMissesOthers } from './helpers/peer';

for (const path of SIGNAL_PATHS) {
  test(`three peers each see and hear the other two, ${path.name}`, async ({ browser, baseURL }) => {
    const host = await openHost(browser, baseURL!, path.hostQuery);
    const room = `call-${Date.now()}`;
    const alice = await joinPeer(browser, baseURL!, room, 'Alice', { color: COLORS.red, tone: 440 });
    const bob = await joinPeer(browser, baseURL!, room, 'Bob', { color: COLORS.green, tone: 660 });
    const carol = await joinPeer(browser, baseURL!, room, 'Carol', { color: COLORS.blue, tone: 880 });
    const peers = [alice, bob, carol];
    for (const p of peers) expect(p.signalPaths, `${p.name}'s signal connections`).toEqual(path.expected);
    expect(await whoMissesOthers(peers)).toEqual([]);
    for (const p of peers) await p.context.close();
    await host.close();
  });
}
