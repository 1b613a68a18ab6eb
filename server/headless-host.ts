// --headless-host: the server opens its own host tab in a headless Chromium, so that tabsfu works as a
// LiveKit-compatible dev server with nothing else to open.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';

/** The Chromium binary to use: an explicit path, then the usual system locations. */
export function findChromium(explicit?: string): string | null {
  const candidates = [explicit, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];
  for (const c of candidates) if (c && fs.existsSync(c)) return c;
  return null;
}

/** Flags that headless Chromium needs on a closed network, as root, with no GPU. */
export function chromiumFlags(): string[] {
  const flags = [
    '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required',
    '--disable-background-timer-throttling', '--disable-renderer-backgrounding',
  ];
  if (process.getuid?.() === 0) flags.unshift('--no-sandbox');
  return flags;
}

export interface HeadlessHost {
  close(): Promise<void>;
}

export async function launchHeadlessHost(hostUrl: string, chromium: string | undefined, log: (line: string) => void): Promise<HeadlessHost> {
  const executablePath = findChromium(chromium);
  if (!executablePath) {
    throw new Error('--headless-host needs Chromium: install it (Debian: apt-get install chromium) or set CHROMIUM=/path/to/chrome');
  }
  const { chromium: launcher } = await import('playwright-core');
  let browser: Browser | null = null;
  let closing = false;

  const start = async (): Promise<void> => {
    browser = await launcher.launch({ executablePath, args: chromiumFlags(), headless: true });
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') log(`[host tab] ${m.text()}`); });
    page.on('pageerror', (e) => log(`[host tab] ${e.message}`));
    page.on('crash', () => log('[host tab] crashed'));
    browser.on('disconnected', () => {
      if (closing) return;
      log('[host tab] the headless browser exited; starting a new one');
      start().catch((e) => log(`[host tab] could not restart: ${e.message}`));
    });
    await page.goto(hostUrl);
    // Chromium's largest-contentful-paint detector keeps a record of every text node the page paints until the first
    // input; the host page repaints its figures every few seconds, so a tab nobody touches gathers about 1,400
    // records a minute, without end. One click ends that, as a person's first click on their host tab does.
    await page.mouse.click(0, 0);
    log(`headless host tab open at ${hostUrl} (${path.basename(executablePath)} ${browser.version()})`);
  };
  await start();
  return {
    async close() {
      closing = true;
      await (browser as Browser | null)?.close().catch(() => {});
    },
  };
}
