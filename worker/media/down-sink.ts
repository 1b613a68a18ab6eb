// Where forwarded frames go: one sink per subscriber slot. Two routes implement it (see ARCHITECTURE.md,
// "Forwarding routes"); both take the publisher's frame and must not keep or modify it, because the
// caller hands the same frame to other sinks and then back to the host's own receiver.

export type EncodedFrame = RTCEncodedVideoFrame | RTCEncodedAudioFrame;

// Chromium clones an encoded frame through its constructor (one clone per destination: a frame can be
// written once); TypeScript's library declares the constructors without that argument.
const VideoClone = RTCEncodedVideoFrame as unknown as new (original: RTCEncodedVideoFrame, options?: { metadata: RTCEncodedVideoFrameMetadata }) => RTCEncodedVideoFrame;
const AudioClone = RTCEncodedAudioFrame as unknown as new (original: RTCEncodedAudioFrame) => RTCEncodedAudioFrame;

export function cloneFrame(frame: EncodedFrame): EncodedFrame {
  return frame instanceof RTCEncodedVideoFrame ? new VideoClone(frame) : new AudioClone(frame);
}

/** 33 ms at video's 90 kHz RTP clock: where a new stream's first frame lands after the last one sent. */
const VIDEO_TIMESTAMP_STEP = 3000;

export interface DownSink {
  write(frame: EncodedFrame): void;
  /** The next frames come from another publisher stream than the ones before. */
  sourceChanged(): void;
  /** Frames dropped because the sink could not take them (closed, or its queue full). */
  readonly dropped: number;
  close(): void;
}

/**
 * The primary route: a trackless sender's `createEncodedStreams()` writable. The clone keeps the
 * publisher's metadata (frame type, payload type, RTP timestamp), and no encoder runs on the host.
 */
export class EncodedStreamsSink implements DownSink {
  dropped = 0;
  private writer: WritableStreamDefaultWriter<EncodedFrame> | null;
  private readonly countDrop = () => {
    this.dropped++;
  };

  constructor(readable: ReadableStream, writable: WritableStream<EncodedFrame>) {
    // a trackless sender produces no frames of its own; nothing will ever be read
    readable.cancel().catch(() => {});
    this.writer = writable.getWriter();
  }

  /** Added to each video frame's RTP timestamp since the slot changed streams; 0 until it does. */
  private timestampOffset = 0;
  private lastTimestamp: number | null = null;
  private rebase = false;

  /**
   * The slot's sender keeps its SSRC, so the subscriber sees one stream whose timestamps would jump to the new
   * publisher's. Chromium's receiver drops a keyframe whose timestamp is behind the last frame it decoded (and
   * then every frame after it), so the new frames continue from the last one sent instead.
   */
  sourceChanged(): void {
    if (this.lastTimestamp !== null) this.rebase = true;
  }

  write(frame: EncodedFrame): void {
    const w = this.writer;
    if (!w) {
      this.dropped++;
      return;
    }
    if (!(frame instanceof RTCEncodedVideoFrame)) {
      w.write(cloneFrame(frame)).catch(this.countDrop);
      return;
    }
    if (this.rebase) {
      this.rebase = false;
      this.timestampOffset = (this.lastTimestamp! + VIDEO_TIMESTAMP_STEP - frame.timestamp) >>> 0;
    }
    const timestamp = (frame.timestamp + this.timestampOffset) >>> 0;
    this.lastTimestamp = timestamp;
    const clone = this.timestampOffset === 0 ? new VideoClone(frame) : new VideoClone(frame, { metadata: { ...frame.getMetadata(), rtpTimestamp: timestamp } });
    w.write(clone).catch(this.countDrop);
  }

  close(): void {
    this.writer?.close().catch(() => {});
    this.writer = null;
  }
}
