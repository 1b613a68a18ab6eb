// A participant that is not a browser: LiveKit's Rust SDK through @livekit/rtc-node, as a Node agent or backend joins
// a call. It sends a picture of one colour (a white block moving along its bottom, so the encoder keeps sending) and
// one tone, both made sample by sample in Node, and reads what it receives the same way: the colour at the centre of
// each remote picture and the loudest frequency of each remote track's audio, by identity.
import {
  AudioFrame, AudioSource, AudioStream, LocalAudioTrack, LocalVideoTrack, type RemoteTrack, Room, TrackKind,
  TrackPublishOptions, TrackSource, VideoBufferType, VideoFrame, VideoSource, VideoStream,
} from '@livekit/rtc-node';
import { parseRgb } from './peer';
import { sdkToken } from './tokens';

const WIDTH = 320;
const HEIGHT = 180;
const RATE = 48_000;
/** Audio is sent 10 ms a frame, kept this far ahead of the clock so that timer jitter never starves the source. */
const AUDIO_LEAD_MS = 100;
/** How much received audio a tone is read from. */
const LISTEN_SAMPLES = RATE / 2;

export interface NodePeer {
  identity: string;
  room: Room;
  /** What this participant sends: a CSS rgb() colour and a tone in Hz, as a browser Peer's media. */
  media: { color: string; tone: number };
  /** How long `connect()` took. */
  connectMs: number;
  /** The centre colour of each remote picture received lately, by identity. */
  seenColors(): Record<string, [number, number, number]>;
  /** The loudest frequency of each remote audio track over its last half second, by identity. */
  heardTones(): Record<string, number>;
  /** What this participant's video sender says of itself (libwebrtc's outbound-rtp): for a failure's message. */
  videoSenderReport(): Promise<string>;
  /** Frames received so far, by identity and kind; a kind is missing until its track is subscribed. */
  received(): Record<string, { video?: number; audio?: number }>;
  /** What the SDK said about others' tracks, in order, with ms since connect() began: for a failure's message. */
  timeline(): string[];
  close(): Promise<void>;
}

/** Joins `room` on `baseURL` (http:// or ws://) as `identity`, publishes a picture and a tone and listens to the others. */
export async function joinNodePeer(baseURL: string, roomName: string, identity: string, media: { color: string; tone: number }): Promise<NodePeer> {
  const room = new Room();
  /** The last picture from each, read only when asked: converting every frame would cost the test's own CPU. */
  const pictures = new Map<string, VideoFrame>();
  const audio = new Map<string, Int16Array>();
  const counts = new Map<string, { video?: number; audio?: number }>();
  let open = true;
  const readers: Promise<void>[] = [];
  const started = Date.now();
  const timeline: string[] = [];
  const note = (what: string) => timeline.push(`${Date.now() - started} ${what}`);
  room.on('participantConnected', (p) => note(`${p.identity} connected`));
  room.on('trackPublished', (pub, p) => note(`${p?.identity} published ${kindName(pub.kind)} ${pub.sid}`));
  room.on('trackUnpublished', (pub, p) => note(`${p.identity} unpublished ${kindName(pub.kind)} ${pub.sid}`));
  room.on('trackSubscriptionFailed', (sid, p, error) => note(`${p.identity}'s ${sid} failed: ${error}`));

  room.on('trackSubscribed', (track: RemoteTrack, pub, participant) => {
    const who = participant.identity;
    note(`${who}'s ${pub.sid} subscribed`);
    if (!counts.has(who)) counts.set(who, {});
    const count = counts.get(who)!;
    if (track.kind === TrackKind.KIND_VIDEO) {
      count.video = 0;
      readers.push(readAll(new VideoStream(track), ({ frame }) => {
        count.video!++;
        pictures.set(who, frame);
      }));
    } else if (track.kind === TrackKind.KIND_AUDIO) {
      const ring = new Int16Array(LISTEN_SAMPLES);
      let at = 0;
      count.audio = 0;
      readers.push(readAll(new AudioStream(track, RATE, 1), (frame: AudioFrame) => {
        count.audio!++;
        for (let i = 0; i < frame.samplesPerChannel; i++) ring[(at + i) % ring.length] = frame.data[i * frame.channels];
        at = (at + frame.samplesPerChannel) % ring.length;
        audio.set(who, ring);
      }));
    }
  });

  async function readAll<T>(stream: ReadableStream<T>, each: (item: T) => void): Promise<void> {
    const reader = stream.getReader();
    try {
      while (open) {
        const { done, value } = await reader.read();
        if (done) break;
        each(value);
      }
    } catch {
      // the track went away
    } finally {
      reader.releaseLock();
    }
  }

  await room.connect(baseURL.replace(/^http/, 'ws'), await sdkToken(roomName, identity), { autoSubscribe: true, dynacast: false });
  const connectMs = Date.now() - started;

  const audioSource = new AudioSource(RATE, 1);
  const videoSource = new VideoSource(WIDTH, HEIGHT);
  await room.localParticipant!.publishTrack(LocalAudioTrack.createAudioTrack('tone', audioSource), new TrackPublishOptions({ source: TrackSource.SOURCE_MICROPHONE }));
  await room.localParticipant!.publishTrack(LocalVideoTrack.createVideoTrack('picture', videoSource), new TrackPublishOptions({ source: TrackSource.SOURCE_CAMERA }));
  const sending = sendMedia(audioSource, videoSource, media, () => open);

  return {
    identity,
    room,
    media,
    connectMs,
    seenColors: () => Object.fromEntries([...pictures].map(([who, frame]) => [who, centreColor(frame)])),
    heardTones() {
      const out: Record<string, number> = {};
      for (const [who, samples] of audio) {
        const tone = loudestFrequency(samples);
        if (tone !== null) out[who] = tone;
      }
      return out;
    },
    received: () => Object.fromEntries([...counts].map(([k, v]) => [k, { ...v }])),
    timeline: () => [
      ...timeline,
      // and what it holds now: each other's publications, subscribed or not
      ...[...room.remoteParticipants.values()].map((p) => `now ${p.identity}: ${[...p.trackPublications.values()].map((t) => `${kindName(t.kind)} ${t.sid}${t.subscribed ? ' subscribed' : ''}`).join(', ')}`),
    ],
    async videoSenderReport() {
      const { publisherStats } = await room.getRtcStats();
      for (const s of publisherStats) {
        if (s.stats.case !== 'outboundRtp' || s.stats.value.stream?.kind !== 'video') continue;
        const o = (s.stats.value.toJson() as { outbound?: Record<string, unknown> }).outbound ?? {};
        return `${identity} encoded ${o.framesEncoded} pictures (${o.keyFramesEncoded} key, ${o.framesPerSecond} fps now), target ${o.targetBitrate} bit/s, ${o.pliCount} PLIs, limited by ${o.qualityLimitationReason} ${JSON.stringify(o.qualityLimitationDurations ?? {})}`;
      }
      return `${identity}: no video sender`;
    },
    async close() {
      open = false;
      // on a busy machine the SDK's callbacks can lag: never wait for ever on a call that is ending anyway
      await within(sending, 2000);
      await within(room.disconnect().catch(() => {}), 5000);
      await within(Promise.all(readers), 2000);
    },
  };
}

const kindName = (kind: TrackKind | undefined) => (kind === TrackKind.KIND_VIDEO ? 'video' : kind === TrackKind.KIND_AUDIO ? 'audio' : 'unknown');

function within(p: Promise<unknown>, ms: number): Promise<unknown> {
  return Promise.race([p, new Promise((r) => setTimeout(r, ms))]);
}

/**
 * Sends 30 pictures a second and audio in 10 ms frames, paced by the clock, while `running()`. The two run apart:
 * an audio capture resolves only when the SDK's callback comes back, which on a busy machine can take a while, and
 * pictures must not wait for it.
 */
async function sendMedia(audio: AudioSource, video: VideoSource, media: { color: string; tone: number }, running: () => boolean): Promise<void> {
  const [r, g, b] = parseRgb(media.color);
  const rgba = new Uint8Array(WIDTH * HEIGHT * 4);
  // one 32-bit word per pixel, in memory order r, g, b, a whatever the machine's byte order
  const pixels = new Uint32Array(rgba.buffer);
  const word = (c: number[]) => new Uint32Array(new Uint8Array(c).buffer)[0];
  const fill = word([r, g, b, 255]);
  const white = word([255, 255, 255, 255]);
  let pictures = 0;
  const draw = setInterval(() => {
    const blockX = (pictures++ * 4) % WIDTH;
    pixels.fill(fill);
    for (let y = HEIGHT - 14; y < HEIGHT - 2; y++) pixels.fill(white, y * WIDTH + blockX, y * WIDTH + Math.min(WIDTH, blockX + 12));
    video.captureFrame(new VideoFrame(rgba, WIDTH, HEIGHT, VideoBufferType.RGBA));
  }, 33);
  const start = Date.now();
  let samples = 0;
  try {
    while (running()) {
      while (samples < ((Date.now() - start + AUDIO_LEAD_MS) * RATE) / 1000) {
        const frame = new Int16Array(RATE / 100);
        for (let i = 0; i < frame.length; i++) frame[i] = Math.round(8000 * Math.sin((2 * Math.PI * media.tone * (samples + i)) / RATE));
        await audio.captureFrame(new AudioFrame(frame, RATE, 1, frame.length));
        samples += frame.length;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    clearInterval(draw);
  }
}

/** The mean colour of a 4x4 block at the picture's centre column, a third of the way down (where seenColors() looks). */
function centreColor(frame: VideoFrame): [number, number, number] {
  const rgba = frame.type === VideoBufferType.RGBA ? frame : frame.convert(VideoBufferType.RGBA);
  const x0 = Math.floor(rgba.width / 2) - 2;
  const y0 = Math.floor(rgba.height / 3) - 2;
  const sum = [0, 0, 0];
  for (let y = y0; y < y0 + 4; y++) {
    for (let x = x0; x < x0 + 4; x++) {
      const i = (y * rgba.width + x) * 4;
      for (let c = 0; c < 3; c++) sum[c] += rgba.data[i + c];
    }
  }
  return sum.map((s) => Math.round(s / 16)) as [number, number, number];
}

/** The frequency between 100 and 2000 Hz, to 5 Hz, with the most energy (Goertzel); null when the audio is silent. */
function loudestFrequency(samples: Int16Array): number | null {
  let energy = 0;
  for (const s of samples) energy += s * s;
  if (energy / samples.length < 100 * 100) return null;
  let best = 0;
  let bestPower = -1;
  for (let f = 100; f <= 2000; f += 5) {
    const k = 2 * Math.cos((2 * Math.PI * f) / RATE);
    let s1 = 0;
    let s2 = 0;
    for (const x of samples) {
      const s0 = x + k * s1 - s2;
      s2 = s1;
      s1 = s0;
    }
    const power = s1 * s1 + s2 * s2 - k * s1 * s2;
    if (power > bestPower) {
      bestPower = power;
      best = f;
    }
  }
  return best;
}

/**
 * The colour rtc-node shows for a browser camera's `css` colour. A browser sends a canvas picture as BT.709 full range
 * and says so in its stream; the Rust SDK's I420 to RGBA conversion (livekit-ffi `colorcvt`, libyuv's I420ToABGR)
 * reads every picture as BT.601 limited range, which moves a saturated channel by up to 45 (rgb(40,200,60) reads
 * rgb(45,243,59)), whatever server forwarded it. Pictures rtc-node sends are BT.601 limited range and read back true.
 */
export function asRtcNodeShowsBrowserColor(css: string): [number, number, number] {
  const [r, g, b] = parseRgb(css).map((c) => c / 255);
  // BT.709 full range, as the browser encodes
  const y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  const u = (b - y) / 1.8556;
  const v = (r - y) / 1.5748;
  // read as BT.601 limited range: Y' = (Y - 16) / 219, chroma / 224, with the byte values of a full-range stream
  const Y = (y * 255 - 16) / 219;
  const U = (u * 255) / 224;
  const V = (v * 255) / 224;
  const R = Y + 1.402 * V;
  const B = Y + 1.772 * U;
  const G = (Y - 0.299 * R - 0.114 * B) / 0.587;
  return [R, G, B].map((c) => Math.round(Math.min(255, Math.max(0, c * 255)))) as [number, number, number];
}
