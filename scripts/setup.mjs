// Installs what tabsfu needs on a fresh machine: npm packages, and (for tests and --headless-host) Chromium.
// The Rust wasm toolchain is set up by build-wasm.mjs, when it builds; LiveKit's server by lib/livekit-server.mjs.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { aptInstall, canApt, run, which } from './lib/system.mjs';

const log = (msg) => console.log(`[setup] ${msg}`);

export class SetupError extends Error {
  name = 'SetupError';
}

/** Runs `npm ci` when node_modules is missing or older than the lockfile. */
export function ensureNodeModules(root) {
  const stamp = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (existsSync(stamp) && statSync(stamp).mtimeMs >= statSync(lock).mtimeMs) return;
  log('installing npm packages (npm ci)');
  if (run('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root }) !== 0) throw new SetupError('npm ci failed');
}

const CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

/** The browser for tests and --headless-host: CHROMIUM if set, else a system Chromium, installed with apt if missing. */
export function ensureChromium() {
  if (process.env.CHROMIUM) {
    if (!existsSync(process.env.CHROMIUM)) throw new SetupError(`CHROMIUM=${process.env.CHROMIUM} does not exist`);
    return process.env.CHROMIUM;
  }
  const found = CHROMIUM_PATHS.find((p) => existsSync(p));
  if (found) return found;
  if (canApt() && aptInstall(['chromium'], log)) {
    const installed = CHROMIUM_PATHS.find((p) => existsSync(p));
    if (installed) return installed;
  }
  throw new SetupError(
    'Chromium is needed and was not found. Install it (Debian/Ubuntu: sudo apt-get install chromium) or set CHROMIUM=/path/to/chrome.',
  );
}

/** Debian's coturn (for --turn, and for the test that calls across NATs through it). */
export function ensureCoturn() {
  if (existsSync('/usr/bin/turnserver')) return '/usr/bin/turnserver';
  if (canApt() && aptInstall(['coturn'], log) && existsSync('/usr/bin/turnserver')) return '/usr/bin/turnserver';
  throw new SetupError('coturn is needed and was not found. Install it (Debian/Ubuntu: sudo apt-get install coturn).');
}

/** Debian's redis-server (the cluster test's two livekit-server nodes share one). */
export function ensureRedis() {
  if (existsSync('/usr/bin/redis-server')) return '/usr/bin/redis-server';
  if (canApt() && aptInstall(['redis-server'], log) && existsSync('/usr/bin/redis-server')) return '/usr/bin/redis-server';
  throw new SetupError('redis-server is needed and was not found. Install it (Debian/Ubuntu: sudo apt-get install redis-server).');
}

/**
 * Debian's firefox-esr, and PulseAudio for it (the Firefox tests' peers; without a sound server Firefox never starts
 * an AudioContext). Playwright's own Firefox build cannot be downloaded here; puppeteer-core drives this one.
 */
export function ensureFirefox() {
  const missing = [['/usr/bin/firefox-esr', 'firefox-esr'], ['/usr/bin/pulseaudio', 'pulseaudio']].filter(([bin]) => !existsSync(bin));
  if (missing.length && canApt()) aptInstall(missing.map(([, pkg]) => pkg), log);
  if (!existsSync('/usr/bin/firefox-esr') || !existsSync('/usr/bin/pulseaudio')) {
    throw new SetupError('firefox-esr and pulseaudio are needed and were not found. Install them (Debian/Ubuntu: sudo apt-get install firefox-esr pulseaudio).');
  }
  return '/usr/bin/firefox-esr';
}

/** What the network tests need to build namespaces with NAT: iproute2 and iptables. */
export function ensureNetworkTools() {
  const missing = [['ip', 'iproute2'], ['iptables', 'iptables']].filter(([cmd]) => !which(cmd)).map(([, pkg]) => pkg);
  if (missing.length && canApt()) aptInstall(missing, log);
  return ['ip', 'iptables'].every((cmd) => which(cmd));
}
