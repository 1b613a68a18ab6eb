// Where forwarded frames go: one sink per subscriber slot. Two routes implement it (see ARCHITECTURE.md,
// "Forwarding routes"); both take the publisher's frame and must not keep or modify it, because the
// caller hands the same frame to other sinks and then back to the host's own receiver.

export type EncodedFrame = RTCEncodedVideoFrame | RTCEncodedAudioFrame;

// Chromium clones an encoded frame through its constructor (one clone per destination: a frame can be
// written once); TypeScript's library declares the constructors without that argument.
const VideoClone = RTCEncodedVideoFrame as unknown as new (original: RTCEncodedVideoFrame) => RTCEncodedVideoFrame;
const AudioClone = RTCEncodedAudioFrame as unknown as new (original: RTCEncodedAudioFrame) => RTCEncodedAudioFrame;

export function cloneFrame(frame: EncodedFrame): EncodedFrame {
  return frame instanceof RTCEncodedVideoFrame ? new VideoClone(frame) : new AudioClone(frame);
}

export interface DownSink {
  write(frame: EncodedFrame): void;
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

  write(frame: EncodedFrame): void {
    const w = this.writer;
    if (!w) {
      this.dropped++;
      return;
    }
    w.write(cloneFrame(frame)).catch(this.countDrop);
  }

  close(): void {
    this.writer?.close().catch(() => {});
    this.writer = null;
  }
}
