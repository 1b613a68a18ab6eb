// End-to-end checks of the forwarding core through its TypeScript binding,
// against the real .wasm built by scripts/build-wasm.mjs.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ALL_TEMPORAL, Codec, ForwardingCore, FrameClass, NO_HANDLE, SwitchReason, TrackKind } from '../../worker/core/forwarding-core';

const WASM = fileURLToPath(new URL('../../wasm/pkg/tabsfu_core_bg.wasm', import.meta.url));

const VP8_KEY = Uint8Array.of(0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01, 0xaa, 0xbb);
const VP8_DELTA = Uint8Array.of(0x31, 0x02, 0x00, 0xcc, 0xdd);
/** Key flag set, but the start code is scrambled, as in an end-to-end encrypted frame. */
const VP8_ENCRYPTED_KEY = Uint8Array.of(0x10, 0x02, 0x00, 0x5a, 0xc3, 0x11, 0x80, 0x02, 0xe0, 0x01, 0x77);
const OPUS = Uint8Array.of(0x78, 0x01, 0x02);

describe('forwarding core (wasm)', () => {
  let core: ForwardingCore;

  beforeAll(async () => {
    if (!existsSync(WASM)) {
      throw new Error(`${WASM} is missing: run \`node scripts/build-wasm.mjs\` first`);
    }
    core = await ForwardingCore.load(readFileSync(WASM));
  });

  beforeEach(() => core.coreReset());

  const send = (track: number, codec: number, frame: Uint8Array, hintKey: boolean, now = 0) =>
    Array.from(core.frameIn(track, codec as Codec, frame, frame.byteLength, hintKey, now));

  const readyDown = (track: number, now = 0) => {
    const d = core.downOpen(track, now);
    core.downSetReady(d, true, now);
    return d;
  };

  const drainRequests = (now: number) => {
    const out: number[] = [];
    for (let t = core.pollKeyframeRequest(now); t !== NO_HANDLE; t = core.pollKeyframeRequest(now)) out.push(t);
    return out;
  };

  it('starts a late subscriber on a keyframe and asks the publisher for one', () => {
    const t = core.trackOpen(TrackKind.Video);
    const early = readyDown(t);
    expect(send(t, Codec.VP8, VP8_KEY, true)).toEqual([early]);
    expect(core.lastFrameClass()).toBe(FrameClass.Key);

    const late = readyDown(t, 100);
    expect(drainRequests(100)).toEqual([t]);
    expect(send(t, Codec.VP8, VP8_DELTA, false, 110)).toEqual([early]);
    expect(core.lastFrameClass()).toBe(FrameClass.Delta);
    expect(send(t, Codec.VP8, VP8_KEY, true, 120)).toEqual([early, late]);

    expect(core.downStats(late)).toEqual({
      frames: 1, bytes: VP8_KEY.length, keyframes: 1, droppedWaiting: 1,
      droppedPausedOrNotReady: 0, keyframeWants: 1, started: true,
      currentLayer: 0, targetLayer: 0, maxLayer: 3, switches: 0, lastSwitchReason: SwitchReason.Start, previousLayer: 0,
      temporalLayer: ALL_TEMPORAL, targetTemporalLayer: ALL_TEMPORAL, droppedTemporal: 0, probeBps: 0,
    });
    expect(core.trackStats(t)).toEqual({
      frames: 3, bytes: 2 * VP8_KEY.length + VP8_DELTA.length, keyframes: 2, unknownFrames: 0,
      keyframeRequests: 1, width: 640, height: 480,
    });
  });

  it('throttles keyframe requests and defers, not drops, a want inside the window', () => {
    const t = core.trackOpen(TrackKind.Video);
    const d = readyDown(t);
    expect(drainRequests(1000)).toEqual([t]);
    core.keyframeWanted(d, 1200);
    expect(drainRequests(1200)).toEqual([]);
    expect(core.nextTimeout(1200)).toBe(1500);
    expect(drainRequests(1500)).toEqual([t]);
  });

  it('gives nothing to paused or not-ready subscribers', () => {
    const t = core.trackOpen(TrackKind.Video);
    const notReady = core.downOpen(t, 0);
    const paused = readyDown(t);
    core.downSetPaused(paused, true, 0);
    expect(send(t, Codec.VP8, VP8_KEY, true)).toEqual([]);
    expect(send(t, Codec.VP8, VP8_DELTA, false)).toEqual([]);
    expect(core.downStats(notReady)?.droppedPausedOrNotReady).toBe(2);
    expect(core.downStats(paused)?.frames).toBe(0);
  });

  it('counts an encrypted-looking VP8 keyframe as unknown and lets the browser flag decide', () => {
    const t = core.trackOpen(TrackKind.Video);
    const d = readyDown(t);
    expect(send(t, Codec.VP8, VP8_ENCRYPTED_KEY, false)).toEqual([]);
    expect(core.lastFrameClass()).toBe(FrameClass.Unknown);
    expect(send(t, Codec.VP8, VP8_ENCRYPTED_KEY, true)).toEqual([d]);
    expect(core.lastFrameClass()).toBe(FrameClass.Unknown);
    expect(core.trackStats(t)).toMatchObject({ unknownFrames: 2, width: 0, height: 0 });
  });

  it('starts audio subscribers as soon as they are ready', () => {
    const t = core.trackOpen(TrackKind.Audio);
    const d = readyDown(t);
    expect(send(t, Codec.Opus, OPUS, false)).toEqual([d]);
    expect(core.lastFrameClass()).toBe(FrameClass.Key);
    expect(drainRequests(0)).toEqual([]);
    expect(core.nextTimeout(0)).toBe(Infinity);
  });

  it('copies at most the io capacity of a large frame and reports its full length', () => {
    const t = core.trackOpen(TrackKind.Video);
    const d = readyDown(t);
    const big = new Uint8Array(100_000);
    big.set(VP8_KEY);
    expect(Array.from(core.frameIn(t, Codec.VP8, big.buffer, big.byteLength, false, 0))).toEqual([d]);
    expect(core.ioCapacity).toBe(64);
    expect(core.trackStats(t)?.bytes).toBe(100_000);
  });

  it('returns NO_HANDLE and empty results for unknown handles', () => {
    expect(core.downOpen(12345, 0)).toBe(NO_HANDLE);
    expect(core.trackOpen(9 as TrackKind)).toBe(NO_HANDLE);
    expect(send(777, Codec.VP8, VP8_KEY, true)).toEqual([]);
    expect(core.trackStats(777)).toBeUndefined();
    expect(core.downStats(NO_HANDLE)).toBeUndefined();
    expect(core.trackClose(777)).toBe(false);
  });

  it('also loads from a fetch Response, streamed or not', async () => {
    const bytes = readFileSync(WASM);
    for (const type of ['application/wasm', 'application/octet-stream']) {
      // the generated module keeps one instance per module graph: a fresh graph makes this load a real one
      vi.resetModules();
      const fresh = (await import('../../worker/core/forwarding-core')).ForwardingCore;
      expect(fresh).not.toBe(ForwardingCore);
      const other = await fresh.load(Promise.resolve(new Response(bytes, { headers: { 'content-type': type } })));
      const t = other.trackOpen(TrackKind.Audio);
      const d = other.downOpen(t, 0);
      other.downSetReady(d, true, 0);
      expect(Array.from(other.frameIn(t, Codec.Opus, OPUS, OPUS.length, false, 0))).toEqual([d]);
    }
  });

  it('keeps working when opening many downs grows wasm memory', () => {
    const t = core.trackOpen(TrackKind.Video);
    const first = readyDown(t);
    const before = core.frameIn(t, Codec.VP8, VP8_KEY, VP8_KEY.length, true, 0);
    expect(Array.from(before)).toEqual([first]);

    const memory = (core as unknown as { wasm: { memory: WebAssembly.Memory } }).wasm.memory;
    const bufferBefore = memory.buffer;
    const downs = [first];
    for (let i = 1; i < 5000; i++) downs.push(readyDown(t));
    expect(memory.buffer).not.toBe(bufferBefore); // grown: the old views are detached
    expect(before.byteLength).toBe(0);
    expect(core.outCapacity).toBeGreaterThanOrEqual(5000);

    const targets = core.frameIn(t, Codec.VP8, VP8_KEY, VP8_KEY.length, true, 1);
    expect(targets.length).toBe(5000);
    expect(Array.from(targets)).toEqual(downs);
    expect(core.trackStats(t)?.frames).toBe(2);
    expect(core.downStats(downs[4999])).toMatchObject({ frames: 1, started: true });

    expect(core.trackClose(t)).toBe(true);
    const t2 = core.trackOpen(TrackKind.Audio);
    expect(t2).toBe(t);
    expect(downs).toContain(core.downOpen(t2, 2));
  });
});
