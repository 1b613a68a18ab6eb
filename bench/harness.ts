// What the benchmark and the soak share: the static server for the peer pages, browsers for peers and for an SFU tab,
// and peers that join a system and start sending.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { browserPidFor } from './machine.js';
import type { BenchPeer, Scenario } from './systems/system.js';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const PEER_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--autoplay-policy=no-user-gesture-required', '--allow-loopback-in-peer-connection',
  '--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows',
  // plain host candidates: Janus cannot resolve mDNS names, and every system should connect the same way
  '--disable-features=WebRtcHideLocalIpsWithMdns',
];

const COLORS = ['#dc2828', '#28c83c', '#2846dc', '#e6d228', '#c828c8', '#28c8c8', '#e68228', '#8c8c8c'];

/** The file the peers' static server serves for a request path. */
function wwwFile(urlPath: string): string {
  const name = path.basename(urlPath.split('?')[0]) || 'peer.html';
  return name === 'livekit-client.umd.js' ? path.resolve('node_modules/livekit-client/dist/livekit-client.umd.js') : path.join(path.resolve('bench/www'), name);
}

export function serveWww(address: string): Promise<{ url: string; close(): void }> {
  const server = http.createServer((req, res) => {
    const file = wwwFile(req.url ?? '/');
    if (!fs.existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : 'text/html' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, address, () => {
    resolve({ url: `http://${address}:${(server.address() as { port: number }).port}/`, close: () => server.close() });
  }));
}

/** `executablePath`: another way to start Chromium, e.g. inside a network namespace (bench/limited.ts). */
export async function launchBrowser(executablePath = CHROMIUM): Promise<{ browser: Browser; pid: number }> {
  const server = await chromium.launchServer({ executablePath, args: PEER_ARGS });
  const browser = await chromium.connect(server.wsEndpoint());
  browser.on('disconnected', () => void server.close());
  return { browser, pid: server.process().pid! };
}

export async function launchPersistent(userDataDir: string) {
  const context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, args: PEER_ARGS });
  return { context, pid: browserPidFor(userDataDir) };
}

export async function openPeers(browser: Browser, url: string, scenario: Scenario, count = scenario.participants): Promise<BenchPeer[]> {
  const peers: BenchPeer[] = [];
  for (let i = 0; i < count; i++) peers.push(await openPeer(browser, url, scenario, i));
  return peers;
}

/**
 * The scenario's participant `i` (p1, p2…) in a context of its own. `localFiles`: the page's scripts (livekit-client is
 * 600 kB) come from disk through Playwright rather than over the network, where a peer behind a slow link would wait
 * seconds for them. The page itself still comes over the network: a page Playwright fulfils counts as a public one,
 * and Chromium's local network access checks then block its connections to the servers' private address.
 */
export async function openPeer(browser: Browser, url: string, scenario: Scenario, i: number, localFiles = false): Promise<BenchPeer> {
  const context = await browser.newContext();
  if (localFiles) {
    await context.route((u) => u.href.startsWith(url) && u.pathname.endsWith('.js'), (route) => {
      const file = wwwFile(new URL(route.request().url()).pathname);
      return fs.existsSync(file) ? route.fulfill({ path: file, contentType: 'text/javascript' }) : route.fulfill({ status: 404 });
    });
  }
  const page = await context.newPage();
  await page.goto(`${url}peer.html`);
  const id = `p${i + 1}`;
  const publishes = i < (scenario.publishers ?? scenario.participants);
  await page.evaluate((a) => (window as unknown as { bench: { init(x: unknown): void } }).bench.init(a), {
    id, width: scenario.width, height: scenario.height, fps: scenario.fps, color: COLORS[i % COLORS.length], tone: 300 + 110 * i, texture: !!scenario.texture, codec: scenario.codec ?? 'vp8', camera: publishes,
  });
  return { id, page, publishes };
}

export async function waitForFlow(peers: BenchPeer[], scenario: Scenario): Promise<void> {
  if (scenario.audioOnly) return void (await sleep(2000));
  const publishers = peers.filter((p) => p.publishes);
  const deadline = Date.now() + 30_000;
  for (const p of peers) {
    const expected = publishers.filter((q) => q !== p).length;
    while ((await p.page.evaluate(() => (window as unknown as { bench: { flowing(): string[] } }).bench.flowing())).length < expected) {
      if (Date.now() > deadline) throw new Error(`${p.id} does not receive every stream after 30 s`);
      await sleep(200);
    }
  }
}


export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
