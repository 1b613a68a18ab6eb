import { expect, test } from '@playwright/test';
import { openHost } from './helpers/host';
import { appPeer, inRoom, serveApp } from './helpers/app';
import { COLORS, whoMissesOthers } from './helpers/peer';

/** Which connection layout the client settled on: 'publisher-only' is LiveKit's single-connection path. */
const layout = (page: import('@playwright/test').Page) => inRoom(page, (room) => room.engine.pcManager.mode as string);

test('peers on the single-connection path and on /rtc see and hear each other', async ({ browser, baseURL }) => {
  const host = await openHost(browser, baseURL!);
  const app = await serveApp();
  const room = `paths-${Date.now()}`;
  // at 300 kbit/s livekit-client hints a start bitrate in its offers (below that it gives none)
  const ana = await appPeer(browser, app, baseURL!, room, 'ana', { color: COLORS.red, tone: 440, cameraOptions: { simulcast: false, videoEncoding: { maxBitrate: 300_000, maxFramerate: 30 } } });
  const ben = await appPeer(browser, app, baseURL!, room, 'ben', { color: COLORS.green, tone: 660, options: { singlePeerConnection: false } });
  const cy = await appPeer(browser, app, baseURL!, room, 'cy', { color: COLORS.blue, tone: 880 });
  // the single-connection path is taken at once, not after a fallback; /rtc only when the app turns it off
  expect([ana, ben, cy].map((p) => p.signalPaths)).toEqual([['/rtc/v1'], ['/rtc'], ['/rtc/v1']]);
  expect([await layout(ana.page), await layout(ben.page), await layout(cy.page)]).toEqual(['publisher-only', 'subscriber-primary', 'publisher-only']);
  const peers = [ana, ben, cy];
  expect(await whoMissesOthers(peers)).toEqual([]);
  // livekit-client hints a start bitrate for its camera in its offers; on one connection the host would take it as its
  // own (every join reset the host's estimate to it), so the host applies the offers without it
  const hints = (sdp: string | undefined) => (sdp ?? '').match(/x-google-start-bitrate=\d+/g)?.length ?? 0;
  expect(hints(await inRoom(ana.page, (r) => r.engine.pcManager.publisher.pc.localDescription?.sdp as string))).toBeGreaterThan(0);
  const hostApplied = await host.page.evaluate(() => (window as unknown as { tabsfuHost: { peers: { allConnections(): RTCPeerConnection[] } } }).tabsfuHost.peers.allConnections().map((pc) => pc.remoteDescription?.sdp ?? ''));
  expect(hostApplied.map(hints)).toEqual(hostApplied.map(() => 0));
  for (const p of peers) await p.context.close();
  app.close();
  await host.close();
});
