import { expect, test } from '@playwright/test';
import { openHost } from './helpers/host';
import { appPeer, inRoom, serveApp } from './helpers/app';
import { COLORS, whoMissesOthers } from './helpers/peer';

/** Which connection layout the client settled on: 'publisher-only' is LiveKit's single-connection path. */
const layout = (page: import('@playwright/test').Page) => inRoom(page, (room) => room.engine.pcManager.mode as string);

test('peers on the single-connection path and on /rtc see and hear each other', async ({ browser, baseURL }) => {
  const host = await openHost(browser, baseURL!, '?singlePeerConnection=on');
  const app = await serveApp();
  const room = `paths-${Date.now()}`;
  const ana = await appPeer(browser, app, baseURL!, room, 'ana', { color: COLORS.red, tone: 440 });
  const ben = await appPeer(browser, app, baseURL!, room, 'ben', { color: COLORS.green, tone: 660, options: { singlePeerConnection: false } });
  const cy = await appPeer(browser, app, baseURL!, room, 'cy', { color: COLORS.blue, tone: 880 });
  // the single-connection path is taken at once, not after a fallback; /rtc only when the app turns it off
  expect([ana, ben, cy].map((p) => p.signalPaths)).toEqual([['/rtc/v1'], ['/rtc'], ['/rtc/v1']]);
  expect([await layout(ana.page), await layout(ben.page), await layout(cy.page)]).toEqual(['publisher-only', 'subscriber-primary', 'publisher-only']);
  const peers = [ana, ben, cy];
  expect(await whoMissesOthers(peers)).toEqual([]);
  for (const p of peers) await p.context.close();
  app.close();
  await host.close();
});
