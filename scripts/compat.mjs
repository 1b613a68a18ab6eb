#!/usr/bin/env node
// npm run compat: the differential check (bench/compat/run.ts). Sets up what it needs (npm packages, builds,
// Chromium, livekit-server by go install), then runs the same client scenarios against livekit-server and tabsfu
// and prints what differed; the report is also written to bench/results/compat-latest.md.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { build, buildBench, root } from './build.mjs';
import { LIVEKIT_SERVER_VERSION, ensureLivekitServer } from './lib/livekit-server.mjs';
import { ensureChromium } from './setup.mjs';

try {
  await build();
  buildBench('the differential check');
  process.env.CHROMIUM = ensureChromium();
  process.env.LIVEKIT_SERVER = ensureLivekitServer(root, (m) => console.log(`[compat] ${m}`));
  process.env.LIVEKIT_SERVER_VERSION = LIVEKIT_SERVER_VERSION;
} catch (e) {
  console.error(`compat could not start: ${e.message}`);
  process.exit(1);
}
const r = spawnSync(process.execPath, [join(root, 'dist', 'node', 'bench', 'compat', 'run.js'), ...process.argv.slice(2)], { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
