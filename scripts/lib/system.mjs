// Small helpers the set-up scripts share: finding commands, running them, and installing Debian packages.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/** Absolute path of `cmd` on PATH, or null. */
export function which(cmd) {
  if (isAbsolute(cmd)) return existsSync(cmd) ? cmd : null;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, cmd))) return join(dir, cmd);
  }
  return null;
}

/** Runs a command with inherited output; returns its exit status. */
export function run(cmd, args, opts = {}) {
  return spawnSync(cmd, args, { stdio: 'inherit', ...opts }).status ?? 1;
}

export const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;
export const canApt = () => isRoot() && which('apt-get') !== null;

let aptUpdated = false;

/** Installs Debian packages (as root), running apt-get update once per process. */
export function aptInstall(packages, log = console.log) {
  log(`installing ${packages.join(' ')} with apt-get`);
  if (!aptUpdated) {
    if (run('apt-get', ['update']) !== 0) log('apt-get update failed; trying the install anyway');
    aptUpdated = true;
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  return run('apt-get', ['install', '-y', '--no-install-recommends', ...packages], { env }) === 0;
}
