import { expect, test, type Page } from '@playwright/test';
import { openHost } from './helpers/host';
import { COLORS } from './helpers/peer';
import { CAMERA_720P, appPeer, serveApp } from './helpers/app';
import { peerInboundStats } from './helpers/stats';
import { eventsIn, storedStats } from './helpers/telemetry';

const CAMERA = CAMERA_720P;

/** The rids of the publisher's video encodings that sent bytes in the last `ms` (of all its video tracks). */
async function sendingLayers(page: Page, ms = 1500): Promise<string[]> {
  return page.evaluate(async (ms) => {
    type Engine = { pcManager: { publisher: { getStats(): Promise<RTCStatsReport> } } };
    const room = (window as unknown as { tabsfuRoom: { engine: Engine } }).tabsfuRoom;
    const sent = async () => {
      const out = new Map<string, number>();
      (await room.engine.pcManager.publisher.getStats()).forEach((r) => {
        if (r.type === 'outbound-rtp' && r.kind === 'video') out.set(`${r.mid}/${r.rid}`, r.bytesSent);
      });
      return out;
    };
    const before = await sent();
    await new Promise((r) => setTimeout(r, ms));
    const after = await sent();
    return [...after].filter(([key, bytes]) => bytes > (before.get(key) ?? 0)).map(([key]) => key.split('/')[1]).sort();
  }, ms);
}

/** The decoded width of the one video a subscriber receives, and how often its picture froze (Chromium's freezeCount). */
async function received(page: Page): Promise<{ width: number; freezes: number; framesDecoded: number }> {
  const video = (await peerInboundStats(page)).find((s) => s.kind === 'video');
  return { width: Number(video?.frameWidth ?? 0), freezes: Number(video?.freezeCount ?? 0), framesDecoded: Number(video?.framesDecoded ?? 0) };
}

const setTile = (page: Page, identity: string, px: number) =>
  page.evaluate(([id, w]) => (window as unknown as { setTileWidth(i: string, px: number): void }).setTileWidth(id, w), [identity, px] as const);

test('each subscriber decodes the simulcast layer that fits its tile, and a tile that grows switches up without a freeze', async ({ browser, baseURL }) => {
  // telemetry every second, to see the layers in the stored stats
  const host = await openHost(browser, baseURL!, '?statsIntervalMs=1000');
  const app = await serveApp();
  const room = `simulcast-${Date.now()}`;
  const alice = await appPeer(browser, app, baseURL!, room, 'alice', CAMERA);
  // the host takes the lowest and the highest layer (h stays free for a screen share: see simulcast-split.ts)
  await expect.poll(() => sendingLayers(alice.page), { message: 'the publisher sends the layers the host takes' }).toEqual(['f', 'q']);
  const small = await appPeer(browser, app, baseURL!, room, 'small', { color: COLORS.green, tone: 660, publish: false, options: { adaptiveStream: true } });
  const large = await appPeer(browser, app, baseURL!, room, 'large', { color: COLORS.blue, tone: 880, publish: false, options: { adaptiveStream: true } });
  await setTile(large.page, 'alice', 1280);

  await expect.poll(async () => (await received(small.page)).width, { message: 'a 160x90 tile gets the 320x180 layer' }).toBe(320);
  await expect.poll(async () => (await received(large.page)).width, { message: 'a 1280x720 tile gets the full picture' }).toBe(1280);
  // the small tile keeps the lowest layer: it was not a passing choice
  await expect.poll(async () => (await received(small.page)).framesDecoded).toBeGreaterThan(60);
  expect((await received(small.page)).width).toBe(320);

  const before = await received(small.page);
  await setTile(small.page, 'alice', 1280);
  await expect.poll(async () => (await received(small.page)).width, { message: 'the grown tile switches up', timeout: 10_000 }).toBe(1280);
  const decodedAtSwitch = (await received(small.page)).framesDecoded;
  await expect.poll(async () => (await received(small.page)).framesDecoded).toBeGreaterThan(decodedAtSwitch + 30);
  expect((await received(small.page)).freezes, 'no freeze across the switch').toBe(before.freezes);

  // telemetry keeps the switch, with its reason, and the layer each subscriber got over time
  await expect.poll(async () => (await eventsIn(host.page, room)).filter((e) => e.event === 'track_layer_switched' && e.identity === 'small').map((e) => e.detail))
    .toContain('layer 0 → 1: tile size or quality');
  const layersOf = async (identity: string) => (await storedStats(host.page))
    .filter((r) => r.room === room && r.direction === 'down' && r.kind === 'video' && r.identity === identity)
    .sort((a, b) => a.at - b.at).map((r) => r.layer);
  await expect.poll(async () => [...new Set(await layersOf('small'))].sort()).toEqual([0, 1]);
  // the large tile starts within its connection's first estimate, then has the top layer (of q and f, 1)
  expect((await layersOf('large')).at(-1)).toBe(1);

  for (const p of [alice, small, large]) await p.context.close();
  app.close();
  await host.close();
});

test('with dynacast, a layer nobody watches stops at the publisher and comes back when a tile needs it', async ({ browser, baseURL }) => {
  const host = await openHost(browser, baseURL!);
  const app = await serveApp();
  const room = `dynacast-${Date.now()}`;
  const alice = await appPeer(browser, app, baseURL!, room, 'alice', { ...CAMERA, options: { dynacast: true } });
  const small = await appPeer(browser, app, baseURL!, room, 'small', { color: COLORS.green, tone: 660, publish: false, options: { adaptiveStream: true } });
  await expect.poll(async () => (await received(small.page)).width).toBe(320);
  await expect.poll(() => sendingLayers(alice.page), { message: 'only small tiles watch: only q is encoded', timeout: 30_000 }).toEqual(['q']);

  await setTile(small.page, 'alice', 1280);
  await expect.poll(() => sendingLayers(alice.page), { message: 'a large tile turns the layers back on' }).toEqual(['f', 'q']);
  await expect.poll(async () => (await received(small.page)).width).toBe(1280);

  for (const p of [alice, small]) await p.context.close();
  app.close();
  await host.close();
});

test('a participant who shares a screen beside a simulcast camera is seen in both, the screen at full resolution', async ({ browser, baseURL }) => {
  const host = await openHost(browser, baseURL!);
  const app = await serveApp();
  const room = `share-${Date.now()}`;
  const alice = await appPeer(browser, app, baseURL!, room, 'alice', CAMERA);
  const bob = await appPeer(browser, app, baseURL!, room, 'bob', { color: COLORS.green, tone: 660, publish: false });
  // livekit-client sends a 1280x720 screen share as two simulcast layers, q and h; h is its full resolution
  await alice.page.evaluate(async () => {
    const c = document.createElement('canvas');
    c.width = 1280;
    c.height = 720;
    const g = c.getContext('2d')!;
    let i = 0;
    setInterval(() => {
      i++;
      g.fillStyle = 'rgb(40,40,220)';
      g.fillRect(0, 0, 1280, 720);
      g.fillStyle = '#fff';
      for (let k = 0; k < 40; k++) g.fillRect(((i * 8) + k * 97) % 1280, (k * 53) % 720, 40, 12);
    }, 200);
    const room = (window as unknown as { tabsfuRoom: { localParticipant: { publishTrack(t: MediaStreamTrack, o: object): Promise<unknown> } } }).tabsfuRoom;
    await room.localParticipant.publishTrack(c.captureStream(5).getVideoTracks()[0], { source: 'screen_share' });
  });
  const widths = async () => (await peerInboundStats(bob.page)).filter((s) => s.kind === 'video' && Number(s.framesDecoded) > 10).map((s) => Number(s.frameWidth)).sort((a, b) => a - b);
  await expect.poll(widths, { message: 'bob decodes the camera and the screen, both 1280 wide' }).toEqual([1280, 1280]);
  await expect.poll(() => sendingLayers(alice.page), { message: 'camera q and f, screen h' }).toEqual(['f', 'h', 'q']);

  for (const p of [alice, bob]) await p.context.close();
  app.close();
  await host.close();
});
