import { spawn } from 'node:child_process';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { waitForHostCount } from './helpers/host';
import { COLORS, joinPeer, waitToSeeAndHear } from './helpers/peer';

const PORT = Number(process.env.TABSFU_TEST_PORT ?? 7891) + 1;

test('with --headless-host the server opens its own host tab, and peers can call through it', async ({ browser }) => {
  const base = `http://localhost:${PORT}`;
  const server = spawn(process.execPath, [path.resolve('dist/node/server/main.js'), '--port', String(PORT), '--headless-host'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  server.stdout.on('data', (c) => (output += c));
  server.stderr.on('data', (c) => (output += c));
  try {
    await expect.poll(() => output, { timeout: 30_000 }).toContain('headless host tab open');
    await waitForHostCount(base, 1, 30_000);
    const room = `headless-${Date.now()}`;
    const alice = await joinPeer(browser, base, room, 'Alice', { color: COLORS.red, tone: 440 });
    const bob = await joinPeer(browser, base, room, 'Bob', { color: COLORS.green, tone: 660 });
    expect((await waitToSeeAndHear(alice, [bob])).ok).toBe(true);
    expect((await waitToSeeAndHear(bob, [alice])).ok).toBe(true);
    for (const p of [alice, bob]) await p.context.close();
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  }
  expect(output).toContain('a headless Chromium host tab is running');
});
