// A person in a call: a browser context of its own (a separate profile), the real join page, and probes that
// read what that person sees (pixel colours) and hears (tone frequencies).
import type { Browser, BrowserContext, BrowserContextOptions, Page } from '@playwright/test';
import { type FakeMedia, installFakeMedia } from './fake-media';

export interface Peer {
  name: string;
  identity: string;
  context: BrowserContext;
  page: Page;
  media: FakeMedia;
  /** The signal WebSockets the page opened, by path (`/rtc/v1`, `/rtc`), in order; recorded by appPeer. */
  signalPaths?: string[];
}

export const COLORS = {
  red: 'rgb(220,40,40)',
  green: 'rgb(40,200,60)',
  blue: 'rgb(40,70,220)',
  yellow: 'rgb(230,210,40)',
} as const;

/** Opens the join page in a new browser context (of `contextOptions`, e.g. a phone's viewport), with the peer's own camera colour and tone. */
export async function joinPeer(browser: Browser, baseUrl: string, room: string, name: string, media: FakeMedia, contextOptions: BrowserContextOptions = {}): Promise<Peer> {
  const context = await browser.newContext(contextOptions);
  await context.addInitScript(installFakeMedia, { width: 320, height: 180, ...media });
  const page = await context.newPage();
  return joinInPage(context, page, baseUrl, room, name, media);
}

/** Joins from a page the caller opened (e.g. a tab beside the host page). */
export async function joinInPage(context: BrowserContext, page: Page, baseUrl: string, room: string, name: string, media: FakeMedia): Promise<Peer> {
  page.on('pageerror', (e) => console.log(`[${name}] page error: ${e.message}`));
  const signalPaths: string[] = [];
  page.on('websocket', (ws) => signalPaths.push(new URL(ws.url()).pathname));
  await page.goto(`${baseUrl}/join/${encodeURIComponent(room)}`);
  await page.getByLabel('Your name').fill(name);
  await page.getByRole('button', { name: 'Join the call' }).click();
  await page.getByTestId('grid').waitFor();
  await page.waitForFunction(() => {
    const room = (window as unknown as { tabsfuRoom?: { localParticipant: { isCameraEnabled: boolean; isMicrophoneEnabled: boolean } } }).tabsfuRoom;
    return !!room && room.localParticipant.isCameraEnabled && room.localParticipant.isMicrophoneEnabled;
  }, undefined, { timeout: 20_000 });
  const identity = await page.evaluate(() => (window as unknown as { tabsfuRoom: { localParticipant: { identity: string } } }).tabsfuRoom.localParticipant.identity);
  return { name, identity, context, page, media, signalPaths };
}

/**
 * The two signal paths a call test runs on: LiveKit's single-connection path, which livekit-client in Chromium takes
 * when the host serves it (the default), and the dual-connection path `/rtc`, where it falls back to from a host that
 * does not (`singlePeerConnection=off`). `expected` is what the client's signal WebSockets must have been.
 */
export const SIGNAL_PATHS = [
  { name: 'on /rtc/v1', hostQuery: '', expected: ['/rtc/v1'] },
  { name: 'on /rtc', hostQuery: '?singlePeerConnection=off', expected: ['/rtc/v1', '/rtc'] },
] as const;

/** What a tile's video shows: its decoded width and the colour at one point of it. */
export interface TileSample {
  width: number;
  color: [number, number, number];
}

/**
 * The video of each tile matching `selector` (tiles carry `data-identity`), by identity: its width and its colour
 * at row `row` of 18 in the middle column. Tiles with no picture presented yet are left out.
 */
export async function sampleTiles(page: Page, selector: string, row = 6): Promise<Record<string, TileSample>> {
  return page.evaluate(async ([selector, row]) => {
    const out: Record<string, { width: number; color: [number, number, number] }> = {};
    for (const tile of document.querySelectorAll<HTMLElement>(selector)) {
      const video = tile.querySelector('video');
      if (!video || video.videoWidth === 0) continue;
      // only a frame that was really presented counts: wait for one, or give up
      const presented = await Promise.race([
        new Promise<boolean>((r) => video.requestVideoFrameCallback(() => r(true))),
        new Promise<boolean>((r) => setTimeout(() => r(false), 1000)),
      ]);
      if (!presented) continue;
      const c = document.createElement('canvas');
      c.width = 32;
      c.height = 18;
      const g = c.getContext('2d', { willReadFrequently: true })!;
      g.drawImage(video, 0, 0, 32, 18);
      const d = g.getImageData(16, row, 1, 1).data;
      out[tile.dataset.identity!] = { width: video.videoWidth, color: [d[0], d[1], d[2]] };
    }
    return out;
  }, [selector, row] as const);
}

/** The centre colour of each remote camera tile's video, by identity; tiles with no picture yet are left out. */
export async function seenColors(page: Page): Promise<Record<string, [number, number, number]>> {
  const samples = await sampleTiles(page, '.tile:not(.local)');
  return Object.fromEntries(Object.entries(samples).map(([identity, s]) => [identity, s.color]));
}

/** The loudest frequency in each remote participant's microphone track, by identity. */
export async function heardTones(page: Page): Promise<Record<string, number>> {
  return page.evaluate(async () => {
    type Pub = { track?: { mediaStreamTrack: MediaStreamTrack } };
    type RP = { identity: string; getTrackPublication(source: string): Pub | undefined };
    const room = (window as unknown as { tabsfuRoom: { remoteParticipants: Map<string, RP> } }).tabsfuRoom;
    const ctx = new AudioContext();
    await ctx.resume();
    const probes: { identity: string; analyser: AnalyserNode }[] = [];
    for (const p of room.remoteParticipants.values()) {
      const track = p.getTrackPublication('microphone')?.track?.mediaStreamTrack;
      if (!track || track.readyState !== 'live') continue;
      const analyser = ctx.createAnalyser();
      analyser.fftSize = 8192;
      ctx.createMediaStreamSource(new MediaStream([track])).connect(analyser);
      probes.push({ identity: p.identity, analyser });
    }
    await new Promise((r) => setTimeout(r, 700));
    const out: Record<string, number> = {};
    for (const { identity, analyser } of probes) {
      const bins = new Float32Array(analyser.frequencyBinCount);
      analyser.getFloatFrequencyData(bins);
      let best = 0;
      for (let i = 1; i < bins.length; i++) if (bins[i] > bins[best]) best = i;
      // a silent track has no peak worth the name
      if (bins[best] > -70) out[identity] = (best * ctx.sampleRate) / analyser.fftSize;
    }
    await ctx.close();
    return out;
  });
}

export function parseRgb(css: string): [number, number, number] {
  const m = /rgb\((\d+),\s*(\d+),\s*(\d+)\)/.exec(css);
  if (!m) throw new Error(`not an rgb() colour: ${css}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/**
 * Whether two colours match within `tolerance` on every channel. A forwarded picture that lost its colour space
 * (a full-range BT.709 source shown as limited-range BT.601) moves a saturated channel by 15 to 45, so the default
 * of 12 catches that; a test that compares with a direct connection uses a tighter figure (colour.spec.ts).
 */
export function closeColor(a: [number, number, number], b: [number, number, number], tolerance = 12): boolean {
  return Math.abs(a[0] - b[0]) <= tolerance && Math.abs(a[1] - b[1]) <= tolerance && Math.abs(a[2] - b[2]) <= tolerance;
}

/**
 * In `page`: sends its own `source` track (livekit-client's, 'camera' or 'screen_share') over a direct peer connection
 * inside the page (no SFU), in the codec it is published in, and resolves once `frames` frames were presented; the
 * playing video is left at `window.directVideo` for a sampler, which closes it. The reference a forwarded picture is
 * held to: the encoder starts coarse, so `frames` lets it settle. (A real function, not a string: the join page's
 * CSP forbids evaluating strings.)
 */
export function openDirectVideo(page: Page, source: 'camera' | 'screen_share', frames: number): Promise<void> {
  return page.evaluate(async ([source, frames]) => {
    type Pub = { track?: { mediaStreamTrack: MediaStreamTrack; sender?: RTCRtpSender } };
    type Room = { localParticipant: { getTrackPublication(s: string): Pub | undefined }; engine: { pcManager: { publisher: { getStats(): Promise<RTCStatsReport> } } } };
    const room = (window as unknown as { tabsfuRoom: Room }).tabsfuRoom;
    const published = room.localParticipant.getTrackPublication(source)!.track!;
    let mime = 'video/VP8';
    const stats = await room.engine.pcManager.publisher.getStats();
    (await published.sender!.getStats()).forEach((r) => {
      if (r.type === 'outbound-rtp' && r.codecId) mime = stats.get(r.codecId)?.mimeType ?? mime;
    });
    const a = new RTCPeerConnection();
    const b = new RTCPeerConnection();
    a.onicecandidate = (e) => e.candidate && void b.addIceCandidate(e.candidate);
    b.onicecandidate = (e) => e.candidate && void a.addIceCandidate(e.candidate);
    const t = a.addTransceiver(published.mediaStreamTrack, { direction: 'sendonly' });
    t.setCodecPreferences(RTCRtpReceiver.getCapabilities('video')!.codecs.filter((c) => c.mimeType.toLowerCase() === mime.toLowerCase() || c.mimeType === 'video/rtx'));
    const received = new Promise<MediaStreamTrack>((r) => (b.ontrack = (e) => r(e.track)));
    await a.setLocalDescription();
    await b.setRemoteDescription(a.localDescription!);
    await b.setLocalDescription();
    await a.setRemoteDescription(b.localDescription!);
    const video = document.createElement('video');
    video.muted = true;
    video.srcObject = new MediaStream([await received]);
    video.style.cssText = 'position:fixed;left:0;top:0;width:160px';
    document.body.append(video);
    await video.play();
    for (let i = 0; i < frames; i++) await new Promise((r) => video.requestVideoFrameCallback(r));
    const close = () => {
      video.remove();
      a.close();
      b.close();
    };
    (window as unknown as { directVideo: { video: HTMLVideoElement; close(): void } }).directVideo = { video, close };
  }, [source, frames] as const);
}

/** The colour `page`'s own camera shows through a direct connection (openDirectVideo), sampled where seenColors() samples. */
export async function directColor(page: Page): Promise<[number, number, number]> {
  // a second of frames at 30 fps
  await openDirectVideo(page, 'camera', 30);
  return page.evaluate(() => {
    const { video, close } = (window as unknown as { directVideo: { video: HTMLVideoElement; close(): void } }).directVideo;
    const c = document.createElement('canvas');
    c.width = 32;
    c.height = 18;
    const g = c.getContext('2d', { willReadFrequently: true })!;
    g.drawImage(video, 0, 0, 32, 18);
    const d = g.getImageData(16, 6, 1, 1).data;
    close();
    return [d[0], d[1], d[2]] as [number, number, number];
  });
}

/**
 * Waits until `observer` sees every other peer's colour and hears every other peer's tone.
 * Returns the last observation, so a failing assertion can show what was seen instead.
 */
/** Waits for each peer to see and hear every other; what each that did not saw and heard, empty when all did. */
export async function whoMissesOthers(peers: Peer[]): Promise<string[]> {
  const misses: string[] = [];
  for (const p of peers) {
    const seen = await waitToSeeAndHear(p, peers.filter((o) => o !== p));
    if (!seen.ok) misses.push(`${p.name} saw ${JSON.stringify(seen.colors)} and heard ${JSON.stringify(seen.tones)}`);
  }
  return misses;
}

export async function waitToSeeAndHear(observer: Peer, others: Pick<Peer, 'identity' | 'media'>[], timeoutMs = 20_000, colorTolerance = 12) {
  const deadline = Date.now() + timeoutMs;
  let colors: Record<string, [number, number, number]> = {};
  let tones: Record<string, number> = {};
  for (;;) {
    colors = await seenColors(observer.page);
    tones = await heardTones(observer.page);
    const ok = others.every((o) => {
      const c = colors[o.identity];
      const t = tones[o.identity];
      return c && closeColor(c, parseRgb(o.media.color), colorTolerance) && t !== undefined && Math.abs(t - o.media.tone) < 25;
    });
    if (ok || Date.now() > deadline) return { colors, tones, ok };
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Identities of the remote participants this peer's room knows, sorted. */
export async function remoteIdentities(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const room = (window as unknown as { tabsfuRoom: { remoteParticipants: Map<string, { identity: string }> } }).tabsfuRoom;
    return [...room.remoteParticipants.values()].map((p) => p.identity).sort();
  });
}
