import { expect, test } from '@playwright/test';
import { openHost } from './helpers/host';
import { COLORS, heardTones, joinPeer, waitToSeeAndHear } from './helpers/peer';

test('muting and unmuting the microphone and camera shows, and is heard, on the other side', async ({ browser, baseURL }) => {
  const host = await openHost(browser, baseURL!);
  const room = `mute-${Date.now()}`;
  const alice = await joinPeer(browser, baseURL!, room, 'Alice', { color: COLORS.red, tone: 440 });
  const bob = await joinPeer(browser, baseURL!, room, 'Bob', { color: COLORS.green, tone: 660 });
  expect((await waitToSeeAndHear(bob, [alice])).ok).toBe(true);
  const aliceTile = bob.page.locator(`.tile[data-identity="${alice.identity}"]`);

  await alice.page.getByTestId('toggle-mic').click();
  await expect(aliceTile).toHaveAttribute('data-mic-muted', 'true');
  await expect.poll(async () => (await heardTones(bob.page))[alice.identity]).toBeUndefined();
  await alice.page.getByTestId('toggle-mic').click();
  await expect(aliceTile).toHaveAttribute('data-mic-muted', 'false');
  await expect.poll(async () => (await heardTones(bob.page))[alice.identity]).toBeCloseTo(440, -2);

  await alice.page.getByTestId('toggle-camera').click();
  await expect(aliceTile).toHaveAttribute('data-camera-muted', 'true');
  await alice.page.getByTestId('toggle-camera').click();
  await expect(aliceTile).toHaveAttribute('data-camera-muted', 'false');
  expect((await waitToSeeAndHear(bob, [alice])).ok).toBe(true);

  for (const p of [alice, bob]) await p.context.close();
  await host.close();
});
