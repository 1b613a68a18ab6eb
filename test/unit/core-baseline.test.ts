// The TypeScript baseline of the core microbench must make the same decisions as the WASM core, or the
// benchmark compares two different things.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CoreBaseline } from '../../bench/core-baseline';
import { crossCheckCore, findWasm } from '../../bench/core-micro';
import { Codec, ForwardingCore, NO_HANDLE, TrackKind } from '../../worker/core/forwarding-core';

const VP8_KEY = Uint8Array.of(0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01, 0xaa);
const VP8_DELTA = Uint8Array.of(0x31, 0x02, 0x00, 0xcc);
const OPUS = Uint8Array.of(0x78, 0x01);

describe('core baseline against the wasm core', () => {
  let wasm: ForwardingCore;

  beforeAll(async () => {
    wasm = await ForwardingCore.load(readFileSync(findWasm()));
  });

  it.each([1, 2, 3, 4])('gives the same targets, requests and stats over seeded random calls (seed %i)', (seed) => {
    const sum = crossCheckCore(wasm, seed);
    expect(sum.frames).toBeGreaterThan(10_000);
    // most frames reach someone, so equal lists are not just equally empty
    expect(sum.targets).toBeGreaterThan(2 * sum.frames);
    expect(sum.polls).toBeGreaterThan(1_000);
  });

  it('catches a baseline whose target list differs even when its counters agree', () => {
    class DropsTheLastOfMany extends CoreBaseline {
      override frameIn(...args: Parameters<CoreBaseline['frameIn']>): Uint32Array {
        const targets = super.frameIn(...args);
        return targets.length > 3 ? targets.subarray(0, targets.length - 1) : targets;
      }
    }
    expect(() => crossCheckCore(wasm, 1, 20_000, new DropsTheLastOfMany())).toThrow(/core cross-check \(seed 1, step \d+\): targets of/);
  });
});

describe('core baseline', () => {
  const send = (core: CoreBaseline, track: number, bytes: Uint8Array, hintKey: boolean) =>
    Array.from(core.frameIn(track, bytes === OPUS ? Codec.Opus : Codec.VP8, bytes, bytes.length + 1000, hintKey, 0));

  const readyDown = (core: CoreBaseline, track: number) => {
    const d = core.downOpen(track, 0);
    core.downSetReady(d, true, 0);
    return d;
  };

  it('starts a late subscriber on a keyframe and asks the publisher for one', () => {
    const core = new CoreBaseline();
    const t = core.trackOpen(TrackKind.Video);
    const early = readyDown(core, t);
    expect(core.pollKeyframeRequest(0)).toBe(t);
    expect(send(core, t, VP8_KEY, true)).toEqual([early]);

    const late = readyDown(core, t);
    expect(core.pollKeyframeRequest(100)).toBe(NO_HANDLE); // inside the 500 ms throttle window
    expect(core.nextTimeout(100)).toBe(500);
    expect(send(core, t, VP8_DELTA, false)).toEqual([early]);
    expect(send(core, t, VP8_DELTA, true)).toEqual([early]); // a readable delta outranks the browser's flag
    expect(send(core, t, VP8_KEY, true)).toEqual([early, late]);
    expect(core.nextTimeout(200)).toBe(Infinity); // the keyframe satisfied the deferred want
    expect(core.downStats(late)).toMatchObject({ frames: 1, keyframes: 1, droppedWaiting: 2, keyframeWants: 1, started: true });
    expect(core.trackStats(t)).toMatchObject({ frames: 4, keyframes: 2, width: 640, height: 480, keyframeRequests: 1 });
  });

  it('gives a paused or not-ready subscriber nothing, video or audio', () => {
    const core = new CoreBaseline();
    const v = core.trackOpen(TrackKind.Video);
    const notReady = core.downOpen(v, 0);
    const paused = readyDown(core, v);
    core.downSetPaused(paused, true, 0);
    expect(send(core, v, VP8_KEY, true)).toEqual([]);
    expect(core.downStats(paused)).toMatchObject({ frames: 0, droppedPausedOrNotReady: 1, started: false });
    expect(core.downStats(notReady)).toMatchObject({ frames: 0, droppedPausedOrNotReady: 1 });

    const a = core.trackOpen(TrackKind.Audio);
    const listening = readyDown(core, a);
    const muted = readyDown(core, a);
    core.downSetPaused(muted, true, 0);
    expect(send(core, a, OPUS, false)).toEqual([listening]);
    core.downSetPaused(muted, false, 0);
    expect(send(core, a, OPUS, false)).toEqual([listening, muted]); // audio needs no keyframe to resume
  });
});
