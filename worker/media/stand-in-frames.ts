// Tiny keyframes the host's own decoder can read, one per video codec, written back in place of frames it cannot:
// an end-to-end encrypted track's frames. Fed those, the host's receiver would report decode errors and ask the
// publisher for a keyframe after each one (measured: about 5 requests a second per track); fed nothing, it asks
// every 400 ms or so. A keyframe's bytes decode on their own whatever the frame's own metadata says (the receiver's
// frame buffer orders frames by their RTP descriptors, not by their payload), so one stand-in serves every frame.
import { Codec, type CodecId } from '../core/forwarding-core';
import { logger } from '../log';

const log = logger('stand-in');

/** WebCodecs names of the codecs a publisher's video can arrive in. */
const WEBCODECS: Partial<Record<CodecId, VideoEncoderConfig['codec']>> = {
  [Codec.VP8]: 'vp8',
  [Codec.VP9]: 'vp09.00.10.08',
  [Codec.H264]: 'avc1.42e01f',
  [Codec.AV1]: 'av01.0.04M.08',
};

/** The stand-in picture: a grey square, the smallest size every codec encodes (one macroblock or superblock). */
const SIZE = 16;

export class StandInFrames {
  /** A codec's keyframe; null while it is being made, or when this browser cannot encode that codec. */
  private frames = new Map<CodecId, ArrayBuffer | null>();

  /**
   * A fresh copy of `codec`'s stand-in keyframe (writing a frame detaches its buffer), or null until one has been
   * made: the first call starts making it, so the first few frames of a track still reach the decoder as they are.
   */
  copy(codec: CodecId): ArrayBuffer | null {
    if (!this.frames.has(codec)) {
      this.frames.set(codec, null);
      void this.make(codec);
    }
    return this.frames.get(codec)?.slice(0) ?? null;
  }

  private async make(codec: CodecId): Promise<void> {
    const name = WEBCODECS[codec];
    if (!name || typeof VideoEncoder === 'undefined') return;
    try {
      const chunks: EncodedVideoChunk[] = [];
      const encoder = new VideoEncoder({ output: (c) => chunks.push(c), error: () => {} });
      encoder.configure({ codec: name, width: SIZE, height: SIZE, bitrate: 100_000, framerate: 30, avc: { format: 'annexb' } });
      const pixels = new Uint8Array((SIZE * SIZE * 3) / 2).fill(128);
      const picture = new VideoFrame(pixels, { format: 'I420', codedWidth: SIZE, codedHeight: SIZE, timestamp: 0 });
      encoder.encode(picture, { keyFrame: true });
      picture.close();
      await encoder.flush();
      encoder.close();
      const key = chunks.find((c) => c.type === 'key');
      if (!key) throw new Error('the encoder gave no keyframe');
      const bytes = new ArrayBuffer(key.byteLength);
      key.copyTo(bytes);
      this.frames.set(codec, bytes);
    } catch (e) {
      // encrypted frames of this codec then reach the host's decoder as they are, and it asks for keyframes
      log.warn(`no stand-in keyframe for ${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}
