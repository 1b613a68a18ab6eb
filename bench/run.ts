// npm run bench: the same Chromium peers through tabsfu, Janus VideoRoom, LiveKit's own server, a P2P mesh (and, for the CPU
// target, a re-encoding relay), one after another in one run; a table side by side, JSON, a chart, and the
// README's table. Run it through scripts/bench.mjs, which sets up the machine and the network namespace.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { launchBrowser, launchPersistent, openPeers, serveWww, sleep, waitForFlow } from './harness.js';
import { describeConnections, openLimitedPeer, waitForFirstFrame, waitForLayers, type LimitedPeer } from './limited.js';
import { startCpuWindow, startThreadWindow } from './machine.js';
import { runCoreMicrobench, type CoreMicroResult } from './core-micro.js';
import { renderChart, renderTable, targetLines, updateReadme } from './report.js';
import { caseResult, medianResults, subscriberResults, type CaseResult, type PeerWindow } from './stats.js';
import { JanusSystem } from './systems/janus.js';
import { LivekitSystem } from './systems/livekit.js';
import { MeshSystem } from './systems/mesh.js';
import { ReencodeSystem } from './systems/reencode.js';
import { type BenchContext, type BenchPeer, type Scenario, type System, SystemUnavailable } from './systems/system.js';
import { TabsfuSystem } from './systems/tabsfu.js';

const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
/** --only=tabsfu,janus runs just those systems (names as in the table). */
const only = [...args].find((a) => a.startsWith('--only='))?.slice(7).split(',');
/** --scenario=720 runs just the scenarios whose name contains that text. */
const scenarioFilter = [...args].find((a) => a.startsWith('--scenario='))?.slice(11);

const ADDRESS = process.env.BENCH_ADDR ?? '127.0.0.1';
const IFACE = process.env.BENCH_IFACE ?? 'lo';
const flagNumber = (name: string) => Number([...args].find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? NaN);
/** --warmup=S and --window=S override the warm-up and the measuring window, in seconds. */
const WARMUP_MS = (flagNumber('warmup') || (quick ? 4 : 8)) * 1000;
const WINDOW_MS = (flagNumber('window') || (quick ? 6 : 15)) * 1000;

const video = (n: number, width = 320, height = 180, fps = 30): Scenario => ({ name: `${n} × ${width}x${height}@${fps}`, participants: n, width, height, fps, maxBitrate: 300_000 });

/** --window-realistic=S overrides the realistic scenarios' 60 s window; --long=S the long run's 300 s. */
const REALISTIC_WINDOW_MS = (flagNumber('window-realistic') || (quick ? 20 : 60)) * 1000;
const LONG_WINDOW_MS = (flagNumber('long') || 300) * 1000;
/** A picture that costs real bits at the bitrate people send it. */
const textured = (n: number, width: number, height: number, maxBitrate: number, windowMs = REALISTIC_WINDOW_MS): Scenario => ({
  name: `${n} × ${width}x${height} textured, ${maxBitrate >= 1e6 ? `${maxBitrate / 1e6} Mbit/s` : `${maxBitrate / 1000} kbit/s`}${windowMs > REALISTIC_WINDOW_MS ? `, ${windowMs / 60_000} min` : ''}`,
  participants: n, width, height, fps: 30, maxBitrate, texture: true, windowMs,
  // tabsfu's default publish codec (its colours survive forwarding); every system sends it
  codec: 'h264',
  // the publishers' encoders reach full resolution only once the estimate has ramped up (about 15 s at 1 Mbit/s)
  warmupMs: quick ? 10_000 : 20_000,
});
/** livekit-client's default camera publish: 1280x720 at 1.7 Mbit/s over 640x360 and 320x180 simulcast layers. */
const livekitDefault = (n: number): Scenario => ({ ...textured(n, 1280, 720, 1_700_000), name: `${n} × 1280x720 textured, livekit-client default (simulcast)`, simulcast: true });

/** --window-limited=S overrides the limited-subscriber case's 30 s window (after the layers settle); --limited-kbit=N its 400 kbit/s. */
const LIMITED_WINDOW_MS = (flagNumber('window-limited') || 30) * 1000;
/**
 * The limited-subscriber case (issue 10): livekit-client's 1280x720 simulcast camera at 15 fps (two cores encode
 * three layers and decode two subscribers), one subscriber at full speed and one whose downlink is 400 kbit/s.
 * Each layer keeps its size (maintain-resolution), so that a decoded width names the layer.
 */
const limitedSubscriber = (): Scenario => ({
  ...livekitDefault(3), name: `1280x720 simulcast @15, one of 2 subscribers limited to ${flagNumber('limited-kbit') || 400} kbit/s`, publishers: 1, fps: 15,
  maintainResolution: true, limitedDownKbit: flagNumber('limited-kbit') || 400, windowMs: LIMITED_WINDOW_MS,
});

/** The realistic scenarios, measured with Janus and the mesh beside tabsfu (issue: real-time forwarding). */
function realistic(): Scenario[] {
  if (quick) return [textured(3, 320, 180, 300_000)];
  return [
    textured(2, 320, 180, 300_000), textured(3, 320, 180, 300_000), textured(4, 320, 180, 300_000),
    textured(2, 640, 360, 1_000_000), textured(3, 640, 360, 1_000_000), textured(4, 640, 360, 1_000_000),
    livekitDefault(2),
    textured(3, 320, 180, 300_000, LONG_WINDOW_MS),
    limitedSubscriber(),
  ];
}

/** Which systems run which scenarios: every SFU and the mesh on the main grid; the baselines where they matter. */
function plan(): { system: () => System; scenarios: Scenario[] }[] {
  const grid = quick ? [video(3)] : [video(2), video(3), video(4), video(3, 320, 180, 15), video(3, 640, 360)];
  const audioRoom: Scenario = { name: '1 speaker + 7 listeners, audio', participants: 8, publishers: 1, audioOnly: true, width: 320, height: 180, fps: 30, maxBitrate: 300_000 };
  const classic = quick ? grid : [...grid, audioRoom];
  // --set=realistic or --set=classic runs one set; both by default
  const set = [...args].find((a) => a.startsWith('--set='))?.slice(6);
  const main = [...(set !== 'classic' ? realistic() : []), ...(set !== 'realistic' ? classic : [])];
  const baseline = process.env.BENCH_BASELINE_DIR;
  return [
    { system: () => new TabsfuSystem(), scenarios: main },
    // the cost of telemetry: the same host with it off
    ...(set !== 'realistic' ? [{ system: () => new TabsfuSystem({ name: 'tabsfu-no-telemetry', hostQuery: 'telemetry=off' }), scenarios: quick ? [video(3)] : [video(3), video(4)] }] : []),
    ...(baseline ? [{ system: () => new TabsfuSystem({ root: baseline, name: 'tabsfu-before' }), scenarios: main }] : []),
    // a host given extra settings for an experiment (BENCH_EXPERIMENT_QUERY), beside the default one
    ...(process.env.BENCH_EXPERIMENT_QUERY ? [{ system: () => new TabsfuSystem({ name: 'tabsfu-experiment', hostQuery: process.env.BENCH_EXPERIMENT_QUERY }), scenarios: main }] : []),
    { system: () => new JanusSystem(), scenarios: main },
    // LiveKit's own server: what a LiveKit user would run instead of tabsfu, joined with the same livekit-client calls
    { system: () => new LivekitSystem(), scenarios: main },
    // Janus as an app would run it against a slow subscriber: it reports slow links and the app picks a lower substream
    ...(main.some((s) => s.limitedDownKbit) ? [{ system: () => new JanusSystem({ name: 'janus-slowlink', adapt: 'slowlink' }), scenarios: main.filter((s) => s.limitedDownKbit) }] : []),
    // a mesh has no layers to choose: each sender adapts to its receiver
    { system: () => new MeshSystem(), scenarios: main.filter((s) => !s.limitedDownKbit) },
    ...(set !== 'realistic' ? [
      { system: () => new TabsfuSystem({ route: 'decoy' }), scenarios: [video(3)] },
      { system: () => new ReencodeSystem(), scenarios: quick ? [video(3)] : [video(3), video(4), video(3, 640, 360)] },
    ] : []),
  ];
}

async function runCase(system: System, scenario: Scenario, peerBrowser: { browser: Browser; pid: number }, url: string, log: (s: string) => void): Promise<CaseResult> {
  // the limited-subscriber case: the last participant watches from a browser of its own behind a bottleneck
  let limited: LimitedPeer | null = null;
  const peers = await openPeers(peerBrowser.browser, url, scenario, scenario.limitedDownKbit ? scenario.participants - 1 : scenario.participants);
  try {
    if (scenario.limitedDownKbit) {
      limited = await openLimitedPeer(url, scenario);
      peers.push(limited.peer);
    }
    await system.join(peers, scenario, `bench-${Date.now()}`);
    if (limited) {
      await waitForFlow(peers.filter((p) => p !== limited!.peer), scenario);
      if (!(await waitForFirstFrame(limited.peer, 60_000))) log(`  ${system.name} · ${scenario.name}: the limited subscriber shows no picture after 60 s (${await describeConnections(limited.peer)})`);
      // at least the warm-up (the publisher's top layer needs its estimate to ramp up), then 10 s on the same layer
      if (!(await waitForLayers(peers, scenario.warmupMs ?? WARMUP_MS, 10_000, 120_000))) log(`  ${system.name} · ${scenario.name}: a subscriber's layer did not settle in 120 s; measuring anyway`);
    } else {
      await waitForFlow(peers, scenario);
      await sleep(scenario.warmupMs ?? WARMUP_MS);
    }
    await Promise.all(peers.map((p) => p.page.evaluate(() => (window as unknown as { bench: { startWindow(): Promise<void> } }).bench.startWindow())));
    // the system's own readings start first: reading them costs the SFU time that is not forwarding
    const endExtras = system.windowExtras ? await system.windowExtras() : null;
    const sfuPids = system.sfuPids();
    const endSfu = sfuPids.length ? startCpuWindow(sfuPids) : null;
    const endPeers = startCpuWindow([peerBrowser.pid, ...(limited ? [limited.pid] : [])]);
    const endThreads = process.env.BENCH_THREADS && sfuPids.length ? startThreadWindow(sfuPids) : null;
    await sleep(scenario.windowMs ?? WINDOW_MS);
    if (endThreads) log(`  SFU CPU by thread: ${endThreads().slice(0, 16).map(([t, v]) => `${t} ${v.toFixed(1)}`).join(', ')}`);
    const sfu = endSfu?.() ?? null;
    const peersCpu = endPeers();
    const extras = endExtras ? await endExtras() : {};
    const windows = await Promise.all(peers.map((p) => p.page.evaluate(() => (window as unknown as { bench: { endWindow(): Promise<unknown> } }).bench.endWindow()))) as PeerWindow[];
    const result = caseResult(system.name, scenario, windows, sfu, peersCpu, extras);
    if (limited) {
      result.subscribers = subscriberResults(windows, peers.filter((p) => !p.publishes).map((p) => p.id), limited.peer.id);
      for (const s of result.subscribers) {
        const switches = windows.find((w) => w.id === s.id)?.substreamSwitches ?? [];
        log(`  ${system.name} · ${s.id}${s.limited ? ` (${scenario.limitedDownKbit} kbit/s)` : ''}: width ${s.width} (path ${s.path.join(' → ') || 'none'}), settled ${s.settledMs === null ? '–' : (s.settledMs / 1000).toFixed(1) + ' s'} after joining (${s.stalledBeforeSeconds.toFixed(1)} s stalled before), ` +
          `${s.changesInWindow} changes in the window, arrival p50 ${s.arrival.p50.toFixed(1)} p95 ${s.arrival.p95.toFixed(1)} ms, freezes ${s.freezes} (${s.freezeSeconds.toFixed(2)} s), longest gap ${s.maxGapMs.toFixed(0)} ms, ${s.fps.toFixed(1)} fps` +
          (switches.length ? `; substreams asked for: ${switches.map(([t, , q]) => `${q} at ${(t / 1000).toFixed(1)} s`).join(', ')}` : ''));
      }
    }
    if (result.sfu) log(`  ${system.name} · ${scenario.name}: SFU CPU by process: ${result.sfu.byRole.filter(([, v]) => v >= 0.1).map(([r, v]) => `${r} ${v.toFixed(1)}`).join(', ')}`);
    log(`  ${system.name} · ${scenario.name}: SFU ${result.sfu ? result.sfu.cpuPercent.toFixed(1) + ' %' : '-'}, fps ${result.fps.min.toFixed(1)}–${result.fps.mean.toFixed(1)}, g2g mean ${result.g2g.mean.toFixed(0)} p95 ${result.g2g.p95.toFixed(0)} ms, arrival p50 ${result.arrival.p50.toFixed(1)} p95 ${result.arrival.p95.toFixed(1)} max ${result.arrival.max.toFixed(0)} ms, jitter buffer ${result.jitterBufferMs.toFixed(0)} ms, loss ${result.lossPercent.toFixed(2)} %, machine ${result.machinePercent.toFixed(0)} %` +
      (result.arrivalByMinute.length > 1 ? `, arrival p95 by minute ${result.arrivalByMinute.map((m) => m.toFixed(1)).join(' / ')}` : '') +
      Object.entries(result.extras).filter(([k]) => !k.startsWith('telemetry')).map(([k, v]) => `, ${k} ${v.toFixed(2)}`).join(''));
    return result;
  } finally {
    await system.leave(peers).catch(() => {});
    for (const p of peers) await p.page.context().close().catch(() => {});
    await limited?.close();
  }
}

function machineLine(browserVersion: string, janus: string): string {
  const cpu = os.cpus();
  const livekit = process.env.LIVEKIT_SERVER_VERSION ? `livekit-server ${process.env.LIVEKIT_SERVER_VERSION}` : 'livekit-server not run';
  return `${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${cpu.length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}; Chromium ${browserVersion}; ${janus}; ${livekit}`;
}

async function main(): Promise<void> {
  const log = (s: string) => console.log(s);
  const www = await serveWww(ADDRESS);
  const peerBrowser = await launchBrowser();
  const ctx: BenchContext = { peerPageUrl: www.url, launchBrowser, launchPersistent, address: ADDRESS, iface: IFACE, log };
  const results: CaseResult[] = [];
  let janusVersion = 'Janus not run';
  log(`bench on ${ADDRESS} (${IFACE}); warm-up ${WARMUP_MS / 1000} s, window ${WINDOW_MS / 1000} s`);
  const repeat = flagNumber('repeat') || 1;
  for (let round = 0; round < repeat; round++) for (const { system: make, scenarios } of plan()) {
    const system = make();
    if (only && !only.includes(system.name)) continue;
    log(`\n${system.name}: ${system.description}`);
    try {
      await system.start(ctx);
      if (system instanceof JanusSystem) janusVersion = system.version;
    } catch (e) {
      const why = e instanceof SystemUnavailable ? e.message : `could not start: ${(e as Error).message}`;
      log(`  skipped: ${why}`);
      for (const scenario of scenarios) results.push({ ...emptyResult(system.name, scenario), skipped: why });
      continue;
    }
    for (const scenario of scenarios.filter((x) => !scenarioFilter || x.name.includes(scenarioFilter))) {
      try {
        results.push(await runCase(system, scenario, peerBrowser, www.url, log));
      } catch (e) {
        log(`  ${scenario.name} failed: ${(e as Error).message}`);
        results.push({ ...emptyResult(system.name, scenario), skipped: (e as Error).message });
      }
    }
    await system.stop().catch(() => {});
  }
  log('\nforwarding decision microbenchmark (WASM core against plain TypeScript, Node)');
  const micro: CoreMicroResult[] = await runCoreMicrobench();
  const date = new Date().toISOString().slice(0, 10);
  const machine = machineLine(peerBrowser.browser.version(), janusVersion);
  const merged = repeat > 1 ? medianResults(results) : results;
  const table = renderTable(merged, micro) + (repeat > 1 ? `\n\n(medians of ${repeat} rounds, systems interleaved)` : '');
  const targets = targetLines(merged);
  console.log(`\n${table}\n\n${targets.join('\n')}`);
  const outDir = path.resolve('bench/results');
  fs.mkdirSync(outDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const json = { date, machine, quick, warmupMs: WARMUP_MS, windowMs: WINDOW_MS, results, micro };
  fs.writeFileSync(path.join(outDir, `run-${stamp}.json`), JSON.stringify(json, null, 1));
  // only a whole run speaks for the README and the committed latest.*; a partial one (--only, --scenario, --set,
  // --quick) writes partial.* beside them, so that a profiling run cannot replace the published figures
  const partial = quick || only || scenarioFilter || [...args].some((a) => a.startsWith('--set='));
  const name = partial ? 'partial' : 'latest';
  fs.writeFileSync(path.join(outDir, `${name}.json`), JSON.stringify(json, null, 1));
  const html = renderChart(merged, micro, date, machine);
  fs.writeFileSync(path.join(outDir, `${name}.html`), html);
  const shot = await (await peerBrowser.browser.newContext({ viewport: { width: 1100, height: 800 } })).newPage();
  await shot.setContent(html);
  await shot.screenshot({ path: path.join(outDir, `${name}.png`), fullPage: true });
  if (!partial) updateReadme(path.resolve('README.md'), table, targets, date, machine);
  // the limited-subscriber case has a file of its own, as the soak has, so that running it alone keeps its figures
  const limitedResults = results.filter((r) => r.scenario.limitedDownKbit);
  if (limitedResults.length) fs.writeFileSync(path.join(outDir, 'limited-latest.json'), JSON.stringify({ date, machine, results: limitedResults }, null, 1));
  await peerBrowser.browser.close();
  www.close();
  log(`\nwrote bench/results/${name}.{json,html,png}${partial ? '' : ' and the README table'}`);
}

function emptyResult(system: string, scenario: Scenario): CaseResult {
  const none = { p50: NaN, p95: NaN, max: NaN, mean: NaN, n: 0 };
  return { system, scenario, sfu: null, machinePercent: NaN, peersCpuPercent: NaN, g2g: none, arrival: none, arrivalByMinute: [], jitterBufferMs: NaN, fps: { min: NaN, mean: NaN, streams: 0 }, lossPercent: NaN, uploadKbps: NaN, joinMs: { first: null, all: null }, unreadableFrames: 0, extras: {} };
}

main().then(() => process.exit(0), (e) => {
  console.error(e);
  process.exit(1);
});
