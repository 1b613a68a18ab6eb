// A benchmark peer: a camera that draws its send time into the picture, a microphone that plays a tone, and
// measurements of every remote stream (glass-to-glass and draw-to-arrival latency, frame rate) and of its own
// RTP traffic. The systems under test (tabsfu, Janus, a mesh) each join with the same tracks.
'use strict';

/** The send time is drawn as CODE_BITS black-or-white blocks: 20 bits of epoch milliseconds + a 4-bit checksum. */
const VALUE_BITS = 20;
const CODE_BITS = 24;
const COLS = 12;

function checksum(v) {
  let s = 0;
  for (let i = 0; i < VALUE_BITS; i += 4) s += (v >> i) & 15;
  return s & 15;
}

function epochNow() {
  return performance.timeOrigin + performance.now();
}

const state = {
  id: '',
  width: 320,
  height: 180,
  block: 24,
  streams: new Map(),
  pcs: [],
  joinStartedAt: 0,
  window: null,
};

/**
 * A scene that costs real bits, as a webcam picture does: a fixed background with fine detail (shapes and grain),
 * a hand-held shake of a few pixels, and discs that move across it. A flat canvas encodes to almost nothing and
 * hides queues. Seeded, so that every peer and every run draws the same picture.
 */
function texturedBackground(width, height, grain) {
  const bg = document.createElement('canvas');
  bg.width = width + 8;
  bg.height = height + 8;
  const g = bg.getContext('2d');
  let seed = 7;
  const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const sky = g.createLinearGradient(0, 0, bg.width, bg.height);
  sky.addColorStop(0, '#6a8caf');
  sky.addColorStop(1, '#c9a27e');
  g.fillStyle = sky;
  g.fillRect(0, 0, bg.width, bg.height);
  for (let i = 0; i < 400; i++) {
    g.fillStyle = `hsla(${rnd() * 360},60%,${30 + rnd() * 50}%,0.6)`;
    g.fillRect(rnd() * bg.width, rnd() * bg.height, 2 + (rnd() * bg.width) / 10, 2 + (rnd() * bg.height) / 10);
  }
  const img = g.getImageData(0, 0, bg.width, bg.height);
  for (let i = 0; i < img.data.length; i += 4) {
    const n = (rnd() - 0.5) * grain;
    img.data[i] += n;
    img.data[i + 1] += n;
    img.data[i + 2] += n;
  }
  g.putImageData(img, 0, 0);
  return bg;
}

function makeCamera(width, height, fps, color, texture) {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const g = canvas.getContext('2d');
  const block = Math.floor((width * 24) / 320);
  state.block = block;
  const bg = texture ? texturedBackground(width, height, width > 640 ? 30 : 40) : null;
  let i = 0;
  const draw = () => {
    const t = Math.round(epochNow());
    const v = t & ((1 << VALUE_BITS) - 1);
    const code = v | (checksum(v) << VALUE_BITS);
    i++;
    if (bg) {
      g.drawImage(bg, -4 + Math.round(Math.sin(i / 7) * 3), -4 + Math.round(Math.cos(i / 11) * 2));
      for (let k = 0; k < 6; k++) {
        g.fillStyle = k === 0 ? color : `hsl(${k * 60},70%,50%)`;
        g.beginPath();
        g.arc(width / 2 + (Math.sin(i / 20 + k) * width) / 3, height / 2 + (Math.cos(i / 15 + k * 2) * height) / 3, height / 8, 0, 7);
        g.fill();
      }
    } else {
      g.fillStyle = color;
      g.fillRect(0, 0, width, height);
      g.fillStyle = '#ffffff';
      g.fillRect((i * 6) % width, height - block / 2, block / 2, block / 2);
    }
    for (let b = 0; b < CODE_BITS; b++) {
      g.fillStyle = (code >> b) & 1 ? '#ffffff' : '#000000';
      g.fillRect((b % COLS) * block, Math.floor(b / COLS) * block, block, block);
    }
  };
  draw();
  setInterval(draw, 1000 / fps);
  return canvas.captureStream(fps).getVideoTracks()[0];
}

function makeMicrophone(tone) {
  const ctx = new AudioContext();
  const osc = ctx.createOscillator();
  osc.frequency.value = tone;
  const dst = ctx.createMediaStreamDestination();
  osc.connect(dst);
  osc.start();
  ctx.resume();
  return dst.stream.getAudioTracks()[0];
}

/** Every system sends the scenario's codec: it goes first in a video transceiver's preferences. */
function preferCodec(transceiver) {
  const wanted = `video/${state.codec}`.toLowerCase();
  const caps = RTCRtpSender.getCapabilities('video').codecs;
  transceiver.setCodecPreferences([...caps.filter((c) => c.mimeType.toLowerCase() === wanted), ...caps.filter((c) => c.mimeType.toLowerCase() !== wanted)]);
}
window.preferCodec = preferCodec;

/** Reads the drawn send time back from a presented frame; null when the blocks do not check out. */
function readCode(ctx, video, block) {
  const w = COLS * block;
  const h = 2 * block;
  ctx.drawImage(video, 0, 0, w, h, 0, 0, w, h);
  const px = ctx.getImageData(0, 0, w, h).data;
  let code = 0;
  for (let b = 0; b < CODE_BITS; b++) {
    const x = (b % COLS) * block + (block >> 1);
    const y = Math.floor(b / COLS) * block + (block >> 1);
    const o = (y * w + x) * 4;
    if (px[o] + px[o + 1] + px[o + 2] > 384) code |= 1 << b;
  }
  const v = code & ((1 << VALUE_BITS) - 1);
  if (((code >>> VALUE_BITS) & 15) !== checksum(v)) return null;
  return v;
}

function toEpoch(v, now) {
  const mask = (1 << VALUE_BITS) - 1;
  return now - ((Math.round(now) - v) & mask);
}

/** A picture that stands still this long is a stall a person notices (the "freeze over 1 s"). */
const STALL_MS = 1000;

function measureVideo(label, track) {
  const video = document.createElement('video');
  video.muted = true;
  video.autoplay = true;
  video.playsInline = true;
  video.style.width = '160px';
  video.srcObject = new MediaStream([track]);
  document.body.append(video);
  const canvas = document.createElement('canvas');
  // `widths`: [ms since joining, decoded width] at each change of the picture's width (a simulcast layer switch);
  // `stalls`: [from, to] in ms since joining, each time the picture stood still for STALL_MS or more
  const stream = { label, video, trackId: track.id, firstFrameAt: 0, presented: 0, g2g: [], arrival: [], arrivalAt: [], unreadable: 0, lastFrameAt: 0, maxGapMs: 0, widths: [], stalls: [] };
  state.streams.set(label, stream);
  const onFrame = (_now, meta) => {
    const at = epochNow();
    if (!stream.firstFrameAt) stream.firstFrameAt = at;
    // the longest time without a new picture: a stall a person would see as a frozen tile
    if (state.window && stream.lastFrameAt) stream.maxGapMs = Math.max(stream.maxGapMs, at - stream.lastFrameAt);
    if (stream.lastFrameAt && at - stream.lastFrameAt >= STALL_MS) stream.stalls.push([stream.lastFrameAt - state.joinStartedAt, at - state.joinStartedAt]);
    stream.lastFrameAt = at;
    stream.presented = meta.presentedFrames;
    if (meta.width !== stream.widths[stream.widths.length - 1]?.[1]) stream.widths.push([at - state.joinStartedAt, meta.width]);
    const block = Math.floor((video.videoWidth * 24) / 320) || state.block;
    canvas.width = COLS * block;
    canvas.height = 2 * block;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    const v = readCode(ctx, video, block);
    if (v === null) stream.unreadable++;
    else if (state.window) {
      const sent = toEpoch(v, epochNow());
      stream.g2g.push(performance.timeOrigin + meta.expectedDisplayTime - sent);
      if (meta.receiveTime) {
        stream.arrival.push(performance.timeOrigin + meta.receiveTime - sent);
        stream.arrivalAt.push((epochNow() - state.window.at) / 1000);
      }
    }
    video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);
}

function playAudio(track) {
  const audio = document.createElement('audio');
  audio.autoplay = true;
  audio.srcObject = new MediaStream([track]);
  document.body.append(audio);
}

/** Per remote video track id, from the receiving connections' stats: frames decoded, and the jitter buffer's totals. */
async function decodedByTrack() {
  const out = new Map();
  for (const pc of state.pcs) {
    const report = await pc.getStats().catch(() => null);
    report?.forEach((r) => {
      if (r.type !== 'inbound-rtp' || r.kind !== 'video' || !r.trackIdentifier) return;
      const o = out.get(r.trackIdentifier) ?? { frames: 0, jbDelay: 0, jbEmitted: 0, freezes: 0, freezeSeconds: 0 };
      o.frames += r.framesDecoded ?? 0;
      o.freezes += r.freezeCount ?? 0;
      o.freezeSeconds += r.totalFreezesDuration ?? 0;
      o.jbDelay += r.jitterBufferDelay ?? 0;
      o.jbEmitted += r.jitterBufferEmittedCount ?? 0;
      out.set(r.trackIdentifier, o);
    });
  }
  return out;
}

async function rtpTotals() {
  let bytesSent = 0;
  let packetsReceived = 0;
  let packetsLost = 0;
  let framesDecoded = 0;
  for (const pc of state.pcs) {
    const report = await pc.getStats().catch(() => null);
    report?.forEach((r) => {
      if (r.type === 'outbound-rtp') bytesSent += r.bytesSent ?? 0;
      if (r.type === 'inbound-rtp') {
        packetsReceived += r.packetsReceived ?? 0;
        packetsLost += Math.max(0, r.packetsLost ?? 0);
        if (r.kind === 'video') framesDecoded += r.framesDecoded ?? 0;
      }
    });
  }
  return { bytesSent, packetsReceived, packetsLost, framesDecoded };
}

window.bench = {
  /** `camera`: false for a peer that only listens (its picture would cost CPU and go nowhere). */
  init({ id, width, height, fps, color, tone, texture, codec, camera = true }) {
    state.id = id;
    state.codec = codec ?? 'vp8';
    state.width = width;
    state.height = height;
    if (camera) window.bench.video = makeCamera(width, height, fps, color, texture);
    window.bench.audio = makeMicrophone(tone);
  },
  /** The first call marks when this peer started joining; join time is measured from it. */
  markJoin() {
    if (!state.joinStartedAt) state.joinStartedAt = epochNow();
  },
  /** Milliseconds since this peer started joining. */
  sinceJoin() {
    return epochNow() - state.joinStartedAt;
  },
  /** Anything with getStats(): an RTCPeerConnection, or livekit-client's transport around one. */
  addPc(pc) {
    state.pcs.push(pc);
  },
  /** A remote track arrived; `label` names its publisher. */
  remote(label, track) {
    if (track.kind === 'video') measureVideo(label, track);
    else playAudio(track);
  },
  async startWindow() {
    state.window = { at: epochNow(), rtp: await rtpTotals(), decoded: await decodedByTrack(), presented: new Map([...state.streams].map(([l, s]) => [l, s.presented])) };
    for (const s of state.streams.values()) {
      s.g2g = [];
      s.arrival = [];
      s.arrivalAt = [];
      s.maxGapMs = 0;
    }
  },
  async endWindow() {
    const w = state.window;
    const seconds = (epochNow() - w.at) / 1000;
    const rtp = await rtpTotals();
    const decoded = await decodedByTrack();
    state.window = null;
    return {
      id: state.id,
      seconds,
      joinMs: [...state.streams.values()].map((s) => (s.firstFrameAt ? s.firstFrameAt - state.joinStartedAt : null)),
      uploadKbps: ((rtp.bytesSent - w.rtp.bytesSent) * 8) / seconds / 1000,
      packetsReceived: rtp.packetsReceived - w.rtp.packetsReceived,
      packetsLost: rtp.packetsLost - w.rtp.packetsLost,
      windowStartMs: w.at - state.joinStartedAt,
      substreamSwitches: window.bench.janus?.switches() ?? [],
      streams: [...state.streams.values()].map((s) => {
        const none = { frames: 0, jbDelay: 0, jbEmitted: 0, freezes: 0, freezeSeconds: 0 };
        const now = decoded.get(s.trackId) ?? none;
        const then = w.decoded.get(s.trackId) ?? none;
        const emitted = now.jbEmitted - then.jbEmitted;
        return {
        label: s.label,
        // decoded frames, which the compositor's 60 Hz presentation does not thin out
        fps: (now.frames - then.frames) / seconds,
        jitterBufferMs: emitted > 0 ? ((now.jbDelay - then.jbDelay) * 1000) / emitted : NaN,
        presentedFps: (s.presented - (w.presented.get(s.label) ?? 0)) / seconds,
        g2g: s.g2g,
        arrival: s.arrival,
        arrivalAt: s.arrivalAt,
        // a picture that stopped before the end of the window: the gap runs to the end
        maxGapMs: Math.max(s.maxGapMs, epochNow() - Math.max(s.lastFrameAt, w.at)),
        unreadable: s.unreadable,
        width: s.video.videoWidth,
        // Chromium's freezes (inbound-rtp freezeCount, totalFreezesDuration) within the window
        freezes: now.freezes - then.freezes,
        freezeSeconds: now.freezeSeconds - then.freezeSeconds,
        widths: s.widths,
        stalls: s.stalls,
        };
      }),
    };
  },
  /** Each remote video's decoded width now and since when (ms since joining), for waiting until a layer settles. */
  layers() {
    return [...state.streams.values()].map((s) => ({ label: s.label, width: s.widths[s.widths.length - 1]?.[1] ?? 0, sinceMs: s.widths[s.widths.length - 1]?.[0] ?? null }));
  },
  /** Frames of each remote stream presented so far, for waiting until every stream flows. */
  flowing() {
    return [...state.streams.values()].filter((s) => s.firstFrameAt).map((s) => s.label);
  },
  state,
};

/** tabsfu (and any LiveKit server): the same livekit-client calls an app makes. */
window.bench.tabsfu = {
  /**
   * `simulcast`: publish the camera as an app does by default (livekit-client's simulcast layers and bitrates).
   * `maintainResolution`: the encoder keeps each layer's size under CPU load (drops frames instead), so that a
   * subscriber's decoded width names the layer it receives.
   */
  async join(url, token, maxBitrate, fps, publishes = true, audioOnly = false, simulcast = false, maintainResolution = false) {
    const { Room, RoomEvent, Track } = window.LivekitClient;
    const room = new Room({ adaptiveStream: false, dynacast: false });
    room.on(RoomEvent.TrackSubscribed, (track, _pub, participant) => window.bench.remote(participant.identity, track.mediaStreamTrack));
    window.bench.markJoin();
    await room.connect(url, token);
    // LiveKit's server takes livekit-client's single-connection path (/rtc/v1): one connection carries both ways
    for (const pc of [room.engine.pcManager.publisher, room.engine.pcManager.subscriber]) if (pc) window.bench.addPc(pc);
    const videoCodec = state.codec;
    if (publishes && !audioOnly && simulcast) await room.localParticipant.publishTrack(window.bench.video, { source: Track.Source.Camera, videoCodec, ...(maintainResolution && { degradationPreference: 'maintain-resolution' }) });
    else if (publishes && !audioOnly) {
      await room.localParticipant.publishTrack(window.bench.video, { source: Track.Source.Camera, videoCodec, simulcast: false, videoEncoding: { maxBitrate, maxFramerate: fps } });
    }
    if (publishes) await room.localParticipant.publishTrack(window.bench.audio, { source: Track.Source.Microphone });
    window.bench.room = room;
  },
  async leave() {
    await window.bench.room?.disconnect();
  },
};

/** A full mesh: one connection per other peer, negotiated by the benchmark through Playwright. */
window.bench.mesh = {
  pcs: new Map(),
  /** `send`: which of this peer's tracks go to `remote` ('av', 'audio' or 'none'). */
  pc(remote, maxBitrate, send = 'av') {
    let pc = this.pcs.get(remote);
    if (pc) return pc;
    pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
    this.pcs.set(remote, pc);
    window.bench.addPc(pc);
    pc.ontrack = (e) => window.bench.remote(remote, e.track);
    const tracks = send === 'av' ? [window.bench.video, window.bench.audio] : send === 'audio' ? [window.bench.audio] : [];
    // a stream per track, as the SFUs deliver them: tracks in one stream are lip-synced, which delays video
    for (const t of tracks) {
      const sender = pc.addTrack(t, new MediaStream([t]));
      if (t.kind === 'video') {
        preferCodec(pc.getTransceivers().find((x) => x.sender === sender));
        const params = sender.getParameters();
        params.encodings = [{ maxBitrate }];
        sender.setParameters(params).catch(() => {});
      }
    }
    return pc;
  },
  async gathered(pc) {
    if (pc.iceGatheringState !== 'complete') {
      await new Promise((r) => {
        pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r());
        setTimeout(r, 2000);
      });
    }
    return pc.localDescription.sdp;
  },
  async offer(remote, maxBitrate, send) {
    const pc = this.pc(remote, maxBitrate, send);
    await pc.setLocalDescription(await pc.createOffer());
    return this.gathered(pc);
  },
  async answer(remote, sdp, maxBitrate, send) {
    window.bench.markJoin();
    const pc = this.pc(remote, maxBitrate, send);
    await pc.setRemoteDescription({ type: 'offer', sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    return this.gathered(pc);
  },
  async accept(remote, sdp) {
    await this.pcs.get(remote).setRemoteDescription({ type: 'answer', sdp });
  },
  leave() {
    for (const pc of this.pcs.values()) pc.close();
    this.pcs.clear();
  },
};

/** The re-encoding relay's peer side: one connection to the relay, which offers; labels map mids to publishers. */
window.bench.relay = {
  pc: null,
  labels: {},
  async answer(sdp, labels, maxBitrate, send) {
    window.bench.markJoin();
    Object.assign(this.labels, labels);
    let first = false;
    if (!this.pc) {
      first = true;
      this.pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
      window.bench.addPc(this.pc);
      this.pc.ontrack = (e) => window.bench.remote(this.labels[e.transceiver.mid] ?? 'unknown', e.track);
    }
    await this.pc.setRemoteDescription({ type: 'offer', sdp });
    if (first && send !== 'none') {
      for (const t of send === 'audio' ? [window.bench.audio] : [window.bench.video, window.bench.audio]) {
        const sender = this.pc.addTrack(t, new MediaStream([t]));
        if (t.kind === 'video') {
          const params = sender.getParameters();
          params.encodings = [{ maxBitrate }];
          await sender.setParameters(params).catch(() => {});
        }
      }
    }
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    return window.bench.mesh.gathered(this.pc);
  },
  leave() {
    this.pc?.close();
    this.pc = null;
  },
};
