// Does the WASM forwarding core earn its place? ns per frame for the per-frame decision at 10, 100 and 1,000
// subscribers, WASM against the plain TypeScript baseline, in the same process and interleaved.
//   node dist/node/bench/core-micro.js [framesPerCase]
// Each frame costs what the worker's route() pays: frameIn (prefix copy into WASM memory included), then
// drainKeyframeRequests() (poll until none, then nextTimeout). Before timing, a seeded cross-check proves
// both sides give the same answers, so the comparison is of the same logic.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Codec, ForwardingCore, NO_HANDLE, TrackKind } from '../worker/core/forwarding-core.js';
import { CoreBaseline } from './core-baseline.js';

export interface CoreMicroResult {
  subscribers: number;
  impl: 'wasm' | 'ts';
  nsPerFrame: number;
  framesPerCase: number;
}

/** What the timed loop needs; both implementations have it. */
type Core = Pick<ForwardingCore, 'trackOpen' | 'downOpen' | 'downSetReady' | 'frameIn' | 'pollKeyframeRequest' | 'nextTimeout'>;

const SUBSCRIBERS = [10, 100, 1000];
const ROUNDS = 5;
const KEYFRAME_INTERVAL = 60;
const FRAME_MS = 1000 / 30;
const PREFIX_BYTES = 64;

/** xorshift32: seeded, so every run and both implementations see the same bytes and calls. */
export class Rng {
  constructor(private s: number) {
    this.s = s >>> 0 || 1;
  }

  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (this.s = x >>> 0);
  }

  below(n: number): number {
    return this.next() % n;
  }

  bytes(n: number, zeroBias = false): number[] {
    return Array.from({ length: n }, () => (zeroBias && this.below(3) === 0 ? 0 : this.next() & 0xff));
  }
}

// ---- the timed workload -------------------------------------------------------------------------------

interface Stream {
  prefixes: Uint8Array[];
  lens: number[];
  keys: boolean[];
}

/** VP8 frame tag (RFC 6386 §9.1): key bit, version 0, shown, first partition size. */
function vp8Tag(key: boolean, firstPartSize: number): number[] {
  const tag = (key ? 0 : 1) | (1 << 4) | (firstPartSize << 5);
  return [tag & 0xff, (tag >> 8) & 0xff, (tag >> 16) & 0xff];
}

/** Ten GOPs of 720p VP8: 64-byte prefixes as a publisher's transform would hand them over, ~1,200 bytes each. */
function vp8Stream(rng: Rng): Stream {
  const s: Stream = { prefixes: [], lens: [], keys: [] };
  for (let i = 0; i < KEYFRAME_INTERVAL * 10; i++) {
    const key = i % KEYFRAME_INTERVAL === 0;
    const len = 1100 + rng.below(200);
    const head = key
      ? [...vp8Tag(true, 400 + rng.below(200)), 0x9d, 0x01, 0x2a, 0x00, 0x05, 0xd0, 0x02] // 1280x720
      : vp8Tag(false, 150 + rng.below(100));
    s.prefixes.push(Uint8Array.from([...head, ...rng.bytes(PREFIX_BYTES - head.length)]));
    s.lens.push(len);
    s.keys.push(key);
  }
  return s;
}

/** Opens one VP8 track with `n` ready downs (draining the keyframe request that causes), then times `frames`. */
function runCase(core: Core, n: number, stream: Stream, frames: number): number {
  const track = core.trackOpen(TrackKind.Video);
  for (let i = 0; i < n; i++) core.downSetReady(core.downOpen(track, 0), true, 0);
  while (core.pollKeyframeRequest(0) !== NO_HANDLE);

  const { prefixes, lens, keys } = stream;
  const period = prefixes.length;
  let delivered = 0;
  let stray = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < frames; i++) {
    const j = i % period;
    const now = i * FRAME_MS;
    const targets = core.frameIn(track, Codec.VP8, prefixes[j], lens[j], keys[j], now);
    delivered += targets.length;
    while (core.pollKeyframeRequest(now) !== NO_HANDLE) stray++;
    stray += core.nextTimeout(now) === Infinity ? 0 : 1;
  }
  const ns = Number(process.hrtime.bigint() - start);
  // every down started on frame 0 (a keyframe), so anything else means the workload is not what we think
  if (delivered !== frames * n || stray !== 0) {
    throw new Error(`core microbench: ${n} downs delivered ${delivered} of ${frames * n}, ${stray} stray requests`);
  }
  return ns / frames;
}

function defaultFrames(n: number): number {
  // roughly equal work per case: enough frames at 10 downs to dwarf timer noise, not minutes at 1,000
  return Math.min(500_000, Math.max(20_000, Math.round(5_000_000 / n)));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function findWasm(): string {
  // bench/ when run from source (vitest), dist/node/bench/ when compiled
  for (const rel of ['../wasm/pkg/tabsfu_core_bg.wasm', '../../../wasm/pkg/tabsfu_core_bg.wasm']) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error('wasm/pkg/tabsfu_core_bg.wasm is missing: run `node scripts/build-wasm.mjs` first');
}

export async function runCoreMicrobench(opts: { framesPerCase?: number } = {}): Promise<CoreMicroResult[]> {
  const bytes = readFileSync(findWasm());
  const checked = await ForwardingCore.load(bytes);
  for (const seed of [1, 2, 3]) crossCheckCore(checked, seed);

  const wasm = await ForwardingCore.load(bytes);
  const stream = vp8Stream(new Rng(0x5eed));
  const impls = {
    wasm: (): Core => {
      wasm.coreReset();
      return wasm;
    },
    ts: (): Core => new CoreBaseline(),
  };
  const samples = new Map<string, number[]>();
  const framesFor = (n: number) => opts.framesPerCase ?? defaultFrames(n);

  // warm-up: let both JITs (V8's for the TS, Liftoff to TurboFan for the WASM) settle before anything counts
  for (const n of SUBSCRIBERS) for (const make of Object.values(impls)) runCase(make(), n, stream, Math.ceil(framesFor(n) / 5));

  for (let round = 0; round < ROUNDS; round++) {
    // alternate which side goes first so drift in the machine's state is not pinned on one of them
    const order: ('wasm' | 'ts')[] = round % 2 ? ['ts', 'wasm'] : ['wasm', 'ts'];
    for (const n of SUBSCRIBERS) {
      for (const impl of order) {
        const key = `${impl}:${n}`;
        samples.set(key, [...(samples.get(key) ?? []), runCase(impls[impl](), n, stream, framesFor(n))]);
      }
    }
  }
  return SUBSCRIBERS.flatMap((n) =>
    (['wasm', 'ts'] as const).map((impl) => ({
      subscribers: n, impl, nsPerFrame: median(samples.get(`${impl}:${n}`)!), framesPerCase: framesFor(n),
    })),
  );
}

export function formatCoreMicro(results: CoreMicroResult[]): string {
  const ns = (n: number, impl: string) => results.find((r) => r.subscribers === n && r.impl === impl)?.nsPerFrame ?? NaN;
  const rows = [...new Set(results.map((r) => r.subscribers))].map((n) => {
    const [w, t] = [ns(n, 'wasm'), ns(n, 'ts')];
    return [String(n), w.toFixed(0), t.toFixed(0), (t / w).toFixed(2)];
  });
  const head = ['subscribers', 'wasm ns/frame', 'ts ns/frame', 'ts/wasm'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  return [line(head), ...rows.map(line), `(median of ${ROUNDS} interleaved rounds; ts/wasm > 1 means WASM is faster)`].join('\n');
}

// ---- the cross-check ----------------------------------------------------------------------------------

export interface CrossCheckSummary {
  seed: number;
  steps: number;
  /** frameIn calls whose target lists (and frame class) were compared. */
  frames: number;
  /** Target handles compared across all those frames. */
  targets: number;
  /** Keyframe-request drains and nextTimeout values compared. */
  polls: number;
  /** Track and down stats records compared. */
  stats: number;
}

interface Pair {
  w: number;
  t: number;
}

interface TrackPair extends Pair {
  downs: Pair[];
}

/** A VP9 uncompressed header of any profile, key or not, now and then with a broken sync code, then noise. */
function vp9Header(rng: Rng): number[] {
  const bits: number[] = [];
  const put = (v: number, n: number) => {
    for (let i = n - 1; i >= 0; i--) bits.push((v >> i) & 1);
  };
  const profile = rng.below(4);
  put(2, 2); // frame marker
  put(profile & 1, 1);
  put(profile >> 1, 1);
  if (profile === 3) put(0, 1);
  put(rng.below(8) === 0 ? 1 : 0, 1); // show_existing_frame
  put(rng.below(2), 1); // frame_type
  put(rng.below(4), 2); // show_frame, error_resilient_mode
  put(rng.below(8) === 0 ? rng.next() & 0xffffff : 0x49_83_42, 24);
  for (let i = rng.below(48); i > 0; i--) bits.push(rng.below(2)); // colour config and size
  const b: number[] = [];
  for (let i = 0; i < bits.length; i += 8) b.push(bits.slice(i, i + 8).reduce((v, bit, k) => v | (bit << (7 - k)), 0));
  return b;
}

/** A frame of some codec whose bytes say key, delta or nothing, plus garbage under any codec id. */
function randomFrame(rng: Rng): { codec: number; bytes: Uint8Array } {
  const rest = (n: number, zeroBias = false) => rng.bytes(rng.below(n + 1), zeroBias);
  const pick = rng.below(12);
  let codec: number;
  let b: number[];
  if (pick <= 2) {
    codec = Codec.VP8;
    const w = rng.below(0x10000);
    const h = rng.below(0x10000);
    b = [...vp8Tag(pick !== 1, rng.below(1 << 19)), 0x9d, 0x01, 0x2a, w & 0xff, w >> 8, h & 0xff, h >> 8, ...rest(60)];
    if (pick === 2) b[3 + rng.below(3)] ^= 1 + rng.below(255); // a key flag over encrypted bytes
    b = b.slice(0, rng.below(8) === 0 ? rng.below(11) : b.length); // sometimes too short to tell
  } else if (pick <= 5) {
    codec = Codec.H264;
    const aud = rng.below(2) ? [0, 0, 0, 1, 0x09, 0xf0] : [];
    const params = pick === 3 ? [0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1f, 0, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80] : [];
    const sei = rng.below(3) === 0 ? [0, 0, 1, 0x06, 0x05, 0x01] : [];
    const slice = [[0, 0, 1, 0x65], [0, 0, 1, 0x41], [0, 0, 1, 0xe5], [0, 0, 1, 0x61]][rng.below(4)];
    b = [...aud, ...params, ...sei, ...slice, ...rest(40, true)];
    b = b.slice(0, rng.below(6) === 0 ? rng.below(b.length + 1) : b.length);
  } else if (pick <= 7) {
    codec = Codec.Opus;
    b = rest(3);
  } else if (pick === 8) {
    codec = Codec.VP9;
    b = vp9Header(rng);
  } else {
    codec = rng.below(7); // including ids the core does not know
    b = rest(80, true);
  }
  return { codec, bytes: Uint8Array.from(b) };
}

/**
 * Feeds the WASM core and a fresh baseline the same seeded calls (track and down churn, ready/pause flips,
 * PLIs, frames of every kind) and throws on the first answer that differs. Handles differ by design (the
 * core reuses slab slots), so answers are compared through the handle pairs opened together. `ts` must be
 * fresh; it is a parameter so a test can show that a wrong baseline is caught.
 */
export function crossCheckCore(wasm: ForwardingCore, seed: number, steps = 20_000, ts = new CoreBaseline()): CrossCheckSummary {
  const rng = new Rng(seed * 0x9e3779b1);
  const sum: CrossCheckSummary = { seed, steps, frames: 0, targets: 0, polls: 0, stats: 0 };
  const config: [number, number] = seed % 2 ? [-1, NaN] : [100, 300]; // defaults, then tighter windows
  wasm.coreReset();
  wasm.setConfig(...config);
  ts.setConfig(...config);

  const tracks: TrackPair[] = [];
  const trackByW = new Map<number, TrackPair>();
  const downByW = new Map<number, Pair>();
  let now = 0;
  let step = 0;
  const fail = (what: string, w: unknown, t: unknown): never => {
    throw new Error(`core cross-check (seed ${seed}, step ${step}): ${what}: wasm ${JSON.stringify(w)}, ts ${JSON.stringify(t)}`);
  };
  const same = (what: string, w: unknown, t: unknown) => {
    if (JSON.stringify(w) !== JSON.stringify(t)) fail(what, w, t);
  };
  const anyTrack = () => tracks[rng.below(tracks.length)];
  const anyDown = () => {
    const all = tracks.flatMap((t) => t.downs);
    return all.length ? all[rng.below(all.length)] : undefined;
  };
  const drainBoth = () => {
    const drain = (core: { pollKeyframeRequest(now: number): number }, map: (h: number) => number) => {
      const out: number[] = [];
      for (let h = core.pollKeyframeRequest(now); h !== NO_HANDLE; h = core.pollKeyframeRequest(now)) {
        if (out.length > 100) fail('keyframe requests never run out', out, null);
        out.push(map(h));
      }
      // the core walks its slab, the baseline its Map: the same set in a different order is the same answer
      return out.sort((a, b) => a - b);
    };
    same('keyframe requests', drain(wasm, (h) => trackByW.get(h)?.t ?? -1), drain(ts, (h) => h));
    same('next timeout', String(wasm.nextTimeout(now)), String(ts.nextTimeout(now)));
    sum.polls++;
  };
  const compareStats = (track: TrackPair) => {
    same('track stats', wasm.trackStats(track.w), ts.trackStats(track.t));
    // the baseline has no simulcast layers: compare the counters it keeps
    for (const d of track.downs) {
      const expected = ts.downStats(d.t);
      const actual = wasm.downStats(d.w);
      same('down stats', actual && expected ? Object.fromEntries(Object.keys(expected).map((k) => [k, actual[k as keyof typeof actual]])) : actual, expected);
    }
    sum.stats += 1 + track.downs.length;
  };

  for (step = 0; step < steps; step++) {
    now += rng.below(40);
    const op = rng.below(100);
    if (op < 2) {
      if (tracks.length >= 6) continue;
      const kind = rng.below(3); // 2 is invalid
      const pair: TrackPair = { w: wasm.trackOpen(kind as TrackKind), t: ts.trackOpen(kind), downs: [] };
      same('track refused', pair.w === NO_HANDLE, pair.t === NO_HANDLE);
      if (pair.w !== NO_HANDLE) {
        tracks.push(pair);
        trackByW.set(pair.w, pair);
      }
    } else if (op < 3 && tracks.length > 0 && rng.below(3) === 0) {
      const track = anyTrack();
      compareStats(track);
      same('track close', wasm.trackClose(track.w), ts.trackClose(track.t));
      tracks.splice(tracks.indexOf(track), 1);
      trackByW.delete(track.w);
      for (const d of track.downs) downByW.delete(d.w);
    } else if (op < 10 && tracks.length > 0) {
      const track = anyTrack();
      if (track.downs.length >= 40) continue;
      const pair = { w: wasm.downOpen(track.w, now), t: ts.downOpen(track.t, now) };
      same('down refused', pair.w === NO_HANDLE, pair.t === NO_HANDLE);
      track.downs.push(pair);
      downByW.set(pair.w, pair);
    } else if (op < 12) {
      const d = anyDown();
      if (!d) continue;
      same('down close', wasm.downClose(d.w), ts.downClose(d.t));
      for (const t of tracks) t.downs = t.downs.filter((x) => x !== d);
      downByW.delete(d.w);
    } else if (op < 30) {
      const d = anyDown();
      if (!d) continue;
      if (op < 22) {
        const ready = rng.below(4) !== 0;
        wasm.downSetReady(d.w, ready, now);
        ts.downSetReady(d.t, ready, now);
      } else if (op < 27) {
        const paused = rng.below(3) === 0;
        wasm.downSetPaused(d.w, paused, now);
        ts.downSetPaused(d.t, paused, now);
      } else {
        wasm.keyframeWanted(d.w, now);
        ts.keyframeWanted(d.t, now);
      }
    } else if (op < 33) {
      drainBoth();
    } else if (op < 35 && tracks.length > 0) {
      compareStats(anyTrack());
    } else if (op >= 35) {
      const track = tracks.length > 0 && rng.below(50) !== 0 ? anyTrack() : { w: NO_HANDLE, t: NO_HANDLE, downs: [] };
      const { codec, bytes } = randomFrame(rng);
      const len = rng.below(8) === 0 ? rng.below(bytes.length + 1) : bytes.length + rng.below(2000);
      const hint = rng.below(2) === 1;
      const w = Array.from(wasm.frameIn(track.w, codec as Codec, bytes, len, hint, now), (h) => downByW.get(h)?.t ?? -1);
      const t = Array.from(ts.frameIn(track.t, codec, bytes, len, hint, now));
      same(`targets of a ${len}-byte frame [${bytes.slice(0, 12).join(',')}] codec ${codec}`, w, t);
      same('frame class', wasm.lastFrameClass(), ts.lastFrameClass());
      sum.frames++;
      sum.targets += t.length;
      // the worker drains after every frame; sometimes skip it so deferred requests pile up too
      if (rng.below(2)) drainBoth();
    }
  }
  for (const t of tracks) compareStats(t);
  drainBoth();
  return sum;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const frames = process.argv[2] ? Number(process.argv[2]) : undefined;
  const results = await runCoreMicrobench({ framesPerCase: frames });
  console.log(formatCoreMicro(results));
}
