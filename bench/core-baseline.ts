// The forwarding decision of wasm/src/core.rs, written as a TypeScript developer would write it, so the
// microbench can tell whether the WASM core earns its place. Same rules, same counters, same answers
// (checked frame by frame by `crossCheckCore` in core-micro.ts); handles are plain increasing ids rather
// than the core's reused slab slots, so callers compare through their own handle maps.
import {
  Codec, type DownStats, FrameClass, NO_HANDLE, TrackKind, type TrackStats,
} from '../worker/core/forwarding-core.js';

/** Bytes of a frame's start the decision looks at, as in the WASM core. */
export const PREFIX_CAPACITY = 64;

const DEFAULT_THROTTLE_MS = 500;
const DEFAULT_RETRY_MS = 1000;

interface Parsed {
  cls: FrameClass;
  width: number;
  height: number;
}

const UNKNOWN: Parsed = { cls: FrameClass.Unknown, width: 0, height: 0 };
const DELTA: Parsed = { cls: FrameClass.Delta, width: 0, height: 0 };
const KEY: Parsed = { cls: FrameClass.Key, width: 0, height: 0 };

/** Classifies the first `n` bytes of `b`; see wasm/src/codec.rs for why each rule is what it is. */
export function classify(codec: number, b: Uint8Array, n: number): Parsed {
  switch (codec) {
    case Codec.VP8: return vp8(b, n);
    case Codec.H264: return h264(b, n);
    case Codec.VP9: return vp9(b, n);
    case Codec.Opus: return opus(b, n);
    default: return UNKNOWN;
  }
}

function vp8(b: Uint8Array, n: number): Parsed {
  if (n === 0) return UNKNOWN;
  if (b[0] & 1) return n >= 3 ? DELTA : UNKNOWN;
  if (n < 10 || b[3] !== 0x9d || b[4] !== 0x01 || b[5] !== 0x2a) return UNKNOWN;
  return {
    cls: FrameClass.Key,
    width: (b[6] | (b[7] << 8)) & 0x3fff,
    height: (b[8] | (b[9] << 8)) & 0x3fff,
  };
}

function h264(b: Uint8Array, n: number): Parsed {
  const startCode = n >= 3 && b[0] === 0 && b[1] === 0 && (b[2] === 1 || (n >= 4 && b[2] === 0 && b[3] === 1));
  if (!startCode) return UNKNOWN;
  let i = 0;
  while (i + 3 < n) {
    if (b[i] !== 0 || b[i + 1] !== 0 || b[i + 2] !== 1) {
      i++;
      continue;
    }
    const header = b[i + 3];
    if (header & 0x80) return UNKNOWN;
    const type = header & 0x1f;
    if (type === 5) return KEY;
    if (type === 1) return DELTA;
    i += 4;
  }
  return UNKNOWN;
}

/** MSB-first bits; -1 once the bytes run out. */
class BitReader {
  private pos = 0;
  constructor(private readonly b: Uint8Array, private readonly n: number) {}

  read(bits: number): number {
    let v = 0;
    for (let k = 0; k < bits; k++) {
      const i = this.pos >> 3;
      if (i >= this.n) return -1;
      v = (v << 1) | ((this.b[i] >> (7 - (this.pos & 7))) & 1);
      this.pos++;
    }
    return v;
  }
}

function vp9(b: Uint8Array, n: number): Parsed {
  const r = new BitReader(b, n);
  if (r.read(2) !== 2) return UNKNOWN;
  const low = r.read(1);
  const high = r.read(1);
  if (high < 0) return UNKNOWN;
  const profile = (high << 1) | low;
  if (profile === 3 && r.read(1) < 0) return UNKNOWN;
  const showExisting = r.read(1);
  if (showExisting < 0) return UNKNOWN;
  if (showExisting === 1) return DELTA;
  const frameType = r.read(1);
  if (frameType < 0) return UNKNOWN;
  if (frameType === 1) return DELTA;
  if (r.read(2) < 0 || r.read(24) !== 0x49_83_42) return UNKNOWN;
  // The sync code already proved a key frame; a cut-off size just stays 0.
  if (profile >= 2 && r.read(1) < 0) return KEY;
  const colorSpace = r.read(3);
  if (colorSpace < 0) return KEY;
  const odd = profile === 1 || profile === 3;
  const skip = colorSpace !== 7 ? 1 + (odd ? 3 : 0) : odd ? 1 : 0;
  if (skip > 0 && r.read(skip) < 0) return KEY;
  const w = r.read(16);
  const h = r.read(16);
  if (w < 0 || h < 0) return KEY;
  return { cls: FrameClass.Key, width: w + 1, height: h + 1 };
}

function opus(b: Uint8Array, n: number): Parsed {
  if (n === 0) return UNKNOWN;
  if ((b[0] & 3) !== 3) return KEY;
  return n >= 2 && (b[1] & 0x3f) >= 1 ? KEY : UNKNOWN;
}

/** One request per window per track; a want inside the window waits for its end (wasm/src/keyframes.rs). */
class KeyframeThrottle {
  wanted = false;
  lastRequestMs = -Infinity;

  dueAt(throttleMs: number): number {
    return this.wanted ? this.lastRequestMs + throttleMs : Infinity;
  }

  poll(nowMs: number, throttleMs: number): boolean {
    // !(>=) so a NaN clock neither fires nor jams the throttle
    if (!(nowMs >= this.dueAt(throttleMs))) return false;
    this.wanted = false;
    this.lastRequestMs = nowMs;
    return true;
  }
}

class Down {
  ready = false;
  paused = false;
  started = false;
  frames = 0;
  bytes = 0;
  keyframes = 0;
  droppedWaiting = 0;
  droppedPausedOrNotReady = 0;
  keyframeWants = 0;

  constructor(readonly handle: number, readonly track: Track) {}

  get video(): boolean {
    return this.track.kind === TrackKind.Video;
  }

  /** Could take frames right now but for the missing keyframe. */
  get waiting(): boolean {
    return this.video && this.ready && !this.paused && !this.started;
  }

  want(): void {
    this.keyframeWants++;
    this.track.throttle.wanted = true;
  }
}

class Track {
  /** Forwarding order is opening order. */
  readonly downs: Down[] = [];
  readonly throttle = new KeyframeThrottle();
  frames = 0;
  bytes = 0;
  keyframes = 0;
  unknownFrames = 0;
  keyframeRequests = 0;
  width = 0;
  height = 0;
  /** How many downs are waiting, kept like the WASM core's so that polling never scans the downs. */
  waitingCount = 0;

  constructor(readonly handle: number, readonly kind: TrackKind) {}
}

export type BaselineDownStats = Omit<DownStats, 'currentLayer' | 'targetLayer' | 'maxLayer' | 'switches' | 'lastSwitchReason' | 'previousLayer' | 'temporalLayer' | 'targetTemporalLayer' | 'droppedTemporal' | 'probeBps'>;

export class CoreBaseline {
  private tracks = new Map<number, Track>();
  private downs = new Map<number, Down>();
  private nextHandle = 0;
  private throttleMs = DEFAULT_THROTTLE_MS;
  private retryMs = DEFAULT_RETRY_MS;
  private lastClass: FrameClass = FrameClass.Unknown;
  /** Reused like the WASM core's out buffer; grown when a track gets more downs than it holds. */
  private out = new Uint32Array(16);

  setConfig(keyframeThrottleMs: number, keyframeRetryMs: number): void {
    this.throttleMs = keyframeThrottleMs >= 0 ? keyframeThrottleMs : DEFAULT_THROTTLE_MS;
    this.retryMs = keyframeRetryMs >= 0 ? keyframeRetryMs : DEFAULT_RETRY_MS;
  }

  trackOpen(kind: number): number {
    if (kind !== TrackKind.Audio && kind !== TrackKind.Video) return NO_HANDLE;
    const track = new Track(this.nextHandle++, kind);
    this.tracks.set(track.handle, track);
    return track.handle;
  }

  trackClose(handle: number): boolean {
    const track = this.tracks.get(handle);
    if (!track) return false;
    this.tracks.delete(handle);
    for (const d of track.downs) this.downs.delete(d.handle);
    return true;
  }

  downOpen(trackHandle: number, _nowMs: number): number {
    const track = this.tracks.get(trackHandle);
    if (!track) return NO_HANDLE;
    const down = new Down(this.nextHandle++, track);
    this.downs.set(down.handle, down);
    track.downs.push(down);
    if (track.downs.length > this.out.length) this.out = new Uint32Array(this.out.length * 2);
    return down.handle;
  }

  downClose(handle: number): boolean {
    const down = this.downs.get(handle);
    if (!down) return false;
    this.downs.delete(handle);
    const list = down.track.downs;
    list.splice(list.indexOf(down), 1);
    if (down.waiting) down.track.waitingCount--;
    return true;
  }

  /** Changes a down and keeps its track's waiting count; a down that starts waiting wants a keyframe. */
  private changeDown(handle: number, change: (d: Down) => void): void {
    const d = this.downs.get(handle);
    if (!d) return;
    const before = d.waiting;
    change(d);
    if (before === d.waiting) return;
    if (d.waiting) {
      d.track.waitingCount++;
      d.want();
    } else {
      d.track.waitingCount--;
    }
  }

  downSetReady(handle: number, ready: boolean, _nowMs: number): void {
    this.changeDown(handle, (d) => {
      if (d.ready === ready) return;
      d.ready = ready;
      // Opus packets stand alone; a video decoder that misses frames needs a fresh keyframe
      if (!d.video) d.started ||= ready;
      else if (!ready) d.started = false;
    });
  }

  downSetPaused(handle: number, paused: boolean, _nowMs: number): void {
    this.changeDown(handle, (d) => {
      if (d.paused === paused) return;
      d.paused = paused;
      if (d.video && paused) d.started = false;
    });
  }

  /** PLI/FIR from a subscriber; ignored while it cannot receive, since becoming able asks on its own. */
  keyframeWanted(handle: number, _nowMs: number): void {
    const d = this.downs.get(handle);
    if (d && d.video && d.ready && !d.paused) d.want();
  }

  /** Returns the receiving downs as a view valid until the next call, like `ForwardingCore.frameIn`. */
  frameIn(trackHandle: number, codec: number, prefix: Uint8Array, len: number, hintKey: boolean, _nowMs: number): Uint32Array {
    const track = this.tracks.get(trackHandle);
    if (!track) {
      this.lastClass = FrameClass.Unknown;
      return this.out.subarray(0, 0);
    }
    const parsed = classify(codec, prefix, Math.min(prefix.length, len, PREFIX_CAPACITY));
    this.lastClass = parsed.cls;
    // The browser's flag only counts when the bytes cannot speak.
    const isKey = parsed.cls === FrameClass.Key || (parsed.cls === FrameClass.Unknown && hintKey);
    track.frames++;
    track.bytes += len;
    if (isKey) track.keyframes++;
    if (parsed.cls === FrameClass.Unknown) track.unknownFrames++;
    if (parsed.width !== 0 && parsed.height !== 0) {
      track.width = parsed.width;
      track.height = parsed.height;
    }
    const video = track.kind === TrackKind.Video;
    const starts = !video || isKey;
    if (isKey && video) track.throttle.wanted = false;

    let count = 0;
    for (const d of track.downs) {
      if (!d.ready || d.paused) {
        d.droppedPausedOrNotReady++;
        continue;
      }
      if (!d.started) {
        if (!starts) {
          d.droppedWaiting++;
          continue;
        }
        d.started = true;
        if (video) track.waitingCount--;
      }
      this.out[count++] = d.handle;
      d.frames++;
      d.bytes += len;
      if (isKey) d.keyframes++;
    }
    return this.out.subarray(0, count);
  }

  lastFrameClass(): FrameClass {
    return this.lastClass;
  }

  /** A track whose publisher should be asked for a keyframe now, or `NO_HANDLE`; call until `NO_HANDLE`. */
  pollKeyframeRequest(nowMs: number): number {
    for (const t of this.tracks.values()) {
      if (t.kind !== TrackKind.Video) continue;
      if (t.waitingCount > 0 && nowMs >= t.throttle.lastRequestMs + this.retryMs) t.throttle.wanted = true;
      if (t.throttle.poll(nowMs, this.throttleMs)) {
        t.keyframeRequests++;
        return t.handle;
      }
    }
    return NO_HANDLE;
  }

  nextTimeout(nowMs: number): number {
    let at = Infinity;
    for (const t of this.tracks.values()) {
      if (t.kind !== TrackKind.Video) continue;
      at = Math.min(at, t.throttle.dueAt(this.throttleMs));
      if (t.waitingCount > 0) {
        const retry = t.throttle.lastRequestMs + this.retryMs;
        at = Math.min(at, Math.max(retry, t.throttle.lastRequestMs + this.throttleMs));
      }
    }
    return Math.max(at, nowMs);
  }

  trackStats(handle: number): TrackStats | undefined {
    const t = this.tracks.get(handle);
    if (!t) return undefined;
    return {
      frames: t.frames, bytes: t.bytes, keyframes: t.keyframes, unknownFrames: t.unknownFrames,
      keyframeRequests: t.keyframeRequests, width: t.width, height: t.height,
    };
  }

  /** The counters only: the baseline predates simulcast and temporal layers. */
  downStats(handle: number): BaselineDownStats | undefined {
    const d = this.downs.get(handle);
    if (!d) return undefined;
    return {
      frames: d.frames, bytes: d.bytes, keyframes: d.keyframes, droppedWaiting: d.droppedWaiting,
      droppedPausedOrNotReady: d.droppedPausedOrNotReady, keyframeWants: d.keyframeWants, started: d.started,
    };
  }
}
