// The media path: frames arrive from each published track's receiver transform, the forwarding core decides
// which subscribers get each one, and each chosen subscriber's sink gets its own clone. Nothing here decodes
// or encodes; nothing is logged per frame.
import { type ForwardingCore, NO_HANDLE, SWITCHED_FLAG, type SwitchReason, TrackKind } from '../core/forwarding-core';
import { Codec, type CodecId } from '../core/forwarding-core';
import { Encryption_Type } from '@livekit/protocol';
import type { UpTrack } from './up-track';
import type { DownSink, EncodedFrame } from './down-sink';
import type { AudioLevelSink } from '../speakers/audio-level-tap';
import { StandInFrames } from './stand-in-frames';

/** The publisher-side payload prefix the core reads; the rest of a frame never crosses into WASM. */
const PREFIX_BYTES = 64;

interface UpEntry {
  handle: number;
  track: UpTrack;
  /** One receiver transform per simulcast layer, low to high. */
  transformers: (RTCRtpScriptTransformer | null)[];
  /** The codec of the last frame whose metadata was read, and of which negotiation. */
  codec: CodecId | null;
  codecVersion: number;
  /** End-to-end encrypted video: the host's decoder is fed stand-in keyframes instead of frames it cannot read. */
  encryptedVideo: boolean;
}

/**
 * Codecs whose frames Chromium's receiver labels with their temporal layer (`metadata.temporalIndex`; measured with
 * livekit-client's VP9 and AV1 L1T3). VP8 frames read 0 even when the publisher sends L1T3 (set with setParameters:
 * livekit-client sends VP8 L1T1), as H.264 ones do, so neither is read.
 */
const TEMPORAL_CODECS: ReadonlySet<CodecId> = new Set([Codec.VP9, Codec.AV1]);

/** Shared, so that handling a rejected write allocates no closure per frame. */
const ignore = () => {};

/** A subscriber's copy of a track in the core. Owners keep this object, never the raw handle: the core
 * reuses handles, and a copy closed with its track must not close someone else's later. */
export interface ForwardedDown {
  readonly handle: number;
  readonly trackSid: string;
  closed: boolean;
}

/** Told when a subscriber's down moved to another simulcast layer: which, from which, and why. */
export type LayerSwitchListener = (from: number, to: number, reason: SwitchReason) => void;

interface DownEntry extends ForwardedDown {
  up: UpEntry;
  sink: DownSink;
  onLayerSwitch: LayerSwitchListener | null;
}

export interface ForwarderCounters {
  /** Frames that arrived from publishers. */
  framesIn: number;
  /** Clones handed to subscriber sinks. */
  framesOut: number;
  /** Keyframe requests sent to publishers. */
  keyframeRequests: number;
  /** Transforms whose track was unknown when they started (closed before media arrived). */
  orphanTransforms: number;
}

export class Forwarder {
  readonly counters: ForwarderCounters = { framesIn: 0, framesOut: 0, keyframeRequests: 0, orphanTransforms: 0 };
  private upsBySid = new Map<string, UpEntry>();
  private upsByHandle = new Map<number, UpEntry>();
  private downs = new Map<number, DownEntry>();
  /** Transformers that started before their track was registered, by track sid and layer. */
  private waiting = new Map<string, Map<number, RTCRtpScriptTransformer>>();
  /** Which track and layer each running transformer feeds; null while its track is unknown or closed. */
  private owners = new Map<RTCRtpScriptTransformer, { entry: UpEntry; layer: number } | null>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private timerAt = Infinity;
  /** Gets every audio frame's level (active speakers); null reads none. */
  audioLevels: AudioLevelSink | null = null;
  private standIns = new StandInFrames();

  constructor(private readonly core: ForwardingCore, private readonly now: () => number = () => performance.now()) {}

  openUp(track: UpTrack): void {
    if (this.upsBySid.has(track.sid)) return;
    const handle = this.core.trackOpen(track.kind === 'video' ? TrackKind.Video : TrackKind.Audio);
    if (handle === NO_HANDLE) throw new Error(`forwarding core refused track ${track.sid}`);
    const encryptedVideo = track.kind === 'video' && track.info.encryption !== Encryption_Type.NONE;
    const entry: UpEntry = { handle, track, transformers: [], codec: null, codecVersion: -1, encryptedVideo };
    this.upsBySid.set(track.sid, entry);
    this.upsByHandle.set(handle, entry);
    this.updateLayers(track);
    const early = this.waiting.get(track.sid);
    if (early) {
      this.waiting.delete(track.sid);
      for (const [layer, t] of early) this.attach(entry, layer, t);
    }
  }

  /** Tells the core how many simulcast layers a track has (after each negotiation of its publisher). */
  updateLayers(track: UpTrack): void {
    const entry = this.upsBySid.get(track.sid);
    if (!entry || track.kind !== 'video') return;
    this.core.trackSetLayers(entry.handle, track.layerCount, this.now());
  }

  /** Stops forwarding a track; its downs are closed in the core and must be closed by their owners too. */
  closeUp(track: UpTrack): void {
    const entry = this.upsBySid.get(track.sid);
    if (!entry || entry.track !== track) return;
    this.upsBySid.delete(track.sid);
    this.upsByHandle.delete(entry.handle);
    for (const [h, d] of this.downs) {
      if (d.up !== entry) continue;
      d.closed = true;
      this.downs.delete(h);
    }
    this.core.trackClose(entry.handle);
    for (const t of entry.transformers) if (t) this.owners.set(t, null);
    entry.transformers = [];
  }

  /** A receiver transform started on the page for one layer of a published track. */
  attachUpTransformer(trackSid: string, layer: number, transformer: RTCRtpScriptTransformer): void {
    const entry = this.upsBySid.get(trackSid);
    // frames are handed back to the page's decoder even before the track is known, so that it does not
    // flood the publisher with PLIs
    this.owners.set(transformer, null);
    void this.pump(transformer);
    if (entry) this.attach(entry, layer, transformer);
    else {
      this.counters.orphanTransforms++;
      const early = this.waiting.get(trackSid) ?? new Map<number, RTCRtpScriptTransformer>();
      early.set(layer, transformer);
      this.waiting.set(trackSid, early);
    }
  }

  openDown(track: UpTrack, sink: DownSink, onLayerSwitch: LayerSwitchListener | null = null): ForwardedDown {
    const up = this.upsBySid.get(track.sid);
    if (!up) throw new Error(`track ${track.sid} is not forwarded`);
    const handle = this.core.downOpen(up.handle, this.now());
    if (handle === NO_HANDLE) throw new Error(`forwarding core refused a subscriber of ${track.sid}`);
    const down: DownEntry = { handle, trackSid: track.sid, closed: false, up, sink, onLayerSwitch };
    this.downs.set(handle, down);
    return down;
  }

  closeDown(down: ForwardedDown): void {
    if (down.closed) return;
    down.closed = true;
    this.downs.delete(down.handle);
    this.core.downClose(down.handle);
  }

  setDownReady(down: ForwardedDown, ready: boolean): void {
    if (down.closed) return;
    this.core.downSetReady(down.handle, ready, this.now());
    this.drainKeyframeRequests();
  }

  setDownPaused(down: ForwardedDown, paused: boolean): void {
    if (down.closed) return;
    this.core.downSetPaused(down.handle, paused, this.now());
    this.drainKeyframeRequests();
  }

  /** The highest simulcast layer the subscriber wants (from its tile size or quality). */
  setDownMaxLayer(down: ForwardedDown, layer: number): void {
    if (down.closed) return;
    this.core.downSetMaxLayer(down.handle, layer, this.now());
    this.drainKeyframeRequests();
  }

  /** The frame rate the subscriber asked for (0 = any): see `ForwardingCore.downSetMaxFps`. */
  setDownMaxFps(down: ForwardedDown, fps: number): void {
    if (down.closed) return;
    this.core.downSetMaxFps(down.handle, fps, this.now());
  }

  /** What the subscriber's connection can carry for this down: see `ForwardingCore.downSetLink`. */
  setDownLink(down: ForwardedDown, budgetBps: number, sendDelayMs: number, loss: number): void {
    if (down.closed) return;
    this.core.downSetLink(down.handle, budgetBps, sendDelayMs, loss, this.now());
    this.drainKeyframeRequests();
  }

  /** The highest layer of a track some unpaused subscriber wants; -1 when nobody does or the track is unknown. */
  maxWantedLayer(track: UpTrack): number {
    const entry = this.upsBySid.get(track.sid);
    return entry ? this.core.trackMaxWantedLayer(entry.handle) : -1;
  }

  /** A subscriber asked for a keyframe (PLI or FIR). */
  keyframeWanted(down: ForwardedDown): void {
    if (down.closed) return;
    this.core.keyframeWanted(down.handle, this.now());
    this.drainKeyframeRequests();
  }

  trackStats(track: UpTrack) {
    const entry = this.upsBySid.get(track.sid);
    return entry ? this.core.trackStats(entry.handle) : null;
  }

  downStats(down: ForwardedDown) {
    return down.closed ? null : this.core.downStats(down.handle);
  }

  private attach(entry: UpEntry, layer: number, transformer: RTCRtpScriptTransformer): void {
    entry.transformers[layer] = transformer;
    this.owners.set(transformer, { entry, layer });
    // a subscriber may already be waiting for this track's first keyframe
    this.drainKeyframeRequests();
  }

  private async pump(transformer: RTCRtpScriptTransformer): Promise<void> {
    const reader = transformer.readable.getReader();
    const writer = transformer.writable.getWriter();
    for (;;) {
      let result: ReadableStreamReadResult<EncodedFrame>;
      try {
        result = await reader.read();
      } catch {
        break;
      }
      if (result.done) break;
      const frame = result.value;
      const owner = this.owners.get(transformer);
      if (owner && owner.entry.transformers[owner.layer] === transformer) this.route(owner.entry, owner.layer, frame);
      // the host's own decoder gets every frame back; starving it makes the page send PLIs upstream
      if (owner?.entry.encryptedVideo) this.standIn(owner.entry, frame);
      writer.write(frame).catch(ignore);
    }
    this.owners.delete(transformer);
  }

  private route(entry: UpEntry, layer: number, frame: EncodedFrame): void {
    this.counters.framesIn++;
    if (this.audioLevels && entry.track.kind === 'audio') this.readAudioLevel(entry.track, frame);
    const data = frame.data;
    const hintKey = 'type' in frame && frame.type === 'key';
    // a video codec can only change at a keyframe, and an audio one only with a new negotiation
    if (entry.codec === null || hintKey || entry.codecVersion !== entry.track.codecVersion) {
      entry.codec = entry.track.codecByPt.get(frame.getMetadata().payloadType ?? -1) ?? Codec.Unknown;
      entry.codecVersion = entry.track.codecVersion;
    }
    const codec = entry.codec;
    const prefix = new Uint8Array(data, 0, Math.min(PREFIX_BYTES, data.byteLength));
    // one metadata read per frame of these codecs only: H.264, the default, never pays for it
    const temporal = TEMPORAL_CODECS.has(codec) ? (frame.getMetadata() as RTCEncodedVideoFrameMetadata).temporalIndex ?? 0 : 0;
    const targets = this.core.frameIn(entry.handle, codec, prefix, data.byteLength, hintKey, this.now(), layer, temporal);
    for (let i = 0; i < targets.length; i++) {
      const target = targets[i];
      const down = this.downs.get((target & ~SWITCHED_FLAG) >>> 0);
      if (!down) continue;
      // another layer is another stream: its timestamps continue from the last frame the subscriber got
      if (target & SWITCHED_FLAG) this.switched(down);
      down.sink.write(frame);
      this.counters.framesOut++;
    }
    this.drainKeyframeRequests();
  }

  /** Swaps an encrypted frame's payload, already cloned to its subscribers, for one the host's decoder can read. */
  private standIn(entry: UpEntry, frame: EncodedFrame): void {
    const bytes = entry.codec === null ? null : this.standIns.copy(entry.codec);
    if (bytes) frame.data = bytes;
  }

  /**
   * An audio frame's level, for active speakers: Chromium puts the publisher's ssrc-audio-level extension in the
   * frame's metadata as a linear 0..1 value (measured: a full-scale sine reads 0.708, -3 dBov). One metadata
   * read per audio frame, about 50 a second per publisher; video frames are never read here.
   */
  private readAudioLevel(track: UpTrack, frame: EncodedFrame): void {
    const m = frame.getMetadata() as RTCEncodedAudioFrameMetadata & { audioLevel?: number };
    if (m.audioLevel === undefined || m.rtpTimestamp === undefined) return;
    this.audioLevels!.audioFrame(track, m.audioLevel, m.rtpTimestamp, this.now());
  }

  /** A down changed layers with the frame it is about to get (rare: never per frame). */
  private switched(down: DownEntry): void {
    down.sink.sourceChanged();
    const s = down.onLayerSwitch && this.core.downStats(down.handle);
    if (s) down.onLayerSwitch!(s.previousLayer, s.currentLayer, s.lastSwitchReason);
  }

  private drainKeyframeRequests(): void {
    const now = this.now();
    for (let h = this.core.pollKeyframeRequest(now); h !== NO_HANDLE; h = this.core.pollKeyframeRequest(now)) {
      const t = this.upsByHandle.get(h)?.transformers[this.core.lastRequestLayer()];
      if (!t) continue;
      this.counters.keyframeRequests++;
      // rejected before the first frame arrives; the core's retry covers it
      t.sendKeyFrameRequest().catch(ignore);
    }
    const next = this.core.nextTimeout(now);
    if (next < this.timerAt) {
      if (this.timer) clearTimeout(this.timer);
      this.timerAt = next;
      this.timer = setTimeout(() => {
        this.timer = null;
        this.timerAt = Infinity;
        this.drainKeyframeRequests();
      }, Math.max(0, next - now));
    }
  }
}
