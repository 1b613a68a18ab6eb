// A screen share through tabsfu, as livekit-client publishes one (Track.Source.ScreenShare, its screen-share
// encoding): a 1280x720 "slide" at 5 fps, four coloured panels under lines of fine detail, shared beside the camera.
// The subscriber gets it at full size and its panels show the colours a direct connection inside the sharer's page
// shows, within 5 per channel; when sharing stops, the subscriber loses the track and keeps the camera.
import type { Page } from '@playwright/test';
import { expect, test } from '@playwright/test';
import { openHost } from './helpers/host';
import { appEvents, appPeer, inRoom, serveApp } from './helpers/app';
import { COLORS, closeColor, openDirectVideo, type Peer } from './helpers/peer';

type Rgb = [number, number, number];
const PANELS: Rgb[] = [[220, 40, 40], [40, 180, 60], [50, 70, 220], [230, 200, 40]];

/** Starts sharing a 1280x720 slide at 5 fps from `page`'s room; resolves with the track's sid once published. */
function shareSlide(page: Page): Promise<string> {
  return inRoom(page, async (room, panels: Rgb[]) => {
    const c = document.createElement('canvas');
    c.width = 1280;
    c.height = 720;
    const g = c.getContext('2d')!;
    let frame = 0;
    const draw = () => {
      frame++;
      // four panels, each with its top third covered in lines of text-like detail (what a slide or code costs)
      panels.forEach(([r, gr, b], i) => {
        const x = (i % 2) * 640;
        const y = Math.floor(i / 2) * 360;
        g.fillStyle = `rgb(${r},${gr},${b})`;
        g.fillRect(x, y, 640, 360);
        g.fillStyle = '#fff';
        for (let line = 0; line < 8; line++) for (let w = 0; w < 30; w++) if ((w * 7 + line * 3 + i) % 5) g.fillRect(x + 20 + w * 20, y + 12 + line * 14, 14, 6);
      });
      // a pointer that moves, so that frames keep changing as a presenter's do
      g.fillStyle = '#000';
      g.fillRect(40 + ((frame * 23) % 1180), 690, 16, 16);
    };
    draw();
    setInterval(draw, 200);
    const track = c.captureStream(5).getVideoTracks()[0];
    (window as unknown as { slideTrack: MediaStreamTrack }).slideTrack = track;
    const { Track } = (window as unknown as { LivekitClient: { Track: { Source: Record<string, string> } } }).LivekitClient;
    const pub = await room.localParticipant.publishTrack(track, { source: Track.Source.ScreenShare });
    return pub.trackSid as string;
  }, PANELS);
}

/** The colour at each panel's centre (below its lines) of a video element, as drawn into a 128x72 canvas. */
const SAMPLE_PANELS = `(video) => {
  const c = document.createElement('canvas'); c.width = 128; c.height = 72;
  const g = c.getContext('2d', { willReadFrequently: true });
  g.drawImage(video, 0, 0, 128, 72);
  return [[32, 24], [96, 24], [32, 60], [96, 60]].map(([x, y]) => [...g.getImageData(x, y, 1, 1).data.slice(0, 3)]);
}`;

/** What the subscriber decodes of `sharer`'s screen share: its size, frames decoded and the panels' colours. */
function receivedSlide(page: Page, sharer: string) {
  return inRoom(page, async (room, [identity, sample]) => {
    const pub = room.remoteParticipants.get(identity)?.getTrackPublication('screen_share');
    const track = pub?.track;
    if (!track) return null;
    const w = window as unknown as { slideVideo?: HTMLVideoElement };
    if (!w.slideVideo) {
      w.slideVideo = document.createElement('video');
      w.slideVideo.muted = true;
      w.slideVideo.style.cssText = 'position:fixed;left:0;bottom:0;width:320px';
      document.body.append(w.slideVideo);
    }
    if ((w.slideVideo.srcObject as MediaStream | null)?.getVideoTracks()[0] !== track.mediaStreamTrack) {
      w.slideVideo.srcObject = new MediaStream([track.mediaStreamTrack]);
      await w.slideVideo.play();
    }
    await new Promise((r) => w.slideVideo!.requestVideoFrameCallback(r));
    let width = 0;
    let framesDecoded = 0;
    (await track.receiver.getStats()).forEach((s: Record<string, unknown>) => {
      if (s.type === 'inbound-rtp') {
        width = Number(s.frameWidth ?? 0);
        framesDecoded = Number(s.framesDecoded ?? 0);
      }
    });
    const panels = (new Function(`return (${sample})`)() as (v: HTMLVideoElement) => Rgb[])(w.slideVideo);
    return { source: pub.source as string, width, framesDecoded, panels };
  }, [sharer, SAMPLE_PANELS] as const);
}

/** The panels' colours through a direct peer connection inside the sharer's page, in the codec the share is sent in. */
async function directSlide(page: Page): Promise<Rgb[]> {
  // three seconds of frames at 5 fps
  await openDirectVideo(page, 'screen_share', 15);
  return page.evaluate((sample) => {
    const { video, close } = (window as unknown as { directVideo: { video: HTMLVideoElement; close(): void } }).directVideo;
    const panels = (new Function(`return (${sample})`)() as (v: HTMLVideoElement) => Rgb[])(video);
    close();
    return panels;
  }, SAMPLE_PANELS);
}

test('a 1280x720 screen share reaches a subscriber at full size with the colours of a direct connection, and goes away when sharing stops', async ({ browser, baseURL }) => {
  const host = await openHost(browser, baseURL!);
  const app = await serveApp();
  const peers: Peer[] = [];
  try {
    const room = `screen-${Date.now()}`;
    const alice = await appPeer(browser, app, baseURL!, room, 'alice', { color: COLORS.red, tone: 440, texture: true });
    peers.push(alice);
    const bob = await appPeer(browser, app, baseURL!, room, 'bob', { color: COLORS.green, tone: 660, publish: false });
    peers.push(bob);
    const sid = await shareSlide(alice.page);

    await expect.poll(async () => (await appEvents(bob.page, 'subscribed')).some((e) => e.trackSid === sid), { message: 'bob subscribes to the share' }).toBe(true);
    await expect.poll(async () => (await receivedSlide(bob.page, 'alice'))?.width, { message: 'at full size', timeout: 30_000 }).toBe(1280);
    const direct = await directSlide(alice.page);
    expect(direct.every((c, i) => closeColor(c, PANELS[i], 25)), `the direct connection shows the panels: ${JSON.stringify(direct)}`).toBe(true);
    let seen: Awaited<ReturnType<typeof receivedSlide>> = null;
    await expect.poll(async () => {
      seen = await receivedSlide(bob.page, 'alice');
      return seen?.panels.every((c, i) => closeColor(c, direct[i], 5)) ?? false;
    }, { message: `each panel within 5 of the direct connection's ${JSON.stringify(direct)}` }).toBe(true).catch((e: Error) => {
      throw new Error(`bob saw ${JSON.stringify(seen)}\n${e.message}`);
    });
    expect(seen!.source).toBe('screen_share');
    // the picture keeps moving: frames keep being decoded at about the share's rate
    const before = seen!.framesDecoded;
    await expect.poll(async () => ((await receivedSlide(bob.page, 'alice'))?.framesDecoded ?? 0) - before, { message: 'frames keep arriving' }).toBeGreaterThan(10);

    await inRoom(alice.page, async (r) => {
      const track = (window as unknown as { slideTrack: MediaStreamTrack }).slideTrack;
      await r.localParticipant.unpublishTrack(track);
    });
    await expect.poll(async () => (await appEvents(bob.page, 'unsubscribed')).some((e) => e.trackSid === sid), { message: 'the share goes away' }).toBe(true);
    const camera = await inRoom(bob.page, (r) => r.remoteParticipants.get('alice')?.getTrackPublication('camera')?.isSubscribed ?? false);
    expect(camera, 'the camera stays').toBe(true);
  } finally {
    // the peers leave before the host goes, or they would keep trying to resume through the tests after this one
    for (const p of peers) await p.context.close().catch(() => {});
    await host.close();
    app.close();
  }
});
