// --turn: Debian's coturn beside the server, so that people on other networks (home NAT, mobile) can reach the
// host through a relay. It checks the credentials the server mints (use-auth-secret) and listens on 3478.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { newHostKey } from './host-key.js';

export const TURN_PORT = 3478;
const TURNSERVER = '/usr/bin/turnserver';

export interface RunningTurn {
  /** The turn: URLs clients are given. */
  urls: string[];
  secret: string;
  stop(): void;
}

export class TurnUnavailableError extends Error {
  override name = 'TurnUnavailableError';
}

/**
 * Starts coturn for `publicHost` (the host name or address people reach this machine by); resolves once it
 * listens. `secret` is the shared secret; a new random one when none is given.
 */
export async function startTurn(publicHost: string, secret: string | undefined, log: (line: string) => void): Promise<RunningTurn> {
  if (!fs.existsSync(TURNSERVER)) throw new TurnUnavailableError(`--turn needs coturn (${TURNSERVER}): install it with "apt-get install coturn" (npm start does when run as root)`);
  const key = secret ?? newHostKey();
  const args = [
    '-n', '--listening-port', String(TURN_PORT), '--use-auth-secret', '--static-auth-secret', key, '--realm', 'tabsfu',
    '--no-tls', '--no-dtls', '--no-cli', '--fingerprint', '--no-multicast-peers', '--simple-log', '--log-file', 'stdout',
    '--min-port', '49160', '--max-port', '49400',
  ];
  const child: ChildProcess = spawn(TURNSERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (c: Buffer) => { output = (output + c.toString()).slice(-4000); };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const deadline = Date.now() + 10_000;
  while (!/listener opened on|Total (General|UDP) servers/i.test(output)) {
    if (child.exitCode !== null) throw new TurnUnavailableError(`coturn exited at start:\n${output.slice(-800)}`);
    if (Date.now() > deadline) break; // it may log differently; it is usually up by now
    await new Promise((r) => setTimeout(r, 100));
  }
  log(`turn:  coturn on port ${TURN_PORT} (pid ${child.pid}), credentials minted per session`);
  return {
    urls: [`turn:${publicHost}:${TURN_PORT}?transport=udp`, `turn:${publicHost}:${TURN_PORT}?transport=tcp`],
    secret: key,
    stop: () => { if (child.exitCode === null) child.kill('SIGTERM'); },
  };
}
