// The @livekit/rtc-node scenario of the differential run (LiveKit's Rust SDK, the core of its Python, Unity and
// Agents SDKs): two Node participants connect; one publishes a tone and a coloured picture made frame by frame, the
// other subscribes and counts what it receives; both leave. Every event their Rooms emit is recorded.
import {
  AudioFrame, AudioSource, AudioStream, LocalAudioTrack, LocalVideoTrack, Room, TrackKind, TrackPublishOptions, TrackSource,
  VideoBufferType, VideoFrame, VideoSource, VideoStream,
} from '@livekit/rtc-node';
import { sdkToken } from '../../test/e2e/helpers/tokens.js';
import type { Steps } from './browser.js';
import { type SeenEvent, summarize } from './record.js';

const WIDTH = 320;
const HEIGHT = 180;

/** A Room whose every event is recorded under `identity`. */
function recordedRoom(identity: string, seen: SeenEvent[]): Room {
  const room = new Room();
  const emit = room.emit.bind(room) as (name: string, ...args: unknown[]) => boolean;
  (room as unknown as { emit: typeof emit }).emit = (name, ...args) => {
    seen.push({ at: Date.now(), client: identity, name: String(name), detail: args.map((a) => summarize(a)).join('; ') });
    return emit(name, ...args);
  };
  return room;
}

/** Sends a 440 Hz tone and a red picture with a moving bar while `running()` says so. */
async function publishMedia(room: Room, running: () => boolean): Promise<void> {
  const audio = new AudioSource(48_000, 1);
  const video = new VideoSource(WIDTH, HEIGHT);
  await room.localParticipant!.publishTrack(LocalAudioTrack.createAudioTrack('tone', audio), new TrackPublishOptions({ source: TrackSource.SOURCE_MICROPHONE }));
  await room.localParticipant!.publishTrack(LocalVideoTrack.createVideoTrack('picture', video), new TrackPublishOptions({ source: TrackSource.SOURCE_CAMERA }));
  const rgba = new Uint8Array(WIDTH * HEIGHT * 4);
  let n = 0;
  const tick = async () => {
    for (let i = 0; n % 3 === 0 && i < rgba.length; i += 4) {
      const x = (i / 4) % WIDTH;
      const bar = Math.abs(x - ((n * 4) % WIDTH)) < 8;
      rgba.set(bar ? [255, 255, 255, 255] : [220, 40, 40, 255], i);
    }
    if (n % 3 === 0) video.captureFrame(new VideoFrame(rgba, WIDTH, HEIGHT, VideoBufferType.RGBA));
    const samples = new Int16Array(480);
    for (let i = 0; i < samples.length; i++) samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * (n * 480 + i)) / 48_000));
    await audio.captureFrame(new AudioFrame(samples, 48_000, 1, 480));
    n++;
  };
  // 10 ms of audio per tick; a picture every third tick (33 fps)
  while (running()) {
    await tick();
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function nodeSdkScenario(url: string, steps: Steps): Promise<SeenEvent[]> {
  const roomName = `compat-node-${Date.now()}`;
  const seen: SeenEvent[] = [];
  const rooms: Room[] = [];
  let publishing = true;
  let sending: Promise<void> = Promise.resolve();
  try {
    steps.step('join (rtc-node)');
    for (const identity of ['node-pub', 'node-sub']) {
      const room = recordedRoom(identity, seen);
      rooms.push(room);
      try {
        await room.connect(url.replace(/^http/, 'ws'), await sdkToken(roomName, identity), { autoSubscribe: true, dynacast: false });
        steps.note(identity, 'call connect', 'ok');
      } catch (e) {
        steps.note(identity, 'call connect', `error ${(e as Error).message.slice(0, 120)}`);
        return seen;
      }
    }
    steps.step('publish and subscribe (rtc-node)');
    sending = publishMedia(rooms[0], () => publishing).catch((e) => steps.note('node-pub', 'failed', (e as Error).message));
    const received = { audio: 0, video: 0 };
    const subscribed = new Promise<void>((resolve) => {
      let kinds = 0;
      rooms[1].on('trackSubscribed', (track) => {
        const stream = track.kind === TrackKind.KIND_AUDIO ? new AudioStream(track) : new VideoStream(track);
        const key = track.kind === TrackKind.KIND_AUDIO ? 'audio' : 'video';
        void (async () => {
          const reader = (stream as ReadableStream<unknown>).getReader();
          while (publishing && !(await reader.read()).done) received[key]++;
          reader.releaseLock();
        })().catch(() => {});
        if (++kinds === 2) resolve();
      });
    });
    const timedOut = await Promise.race([subscribed.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 15_000))]);
    if (timedOut) steps.note('node-sub', 'timeout', 'not subscribed to both tracks in 15 s');
    await new Promise((r) => setTimeout(r, 3000));
    steps.note('node-sub', 'received', `audio frames ${received.audio > 0 ? 'yes' : 'none'}, video frames ${received.video > 0 ? 'yes' : 'none'}`);
    steps.step('leave (rtc-node)');
  } catch (e) {
    steps.note('runner', 'failed', (e as Error).message.split('\n')[0].slice(0, 160));
  } finally {
    publishing = false;
    await sending;
    for (const room of rooms) await room.disconnect().catch(() => {});
  }
  return seen;
}
