// The secondary route, for hosts whose browser lacks createEncodedStreams(): each subscriber sender carries
// a decoy track through an RTCRtpScriptTransform, and the transform swaps each decoy frame's payload for a
// forwarded one. The decoy's metadata goes out with the publisher's bytes, and a tiny encode runs per frame.
// For video the decoy is a generator fed one 16x16 frame per forwarded frame, so its cadence follows the
// publisher's; for audio it is a silent track whose 20 ms frames carry whatever is queued.
import type { DownSink, EncodedFrame } from './down-sink';

/** Forwarded payloads wait at most this many decoy frames; older ones are dropped. */
const QUEUE_LIMIT = 8;
const TINY = 16;

export class DecoySink implements DownSink {
  dropped = 0;
  private queue: ArrayBuffer[] = [];
  private generator: WritableStreamDefaultWriter<VideoFrame> | null;
  private readonly pixels = new Uint8Array((TINY * TINY * 3) / 2);
  private timestamp = 0;
  private open = true;

  /** The decoy's own encoder numbers the frames, so a change of stream needs nothing here. */
  sourceChanged(): void {}

  /** `generator` is the decoy video track's writable; audio decoys have none. */
  constructor(generator: WritableStream<VideoFrame> | null) {
    this.generator = generator?.getWriter() ?? null;
  }

  write(frame: EncodedFrame): void {
    if (!this.open) {
      this.dropped++;
      return;
    }
    // the caller writes this frame onwards after us, which detaches its buffer: keep a copy
    this.queue.push(frame.data.slice(0));
    if (this.queue.length > QUEUE_LIMIT) {
      this.queue.shift();
      this.dropped++;
    }
    if (this.generator) {
      this.timestamp += 33_333;
      const tick = new VideoFrame(this.pixels, { format: 'I420', codedWidth: TINY, codedHeight: TINY, timestamp: this.timestamp });
      this.generator.write(tick).catch(() => tick.close());
    }
  }

  /** The next forwarded payload for a decoy frame, if one is waiting. */
  take(): ArrayBuffer | undefined {
    return this.queue.shift();
  }

  close(): void {
    this.open = false;
    this.queue = [];
    this.generator?.close().catch(() => {});
    this.generator = null;
  }
}

/**
 * Runs a decoy sender's transform: each decoy frame leaves with a forwarded payload, or not at all.
 * A keyframe from the decoy's encoder after the first means the subscriber asked for one.
 */
export async function runDecoySender(transformer: RTCRtpScriptTransformer, sink: DecoySink, subscriberWantsKeyframe: () => void): Promise<void> {
  const reader = transformer.readable.getReader();
  const writer = transformer.writable.getWriter();
  let first = true;
  for (;;) {
    let result: ReadableStreamReadResult<EncodedFrame>;
    try {
      result = await reader.read();
    } catch {
      return;
    }
    if (result.done) return;
    const frame = result.value;
    if ('type' in frame && frame.type === 'key') {
      if (!first) subscriberWantsKeyframe();
      first = false;
    }
    const payload = sink.take();
    if (!payload) continue;
    frame.data = payload;
    writer.write(frame).catch(() => {});
  }
}
