#!/usr/bin/env node
// Builds the forwarding core (wasm/) with wasm-pack into wasm/pkg: tabsfu_core_bg.wasm and the module wasm-bindgen
// generates for it (tabsfu_core.js, tabsfu_core.d.ts).
//   node scripts/build-wasm.mjs          build (skipped when up to date)
//   node scripts/build-wasm.mjs --test   run the crate's unit tests natively
//
// rustup toolchains are often installed without the wasm32 target, so the script looks for a toolchain that can
// target wasm32 and asks rustup for the target when none can. Debian 12's own rustc (1.63, whose wasm32 standard
// library is a package) is too old for the wasm-bindgen crate and CLI (they need 1.81 and 1.86).
// wasm-pack and the wasm-bindgen CLI are built from crates.io with `cargo install` when missing (about 6 minutes
// on 2 cores, once per machine): both projects' prebuilt binaries come from GitHub, which is out of reach here.

import { spawn, spawnSync } from 'node:child_process';
import { aptInstall as aptInstallWith, canApt, run, which } from './lib/system.mjs';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const TARGET = 'wasm32-unknown-unknown';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const crateDir = join(root, 'wasm');
const outFile = join(crateDir, 'pkg', 'tabsfu_core_bg.wasm');
/** Must equal the `wasm-bindgen` crate's version in wasm/Cargo.toml: the CLI refuses a module from any other. */
const WASM_BINDGEN_VERSION = '0.2.130';
const WASM_PACK_VERSION = '0.15.1';

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
  fail(
    [
      `no Rust toolchain with the ${TARGET} target was found. Install rustup (https://rustup.rs), then:`,
      `  rustup target add ${TARGET}`,
      `or point CARGO and RUSTC at a toolchain that has it (Rust 1.86 or later: the wasm-bindgen CLI needs it).`,
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
function cargo(tc, args, env = toolchainEnv(tc)) {
  return new Promise((done) => {
    const child = spawn(tc.cargo, args, { cwd: crateDir, env, stdio: ['inherit', 'inherit', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      process.stderr.write(chunk);
      stderr += chunk;
    });
    child.on('error', (err) => done({ status: 1, stderr: `could not run ${tc.cargo}: ${err.message}` }));
    child.on('close', (status) => done({ status: status ?? 1, stderr }));
  });
}

/** Where `cargo install` puts binaries: CARGO_HOME/bin, else ~/.cargo/bin. */
function cargoBin() {
  return join(process.env.CARGO_HOME ?? join(process.env.HOME ?? '/root', '.cargo'), 'bin');
}

/** `name` at exactly `version`, from PATH or cargo's bin, built with `cargo install` when missing. Returns its path. */
async function ensureCargoTool(tc, name, crate, version) {
  const wanted = (path) => capture(path, ['--version'])?.split(/\s+/)[1] === version;
  for (const path of [which(name), join(cargoBin(), name)]) if (path && existsSync(path) && wanted(path)) return path;
  log(`${name} ${version} is missing; building it from crates.io (cargo install ${crate}, a few minutes, once)`);
  const args = ['install', crate, '--version', `=${version}`];
  // the crate's own lock file first; a registry mirror that lacks a version it pins (seen here: webpki-roots 1.0.11
  // for wasm-bindgen-cli) makes that fail at once, and then cargo picks versions the registry has
  let result = await cargo(tc, [...args, '--locked']);
  if (result.status !== 0 && /failed to select a version/.test(result.stderr)) {
    log(`${crate}'s lock file names a version this registry lacks; installing with the versions it has`);
    result = await cargo(tc, args);
  }
  const installed = join(cargoBin(), name);
  if (result.status !== 0 || !existsSync(installed) || !wanted(installed)) fail(`cargo install ${crate} --version =${version} failed (exit ${result.status})`);
  return installed;
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

  const wasmBindgen = await ensureCargoTool(tc, 'wasm-bindgen', 'wasm-bindgen-cli', WASM_BINDGEN_VERSION);
  const wasmPack = await ensureCargoTool(tc, 'wasm-pack', 'wasm-pack', WASM_PACK_VERSION);
  // --mode no-install: the wasm-bindgen found above, never a download; wasm-opt is off in Cargo.toml for the same reason
  const args = ['build', '--release', '--target', 'web', '--mode', 'no-install', '--out-dir', 'pkg', '--out-name', 'tabsfu_core', '--no-pack'];
  log(`wasm-pack ${args.join(' ')}`);
  const env = { ...toolchainEnv(tc), PATH: [dirname(wasmBindgen), dirname(tc.rustc), dirname(tc.cargo), process.env.PATH].join(delimiter) };
  let result = await cargo({ ...tc, cargo: wasmPack }, args, env);
  if (result.status !== 0 && /linker `?rust-lld`? not found/.test(result.stderr) && canApt()) {
    log('rust-lld is missing; installing lld-14 and retrying once');
    if (aptInstall(['lld-14'])) result = await cargo({ ...tc, cargo: wasmPack }, args, env);
  }
  if (result.status !== 0) fail(`wasm-pack build failed (exit ${result.status})`);
  if (!existsSync(outFile)) fail(`wasm-pack succeeded but ${outFile} is missing`);
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
