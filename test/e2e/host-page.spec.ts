import { expect, test } from '@playwright/test';
import { openHost } from './helpers/host';
import { COLORS, joinPeer } from './helpers/peer';

test('the host page shows each room live, with its join link, participants, tracks and who gets each', async ({ browser, baseURL }) => {
  const host = await openHost(browser, baseURL!);
  const room = `shown-${Date.now()}`;
  await host.page.getByLabel('Start a room').fill(room);
  await host.page.getByRole('button', { name: 'Show join link' }).click();
  const card = host.page.locator(`article.room[data-room="${room}"]`);
  await expect(card.locator('a')).toHaveAttribute('href', `${baseURL}/join/${room}`);
  await expect(card.locator('img.qr')).toHaveAttribute('src', /^data:image\/png/);
  await expect(card).toContainText('nobody here yet');

  const alice = await joinPeer(browser, baseURL!, room, 'Alice', { color: COLORS.red, tone: 440 });
  const row = card.locator(`li[data-identity="${alice.identity}"]`);
  await expect(row).toContainText('Alice');
  await expect(row.locator('.track.video')).toContainText('H264 320×180');
  await expect(row.locator('.track.audio')).toContainText('opus');

  const bob = await joinPeer(browser, baseURL!, room, 'Bob', { color: COLORS.green, tone: 660 });
  await expect(card.locator(`li[data-identity="${bob.identity}"]`)).toContainText('active');
  await expect(row.locator('.track.video .receivers')).toHaveText('to Bob');
  await bob.context.close();
  await expect(card.locator(`li[data-identity="${bob.identity}"]`)).toHaveCount(0, { timeout: 30_000 });

  await alice.context.close();
  await host.close();
});
