// npm run soak: a long call, to find what only time shows. Four peers with textured cameras at 300 kbit/s call
// through one host tab for 30 minutes; after the first minute the host's window is minimised, so that the host tab is
// hidden (as a host tab left in the background is) for the rest. It reports the host's memory over time, the longest
// stall any subscriber saw, what telemetry holds against its retention limits, and whether every path still carries
// media at the end. Not part of npm test: it takes half an hour.
//   npm run soak [-- --minutes=30 --peers=4 --untouched]
import fs from 'node:fs';
import path from 'node:path';
import type { CDPSession, Page } from 'playwright-core';
import { launchBrowser, launchPersistent, openPeers, serveWww, sleep, waitForFlow } from './harness.js';
import { processRole, treePssByRole } from './machine.js';
import { allocatorGrowth, startMemoryDumps } from './memory-dumps.js';
import { censusGrowth, heapCensus, type HeapCensus } from './heap-snapshot.js';
import { summarize, type PeerWindow } from './stats.js';
import type { Scenario } from './systems/system.js';
import { TabsfuSystem } from './systems/tabsfu.js';

const flag = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const MINUTES = flag('minutes', 30);
const PEERS = flag('peers', 4);
const SAMPLE_MS = 30_000;
const HIDE_AFTER_MS = 60_000;
const UNTOUCHED = process.argv.includes('--untouched');

interface Sample {
  minute: number;
  hidden: boolean;
  hostPssMB: number;
  /** The same by process role, to tell the page's growth from the browser's (IndexedDB, caches). */
  pssByRoleMB: Record<string, number>;
  pageHeapMB: number;
  workerHeapMB: number;
  workerBuffersMB: number;
  events: number;
  stats: number;
}

/** The host page's JS heap (the worker's lives in the same renderer, which the PSS counts). */
async function pageHeapMB(cdp: CDPSession): Promise<number> {
  const { usedSize } = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
  return usedSize / 2 ** 20;
}

/**
 * The host worker's V8 heap and the array buffers it holds outside that heap (encoded frames in flight among them), read
 * through a CDP session on the worker target (the page session relays it: Playwright opens none for workers).
 */
async function workerHeap(cdp: CDPSession): Promise<() => Promise<{ heapMB: number; buffersMB: number }>> {
  const sessionId = await new Promise<string>((resolve) => {
    cdp.on('Target.attachedToTarget', (e: { sessionId: string; targetInfo: { type: string } }) => {
      if (e.targetInfo.type === 'worker') resolve(e.sessionId);
    });
    void cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
  });
  let next = 1;
  const waiting = new Map<number, (r: Record<string, number>) => void>();
  cdp.on('Target.receivedMessageFromTarget', (e: { sessionId: string; message: string }) => {
    if (e.sessionId !== sessionId) return;
    const m = JSON.parse(e.message) as { id?: number; result?: Record<string, number> };
    if (m.id !== undefined) waiting.get(m.id)?.(m.result ?? {});
  });
  return () => new Promise((resolve) => {
    const id = next++;
    waiting.set(id, (r) => resolve({ heapMB: (r.usedSize ?? 0) / 2 ** 20, buffersMB: (r.backingStorageSize ?? 0) / 2 ** 20 }));
    void cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method: 'Runtime.getHeapUsage' }) });
  });
}

/** A full collection on the page's main thread (V8 and Blink's heap together), so that a dump counts live objects. */
async function collectGarbage(cdp: CDPSession): Promise<void> {
  await cdp.send('HeapProfiler.enable');
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.disable');
}

async function telemetryCounts(page: Page): Promise<{ events: number; stats: number }> {
  return page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('tabsfu-telemetry');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const tx = db.transaction(['events', 'stats']);
      const e = tx.objectStore('events').count();
      const s = tx.objectStore('stats').count();
      tx.oncomplete = () => { db.close(); resolve({ events: e.result, stats: s.result }); };
    };
  }));
}

/** Minimises (or restores) the host's browser window: Chromium then reports the page hidden, as for a background tab. */
async function setHidden(cdp: CDPSession, hidden: boolean): Promise<void> {
  const { windowId } = (await cdp.send('Browser.getWindowForTarget')) as { windowId: number };
  await cdp.send('Browser.setWindowBounds', { windowId, bounds: { windowState: hidden ? 'minimized' : 'normal' } });
}

async function main(): Promise<void> {
  const log = (s: string) => console.log(s);
  const www = await serveWww('127.0.0.1');
  const peerBrowser = await launchBrowser();
  const system = new TabsfuSystem();
  await system.start({ peerPageUrl: www.url, launchBrowser, launchPersistent, address: '127.0.0.1', iface: 'lo', log });
  const scenario: Scenario = { name: `${PEERS} × 320x180 textured, 300 kbit/s, ${MINUTES} min${UNTOUCHED ? ', host page never clicked' : ''}`, participants: PEERS, width: 320, height: 180, fps: 30, maxBitrate: 300_000, texture: true, codec: 'h264' };
  const peers = await openPeers(peerBrowser.browser, www.url, scenario);
  await system.join(peers, scenario, `soak-${Date.now()}`);
  await waitForFlow(peers, scenario);
  const host = system.hostPage;
  const cdp = await host.context().newCDPSession(host);
  const readWorkerHeap = await workerHeap(cdp);
  // a host tab gets a click from its person (the headless host clicks itself): until the first input, Chromium's
  // largest-contentful-paint detector keeps a record of every text the page paints; --untouched measures that case
  if (!UNTOUCHED) await host.mouse.click(0, 0);
  await Promise.all(peers.map((p) => p.page.evaluate(() => (window as unknown as { bench: { startWindow(): Promise<void> } }).bench.startWindow())));
  const started = Date.now();
  const samples: Sample[] = [];
  let hiddenMs = 0;
  let hiddenAt = 0;
  // Chromium's own memory account by allocator, at minute 2 and at the end, says which part grows
  const dumps = await startMemoryDumps(cdp);
  let dumpedAtTwo = false;
  // and the page's heap by object name (a snapshot also collects garbage first)
  let censusAtTwo: HeapCensus | null = null;
  log(`soak: ${scenario.name}; host hidden after ${HIDE_AFTER_MS / 1000} s`);
  while (Date.now() - started < MINUTES * 60_000) {
    if (!hiddenAt && Date.now() - started >= HIDE_AFTER_MS) {
      await setHidden(cdp, true);
      hiddenAt = Date.now();
    }
    const hidden = await host.evaluate(() => document.visibilityState === 'hidden');
    const counts = await telemetryCounts(host);
    const byRole = Object.entries(treePssByRole(system.sfuPids()[0])).map(([role, b]): [string, number] => [role, b / 2 ** 20]);
    const hostPssMB = byRole.reduce((a, [, mb]) => a + mb, 0);
    if (!dumpedAtTwo && Date.now() - started >= 2 * 60_000) {
      await collectGarbage(cdp);
      await dumps.take();
      censusAtTwo = await heapCensus(cdp);
      dumpedAtTwo = true;
    }
    const worker = await readWorkerHeap();
    const s: Sample = { workerHeapMB: worker.heapMB, workerBuffersMB: worker.buffersMB, minute: (Date.now() - started) / 60_000, hidden, hostPssMB, pssByRoleMB: Object.fromEntries(byRole), pageHeapMB: await pageHeapMB(cdp), ...counts };
    samples.push(s);
    log(`  ${s.minute.toFixed(1)} min: host ${s.hidden ? 'hidden' : 'visible'}, PSS ${s.hostPssMB.toFixed(0)} MB (${Object.entries(s.pssByRoleMB).sort((a, b) => b[1] - a[1]).map(([r, mb]) => `${r} ${mb.toFixed(0)}`).join(', ')}), page heap ${s.pageHeapMB.toFixed(1)} MB, worker heap ${s.workerHeapMB.toFixed(1)} MB + buffers ${s.workerBuffersMB.toFixed(1)} MB, telemetry ${s.events} events / ${s.stats} stats`);
    await sleep(SAMPLE_MS);
  }
  if (hiddenAt) hiddenMs = Date.now() - hiddenAt;
  await collectGarbage(cdp);
  await dumps.take();
  const dumped = await dumps.finish();
  const growth = dumped.length === 2 ? allocatorGrowth(dumped[0], dumped[1]) : [];
  const objects = censusAtTwo ? censusGrowth(censusAtTwo, await heapCensus(cdp)) : [];
  await setHidden(cdp, false);
  const windows = (await Promise.all(peers.map((p) => p.page.evaluate(() => (window as unknown as { bench: { endWindow(): Promise<unknown> } }).bench.endWindow())))) as PeerWindow[];
  // at the end, every path still carries media: a fresh 10 s of frames on every stream
  await Promise.all(peers.map((p) => p.page.evaluate(() => (window as unknown as { bench: { startWindow(): Promise<void> } }).bench.startWindow())));
  await sleep(10_000);
  const last = (await Promise.all(peers.map((p) => p.page.evaluate(() => (window as unknown as { bench: { endWindow(): Promise<unknown> } }).bench.endWindow())))) as PeerWindow[];
  const settings = await host.evaluate(() => (window as unknown as { tabsfuHost: { settings: { maxStatsRecords: number; retentionDays: number; statsIntervalMs: number } } }).tabsfuHost.settings);

  const streams = windows.flatMap((w) => w.streams);
  const endStreams = last.flatMap((w) => w.streams);
  const firstPss = samples[0].hostPssMB;
  const lastPss = samples[samples.length - 1].hostPssMB;
  const settled = samples.find((s) => s.minute >= 2) ?? samples[0];
  const report = {
    date: new Date().toISOString().slice(0, 10),
    scenario: scenario.name,
    hiddenMinutes: hiddenMs / 60_000,
    hiddenConfirmed: samples.some((s) => s.hidden),
    hostPssMB: { first: firstPss, atTwoMinutes: settled.hostPssMB, last: lastPss, growthSinceTwoMinutes: lastPss - settled.hostPssMB },
    growthByRoleMB: Object.fromEntries(Object.entries(samples[samples.length - 1].pssByRoleMB)
      .map(([role, mb]) => [role, mb - (settled.pssByRoleMB[role] ?? 0)])),
    pageHeapMB: { first: samples[0].pageHeapMB, last: samples[samples.length - 1].pageHeapMB },
    workerHeapMB: { first: samples[0].workerHeapMB, atTwoMinutes: settled.workerHeapMB, last: samples[samples.length - 1].workerHeapMB },
    heapGrowthSinceTwoMinutesMB: (samples[samples.length - 1].pageHeapMB + samples[samples.length - 1].workerHeapMB) - (settled.pageHeapMB + settled.workerHeapMB),
    pageObjectGrowth: objects,
    allocatorGrowthMB: growth.map((g) => ({ process: `${processRole(g.pid)} ${g.pid}`, allocator: g.name, fromMB: g.beforeMB, toMB: g.afterMB })),
    workerBuffersMB: { first: samples[0].workerBuffersMB, last: samples[samples.length - 1].workerBuffersMB },
    longestStallMs: Math.max(...streams.map((s) => s.maxGapMs ?? 0)),
    arrival: summarize(streams.flatMap((s) => s.arrival)),
    fps: { min: Math.min(...streams.map((s) => s.fps)), endMin: Math.min(...endStreams.map((s) => s.fps)) },
    streamsAtEnd: { expected: PEERS * (PEERS - 1), flowing: endStreams.filter((s) => s.fps > 20).length },
    telemetry: {
      events: samples[samples.length - 1].events,
      stats: samples[samples.length - 1].stats,
      maxStatsRecords: settings.maxStatsRecords,
      retentionDays: settings.retentionDays,
      statsPerHourAtThisSize: (samples[samples.length - 1].stats - settled.stats) / ((samples[samples.length - 1].minute - settled.minute) / 60),
    },
    samples,
  };
  const verdicts = [
    `host JS heap (page + worker) grew ${report.heapGrowthSinceTwoMinutesMB.toFixed(1)} MB from minute 2 to the end (target < 20 MB): ${report.heapGrowthSinceTwoMinutesMB < 20 ? 'met' : 'MISSED'}`,
    `host memory (PSS, all its processes) grew ${report.hostPssMB.growthSinceTwoMinutes.toFixed(1)} MB from minute 2 to the end (${report.hostPssMB.growthSinceTwoMinutes < 20 ? 'under' : 'OVER'} 20 MB); by process: ${Object.entries(report.growthByRoleMB).sort((a, b) => b[1] - a[1]).map(([r, mb]) => `${r} ${mb >= 0 ? '+' : ''}${mb.toFixed(1)}`).join(', ')} MB`,
    `what grew, by Chromium's memory dumps (minute 2 → end): ${report.allocatorGrowthMB.slice(0, 8).map((g) => `${g.process} ${g.allocator} ${g.fromMB.toFixed(1)} → ${g.toMB.toFixed(1)} MB`).join('; ') || 'nothing over 0.5 MB'}`,
    `host page objects that grew most (minute 2 → end, after a collection): ${report.pageObjectGrowth.slice(0, 8).map((o) => `${o.name} ${o.count[0]} → ${o.count[1]} (${((o.bytes[1] - o.bytes[0]) / 1024).toFixed(0)} KB)`).join('; ') || 'none'}`,
    `host JS heaps, start → end: page ${report.pageHeapMB.first.toFixed(1)} → ${report.pageHeapMB.last.toFixed(1)} MB, worker ${report.workerHeapMB.first.toFixed(1)} → ${report.workerHeapMB.last.toFixed(1)} MB (+ array buffers ${report.workerBuffersMB.first.toFixed(1)} → ${report.workerBuffersMB.last.toFixed(1)} MB)`,
    `longest stall a subscriber saw: ${report.longestStallMs.toFixed(0)} ms (target < 2000): ${report.longestStallMs < 2000 ? 'met' : 'MISSED'}`,
    `streams carrying media at the end: ${report.streamsAtEnd.flowing} of ${report.streamsAtEnd.expected}: ${report.streamsAtEnd.flowing === report.streamsAtEnd.expected ? 'met' : 'MISSED'}`,
    report.hiddenConfirmed
      ? `host hidden for ${report.hiddenMinutes.toFixed(1)} min (document.visibilityState was hidden)`
      : 'host NOT hidden: its window was minimised, but this Chromium kept the page visible (headless pages stay visible; CDP has no visibility emulation)',
    `telemetry: ${report.telemetry.events} events and ${report.telemetry.stats} stats records, ${report.telemetry.statsPerHourAtThisSize.toFixed(0)} stats records an hour; the limit of ${report.telemetry.maxStatsRecords} is reached after ${(report.telemetry.maxStatsRecords / report.telemetry.statsPerHourAtThisSize).toFixed(0)} h of such calls, records older than ${report.telemetry.retentionDays} days go first`,
  ];
  log(`\n${verdicts.join('\n')}`);
  const out = path.resolve('bench/results');
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'soak-latest.json'), JSON.stringify({ ...report, verdicts }, null, 1));
  log('wrote bench/results/soak-latest.json');
  await system.leave(peers);
  await system.stop();
  await peerBrowser.browser.close();
  www.close();
}

main().then(() => process.exit(0), (e) => {
  console.error(e);
  process.exit(1);
});
