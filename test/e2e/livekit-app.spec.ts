import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { expect, test } from '@playwright/test';
import { openHost } from './helpers/host';
import { COLORS, type Peer, whoMissesOthers } from './helpers/peer';
import { sdkToken } from './helpers/tokens';

const umd = createRequire(import.meta.url).resolve('livekit-client');

/** Serves the app page and livekit-client from an origin other than tabsfu's. */
function serveApp(): Promise<{ url: string; close(): void }> {
  const server = http.createServer((req, res) => {
    const file = req.url === '/livekit-client.umd.js' ? umd.replace(/livekit-client\.esm\.mjs$/, 'livekit-client.umd.js') : path.join(import.meta.dirname, 'app', 'index.html');
    res.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : 'text/html' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    resolve({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`, close: () => server.close() });
  }));
}

test('an app built only on livekit-client, with server-SDK tokens, puts three peers in a call', async ({ browser, baseURL }) => {
  const host = await openHost(browser, baseURL!);
  const app = await serveApp();
  const room = `app-${Date.now()}`;
  const people = [
    { name: 'ana', color: COLORS.red, tone: 440 },
    { name: 'ben', color: COLORS.green, tone: 660 },
    { name: 'cy', color: COLORS.blue, tone: 880 },
  ];
  const peers: Peer[] = [];
  for (const p of people) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(app.url);
    const token = await sdkToken(room, p.name);
    const identity = await page.evaluate((args) => (window as unknown as { startApp(a: unknown): Promise<string> }).startApp(args), {
      url: baseURL!.replace('http', 'ws'), token, color: p.color, tone: p.tone,
    });
    peers.push({ name: p.name, identity, context, page, media: { color: p.color, tone: p.tone } });
  }
  expect(await whoMissesOthers(peers)).toEqual([]);
  for (const p of peers) await p.context.close();
  app.close();
  await host.close();
});
