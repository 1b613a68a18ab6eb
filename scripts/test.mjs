#!/usr/bin/env node
// npm test: sets up a fresh machine (npm packages, Rust wasm toolchain, Chromium, livekit-server, Redis), builds,
// then runs every suite: types, the core's Rust tests, the unit tests, and the end-to-end tests in real Chromium.
//   npm test                 everything
//   npm test -- unit e2e     only the named suites (types, rust, unit, e2e)
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { build, root } from './build.mjs';
import { ensureChromium, ensureCoturn, ensureFirefox, ensureNetworkTools, ensureRedis } from './setup.mjs';
import { ensureLivekitServer } from './lib/livekit-server.mjs';
import { isRoot } from './lib/system.mjs';

const SUITES = ['types', 'rust', 'unit', 'e2e'];
const chosen = process.argv.slice(2).filter((a) => SUITES.includes(a));
const suites = chosen.length ? chosen : SUITES;
const bin = (name) => join(root, 'node_modules', '.bin', name);
const results = [];

/** Runs a command, echoing its output, and returns its exit status and output. */
function sh(cmd, args, env = {}) {
  return new Promise((done) => {
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => { process.stdout.write(c); out += c; });
    child.stderr.on('data', (c) => { process.stderr.write(c); out += c; });
    child.on('close', (status) => done({ status: status ?? 1, out }));
  });
}

function record(suite, passed, failed, status) {
  results.push({ suite, passed, failed, ok: status === 0 && failed === 0 });
}

async function types() {
  let failed = 0;
  const projects = ['src', 'worker', 'server', 'test', 'bench'];
  for (const project of projects) {
    const r = await sh(bin('tsc'), ['-p', project, '--noEmit']);
    if (r.status !== 0) failed++;
  }
  record('types', projects.length - failed, failed, failed ? 1 : 0);
}

async function rust() {
  // cargo prints its results on stdout, which buildWasm streams; capture them through a child instead
  const r = await sh(process.execPath, [join(root, 'scripts', 'build-wasm.mjs'), '--test']);
  let passed = 0;
  let failed = 0;
  for (const m of r.out.matchAll(/test result: \w+\. (\d+) passed; (\d+) failed/g)) {
    passed += Number(m[1]);
    failed += Number(m[2]);
  }
  record('rust', passed, failed, r.status);
}

async function unit() {
  const report = join(root, 'test-results', 'unit.json');
  rmSync(report, { force: true });
  const r = await sh(bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`]);
  const j = existsSync(report) ? JSON.parse(readFileSync(report, 'utf8')) : { numPassedTests: 0, numFailedTests: 1 };
  record('unit', j.numPassedTests, j.numFailedTests, r.status);
}

async function e2e() {
  const report = join(root, 'test-results', 'e2e.json');
  rmSync(report, { force: true });
  const r = await sh(bin('playwright'), ['test'], { CHROMIUM: ensureChromium() });
  const stats = existsSync(report) ? JSON.parse(readFileSync(report, 'utf8')).stats : { expected: 0, unexpected: 1, flaky: 0 };
  record('e2e', stats.expected + stats.flaky, stats.unexpected, r.status);
}

try {
  mkdirSync(join(root, 'test-results'), { recursive: true });
  if (suites.includes('e2e')) {
    ensureChromium();
    // the call across NATs runs coturn in network namespaces: root only; elsewhere that test says why it skips
    if (isRoot()) {
      try {
        ensureCoturn();
        ensureNetworkTools();
      } catch (e) {
        console.log(`[test] ${e.message}: the TURN test will be skipped`);
      }
    }
    try {
      ensureFirefox();
    } catch (e) {
      console.log(`[test] ${e.message}: the Firefox tests will be skipped`);
    }
    // LiveKit's own server (go install of a pinned release) and Redis, for the test that the same app runs on a
    // LiveKit cluster; without them that test says why it skips
    try {
      const livekit = ensureLivekitServer(root);
      ensureRedis();
      process.env.LIVEKIT_SERVER = livekit;
    } catch (e) {
      console.log(`[test] ${e.message}: the LiveKit cluster test will be skipped`);
    }
  }
  await build();
  const run = { types, rust, unit, e2e };
  for (const s of suites) {
    console.log(`\n=== ${s} ===`);
    await run[s]();
  }
} catch (e) {
  console.error(`\nnpm test could not run: ${e.message}`);
  process.exit(1);
}

console.log('\n=== summary ===');
for (const r of results) console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.suite}: ${r.passed} passed, ${r.failed} failed`);
const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0);
const ok = results.every((r) => r.ok);
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(ok ? 0 : 1);
