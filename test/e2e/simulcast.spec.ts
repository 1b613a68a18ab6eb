import { expect, test } from '@playwright/test';
import { openHost } from './helpers/host';
import { COLORS, joinPeer, waitToSeeAndHear } from './helpers/peer';
import { peerInboundStats } from './helpers/stats';

/** The rids of the publisher's encodings that are sending. */
async function activeLayers(page: import('@playwright/test').Page): Promise<string[]> {
  return page.evaluate(async () => {
    type Engine = { pcManager: { publisher: { getStats(): Promise<RTCStatsReport> } } };
    const room = (window as unknown as { tabsfuRoom: { engine: Engine } }).tabsfuRoom;
    const rids: string[] = [];
    (await room.engine.pcManager.publisher.getStats()).forEach((r) => {
      if (r.type === 'outbound-rtp' && r.kind === 'video' && r.active && r.bytesSent > 0) rids.push(r.rid);
    });
    return rids;
  });
}

// livekit-client sends a 640x360 camera as two simulcast layers, q (320x180) and h (640x360). The host answers
// for the last layer only, so the publisher sends its full resolution and subscribers get more than q's 320.
// (The encoder may start h below 640 while its bitrate ramps up; anything wider than 320 is the h layer.)
test('a simulcast publisher sends its full-resolution layer, and subscribers receive it', async ({ browser, baseURL }) => {
  const host = await openHost(browser, baseURL!);
  const room = `simulcast-${Date.now()}`;
  const alice = await joinPeer(browser, baseURL!, room, 'Alice', { color: COLORS.red, tone: 440, width: 640, height: 360 });
  const bob = await joinPeer(browser, baseURL!, room, 'Bob', { color: COLORS.green, tone: 660 });
  expect((await waitToSeeAndHear(bob, [alice])).ok).toBe(true);
  await expect.poll(() => activeLayers(alice.page)).toEqual(['h']);
  await expect.poll(async () => Number((await peerInboundStats(bob.page)).find((s) => s.kind === 'video')?.frameWidth ?? 0)).toBeGreaterThan(320);
  for (const p of [alice, bob]) await p.context.close();
  await host.close();
});
