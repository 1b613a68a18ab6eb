// Janus VideoRoom, the native SFU we measure tabsfu against: Debian's Janus 1.1.2 started from a config folder
// of our own that loads only what a VideoRoom call needs. Peers speak the Janus protocol from the page
// (bench/www/janus-peer.js); Node only starts Janus and creates the room.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { SystemUnavailable, type BenchContext, type BenchPeer, type Scenario, type System } from './system.js';

const JANUS = '/usr/bin/janus';
const LIB = '/usr/lib/x86_64-linux-gnu/janus';
const PORT = 8188;

/** Every .so in a Janus module folder except the ones we keep, for the config's `disable` lists. */
function disableAllBut(folder: string, keep: string[] = []): string {
  const files = existsSync(folder) ? readdirSync(folder) : [];
  return files.filter((f) => f.endsWith('.so') && !keep.includes(f)).join(',');
}

function configFiles(dir: string, ctx: BenchContext, slowlinkThreshold: number): Record<string, string> {
  return {
    'janus.jcfg': `general: {
  configs_folder = "${dir}"
  plugins_folder = "${LIB}/plugins"
  transports_folder = "${LIB}/transports"
  events_folder = "${LIB}/events"
  loggers_folder = "${LIB}/loggers"
  # Janus finds its SDP address by looking for a route out; the namespace has none (it would say 127.0.0.1).
  interface = "${ctx.address}"
  # Warnings and errors only: level 4 logs every handle and session.
  debug_level = ${Number(process.env.BENCH_JANUS_DEBUG) || 3}
  debug_colors = false
  server_name = "tabsfu-bench"
}
media: {
  ipv6 = false
  # lost packets in a second, reported by a peer, that make Janus send a "slowlink" event (0: never)
  slowlink_threshold = ${slowlinkThreshold}
}
nat: {
  nice_debug = false
  # Janus gathers no candidates on loopback: the bench's own interface is the only one it may use, with the
  # limited-subscriber case's veth ends (ts…o, made per case by test/e2e/helpers/shaped-site.ts; a prefix, as Janus
  # allows), so that its subscriber there pairs on the veth's own subnet, as the tabsfu host's does. With bench0 alone
  # that subscriber's ICE failed (not understood: plain UDP between the two addresses passes both ways).
  ice_enforce_list = "${ctx.iface},ts"
  # Chromium hides its host addresses behind .local names that nothing here resolves (Janus logs "No remote
  # candidates"); the browser's checks still reach Janus, which learns its address as peer-reflexive.
  ignore_mdns = true
}
plugins: {
  disable = "${disableAllBut(`${LIB}/plugins`, ['libjanus_videoroom.so'])}"
}
transports: {
  disable = "${disableAllBut(`${LIB}/transports`, ['libjanus_websockets.so'])}"
}
loggers: {
  disable = "${disableAllBut(`${LIB}/loggers`)}"
}
events: {
  broadcast = false
  disable = "${disableAllBut(`${LIB}/events`)}"
}
`,
    'janus.transport.websockets.jcfg': `general: {
  events = false
  json = "compact"
  ws = true
  ws_port = ${PORT}
  ws_ip = "${ctx.address}"
  wss = false
}
admin: {
  admin_ws = false
  admin_wss = false
}
`,
    // Rooms are created per call through the API (see join), so the plugin starts with none.
    'janus.plugin.videoroom.jcfg': `general: {
  events = false
}
`,
  };
}

/** A request/response channel to Janus from Node, used to check it is up and to manage rooms. */
class Control {
  private seq = 0;
  private waiting = new Map<string, (msg: any) => void>();

  private constructor(private ws: WebSocket) {
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data));
      if (msg.janus === 'ack') return;
      this.waiting.get(msg.transaction)?.(msg);
      this.waiting.delete(msg.transaction);
    });
  }

  static open(url: string): Promise<Control> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, 'janus-protocol');
      ws.once('open', () => resolve(new Control(ws)));
      ws.on('error', reject); // after open, a dead Janus shows as requests that time out
    });
  }

  send(body: object): Promise<any> {
    const transaction = `c${++this.seq}`;
    this.ws.send(JSON.stringify({ ...body, transaction }));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`janus: no reply to ${JSON.stringify(body)}`)), 10000);
      this.waiting.set(transaction, (msg) => {
        clearTimeout(timer);
        const err = msg.janus === 'error' ? msg.error : undefined;
        if (err) reject(new Error(`janus ${err.code}: ${err.reason}`));
        else resolve(msg);
      });
    });
  }

  /**
   * A VideoRoom request answered synchronously (create, destroy, exists); returns the plugin's data. Each
   * request gets a session of its own, as an idle one would time out between calls of a long run.
   */
  async videoroom(body: object): Promise<any> {
    const session_id = (await this.send({ janus: 'create' })).data.id;
    try {
      const handle_id = (await this.send({ janus: 'attach', session_id, plugin: 'janus.plugin.videoroom' })).data.id;
      const data = (await this.send({ janus: 'message', session_id, handle_id, body })).plugindata.data;
      if (data.error_code) throw new Error(`janus videoroom ${data.error_code}: ${data.error}`);
      return data;
    } finally {
      await this.send({ janus: 'destroy', session_id }).catch(() => {});
    }
  }

  close(): void {
    this.ws.close();
  }
}

/** VideoRoom ids are numbers; the benchmark names rooms with strings. */
function roomId(name: string): number {
  let h = 0x811c9dc5;
  for (const c of name) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return 1 + (h % 2_000_000_000);
}

export interface JanusOptions {
  name?: string;
  /**
   * The subscribers' simulcast policy. Janus forwards the substream a subscriber asks for (the top one unless it
   * asks) and ignores its REMB, so by itself it does not adapt to a subscriber's bandwidth ('none'). With 'slowlink'
   * Janus reports slow links (slowlink_threshold lost packets in a second) and the app steps the video down one
   * substream at each (bench/www/janus-peer.js), as the VideoRoom's documentation leaves it to the application.
   */
  adapt?: 'none' | 'slowlink';
  /** Janus's slowlink_threshold with adapt 'slowlink'. */
  slowlinkThreshold?: number;
}

export class JanusSystem implements System {
  readonly name: string;
  description = 'Janus VideoRoom (not started)';
  private readonly adapt: 'none' | 'slowlink';
  private readonly slowlinkThreshold: number;
  /** e.g. "Janus 1.1.2", once started. */
  version = '';
  private proc: ChildProcess | null = null;
  private dir = '';
  private url = '';
  private output: string[] = [];
  private control: Control | null = null;
  private rooms = new Set<number>();

  constructor(options: JanusOptions = {}) {
    this.name = options.name ?? 'janus';
    this.adapt = options.adapt ?? 'none';
    this.slowlinkThreshold = this.adapt === 'slowlink' ? (options.slowlinkThreshold ?? 4) : 0;
  }

  async start(ctx: BenchContext): Promise<void> {
    if (ctx.iface === 'lo' || ctx.address.startsWith('127.')) {
      throw new SystemUnavailable('Janus gathers no ICE candidates on loopback: run the bench as root so it gets a network namespace with an interface of its own');
    }
    if (!existsSync(JANUS)) install(ctx);
    this.dir = mkdtempSync(join(tmpdir(), 'tabsfu-janus-'));
    for (const [file, text] of Object.entries(configFiles(this.dir, ctx, this.slowlinkThreshold))) writeFileSync(join(this.dir, file), text);
    this.url = `ws://${ctx.address}:${PORT}`;

    const proc = spawn(JANUS, ['-C', join(this.dir, 'janus.jcfg'), '-F', this.dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    const keep = (chunk: Buffer) => {
      // BENCH_JANUS_LOG=1: Janus's own log on the bench's output (with BENCH_JANUS_DEBUG=4 for its verbose level)
      if (process.env.BENCH_JANUS_LOG) for (const line of String(chunk).split('\n').filter(Boolean)) ctx.log(`[janus] ${line}`);
      this.output.push(...String(chunk).split('\n').filter(Boolean));
      this.output.splice(0, Math.max(0, this.output.length - 40));
    };
    proc.stdout!.on('data', keep);
    proc.stderr!.on('data', keep);
    let exited = false;
    proc.once('exit', () => (exited = true));
    proc.once('error', (e) => ((exited = true), this.output.push(String(e))));

    const deadline = Date.now() + 20000;
    for (;;) {
      if (exited) throw new Error(`Janus exited at start (code ${proc.exitCode}):\n${this.tail()}`);
      try {
        this.control = await Control.open(this.url);
        const info = await this.control.send({ janus: 'info' });
        this.description =
          `Janus ${info.version_string} VideoRoom (Debian), own config: only the videoroom plugin and the ` +
          `WebSocket transport on ${ctx.address}, no admin API/HTTP/event handlers/loggers/STUN/TURN, ICE on ` +
          `${ctx.iface} only (and the limited subscriber's veth); rooms with bitrate 0 (no REMB cap), video capped in the browser` +
          (this.adapt === 'slowlink' ? `; slowlink_threshold ${this.slowlinkThreshold}, subscribers step down a substream per slowlink event` : '; subscribers keep the top substream');
        this.version = `Janus ${info.version_string}`;
        ctx.log(`janus ${info.version_string} up, pid ${proc.pid}`);
        return;
      } catch (e) {
        if (Date.now() > deadline) throw new Error(`Janus did not answer on ${this.url}: ${e}\n${this.tail()}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  async join(peers: BenchPeer[], scenario: Scenario, room: string): Promise<void> {
    const id = roomId(room);
    // A room left over from an earlier run of the same scenario may have other limits: start afresh.
    if ((await this.control!.videoroom({ request: 'exists', room: id })).exists) {
      await this.control!.videoroom({ request: 'destroy', room: id });
    }
    await this.control!.videoroom({
      request: 'create',
      room: id,
      description: room,
      publishers: Math.max(peers.length, scenario.participants),
      bitrate: 0,
      videocodec: scenario.codec ?? 'vp8',
      audiocodec: 'opus',
      notify_joining: false,
    });
    this.rooms.add(id);
    for (const peer of peers) {
      const opts = {
        url: this.url,
        room: id,
        id: peer.id,
        publish: peer.publishes,
        audioOnly: !!scenario.audioOnly,
        maxBitrate: scenario.maxBitrate,
        fps: scenario.fps,
        simulcast: !!scenario.simulcast,
        maintainResolution: !!scenario.maintainResolution,
        adapt: this.adapt,
      };
      await peer.page.evaluate((o) => (window as any).bench.janus.join(o), opts);
    }
  }

  async leave(peers: BenchPeer[]): Promise<void> {
    await Promise.all(peers.map((p) => p.page.evaluate(() => (window as any).bench.janus.leave())));
    for (const id of this.rooms) await this.control?.videoroom({ request: 'destroy', room: id }).catch(() => {});
    this.rooms.clear();
  }

  sfuPids(): number[] {
    return this.proc?.pid ? [this.proc.pid] : [];
  }

  async stop(): Promise<void> {
    this.control?.close();
    this.control = null;
    const proc = this.proc;
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGINT'); // Janus shuts down cleanly on SIGINT
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    this.proc = null;
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = '';
  }

  /** The last lines Janus printed, for error messages. */
  private tail(): string {
    return this.output.slice(-15).join('\n');
  }
}

function install(ctx: BenchContext): void {
  if (process.getuid?.() !== 0) {
    throw new SystemUnavailable(`${JANUS} is missing: install Janus with \`sudo apt-get install janus\` (Debian 12 ships 1.1.2)`);
  }
  ctx.log('janus: installing the Debian package');
  try {
    execFileSync('apt-get', ['update'], { stdio: 'ignore' });
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'janus'], {
      stdio: 'ignore',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } catch (e) {
    throw new SystemUnavailable(`apt-get install janus failed (${e}); install the Debian package janus by hand`);
  }
  if (!existsSync(JANUS)) throw new SystemUnavailable(`apt-get installed janus but ${JANUS} is still missing`);
}
