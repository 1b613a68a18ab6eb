// The forwarding core (wasm/src/lib.rs) through the module wasm-bindgen generates for it (wasm/pkg), and the only
// code that touches the module's memory. Runs in a Web Worker and in Node, so it uses nothing but WebAssembly and
// typed arrays.
//
// Views over wasm memory are detached whenever the memory grows. The core
// allocates only when tracks and downs are opened (a Rust test holds the
// per-frame calls to zero allocations), so the views are re-made after those
// calls and the per-frame path uses them as they are; everything else goes
// through `views()`, which re-checks `memory.buffer`.
import initBindings, * as bindings from '../../wasm/pkg/tabsfu_core.js';

/** The `codec` argument of `frameIn`. */
export const Codec = { Unknown: 0, VP8: 1, H264: 2, VP9: 3, AV1: 4, Opus: 5 } as const;
export type Codec = (typeof Codec)[keyof typeof Codec];
/** Alias of the `Codec` type for call sites that also import the `Codec` values. */
export type CodecId = Codec;

/** What the frame's bytes said, as reported by `lastFrameClass`. */
export const FrameClass = { Unknown: 0, Delta: 1, Key: 2 } as const;
export type FrameClass = (typeof FrameClass)[keyof typeof FrameClass];

export const TrackKind = { Audio: 0, Video: 1 } as const;
export type TrackKind = (typeof TrackKind)[keyof typeof TrackKind];

/** The "no handle / failed" value (`u32::MAX`). */
export const NO_HANDLE = 0xffff_ffff;
/** Set on a handle `frameIn` returns when that down changed layers with this frame. */
export const SWITCHED_FLAG = 0x8000_0000;

/** Why a down's layer last changed (the core's `SwitchReason`). */
export const SwitchReason = { None: 0, Start: 1, Settings: 2, Bandwidth: 3, Recovered: 4, LayerStopped: 5 } as const;
export type SwitchReason = (typeof SwitchReason)[keyof typeof SwitchReason];

export interface TrackStats {
  frames: number;
  bytes: number;
  keyframes: number;
  unknownFrames: number;
  keyframeRequests: number;
  /** From the last VP8/VP9 keyframe header; 0 if never seen. */
  width: number;
  height: number;
}

export interface DownStats {
  frames: number;
  bytes: number;
  keyframes: number;
  droppedWaiting: number;
  droppedPausedOrNotReady: number;
  keyframeWants: number;
  started: boolean;
  /** The simulcast layer it receives (0 = lowest), once started. */
  currentLayer: number;
  /** The layer it should receive; it switches on that layer's keyframe. */
  targetLayer: number;
  /** The highest layer its subscriber asked for. */
  maxLayer: number;
  switches: number;
  lastSwitchReason: SwitchReason;
  /** The layer it had before its last switch. */
  previousLayer: number;
  /** The highest temporal layer it is sent, and the one it should be; `ALL_TEMPORAL` when nothing limits it. */
  temporalLayer: number;
  targetTemporalLayer: number;
  /** Frames of its layer above its temporal ceiling, not sent. */
  droppedTemporal: number;
  /** The budget (bit/s) it would need to move up to a layer it wants, when only its budget holds it below; 0 otherwise. */
  probeBps: number;
}

/** A temporal ceiling that lets every temporal layer through. */
export const ALL_TEMPORAL = 255;

/**
 * The core's functions as wasm-bindgen generated them (wasm/pkg/tabsfu_core.d.ts), with the module's memory, where the
 * shared buffers live. Handles and counts arrive as unsigned numbers: the generated glue converts u32 results.
 */
type CoreExports = Omit<typeof bindings, 'default' | 'initSync'> & { memory: WebAssembly.Memory };

interface Views {
  buffer: ArrayBuffer;
  io: Uint8Array;
  out: Uint32Array;
  stats: Float64Array;
}

export class ForwardingCore {
  /**
   * Loads from bytes, or from a (promised) fetch Response, streaming when the server allows. The generated module
   * holds one instance per JavaScript realm (a worker has one core): a second load returns the same core.
   */
  static async load(source: BufferSource | Response | Promise<Response>): Promise<ForwardingCore> {
    const resolved = await source;
    if (isResponse(resolved) && !resolved.ok) throw new Error(`forwarding core: fetching ${resolved.url} failed: ${resolved.status}`);
    const { memory } = await initBindings({ module_or_path: resolved });
    return new ForwardingCore({ ...bindings, memory });
  }

  private readonly wasm: CoreExports;
  private v: Views;

  private constructor(wasm: CoreExports) {
    this.wasm = wasm;
    this.v = this.map();
  }

  /** Bytes of a frame's prefix the core looks at (64). */
  get ioCapacity(): number {
    return this.views().io.length;
  }

  /** Room in the out buffer: at least the largest number of downs on one track. */
  get outCapacity(): number {
    return this.views().out.length;
  }

  coreReset(): void {
    this.wasm.core_reset();
  }

  setConfig(keyframeThrottleMs: number, keyframeRetryMs: number): void {
    this.wasm.set_config(keyframeThrottleMs, keyframeRetryMs);
  }

  /** Returns a track handle, or `NO_HANDLE`. */
  trackOpen(kind: TrackKind): number {
    const track = this.wasm.track_open(kind) >>> 0;
    this.v = this.map();
    return track;
  }

  /** Also closes the track's downs. False if the handle was unknown. */
  trackClose(track: number): boolean {
    return this.wasm.track_close(track) !== 0;
  }

  /** Returns a down handle, or `NO_HANDLE` if the track is unknown. */
  downOpen(track: number, nowMs: number): number {
    const down = this.wasm.down_open(track, nowMs) >>> 0;
    this.v = this.map(); // the out buffer may have grown and moved
    return down;
  }

  downClose(down: number): boolean {
    return this.wasm.down_close(down) !== 0;
  }

  downSetReady(down: number, ready: boolean, nowMs: number): void {
    this.wasm.down_set_ready(down, ready ? 1 : 0, nowMs);
  }

  downSetPaused(down: number, paused: boolean, nowMs: number): void {
    this.wasm.down_set_paused(down, paused ? 1 : 0, nowMs);
  }

  /** Sets a video track's simulcast layer count (1 to 4, low to high). False for an unknown track or count. */
  trackSetLayers(track: number, count: number, nowMs: number): boolean {
    return this.wasm.track_set_layers(track, count, nowMs) !== 0;
  }

  /** The highest layer an unpaused subscriber wants (dynacast), or -1 when nobody does. */
  trackMaxWantedLayer(track: number): number {
    return this.wasm.track_max_wanted_layer(track);
  }

  /** The highest layer the subscriber asked for (its tile size or quality). */
  downSetMaxLayer(down: number, maxLayer: number, nowMs: number): void {
    this.wasm.down_set_max_layer(down, maxLayer, nowMs);
  }

  /** The frame rate the subscriber asked for (0 = any): a stream with temporal layers is thinned to it. */
  downSetMaxFps(down: number, fps: number, nowMs: number): void {
    this.wasm.down_set_max_fps(down, fps, nowMs);
  }

  /** What the subscriber's connection can carry: this down's share of its estimate (0 = unknown), send delay, loss 0..1. */
  downSetLink(down: number, budgetBps: number, sendDelayMs: number, loss: number, nowMs: number): void {
    this.wasm.down_set_link(down, budgetBps, sendDelayMs, loss, nowMs);
  }

  /** The layer of the track the last `pollKeyframeRequest` returned. */
  lastRequestLayer(): number {
    return this.wasm.last_request_layer();
  }

  /**
   * Decides who receives a frame of `len` bytes from simulcast layer `layer` and temporal layer `temporal` (0 when
   * the stream has none). `bytes` is the frame or its
   * start; at most `ioCapacity` (64) bytes of it are copied into the core.
   * `hintKey` is the browser's own key/delta flag. Returns the receiving down
   * handles as a view valid until the next call into the core; a handle with
   * `SWITCHED_FLAG` set changed layers with this frame.
   */
  frameIn(track: number, codec: Codec, bytes: ArrayBuffer | Uint8Array, len: number, hintKey: boolean, nowMs: number, layer = 0, temporal = 0): Uint32Array {
    const v = this.v;
    const prefixLen = Math.min(bytes.byteLength, len, v.io.length);
    if (bytes instanceof Uint8Array) v.io.set(bytes.length === prefixLen ? bytes : bytes.subarray(0, prefixLen));
    else v.io.set(new Uint8Array(bytes, 0, prefixLen));
    const n = this.wasm.frame_in(track, layer, temporal, codec, len, prefixLen, hintKey ? 1 : 0, nowMs);
    return v.out.subarray(0, n);
  }

  lastFrameClass(): FrameClass {
    return this.wasm.last_frame_class() as FrameClass;
  }

  /** The subscriber reported loss (PLI/FIR). */
  keyframeWanted(down: number, nowMs: number): void {
    this.wasm.keyframe_wanted(down, nowMs);
  }

  /** A track whose publisher should be asked for a keyframe now, or `NO_HANDLE`. Call until `NO_HANDLE`. */
  pollKeyframeRequest(nowMs: number): number {
    return this.wasm.poll_keyframe_request(nowMs) >>> 0;
  }

  /** When to poll again; `Infinity` when nothing is pending. */
  nextTimeout(nowMs: number): number {
    return this.wasm.next_timeout(nowMs);
  }

  /** Undefined for an unknown handle. */
  trackStats(track: number): TrackStats | undefined {
    if (this.wasm.track_stats(track) === 0) return undefined;
    const s = this.views().stats;
    return {
      frames: s[0], bytes: s[1], keyframes: s[2], unknownFrames: s[3],
      keyframeRequests: s[4], width: s[5], height: s[6],
    };
  }

  /** Undefined for an unknown handle. */
  downStats(down: number): DownStats | undefined {
    if (this.wasm.down_stats(down) === 0) return undefined;
    const s = this.views().stats;
    return {
      frames: s[0], bytes: s[1], keyframes: s[2], droppedWaiting: s[3],
      droppedPausedOrNotReady: s[4], keyframeWants: s[5], started: s[6] !== 0,
      currentLayer: s[7], targetLayer: s[8], maxLayer: s[9], switches: s[10], lastSwitchReason: s[11] as SwitchReason, previousLayer: s[12],
      temporalLayer: s[13], targetTemporalLayer: s[14], droppedTemporal: s[15], probeBps: s[16],
    };
  }

  private views(): Views {
    if (this.v.buffer !== this.wasm.memory.buffer) this.v = this.map();
    return this.v;
  }

  private map(): Views {
    const w = this.wasm;
    const buffer = w.memory.buffer;
    return {
      buffer,
      io: new Uint8Array(buffer, w.io_buffer() >>> 0, w.io_capacity() >>> 0),
      out: new Uint32Array(buffer, w.out_buffer() >>> 0, w.out_capacity() >>> 0),
      stats: new Float64Array(buffer, w.stats_buffer() >>> 0, w.stats_capacity() >>> 0),
    };
  }
}

function isResponse(x: unknown): x is Response {
  return typeof Response !== 'undefined' && x instanceof Response;
}

