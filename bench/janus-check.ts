// Smoke test for the Janus system on its own: three Chromium peers in one VideoRoom call, measured the way the
// benchmark measures them. Run inside the benchmark's network namespace (Janus needs a non-loopback interface):
//   npx tsc -p bench && unshare --net bash -c 'ip link set lo up; ip link add bench0 type veth peer name bench0p; ip link set bench0p up;
//     ip addr add 10.77.0.1/24 dev bench0; ip link set bench0 up; node dist/node/bench/janus-check.js'
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { JanusSystem } from './systems/janus.js';
import type { BenchContext, BenchPeer, Scenario } from './systems/system.js';

const root = process.cwd();
const files: Record<string, [string, string]> = {
  '/peer.html': [join(root, 'bench/www/peer.html'), 'text/html'],
  '/peer.js': [join(root, 'bench/www/peer.js'), 'text/javascript'],
  '/janus-peer.js': [join(root, 'bench/www/janus-peer.js'), 'text/javascript'],
  '/livekit-client.umd.js': [join(root, 'node_modules/livekit-client/dist/livekit-client.umd.js'), 'text/javascript'],
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : NaN);

/** utime + stime of a process, in seconds (ticks are 1/100 s on Linux). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function main() {
  const address = process.env.BENCH_ADDR ?? '10.77.0.1';
  const server = createServer((req, res) => {
    const file = files[new URL(req.url ?? '/', 'http://x').pathname];
    if (!file) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': file[1] }).end(readFileSync(file[0]));
  });
  await new Promise<void>((r) => server.listen(0, address, r));
  const port = (server.address() as { port: number }).port;

  const ctx: BenchContext = {
    peerPageUrl: `http://${address}:${port}`,
    launchBrowser: () => Promise.reject(new Error('not needed here')),
    launchPersistent: () => Promise.reject(new Error('not needed here')),
    address,
    iface: process.env.BENCH_IFACE ?? 'bench0',
    log: (line) => console.log(line),
  };
  const scenario: Scenario = { name: 'check', participants: 3, width: 320, height: 180, fps: 30, maxBitrate: 500_000 };
  const system = new JanusSystem();
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required',
      '--allow-loopback-in-peer-connection', '--disable-background-timer-throttling', '--disable-renderer-backgrounding',
    ],
  });
  try {
    await system.start(ctx);
    console.log(system.description);
    const colors = ['#c03030', '#30a030', '#3050c0'];
    const peers: BenchPeer[] = [];
    for (let i = 0; i < scenario.participants; i++) {
      const page = await (await browser.newContext()).newPage();
      page.on('console', (m) => m.type() === 'error' && console.log(`[p${i}] ${m.text()}`));
      await page.goto(`${ctx.peerPageUrl}/peer.html`);
      await page.evaluate((o) => (window as any).bench.init(o), { id: `p${i}`, width: 320, height: 180, fps: 30, color: colors[i], tone: 300 + 100 * i });
      peers.push({ id: `p${i}`, page, publishes: true });
    }
    await system.join(peers, scenario, 'janus-check');
    console.log('joined; letting the call settle');
    await sleep(10000);

    const [pid] = system.sfuPids();
    await Promise.all(peers.map((p) => p.page.evaluate(() => (window as any).bench.startWindow())));
    const cpu0 = cpuSeconds(pid);
    const t0 = Date.now();
    await sleep(10000);
    const cpu1 = cpuSeconds(pid);
    const seconds = (Date.now() - t0) / 1000;
    const results = await Promise.all(peers.map((p) => p.page.evaluate(() => (window as any).bench.endWindow())));

    for (const r of results) {
      console.log(`${r.id}: upload ${r.uploadKbps.toFixed(0)} kbps, packets received ${r.packetsReceived}, lost ${r.packetsLost}, join ms ${r.joinMs.map((x: number | null) => x?.toFixed(0)).join('/')}`);
      for (const s of r.streams) {
        console.log(
          `  from ${s.label}: ${s.fps.toFixed(1)} fps, ${s.width}px wide, g2g median ${median(s.g2g).toFixed(1)} ms ` +
            `(${s.g2g.length} samples), arrival median ${median(s.arrival).toFixed(1)} ms (${s.arrival.length}), unreadable ${s.unreadable}`,
        );
      }
    }
    console.log(`janus pid ${pid}: ${((100 * (cpu1 - cpu0)) / seconds).toFixed(1)} % of one core over ${seconds.toFixed(1)} s`);
    await system.leave(peers);
  } finally {
    await browser.close();
    await system.stop();
    server.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
