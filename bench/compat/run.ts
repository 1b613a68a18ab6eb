// npm run compat: the differential check of the protocol. The same client scenarios (livekit-client in Chromium with
// an app backend's RoomServiceClient, then @livekit/rtc-node) run against LiveKit's own server and against tabsfu,
// each through a recording tap; the report lists what differed. Run it through scripts/compat.mjs, which builds
// tabsfu and livekit-server first. Writes bench/results/compat-latest.{md,json}.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { serveApp } from '../../test/e2e/helpers/app-server.js';
import { startLivekitNode } from '../../test/livekit/server.js';
import { launchBrowser } from '../harness.js';
import { browserScenario, type Steps } from './browser.js';
import { diffReport, type ServerRun } from './diff.js';
import { nodeSdkScenario } from './node-sdk.js';
import type { SeenEvent } from './record.js';
import { startTap } from './tap.js';

const TABSFU_PORT = 7906;
const LIVEKIT_PORT = 7907;
const log = (s: string) => console.log(s);

interface Server {
  name: string;
  base: string;
  stop(): Promise<void>;
}

async function startTabsfu(): Promise<Server> {
  const child = spawn(process.execPath, [path.resolve('dist/node/server/main.js'), '--port', String(TABSFU_PORT), '--bind', '127.0.0.1', '--public-url', `http://127.0.0.1:${TABSFU_PORT}`, '--headless-host'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  const until = Date.now() + 60_000;
  // ready once the headless host tab serves: /api/info counts hosts
  for (;;) {
    if (child.exitCode !== null || Date.now() > until) throw new Error(`tabsfu did not start with a host:\n${out}`);
    const info = await fetch(`http://127.0.0.1:${TABSFU_PORT}/api/info`).then((r) => r.json(), () => null) as { hosts?: number } | null;
    if (info && (info.hosts ?? 0) > 0) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    name: 'tabsfu',
    base: `http://127.0.0.1:${TABSFU_PORT}`,
    stop: async () => {
      child.kill('SIGTERM');
      if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
    },
  };
}

async function startLivekit(): Promise<Server> {
  const binary = process.env.LIVEKIT_SERVER;
  if (!binary) throw new Error('LIVEKIT_SERVER is not set: run this through npm run compat, which builds livekit-server');
  const node = await startLivekitNode({ binary, port: LIVEKIT_PORT, tcpPort: LIVEKIT_PORT + 1, udpPorts: [54000, 54199] });
  return { name: `livekit-server ${process.env.LIVEKIT_SERVER_VERSION ?? ''}`.trim(), base: node.httpUrl, stop: () => node.stop() };
}

/** Runs every scenario against `server` through a tap. */
async function runAgainst(server: Server, browser: import('playwright-core').Browser, app: Awaited<ReturnType<typeof serveApp>>): Promise<ServerRun> {
  const tap = await startTap(server.base);
  const marks: { step: string; at: number }[] = [];
  const notes: SeenEvent[] = [];
  const steps: Steps = {
    step: (name) => { marks.push({ step: name, at: Date.now() }); log(`  ${server.name}: ${name}`); },
    // a note belongs to the step it was made in, even within the millisecond the next one starts
    note: (client, name, detail) => { notes.push({ at: Date.now(), client, name, detail, step: marks[marks.length - 1]?.step }); if (name === 'timeout' || name === 'failed' || detail.startsWith('error')) log(`    ${client}: ${name} ${detail}`); },
  };
  const events = [...await browserScenario(browser, app, tap.url, steps), ...await nodeSdkScenario(tap.url, steps), ...notes];
  for (const e of events) e.step ??= marks.filter((m) => m.at <= e.at).pop()?.step;
  await tap.close();
  return { server: server.name, events: events.sort((x, y) => x.at - y.at), messages: tap.messages, requests: tap.requests };
}

async function main(): Promise<void> {
  const app = await serveApp();
  const { browser } = await launchBrowser();
  const runs: ServerRun[] = [];
  for (const start of [startLivekit, startTabsfu]) {
    const server = await start();
    log(`\n${server.name} at ${server.base}`);
    try {
      runs.push(await runAgainst(server, browser, app));
    } finally {
      await server.stop();
    }
  }
  await browser.close();
  app.close();
  const { markdown, differences } = diffReport(runs[0], runs[1]);
  const date = new Date().toISOString().slice(0, 10);
  const report = `## Differential run, ${date}: ${runs[0].server} against ${runs[1].server}\n\n${differences} differences. Scenarios: livekit-client in Chromium (join, publish, subscribe, mute, speakers, data, text stream, RPC, RoomServiceClient calls, resume, leave) and @livekit/rtc-node (join, publish, subscribe, leave).\n\n${markdown}\n`;
  console.log(`\n${report}`);
  const out = path.resolve('bench/results');
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'compat-latest.md'), report);
  fs.writeFileSync(path.join(out, 'compat-latest.json'), JSON.stringify({ date, runs }, null, 1));
  log('wrote bench/results/compat-latest.{md,json}');
}

main().then(() => process.exit(0), (e) => {
  console.error(e);
  process.exit(1);
});
