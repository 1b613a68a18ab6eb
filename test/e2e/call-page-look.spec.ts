// How the join page looks, compared with reference screenshots at a desktop's size and a phone's, and an
// accessibility check of each view with axe: no serious or critical violations. Cameras show a still picture and
// peers are silent, so that two pictures of one view match (no moving block, no speaking highlight); the
// connection-quality bars and the screen share, which move, are masked.
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { installFakeMedia } from './helpers/fake-media';
import { openHost } from './helpers/host';
import { COLORS, joinPeer, seenColors, type Peer } from './helpers/peer';

const SIZES = {
  desktop: { viewport: { width: 1280, height: 720 } },
  phone: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 },
};

/** The serious and critical axe violations on `page`, as "rule: element…". */
async function axeViolations(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** Compares with the reference screenshot `name`, with what moves masked. */
async function looksLike(page: Page, name: string): Promise<void> {
  await expect(page).toHaveScreenshot(name, {
    mask: [page.locator('.screen video'), page.locator('.lk-connection-quality')],
    maxDiffPixelRatio: 0.01,
  });
}

for (const [size, options] of Object.entries(SIZES)) {
  test(`the prejoin, a three-person call and a screen share look right and pass an accessibility check on a ${size}`, async ({ browser, baseURL }) => {
    test.setTimeout(120_000);
    const host = await openHost(browser, baseURL!);
    const room = `Weekly sync (${size})`;

    const visitor = await browser.newContext(options);
    await visitor.addInitScript(installFakeMedia, { width: 320, height: 180, color: COLORS.yellow, tone: 550, gain: 0, still: true });
    const lobby = await visitor.newPage();
    await lobby.goto(`${baseURL}/join/${encodeURIComponent(room)}`);
    await expect(lobby.locator('.lk-prejoin video')).toBeVisible();
    await looksLike(lobby, `prejoin-${size}.png`);
    expect(await axeViolations(lobby), 'prejoin').toEqual([]);
    await visitor.close();

    const peers: Peer[] = [];
    for (const [name, color] of [['Alice', COLORS.red], ['Bob', COLORS.green], ['Carol', COLORS.blue]] as const) {
      peers.push(await joinPeer(browser, baseURL!, room, name, { color, tone: 440, gain: 0, still: true }, options));
    }
    const alice = peers[0];
    // a phone's grid pages: it shows Alice and one other, and a pager
    const others = size === 'phone' ? 1 : 2;
    await expect.poll(async () => Object.keys(await seenColors(alice.page)).length, { message: `Alice sees ${others} others` }).toBe(others);
    await looksLike(alice.page, `call-${size}.png`);
    if (size === 'phone') {
      const dots = (await alice.page.locator('.lk-pagination-indicator').boundingBox())!;
      const bar = (await alice.page.locator('.controls').boundingBox())!;
      expect(dots.y + dots.height, 'the grid pager\'s dots sit above the control bar, in sight').toBeLessThanOrEqual(bar.y);
    }
    expect(await axeViolations(alice.page), 'call').toEqual([]);

    // the host page beside the call: the room, its people and who gets what (live figures, links and QR masked)
    await host.page.setViewportSize(options.viewport);
    const card = host.page.locator(`article.room[data-room="${room}"]`);
    // three people, two tracks each, each track to the two others
    await expect(card.locator('.receiver')).toHaveCount(12);
    await expect(card).toHaveScreenshot(`host-room-${size}.png`, {
      mask: [card.locator('.link a'), card.locator('.qr'), card.locator('.frames')],
      maxDiffPixelRatio: 0.01,
    });
    // and the first screen of the host page: what it is, starting a room, the room (down to the telemetry, which moves)
    await host.page.evaluate(() => window.scrollTo(0, 0));
    const rooms = (await host.page.getByTestId('rooms').boundingBox())!;
    await expect(host.page).toHaveScreenshot(`host-page-${size}.png`, {
      clip: { x: 0, y: 0, width: options.viewport.width, height: Math.min(options.viewport.height, Math.ceil(rooms.y + rooms.height)) },
      mask: [host.page.getByTestId('link-status'), host.page.locator('.start input'), card.locator('.link a'), card.locator('.qr'), card.locator('.frames')],
      maxDiffPixelRatio: 0.01,
    });
    expect(await axeViolations(host.page), 'host page').toEqual([]);
    // the whole host page, its telemetry included, fits the width: nothing to scroll sideways to
    await expect(host.page.locator('[data-testid="down-connections"] tbody tr')).toHaveCount(3);
    await expect(host.page.locator('[data-testid="charts"]')).toHaveAttribute('data-points', /^[1-9]/, { timeout: 15_000 });
    expect(await host.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), 'host page width beyond the screen, px').toBeLessThanOrEqual(0);

    await peers[1].page.getByTestId('toggle-screen').click();
    await expect(alice.page.locator('.lk-focus-layout .screen video')).toBeVisible();
    await looksLike(alice.page, `screen-share-${size}.png`);
    expect(await axeViolations(alice.page), 'screen share').toEqual([]);

    await alice.page.getByTestId('toggle-chat').click();
    await expect(alice.page.locator('.lk-chat')).toBeVisible();
    expect(await axeViolations(alice.page), 'chat').toEqual([]);

    await alice.page.getByTestId('leave').click();
    await expect(alice.page.getByTestId('ended')).toBeVisible();
    await looksLike(alice.page, `ended-${size}.png`);
    expect(await axeViolations(alice.page), 'ended').toEqual([]);

    for (const p of peers) await p.context.close();
    await host.close();
  });
}
