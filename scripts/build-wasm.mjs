#!/usr/bin/env node
// Builds the forwarding core (wasm/) to wasm/pkg/tabsfu_core.wasm.
//   node scripts/build-wasm.mjs          build (skipped when up to date)
//   node scripts/build-wasm.mjs --test   run the crate's unit tests natively
//
// rustup toolchains are often installed without the wasm32 target (and
// cannot fetch it offline), while Debian's rustc ships it as a package, so
// the script looks for a toolchain that can actually target wasm32.

import { spawn, spawnSync } from 'node:child_process';
import { aptInstall as aptInstallWith, canApt, run, which } from './lib/system.mjs';
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const TARGET = 'wasm32-unknown-unknown';
const APT_PACKAGES = ['rustc', 'cargo', 'libstd-rust-dev-wasm32', 'lld-14'];

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const crateDir = join(root, 'wasm');
const outFile = join(crateDir, 'pkg', 'tabsfu_core.wasm');

const log = (msg) => console.log(`[wasm] ${msg}`);
const aptInstall = (packages) => aptInstallWith(packages, log);

export class WasmBuildError extends Error {
  name = 'WasmBuildError';
}
const fail = (msg) => {
  throw new WasmBuildError(msg);
};
let testMode = false;

function capture(cmd, args, env = process.env) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** The environment a toolchain's cargo runs in: its own rustc, its dir first on PATH. */
function toolchainEnv(tc) {
  return { ...process.env, RUSTC: tc.rustc, PATH: [dirname(tc.rustc), process.env.PATH].join(delimiter) };
}

function candidates() {
  const list = [];
  if (process.env.CARGO || process.env.RUSTC) {
    const cargo = which(process.env.CARGO ?? 'cargo');
    const sibling = cargo ? join(dirname(cargo), 'rustc') : null;
    const rustc = process.env.RUSTC ? which(process.env.RUSTC) : sibling && existsSync(sibling) ? sibling : which('rustc');
    list.push({ from: 'CARGO/RUSTC', cargo, rustc });
  }
  list.push({ from: 'PATH', cargo: which('cargo'), rustc: which('rustc') });
  list.push({ from: 'Debian', cargo: '/usr/bin/cargo', rustc: '/usr/bin/rustc' });
  return list;
}

/** Inspects each candidate toolchain once: does it run, and can it target wasm32? */
function probe() {
  const seen = new Set();
  const found = [];
  for (const c of candidates()) {
    if (!c.cargo || !c.rustc || !existsSync(c.cargo) || !existsSync(c.rustc)) continue;
    const key = `${c.cargo}|${c.rustc}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const env = toolchainEnv(c);
    const version = capture(c.rustc, ['--version'], env);
    const sysroot = capture(c.rustc, ['--print', 'sysroot'], env);
    if (!version || !sysroot || !capture(c.cargo, ['--version'], env)) continue;
    const wasm = existsSync(join(sysroot, 'lib', 'rustlib', TARGET));
    found.push({ ...c, version, wasm });
    if (c.from === 'CARGO/RUSTC' && !wasm) log(`${c.rustc} (from CARGO/RUSTC) has no ${TARGET} target; looking further`);
  }
  return found;
}

function pick(found) {
  const withWasm = found.find((t) => t.wasm);
  if (withWasm) return withWasm;
  // Native tests do not need the wasm target; any working toolchain will do.
  return testMode ? found[0] : undefined;
}

function findToolchain() {
  let tc = pick(probe());
  if (tc) return tc;
  if (which('rustup')) {
    log(`no toolchain with ${TARGET}; trying rustup target add ${TARGET}`);
    run('rustup', ['target', 'add', TARGET]);
    tc = pick(probe());
    if (tc) return tc;
  }
  if (canApt() && aptInstall(APT_PACKAGES)) {
    tc = pick(probe());
    if (tc) return tc;
  }
  fail(
    [
      `no Rust toolchain with the ${TARGET} target was found. Install one of:`,
      `  Debian/Ubuntu: sudo apt-get install --no-install-recommends ${APT_PACKAGES.join(' ')}`,
      `  rustup:        rustup target add ${TARGET}`,
      `or point CARGO and RUSTC at a toolchain that has it.`,
    ].join('\n'),
  );
}

function newestMtime(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

function upToDate() {
  if (!existsSync(outFile)) return false;
  const inputs = Math.max(newestMtime(join(crateDir, 'src')), newestMtime(join(crateDir, 'Cargo.toml')));
  return statSync(outFile).mtimeMs > inputs;
}

/** Runs cargo, streaming its stderr while keeping a copy to diagnose failures. */
function cargo(tc, args) {
  return new Promise((done) => {
    const child = spawn(tc.cargo, args, { cwd: crateDir, env: toolchainEnv(tc), stdio: ['inherit', 'inherit', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      process.stderr.write(chunk);
      stderr += chunk;
    });
    child.on('error', (err) => done({ status: 1, stderr: `could not run ${tc.cargo}: ${err.message}` }));
    child.on('close', (status) => done({ status: status ?? 1, stderr }));
  });
}

/** Builds the core (or, with `test`, runs its unit tests natively and returns cargo's exit status). */
export async function buildWasm({ test = false } = {}) {
  testMode = test;
  if (!testMode && upToDate()) {
    log(`${relative(root, outFile)} is up to date`);
    return 0;
  }
  const tc = findToolchain();
  log(`using ${tc.version} (${tc.rustc})`);

  if (testMode) {
    log('running cargo test (native)');
    return (await cargo(tc, ['test'])).status;
  }

  const args = ['build', '--release', '--target', TARGET];
  log(`cargo ${args.join(' ')}`);
  let result = await cargo(tc, args);
  if (result.status !== 0 && /linker `?rust-lld`? not found/.test(result.stderr) && canApt()) {
    log('rust-lld is missing; installing lld-14 and retrying once');
    if (aptInstall(['lld-14'])) result = await cargo(tc, args);
  }
  if (result.status !== 0) fail(`cargo build failed (exit ${result.status})`);

  const targetDir = process.env.CARGO_TARGET_DIR ? resolve(crateDir, process.env.CARGO_TARGET_DIR) : join(crateDir, 'target');
  const built = join(targetDir, TARGET, 'release', 'tabsfu_core.wasm');
  if (!existsSync(built)) fail(`cargo succeeded but ${built} is missing`);
  mkdirSync(dirname(outFile), { recursive: true });
  copyFileSync(built, outFile);
  const kib = (statSync(outFile).size / 1024).toFixed(1);
  log(`built ${relative(root, outFile)} (${kib} KiB)`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildWasm({ test: process.argv.includes('--test') }).then(
    (status) => process.exit(status),
    (e) => {
      console.error(`[wasm] ${e instanceof WasmBuildError ? e.message : e.stack}`);
      process.exit(1);
    },
  );
}
