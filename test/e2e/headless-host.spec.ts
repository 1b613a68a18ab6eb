import { expect, test } from '@playwright/test';
import { waitForHostCount } from './helpers/host';
import { COLORS, joinPeer, waitToSeeAndHear } from './helpers/peer';
import { startOwnServer } from './helpers/server';

test('with --headless-host the server opens its own host tab, and peers can call through it', async ({ browser }) => {
  const server = await startOwnServer(1, ['--headless-host']);
  try {
    await expect.poll(() => server.output(), { timeout: 30_000 }).toContain('headless host tab open');
    await waitForHostCount(server.base, 1, 30_000);
    const room = `headless-${Date.now()}`;
    const alice = await joinPeer(browser, server.base, room, 'Alice', { color: COLORS.red, tone: 440 });
    const bob = await joinPeer(browser, server.base, room, 'Bob', { color: COLORS.green, tone: 660 });
    expect((await waitToSeeAndHear(alice, [bob])).ok).toBe(true);
    expect((await waitToSeeAndHear(bob, [alice])).ok).toBe(true);
    for (const p of [alice, bob]) await p.context.close();
  } finally {
    await server.stop();
  }
  expect(server.output()).toContain('a headless Chromium host tab is running');
});
