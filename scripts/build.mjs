#!/usr/bin/env node
// Builds everything tabsfu serves: the forwarding core (wasm), the pages and worker (Vite), the server (tsc).
import { cpSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildWasm } from './build-wasm.mjs';
import { run } from './lib/system.mjs';
import { ensureNodeModules } from './setup.mjs';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);

export class BuildError extends Error {
  name = 'BuildError';
}

/** With `pages: false` (dev mode, where Vite serves the pages) only the core and the server are built. */
export async function build({ pages = true } = {}) {
  ensureNodeModules(root);
  if ((await buildWasm()) !== 0) throw new BuildError('the wasm build failed');
  if (pages) {
    console.log('[build] pages and worker (vite build)');
    if (run(bin('vite'), ['build', '--logLevel', 'warn'], { cwd: root }) !== 0) throw new BuildError('vite build failed');
  }
  console.log('[build] server (tsc)');
  if (run(bin('tsc'), ['-p', 'server'], { cwd: root }) !== 0) throw new BuildError('the server does not compile');
}

/**
 * Compiles the benchmark and soak (bench/, with the core's loader) to dist/node for Node. tsc emits only what it
 * compiles, so the module wasm-bindgen generated is copied beside the loader's output, where its import finds it.
 */
export function buildBench(what = 'the benchmark') {
  if (run(bin('tsc'), ['-p', 'bench'], { cwd: root }) !== 0) throw new BuildError(`${what} does not compile`);
  cpSync(join(root, 'wasm', 'pkg', 'tabsfu_core.js'), join(root, 'dist', 'node', 'wasm', 'pkg', 'tabsfu_core.js'));
  // the differential check serves the test app from beside its compiled server (test/e2e/helpers/app-server.ts)
  cpSync(join(root, 'test', 'e2e', 'app', 'index.html'), join(root, 'dist', 'node', 'test', 'e2e', 'app', 'index.html'));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  build().catch((e) => {
    console.error(`build failed: ${e.message}`);
    process.exit(1);
  });
}
