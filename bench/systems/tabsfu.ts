// tabsfu as the benchmark runs it: the server, and a host tab in a browser instance of its own so that the
// host's processes (browser, renderer with the worker, network service) can be counted apart from the peers.
// The host's profile is on disk, as a real host's is, so that telemetry's writes cost what they cost there.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { directoryBytes } from '../machine.js';
import { joinWithLivekitClient, leaveLivekit } from './livekit-client.js';
import type { BenchContext, BenchPeer, Scenario, System } from './system.js';
import { type TelemetryReading, readTelemetry, telemetryFigures } from './tabsfu-telemetry.js';

const PORT = 7895;
/** The host key the benchmark's server is started with. */
const HOST_KEY = 'tabsfu-bench-host-key';

export interface TabsfuOptions {
  route?: 'encoded-streams' | 'decoy';
  /** Another built checkout of tabsfu to run instead of this one (for before/after comparisons). */
  root?: string;
  name?: string;
  /** More host settings, e.g. telemetry=off. */
  hostQuery?: string;
}

export class TabsfuSystem implements System {
  readonly name: string;
  readonly description: string;
  private readonly route: 'encoded-streams' | 'decoy';
  private readonly root: string;
  private readonly hostQuery: string;
  private server: ChildProcess | null = null;
  private context: BrowserContext | null = null;
  private profile = '';
  private hostPid = 0;
  private host: import('playwright-core').Page | null = null;
  private ctx!: BenchContext;

  constructor(options: TabsfuOptions = {}) {
    this.route = options.route ?? 'encoded-streams';
    this.root = path.resolve(options.root ?? '.');
    this.name = options.name ?? (this.route === 'encoded-streams' ? 'tabsfu' : 'tabsfu-decoy');
    // both codecs the scenarios send: each peer asks for its scenario's, and the host answers with it
    this.hostQuery = ['publishCodecs=h264,vp8', options.hostQuery, process.env.BENCH_HOST_QUERY].filter(Boolean).map((q) => `&${q}`).join('');
    this.description = `tabsfu host tab (route ${this.route}) in its own headless Chromium; server on port ${PORT}` +
      (options.root ? `; built from ${this.root}` : '') + (options.hostQuery ? `; ${options.hostQuery}` : '');
  }

  async start(ctx: BenchContext): Promise<void> {
    this.ctx = ctx;
    const main = path.join(this.root, 'dist/node/server/main.js');
    // an older checkout (BENCH_BASELINE_DIR) has no host key and refuses the flag
    const keyed = fs.readFileSync(path.join(this.root, 'dist/node/server/config.js'), 'utf8').includes('host-key');
    this.server = spawn(process.execPath, [main, '--port', String(PORT), '--public-url', `http://${ctx.address}:${PORT}`, ...(keyed ? ['--host-key', HOST_KEY] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    this.server.stdout!.on('data', (c) => (out += c));
    this.server.stderr!.on('data', (c) => (out += c));
    for (let i = 0; i < 100 && !out.includes('listening on'); i++) await new Promise((r) => setTimeout(r, 100));
    if (!out.includes('listening on')) throw new Error(`tabsfu server did not start:\n${out}`);
    this.profile = fs.mkdtempSync(path.join(os.tmpdir(), 'tabsfu-bench-host-'));
    const { context, pid } = await ctx.launchPersistent(this.profile);
    this.context = context;
    this.hostPid = pid;
    const page = context.pages()[0] ?? (await context.newPage());
    this.host = page;
    page.on('console', (m) => { if (m.type() === 'error') ctx.log(`[host] ${m.text()}`); });
    await page.goto(`http://${ctx.address}:${PORT}/host?key=${HOST_KEY}&route=${this.route}${this.hostQuery}`);
    await page.getByTestId('link-status').filter({ hasText: 'serving as' }).waitFor({ timeout: 15_000 });
  }

  async join(peers: BenchPeer[], scenario: Scenario, room: string): Promise<void> {
    await joinWithLivekitClient(`ws://${this.ctx.address}:${PORT}`, peers, scenario, room);
  }

  async leave(peers: BenchPeer[]): Promise<void> {
    await leaveLivekit(peers);
  }

  /** From the host's own connections: keyframe requests sent upstream, the forwarded bitrate, and telemetry. */
  async windowExtras(): Promise<() => Promise<Record<string, number>>> {
    const telemetryAt = (exported: boolean): Promise<TelemetryReading | null> => readTelemetry(this.host!, () => directoryBytes(path.join(this.profile, 'Default', 'IndexedDB')), exported);
    const telemetryStart = await telemetryAt(false);
    const read = () => this.host!.evaluate(async () => {
      const peers = (window as unknown as { tabsfuHost: { peers: { allConnections(): RTCPeerConnection[] } } }).tabsfuHost.peers;
      const r = { requests: 0, bytes: 0, streams: 0, sendDelay: 0, packetsSent: 0, decodeSeconds: 0, estimates: [] as number[], at: performance.now() };
      for (const pc of peers.allConnections()) {
        let sends = false;
        let estimate = 0;
        (await pc.getStats()).forEach((s) => {
          if (s.type === 'inbound-rtp' && s.kind === 'video') {
            r.requests += (s.pliCount ?? 0) + (s.firCount ?? 0);
            r.decodeSeconds += s.totalDecodeTime ?? 0;
          }
          if (s.type === 'outbound-rtp' && s.kind === 'video') {
            r.bytes += s.bytesSent ?? 0;
            r.streams++;
            r.sendDelay += s.totalPacketSendDelay ?? 0;
            r.packetsSent += s.packetsSent ?? 0;
            sends = true;
          }
          if (s.type === 'candidate-pair' && s.nominated && s.availableOutgoingBitrate) estimate = s.availableOutgoingBitrate;
        });
        if (sends && estimate) r.estimates.push(estimate / 1000);
      }
      return r;
    });
    const start = await read();
    return async () => {
      const end = await read();
      const seconds = (end.at - start.at) / 1000;
      const minutes = seconds / 60;
      const telemetryEnd = await telemetryAt(true);
      const packets = end.packetsSent - start.packetsSent;
      return {
        keyframeRequestsPerMinute: (end.requests - start.requests) / minutes,
        forwardedKbpsPerStream: ((end.bytes - start.bytes) * 8) / seconds / 1000 / Math.max(1, end.streams),
        // how long forwarded video packets waited in the host's send queue (pacer), per packet
        sendDelayMs: packets > 0 ? ((end.sendDelay - start.sendDelay) * 1000) / packets : NaN,
        // the subscriber connections' outgoing bandwidth estimates at the end of the window
        estimateKbpsMin: end.estimates.length ? Math.min(...end.estimates) : NaN,
        estimateKbpsMean: end.estimates.length ? end.estimates.reduce((a, b) => a + b, 0) / end.estimates.length : NaN,
        // the host's own decoder, fed every published frame so that it does not ask publishers for keyframes
        hostDecodePercent: ((end.decodeSeconds - start.decodeSeconds) / seconds) * 100,
        ...(telemetryStart && telemetryEnd ? telemetryFigures(telemetryStart, telemetryEnd, minutes) : {}),
      };
    };
  }

  sfuPids(): number[] {
    return [this.hostPid];
  }

  /** The host tab, for readings only the soak takes (visibility, heap, telemetry counts). */
  get hostPage(): import('playwright-core').Page {
    if (!this.host) throw new Error('tabsfu is not started');
    return this.host;
  }

  async stop(): Promise<void> {
    await this.context?.close().catch(() => {});
    this.server?.kill('SIGTERM');
    if (this.profile) fs.rmSync(this.profile, { recursive: true, force: true });
  }
}
