// Starting LiveKit's own server (built by scripts/lib/livekit-server.mjs) and Debian's Redis for the benchmark, the
// differential check and the cluster test. Each node gets a config file of its own: its ports, the address peers
// reach it on, the dev key, and optionally Redis (LiveKit's multi-node mode) and webhook URLs.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface LivekitNodeOptions {
  /** The livekit-server binary. */
  binary: string;
  /** Signal and HTTP port (LiveKit's 7880). */
  port: number;
  /** ICE over TCP (LiveKit's 7881). */
  tcpPort: number;
  /** ICE over UDP: a range, one port per peer connection (LiveKit's 50000-60000). */
  udpPorts: [number, number];
  /** The address it binds to and offers in its candidates. Default 127.0.0.1. */
  address?: string;
  /** host:port of a Redis shared by the nodes of one cluster; none runs a single node. */
  redis?: string;
  webhookUrls?: string[];
  /** Default { devkey: 'secret' }, the keys of `livekit-server --dev` and of tabsfu's default. */
  keys?: Record<string, string>;
  /** livekit-server's log level. Default warn (info logs every signal message). */
  logLevel?: string;
}

export interface LivekitNode {
  /** ws:// URL for clients. */
  url: string;
  /** http:// URL for the server API. */
  httpUrl: string;
  pid: number;
  /** What it printed so far. */
  output(): string;
  stop(): Promise<void>;
}

export class LivekitStartError extends Error {
  override name = 'LivekitStartError';
}

function config(o: LivekitNodeOptions, address: string): string {
  const lines = [
    `port: ${o.port}`,
    `bind_addresses: ["${address}"]`,
    'rtc:',
    `  tcp_port: ${o.tcpPort}`,
    `  port_range_start: ${o.udpPorts[0]}`,
    `  port_range_end: ${o.udpPorts[1]}`,
    '  use_external_ip: false',
    `  node_ip: ${address}`,
    // a node on loopback must offer a loopback candidate, or a browser on the same machine has nothing to pair with
    `  enable_loopback_candidate: ${address.startsWith('127.')}`,
    'keys:',
    ...Object.entries(o.keys ?? { devkey: 'secret' }).map(([k, v]) => `  ${k}: ${v}`),
    'logging:',
    `  level: ${o.logLevel ?? 'warn'}`,
  ];
  if (o.redis) lines.push('redis:', `  address: ${o.redis}`);
  if (o.webhookUrls?.length) lines.push('webhook:', `  api_key: ${Object.keys(o.keys ?? { devkey: '' })[0]}`, '  urls:', ...o.webhookUrls.map((u) => `    - ${u}`));
  return lines.join('\n') + '\n';
}

/** Resolves once `check` passes, or rejects with `what` and the output after `ms`. */
async function waitFor(check: () => Promise<boolean> | boolean, ms: number, what: () => string): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new LivekitStartError(what());
}

function collect(child: ChildProcess): () => string {
  let out = '';
  child.stdout?.on('data', (c) => (out += c));
  child.stderr?.on('data', (c) => (out += c));
  return () => out;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** Starts one livekit-server in dev mode; resolves when it answers on its HTTP port. */
export async function startLivekitNode(o: LivekitNodeOptions): Promise<LivekitNode> {
  const address = o.address ?? '127.0.0.1';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tabsfu-livekit-'));
  const file = path.join(dir, 'livekit.yaml');
  fs.writeFileSync(file, config(o, address));
  const child = spawn(o.binary, ['--dev', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = collect(child);
  const httpUrl = `http://${address}:${o.port}`;
  await waitFor(async () => {
    if (child.exitCode !== null) throw new LivekitStartError(`livekit-server exited (${child.exitCode}):\n${output()}`);
    return fetch(httpUrl).then((r) => r.ok, () => false);
  }, 20_000, () => `livekit-server did not answer on ${httpUrl} in 20 s:\n${output()}`);
  return {
    url: `ws://${address}:${o.port}`,
    httpUrl,
    pid: child.pid!,
    output,
    async stop() {
      await stopChild(child);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Redis {
  address: string;
  stop(): Promise<void>;
}

/** Debian's redis-server on `port`, in memory only (no snapshot, no append log). */
export async function startRedis(port: number, binary = '/usr/bin/redis-server'): Promise<Redis> {
  if (!fs.existsSync(binary)) throw new LivekitStartError(`${binary} is missing: npm test installs Debian's redis-server`);
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = collect(child);
  await waitFor(() => {
    if (child.exitCode !== null) throw new LivekitStartError(`redis-server exited (${child.exitCode}):\n${output()}`);
    return output().includes('Ready to accept connections');
  }, 10_000, () => `redis-server did not start in 10 s:\n${output()}`);
  return { address: `127.0.0.1:${port}`, stop: () => stopChild(child) };
}
