import { expect, test, type BrowserContext } from '@playwright/test';
import { openHost } from './helpers/host';
import { installFakeMedia } from './helpers/fake-media';
import { COLORS, joinInPage, waitToSeeAndHear } from './helpers/peer';

/**
 * Collects every Content-Security-Policy violation any page of the context reports, across navigations (each report
 * leaves the page at once). The host worker's own violations are not seen here; that the call works through it is
 * what shows the worker and its WebAssembly run under the policy.
 */
async function watchViolations(context: BrowserContext): Promise<() => string[]> {
  const seen: string[] = [];
  await context.exposeBinding('reportCspViolation', ({ page }, text: string) => { seen.push(`${page.url()}: ${text}`); });
  await context.addInitScript(() => {
    const report = (window as unknown as { reportCspViolation(text: string): void }).reportCspViolation;
    document.addEventListener('securitypolicyviolation', (e) => report(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} in ${e.sourceFile}:${e.lineNumber}`));
  });
  return () => [...seen];
}

test('every page carries a strict Content-Security-Policy and works under it: landing, host with its dashboard, a call', async ({ browser, baseURL }) => {
  const res = await fetch(`${baseURL}/`);
  const csp = res.headers.get('content-security-policy') ?? '';
  expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain('unsafe-inline');
  expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');

  // the landing page's join box, under the policy
  const visitor = await browser.newContext();
  const landingViolations = await watchViolations(visitor);
  const landing = await visitor.newPage();
  await landing.goto(`${baseURL}/`);
  await landing.getByPlaceholder('room name').fill('csp room');
  await landing.getByRole('button', { name: 'Join' }).click();
  await expect(landing).toHaveURL(/\/join\/csp%20room$/);
  expect(landingViolations()).toEqual([]);
  await visitor.close();

  // the host page (worker, WebAssembly, host link, dashboard charts, QR codes) and two join pages in a call
  const host = await openHost(browser, baseURL!);
  const hostViolations = await watchViolations(host.context);
  await host.page.reload();
  await expect(host.page.getByTestId('link-status')).toContainText('serving as');
  const room = `csp-${Date.now()}`;
  const peers = [];
  const peerViolations = [];
  for (const [name, color, tone] of [['Alice', COLORS.red, 440], ['Bob', COLORS.green, 660]] as const) {
    const context = await browser.newContext();
    peerViolations.push(await watchViolations(context));
    await context.addInitScript(installFakeMedia, { width: 320, height: 180, color, tone });
    peers.push(await joinInPage(context, await context.newPage(), baseURL!, room, name, { color, tone }));
  }
  for (const [p, other] of [[peers[0], peers[1]], [peers[1], peers[0]]] as const) expect((await waitToSeeAndHear(p, [other])).ok).toBe(true);
  await expect(host.page.locator(`article.room[data-room="${room}"] img.qr`)).toHaveAttribute('src', /^data:image\/png/);
  // bitrate, frame rate, loss, send delay and simulcast layer
  await expect(host.page.getByTestId('charts').locator('.chart')).toHaveCount(5);
  expect(hostViolations()).toEqual([]);
  for (const v of peerViolations) expect(v()).toEqual([]);
  for (const p of peers) await p.context.close();
  await host.close();
});
