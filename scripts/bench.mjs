#!/usr/bin/env node
// npm run bench [-- --quick]: sets up (npm packages, builds, Chromium, Janus, livekit-server), then runs bench/run.ts inside
// a network namespace of its own with a non-loopback interface (one end of a veth pair; this kernel has no
// dummy interfaces). Janus gathers no ICE candidates on loopback, and
// every system runs on that same interface so that they are compared on equal terms. Nothing leaves the
// namespace.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { build, buildBench, root } from './build.mjs';
import { aptInstall, canApt, isRoot, run, which } from './lib/system.mjs';
import { ensureChromium } from './setup.mjs';
import { LIVEKIT_SERVER_VERSION, ensureLivekitServer } from './lib/livekit-server.mjs';

const args = process.argv.slice(2);
const ADDRESS = '10.77.0.1';
const IFACE = 'bench0';

try {
  await build();
  buildBench('the benchmark');
  process.env.CHROMIUM = ensureChromium();
  try {
    process.env.LIVEKIT_SERVER = ensureLivekitServer(root, (m) => console.log(`[bench] ${m}`));
    process.env.LIVEKIT_SERVER_VERSION = LIVEKIT_SERVER_VERSION;
  } catch (e) {
    console.log(`[bench] ${e.message}: LiveKit's server will be skipped`);
  }
  if (!existsSync('/usr/bin/janus')) {
    if (canApt()) aptInstall(['janus'], (m) => console.log(`[bench] ${m}`));
    else console.log('[bench] Janus is not installed and this is not root: install it with "sudo apt-get install janus" to compare with it');
  }
} catch (e) {
  console.error(`bench could not start: ${e.message}`);
  process.exit(1);
}

const runner = [process.execPath, join(root, 'dist', 'node', 'bench', 'run.js'), ...args];
if (isRoot() && which('unshare') && which('ip')) {
  // Chromium gathers no ICE candidates on a machine without a default route, so the namespace gets one; it leads
  // to the veth's other end, which is in the namespace too, so nothing can leave.
  const setup = [
    'ip link set lo up',
    `ip link add ${IFACE} type veth peer name ${IFACE}p`,
    `ip addr add ${ADDRESS}/24 dev ${IFACE}`,
    `ip link set ${IFACE}p up`,
    `ip link set ${IFACE} up`,
    `ip route add default via 10.77.0.2 dev ${IFACE}`,
  ].join(' && ');
  const command = `${setup} && exec ${runner.map((a) => `'${a}'`).join(' ')}`;
  const r = spawnSync('unshare', ['--net', 'sh', '-c', command], { stdio: 'inherit', cwd: root, env: { ...process.env, BENCH_ADDR: ADDRESS, BENCH_IFACE: IFACE } });
  process.exit(r.status ?? 1);
} else {
  console.log('[bench] not root (or no unshare/ip): running on loopback, where Janus cannot gather candidates and will be skipped');
  const r = spawnSync(runner[0], runner.slice(1), { stdio: 'inherit', cwd: root });
  process.exit(r.status ?? 1);
}
