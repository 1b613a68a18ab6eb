import http from 'node:http';
import { expect, test } from '@playwright/test';
import { waitForHostCount } from './helpers/host';
import { TEST_HOST_KEY, hostPageUrl } from './helpers/host-key';

// A host tab receives everyone's media: without the key the server prints, no page may become one, wherever the
// request comes from (these come from loopback, which earlier versions trusted by being there).
test('a host page without the host key, or with a wrong one, is refused with a reason and never becomes a host', async ({ browser, baseURL }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  for (const url of [`${baseURL}/host`, `${baseURL}/host?route=decoy`, hostPageUrl(baseURL!, '', 'not-the-key-123')]) {
    const res = await page.goto(url);
    expect(res?.status(), url).toBe(403);
    await expect(page.locator('h1')).toHaveText('The host page needs the host key');
    await expect(page.locator('body')).toContainText('npm start');
  }
  // nor is the page's file, which the server never serves by its name
  for (const url of [`${baseURL}/host.html`, `${baseURL}/host.html?key=${TEST_HOST_KEY}`]) expect((await page.goto(url))?.status(), url).toBe(404);
  // a page of this origin that opens the host link itself, with a wrong key, is closed with the reason
  await page.goto(`${baseURL}/api/info`);
  const closed = await page.evaluate((base) => new Promise<{ code: number; reason: string }>((resolve) => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/_tabsfu/host-link?key=guess`);
    ws.onclose = (e) => resolve({ code: e.code, reason: e.reason });
  }), baseURL!);
  expect(closed).toEqual({ code: 4005, reason: 'wrong host key: open the host URL the server printed' });
  const info = (await (await fetch(`${baseURL}/api/info`)).json()) as { hosts: number };
  expect(info.hosts).toBe(0);

  // with the key, the same browser hosts
  await page.goto(hostPageUrl(baseURL!));
  await expect(page.getByTestId('link-status')).toContainText('serving as');
  await waitForHostCount(baseURL!, 1);
  expect(page.url()).toContain(`key=${TEST_HOST_KEY}`);
  await context.close();
  await waitForHostCount(baseURL!, 0);
});

// Sandboxed frames send "Origin: null", and anyone can forge any Origin: such a request is refused, and the server
// (with every call on it) carries on.
test('a host link request with an Origin that is not a URL is refused, and the server carries on', async ({ baseURL }) => {
  const status = await new Promise<number>((resolve, reject) => {
    const req = http.request(`${baseURL}/_tabsfu/host-link?key=${TEST_HOST_KEY}`, {
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', origin: 'null' },
    });
    req.on('response', (res) => resolve(res.statusCode ?? 0));
    req.on('upgrade', () => reject(new Error('upgraded')));
    req.on('error', reject);
    req.end();
  });
  expect(status).toBe(403);
  const info = await fetch(`${baseURL}/api/info`);
  expect(info.status).toBe(200);
});

// The test server gives no TURN server: a host that may use relays only could reach nobody, and says so.
test('a host set to relay only, on a server without TURN, says that nobody can connect', async ({ browser, baseURL }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(hostPageUrl(baseURL!, '?iceTransportPolicy=relay'));
  await expect(page.getByTestId('link-status')).toContainText('serving as');
  await expect(page.getByTestId('link-status')).toContainText('nobody can connect');
  await context.close();
  await waitForHostCount(baseURL!, 0);
});
