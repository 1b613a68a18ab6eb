// The host tab for a test: its own browser context, the real host page, and a wait until the server
// counts it as the only host, so that rooms cannot land on another test's host.
import type { Browser, BrowserContext, Page } from '@playwright/test';
import { hostPageUrl } from './host-key';

export interface Host {
  context: BrowserContext;
  page: Page;
  /** The host's console so far (its worker's log included: Chromium reports it on the page), for a failure's message. */
  log(): string[];
  close(): Promise<void>;
}

export interface HostOptions {
  /** The storage quota of the host's origin, in bytes, as if its disk were that small; 0 leaves it alone. */
  quotaBytes?: number;
}

export async function openHost(browser: Browser, baseUrl: string, query = '', options: HostOptions = {}): Promise<Host> {
  const context = await browser.newContext();
  const page = await context.newPage();
  if (options.quotaBytes) {
    // Chromium checks IndexedDB writes against the quota it read when the database opened, so it is set first
    const cdp = await context.newCDPSession(page);
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(baseUrl).origin, quotaSize: options.quotaBytes });
  }
  page.on('pageerror', (e) => console.log(`[host] page error: ${e.message}`));
  const log: string[] = [];
  const started = Date.now();
  const keep = (m: { type(): string; text(): string }) => {
    log.push(`${Date.now() - started} ${m.text()}`);
    if (m.type() === 'error' || m.type() === 'warning') console.log(`[host] ${m.text()}`);
  };
  page.on('console', keep);
  // the host page asks before it unloads while people are in calls; the tests that reload it mean it
  page.on('dialog', (d) => void (d.type() === 'beforeunload' ? d.accept() : d.dismiss()));
  await page.goto(hostPageUrl(baseUrl, query));
  await page.getByTestId('link-status').filter({ hasText: 'serving as' }).waitFor({ timeout: 15_000 });
  await waitForHostCount(baseUrl, 1);
  return {
    context,
    page,
    log: () => [...log],
    async close() {
      await context.close();
      await waitForHostCount(baseUrl, 0);
    },
  };
}

export async function waitForHostCount(baseUrl: string, n: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = (await (await fetch(`${baseUrl}/api/info`)).json()) as { hosts: number };
    if (info.hosts === n) return;
    if (Date.now() > deadline) throw new Error(`expected ${n} host tab(s), the server counts ${info.hosts}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
