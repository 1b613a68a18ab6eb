import { expect, test, type Page } from '@playwright/test';
import { openHost } from './helpers/host';
import { COLORS } from './helpers/peer';
import { VP9_L1T3_CAMERA, appPeer, inRoom, serveApp } from './helpers/app';
import { peerInboundStats } from './helpers/stats';
import { storedStats } from './helpers/telemetry';

/** The subscriber's frames decoded per second over `ms`, and whether its picture froze meanwhile (Chromium's freezeCount). */
async function decodedRate(page: Page, ms = 3000): Promise<{ fps: number; froze: number }> {
  const read = async () => {
    const v = (await peerInboundStats(page)).find((s) => s.kind === 'video');
    return { frames: Number(v?.framesDecoded ?? 0), freezes: Number(v?.freezeCount ?? 0) };
  };
  const a = await read();
  await page.waitForTimeout(ms);
  const b = await read();
  return { fps: ((b.frames - a.frames) * 1000) / ms, froze: b.freezes - a.freezes };
}

const setFps = (page: Page, fps: number) => inRoom(page, (room, fps) => {
  for (const pub of room.remoteParticipants.get('alice').videoTrackPublications.values()) pub.setVideoFPS(fps);
}, fps);

for (const codec of ['vp9', 'av1']) test(`a subscriber that asks for a lower frame rate of a ${codec} camera with temporal layers decodes fewer frames without a freeze, and every frame again when it asks`, async ({ browser, baseURL }) => {
  const host = await openHost(browser, baseURL!, `?publishCodecs=${codec},h264&statsIntervalMs=1000`);
  const app = await serveApp();
  const room = `temporal-${Date.now()}`;
  const alice = await appPeer(browser, app, baseURL!, room, 'alice', { ...VP9_L1T3_CAMERA, cameraOptions: { ...VP9_L1T3_CAMERA.cameraOptions, videoCodec: codec } });
  // the host received the codec asked for, not a fallback (H.264 has no temporal layers here)
  await expect.poll(() => inRoom(alice.page, async (room) => {
    const stats: Map<string, { type: string; kind?: string; codecId?: string; mimeType?: string }> = await room.engine.pcManager.publisher.getStats();
    const sent = [...stats.values()].find((r) => r.type === 'outbound-rtp' && r.kind === 'video');
    return stats.get(sent?.codecId ?? '')?.mimeType?.toLowerCase();
  })).toBe(`video/${codec}`);
  const full = await appPeer(browser, app, baseURL!, room, 'full', { color: COLORS.green, tone: 660, publish: false });
  const slow = await appPeer(browser, app, baseURL!, room, 'slow', { color: COLORS.blue, tone: 880, publish: false });
  for (const p of [full, slow]) {
    await expect.poll(async () => (await decodedRate(p.page, 1000)).fps, { message: 'every frame, 30 fps' }).toBeGreaterThan(24);
  }

  // livekit-client's setVideoFPS: 8 fps is what the base layer of 30 fps L1T3 gives (7.5)
  await setFps(slow.page, 8);
  await expect.poll(async () => (await decodedRate(slow.page, 1000)).fps, { message: 'the slow subscriber drops to the base layer' }).toBeLessThan(10);
  const thinned = await decodedRate(slow.page);
  expect(thinned.fps, 'base layer: a quarter of 30 fps').toBeGreaterThan(5);
  expect(thinned.fps).toBeLessThan(10);
  expect(thinned.froze, 'no freeze at the lower rate').toBe(0);
  expect((await decodedRate(full.page)).fps, 'the other subscriber keeps every frame').toBeGreaterThan(24);
  // the host's telemetry says which temporal layer it sends
  await expect.poll(async () => (await storedStats(host.page))
    .filter((r) => r.room === room && r.direction === 'down' && r.kind === 'video' && r.identity === 'slow').sort((a, b) => a.at - b.at).at(-1)?.temporalLayer)
    .toBe(0);

  await setFps(slow.page, 15);
  await expect.poll(async () => (await decodedRate(slow.page, 1000)).fps, { message: 'two layers: half the rate' }).toBeGreaterThan(12);
  expect((await decodedRate(slow.page)).fps).toBeLessThan(18);

  await setFps(slow.page, 30);
  await expect.poll(async () => (await decodedRate(slow.page, 1000)).fps, { message: 'every frame again' }).toBeGreaterThan(24);
  expect((await decodedRate(slow.page)).froze, 'and no freeze on the way up').toBe(0);

  for (const p of [alice, full, slow]) await p.context.close();
  app.close();
  await host.close();
});
