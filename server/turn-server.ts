// --turn: Debian's coturn beside the server, so that people on other networks (home NAT, mobile) can reach the
// host through a relay. It checks the credentials the server mints (use-auth-secret) and listens on 3478.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { newHostKey } from './host-key.js';

export const TURN_PORT = 3478;
const TURNSERVER = '/usr/bin/turnserver';
const START_TIMEOUT_MS = 10_000;

/**
 * Peers a relay may not send to: private, shared (carrier NAT), link-local and "this network" ranges. Whoever holds
 * credentials (every participant) could otherwise use the relay to reach machines on the server's own network.
 * Loopback coturn refuses by itself. The machine's own addresses are allowed back in (startTurn), so that two relays
 * of this coturn can still reach each other when the machine's address is private.
 */
export const DENIED_PEER_RANGES = [
  '0.0.0.0-0.255.255.255', '10.0.0.0-10.255.255.255', '100.64.0.0-100.127.255.255', '169.254.0.0-169.254.255.255',
  '172.16.0.0-172.31.255.255', '192.168.0.0-192.168.255.255', 'fc00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
  'fe80::-febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
];

/** Allocations at once: per credential (one session's two connections, UDP and TCP) and in all. */
const USER_QUOTA = 8;
const TOTAL_QUOTA = 800;

export interface TurnOptions {
  /** The host name or address people reach this machine by, for the turn: URLs. */
  publicHost: string;
  /** The shared secret; a new random one when none is given. */
  secret?: string;
  /** The public address to advertise for relays, behind a NAT with forwarded ports. */
  externalIp?: string;
}

export interface RunningTurn {
  /** The turn: URLs clients are given. */
  urls: string[];
  secret: string;
  stop(): void;
}

export class TurnUnavailableError extends Error {
  override name = 'TurnUnavailableError';
}

/** coturn's arguments; the secret goes in `configFile`, which only this user can read, not on the command line. */
export function turnArgs(configFile: string, o: TurnOptions, ownAddresses: string[]): string[] {
  return [
    '-c', configFile, '--listening-port', String(TURN_PORT), '--use-auth-secret', '--realm', 'tabsfu',
    '--no-tls', '--no-dtls', '--no-cli', '--fingerprint', '--no-multicast-peers', '--no-tcp-relay',
    '--user-quota', String(USER_QUOTA), '--total-quota', String(TOTAL_QUOTA),
    ...DENIED_PEER_RANGES.flatMap((r) => ['--denied-peer-ip', r]),
    ...ownAddresses.flatMap((a) => ['--allowed-peer-ip', a]),
    ...(o.externalIp ? ['--external-ip', o.externalIp] : []),
    '--simple-log', '--log-file', 'stdout', '--pidfile', path.join(path.dirname(configFile), 'turnserver.pid'),
    '--min-port', '49160', '--max-port', '49400',
  ];
}

/** This machine's own non-loopback addresses. */
function ownAddresses(): string[] {
  return Object.values(os.networkInterfaces()).flatMap((list) => (list ?? []).filter((a) => !a.internal).map((a) => a.address.split('%')[0]));
}

/** Starts coturn; resolves once it listens, rejects with TurnUnavailableError if it cannot. */
export async function startTurn(o: TurnOptions, log: (line: string) => void): Promise<RunningTurn> {
  if (!fs.existsSync(TURNSERVER)) throw new TurnUnavailableError(`--turn needs coturn (${TURNSERVER}): install it with "apt-get install coturn" (npm start does when run as root)`);
  const secret = o.secret ?? newHostKey();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tabsfu-turn-'));
  const configFile = path.join(dir, 'turnserver.conf');
  fs.writeFileSync(configFile, `static-auth-secret=${secret}\n`, { mode: 0o600 });
  const child: ChildProcess = spawn(TURNSERVER, turnArgs(configFile, o, ownAddresses()), { stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await listening(child);
  } catch (e) {
    stop();
    throw e;
  }
  child.on('error', (e) => log(`turn:  coturn: ${e.message}`));
  child.on('exit', (code, signal) => { if (signal !== 'SIGTERM') log(`turn:  coturn exited (${signal ?? code}): relayed calls stop`); });
  log(`turn:  coturn on port ${TURN_PORT} (pid ${child.pid}), credentials minted per session`);
  return {
    urls: [`turn:${o.publicHost}:${TURN_PORT}?transport=udp`, `turn:${o.publicHost}:${TURN_PORT}?transport=tcp`],
    secret,
    stop,
  };
}

/** Waits for coturn to start its listeners; fails when it exits, cannot spawn, or says nothing in time. */
function listening(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const fail = (why: string) => {
      clearTimeout(timer);
      reject(new TurnUnavailableError(`coturn ${why}:\n${output.slice(-800)}`));
    };
    const timer = setTimeout(() => fail(`did not start its listeners within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
    const collect = (c: Buffer) => {
      output = (output + c.toString()).slice(-4000);
      // coturn 4.6 says so once its listeners and relay threads are up
      if (/Total (General|UDP) servers/i.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    child.once('error', (e) => fail(`could not start: ${e.message}`));
    child.once('exit', (code) => fail(`exited at start (${code})`));
  });
}
