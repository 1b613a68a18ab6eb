import { expect, test } from '@playwright/test';
import { openHost } from './helpers/host';
import { COLORS, joinPeer, remoteIdentities, waitToSeeAndHear } from './helpers/peer';

test('a peer that leaves disappears for the others, and a late joiner sees and hears everyone', async ({ browser, baseURL }) => {
  const host = await openHost(browser, baseURL!);
  const room = `late-${Date.now()}`;
  const alice = await joinPeer(browser, baseURL!, room, 'Alice', { color: COLORS.red, tone: 440 });
  const bob = await joinPeer(browser, baseURL!, room, 'Bob', { color: COLORS.green, tone: 660 });
  const carol = await joinPeer(browser, baseURL!, room, 'Carol', { color: COLORS.blue, tone: 880 });
  expect((await waitToSeeAndHear(alice, [bob, carol])).ok).toBe(true);

  await carol.page.getByTestId('leave').click();
  await expect.poll(() => remoteIdentities(alice.page)).toEqual([bob.identity]);
  await expect.poll(() => remoteIdentities(bob.page)).toEqual([alice.identity]);
  await expect(alice.page.locator(`.tile[data-identity="${carol.identity}"]`)).toHaveCount(0);

  const started = Date.now();
  const dave = await joinPeer(browser, baseURL!, room, 'Dave', { color: COLORS.yellow, tone: 1100 });
  const seen = await waitToSeeAndHear(dave, [alice, bob], 8_000);
  expect(seen, `Dave saw ${JSON.stringify(seen.colors)} and heard ${JSON.stringify(seen.tones)}`).toMatchObject({ ok: true });
  console.log(`late joiner saw and heard everyone ${Date.now() - started} ms after opening the join page`);
  for (const p of [alice, bob]) expect((await waitToSeeAndHear(p, [dave], 8_000)).ok).toBe(true);

  for (const p of [alice, bob, carol, dave]) await p.context.close();
  await host.close();
});
