// The join page as people use it, on LiveKit's components: the speaker outlined and each tile's connection quality,
// each control reaching the others (microphone from the keyboard, screen share, chat, camera off, leave), and a call
// that ends saying why.
import { expect, test, type Page } from '@playwright/test';
import { SCREEN_COLOR } from './helpers/fake-media';
import { openHost } from './helpers/host';
import { COLORS, closeColor, joinPeer, parseRgb, sampleTiles, waitToSeeAndHear, type Peer } from './helpers/peer';

/** What `page` shows of `identity`'s screen share: the video's width and the colour below the slide's lines. */
async function screenSeen(page: Page, identity: string) {
  return (await sampleTiles(page, `.screen[data-identity="${identity}"]`, 12))[identity] ?? null;
}

/** The text of each chat message `page` shows, as "name: message". */
function chatLines(page: Page): Promise<string[]> {
  return page.locator('.lk-chat-entry').evaluateAll((entries) => entries.map((e) => `${e.querySelector('.lk-participant-name')?.textContent ?? ''}: ${e.querySelector('.lk-message-body')?.textContent ?? ''}`));
}

async function threeInACall(browser: import('@playwright/test').Browser, baseURL: string, room: string): Promise<Peer[]> {
  const peers = [
    await joinPeer(browser, baseURL, room, 'Alice', { color: COLORS.red, tone: 440 }),
    await joinPeer(browser, baseURL, room, 'Bob', { color: COLORS.green, tone: 660 }),
    await joinPeer(browser, baseURL, room, 'Carol', { color: COLORS.blue, tone: 880 }),
  ];
  for (const p of peers) expect((await waitToSeeAndHear(p, peers.filter((o) => o !== p))).ok).toBe(true);
  return peers;
}

test('on the join page the speaker is outlined, and each control reaches the others: keyboard mute, screen share, chat, camera off and leave', async ({ browser, baseURL }) => {
  test.setTimeout(120_000);
  const host = await openHost(browser, baseURL!);
  const [alice, bob, carol] = await threeInACall(browser, baseURL!, `page-${Date.now()}`);
  await expect(bob.page.locator('.tile')).toHaveCount(3);

  await test.step('whoever speaks is outlined, and each tile shows its connection quality', async () => {
    const bobsTile = alice.page.locator(`.tile[data-identity="${bob.identity}"]`);
    await expect(bobsTile).toHaveAttribute('data-lk-speaking', 'true');
    await expect(bobsTile.locator('.lk-connection-quality')).toHaveAttribute('data-lk-quality', 'excellent');
    await bob.page.getByTestId('toggle-mic').click();
    await expect(bobsTile).toHaveAttribute('data-lk-speaking', 'false');
    await expect(bobsTile).toHaveAttribute('data-mic-muted', 'true');
    await bob.page.getByTestId('toggle-mic').click();
    await expect(bobsTile).toHaveAttribute('data-lk-speaking', 'true');
  });

  await test.step('the controls work from the keyboard: Tab reaches the microphone, Space mutes it', async () => {
    await carol.page.locator('body').click({ position: { x: 2, y: 2 } });
    const onMic = () => carol.page.evaluate(() => document.activeElement?.getAttribute('data-testid') === 'toggle-mic');
    for (let i = 0; i < 30 && !(await onMic()); i++) await carol.page.keyboard.press('Tab');
    expect(await onMic(), 'Tab reaches the microphone button').toBe(true);
    await carol.page.keyboard.press('Space');
    await expect(alice.page.locator(`.tile[data-identity="${carol.identity}"]`)).toHaveAttribute('data-mic-muted', 'true');
    await carol.page.keyboard.press('Space');
    await expect(alice.page.locator(`.tile[data-identity="${carol.identity}"]`)).toHaveAttribute('data-mic-muted', 'false');
  });

  await test.step('a screen share takes the others\' stage, at full size and in its own colour, and leaves it when it stops', async () => {
    await alice.page.getByTestId('toggle-screen').click();
    await expect(bob.page.locator(`.lk-focus-layout .screen[data-identity="${alice.identity}"]`)).toBeVisible({ timeout: 20_000 });
    await expect.poll(async () => {
      const seen = await screenSeen(bob.page, alice.identity);
      return seen && seen.width === 1280 && closeColor(seen.color, parseRgb(SCREEN_COLOR));
    }, { message: `Bob sees Alice's slide at 1280 wide in its colour: ${JSON.stringify(await screenSeen(bob.page, alice.identity))}`, timeout: 20_000 }).toBe(true);
    await alice.page.getByTestId('toggle-screen').click();
    await expect(bob.page.locator('.screen')).toHaveCount(0);
    await expect(bob.page.locator('.lk-grid-layout .tile')).toHaveCount(3);
  });

  await test.step('a chat message reaches everyone, with who sent it', async () => {
    await bob.page.getByTestId('toggle-chat').click();
    await bob.page.getByPlaceholder('Enter a message...').fill('hello from Bob');
    await bob.page.getByPlaceholder('Enter a message...').press('Enter');
    for (const p of [alice, carol]) {
      await p.page.getByTestId('toggle-chat').click();
      await expect.poll(() => chatLines(p.page)).toEqual(['Bob: hello from Bob']);
    }
  });

  await test.step('a camera turned off shows as off to the others', async () => {
    await carol.page.getByTestId('toggle-camera').click();
    await expect(alice.page.locator(`.tile[data-identity="${carol.identity}"]`)).toHaveAttribute('data-camera-muted', 'true');
    await carol.page.getByTestId('toggle-camera').click();
    await expect(alice.page.locator(`.tile[data-identity="${carol.identity}"]`)).toHaveAttribute('data-camera-muted', 'false');
  });

  await test.step('leaving ends the call for that person only, and says so', async () => {
    await carol.page.getByTestId('leave').click();
    await expect(carol.page.getByTestId('ended')).toContainText('You left the call');
    await expect(alice.page.locator(`.tile[data-identity="${carol.identity}"]`)).toHaveCount(0);
    await expect(alice.page.locator('.tile')).toHaveCount(2);
  });

  for (const p of [alice, bob, carol]) await p.context.close();
  await host.close();
});

test('a person removed by the host, or whose room the host closes, is told so; one whose host tab goes away sees the call reconnecting', async ({ browser, baseURL }) => {
  test.setTimeout(120_000);
  const host = await openHost(browser, baseURL!);
  const room = `ends-${Date.now()}`;
  const [alice, bob, carol] = await threeInACall(browser, baseURL!, room);
  const card = host.page.locator(`article.room[data-room="${room}"]`);

  await card.locator(`li[data-identity="${carol.identity}"] button[data-action="remove"]`).click();
  await expect(carol.page.getByTestId('ended')).toContainText('You were removed from the call');
  await expect(carol.page.getByRole('button', { name: /again/ })).toHaveCount(0);

  await card.getByRole('button', { name: 'Close room' }).click();
  for (const p of [alice, bob]) await expect(p.page.getByTestId('ended')).toContainText('The host closed the room');

  // a new call on a host tab that then closes
  const dave = await joinPeer(browser, baseURL!, `${room}-2`, 'Dave', { color: COLORS.yellow, tone: 550 });
  await host.page.close();
  await expect(dave.page.getByTestId('connection-state')).toContainText('Reconnecting', { timeout: 20_000 });

  for (const p of [alice, bob, carol, dave]) await p.context.close();
  await host.close();
});
