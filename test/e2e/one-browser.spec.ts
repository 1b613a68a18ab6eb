import { expect, test } from '@playwright/test';
import { installFakeMedia } from './helpers/fake-media';
import { openHost } from './helpers/host';
import { COLORS, joinInPage, joinPeer, waitToSeeAndHear } from './helpers/peer';

test('someone hosts and joins from the same browser, in two tabs', async ({ browser, baseURL }) => {
  const host = await openHost(browser, baseURL!);
  const media = { color: COLORS.red, tone: 440 };
  await host.context.addInitScript(installFakeMedia, { width: 320, height: 180, ...media });
  const tab = await host.context.newPage();
  const room = `same-${Date.now()}`;
  const me = await joinInPage(host.context, tab, baseURL!, room, 'Hostess', media);
  const guest = await joinPeer(browser, baseURL!, room, 'Guest', { color: COLORS.green, tone: 660 });
  expect((await waitToSeeAndHear(me, [guest])).ok).toBe(true);
  expect((await waitToSeeAndHear(guest, [me])).ok).toBe(true);
  await guest.context.close();
  await host.close();
});
