import { expect, test } from '@playwright/test';
import WebSocket from 'ws';
import { openHost, waitForHostCount } from './helpers/host';
import { COLORS, joinPeer, remoteIdentities, waitToSeeAndHear } from './helpers/peer';
import { sdkToken } from './helpers/tokens';

/** Opens the join page with a given token and reports the error the person sees. */
async function errorShownFor(browser: import('@playwright/test').Browser, baseURL: string, room: string, token: string): Promise<string> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${baseURL}/join/${room}?token=${encodeURIComponent(token)}`);
  await page.getByLabel('Your name').fill('Mallory');
  await page.getByRole('button', { name: 'Join the call' }).click();
  const error = page.locator('.lobby .error');
  await error.waitFor({ state: 'visible', timeout: 20_000 });
  const text = (await error.textContent()) ?? '';
  await context.close();
  return text;
}

test('a token signed with the wrong secret, or expired, is refused with a reason', async ({ browser, baseURL }) => {
  const host = await openHost(browser, baseURL!);
  const forged = await sdkToken('bad-token', 'mallory', {}, { secret: 'not-the-secret' });
  expect(await errorShownFor(browser, baseURL!, 'bad-token', forged)).toContain('signature is invalid');
  const expired = await sdkToken('bad-token', 'mallory', {}, { ttl: -60 });
  expect(await errorShownFor(browser, baseURL!, 'bad-token', expired)).toContain('expired');

  const res = await fetch(`${baseURL}/rtc/validate?access_token=${encodeURIComponent(forged)}`);
  expect(res.status).toBe(401);
  expect(await res.text()).toContain('signature is invalid');
  await host.close();
});

test('without a host tab, a client is told to open /host', async ({ browser, baseURL }) => {
  await waitForHostCount(baseURL!, 0);
  const token = await sdkToken('no-host', 'early');
  const res = await fetch(`${baseURL}/rtc/validate?access_token=${encodeURIComponent(token)}`);
  expect(res.status).toBe(503);
  expect(await res.text()).toContain('open http://localhost');
  expect(res.statusText).toContain('/host');
  expect(await errorShownFor(browser, baseURL!, 'no-host', token)).toContain('/host');
});

test('a malformed signal message closes only its own connection, with a reason, and the call goes on', async ({ browser, baseURL }) => {
  const host = await openHost(browser, baseURL!);
  const room = `malformed-${Date.now()}`;
  const alice = await joinPeer(browser, baseURL!, room, 'Alice', { color: COLORS.red, tone: 440 });
  const bob = await joinPeer(browser, baseURL!, room, 'Bob', { color: COLORS.green, tone: 660 });
  expect((await waitToSeeAndHear(alice, [bob])).ok).toBe(true);

  const ws = new WebSocket(`${baseURL!.replace('http', 'ws')}/rtc?access_token=${await sdkToken(room, 'raw-client')}&protocol=16`);
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  await new Promise<void>((resolve) => ws.once('message', () => resolve())); // the JoinResponse
  await expect.poll(() => remoteIdentities(alice.page)).toContain('raw-client');
  // field 1, length-delimited, claiming far more bytes than follow
  ws.send(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]));
  const { code, reason } = await closed;
  expect(code).toBe(1007);
  expect(reason).toContain('malformed signal message');

  const after = await waitToSeeAndHear(alice, [bob]);
  expect(after.ok).toBe(true);
  expect((await waitToSeeAndHear(bob, [alice])).ok).toBe(true);
  for (const p of [alice, bob]) await p.context.close();
  await host.close();
});

test('a peer that vanishes without leaving is removed once it fails to resume', async ({ browser, baseURL }) => {
  const host = await openHost(browser, baseURL!, '?resumeWindowMs=2000');
  const room = `vanish-${Date.now()}`;
  const alice = await joinPeer(browser, baseURL!, room, 'Alice', { color: COLORS.red, tone: 440 });
  const bob = await joinPeer(browser, baseURL!, room, 'Bob', { color: COLORS.green, tone: 660 });
  const carol = await joinPeer(browser, baseURL!, room, 'Carol', { color: COLORS.blue, tone: 880 });
  expect((await waitToSeeAndHear(alice, [bob, carol])).ok).toBe(true);
  await carol.context.close(); // the tab is gone: no leave message
  await expect.poll(() => remoteIdentities(alice.page), { timeout: 15_000 }).toEqual([bob.identity]);
  expect((await waitToSeeAndHear(alice, [bob])).ok).toBe(true);
  for (const p of [alice, bob]) await p.context.close();
  await host.close();
});
