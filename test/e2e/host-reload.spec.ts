import { expect, test } from '@playwright/test';
import { openHost } from './helpers/host';
import { COLORS, joinPeer, waitToSeeAndHear } from './helpers/peer';
import { eventsIn } from './helpers/telemetry';

// A host tab reloaded mid-call (a slip of the keyboard, a browser update) loses its rooms: every client is told the
// host went away and livekit-client joins again from scratch. People should be back in the call within seconds,
// and what telemetry recorded before the reload stays on disk.
test('after a host reload mid-call, three peers see and hear each other again within 10 s, and telemetry from before is kept', async ({ browser, baseURL }) => {
  const host = await openHost(browser, baseURL!);
  const room = `reload-${Date.now()}`;
  const peers = [
    await joinPeer(browser, baseURL!, room, 'Alice', { color: COLORS.red, tone: 440 }),
    await joinPeer(browser, baseURL!, room, 'Bob', { color: COLORS.green, tone: 660 }),
    await joinPeer(browser, baseURL!, room, 'Carol', { color: COLORS.blue, tone: 880 }),
  ];
  for (const p of peers) expect((await waitToSeeAndHear(p, peers.filter((o) => o !== p))).ok).toBe(true);
  const joinedBefore = async () => (await eventsIn(host.page, room)).filter((e) => e.event === 'participant_joined').map((e) => e.participantSid).sort();
  await expect.poll(async () => (await joinedBefore()).length).toBe(3);
  const before = await joinedBefore();

  // a person reloading the host is asked first (Chromium asks on a page that had a click); openHost's page says yes
  const asked: string[] = [];
  host.page.on('dialog', (d) => asked.push(d.type()));
  await host.page.getByTestId('hosting-hint').click();
  const reloadedAt = Date.now();
  await host.page.reload();
  expect(asked, 'dialogs before the reload').toEqual(['beforeunload']);
  await expect(host.page.getByTestId('link-status')).toContainText('serving as');
  // within 10 s of the reload, everyone again: each wait gets what is left of the 10 s
  for (const p of peers) {
    const left = Math.max(0, reloadedAt + 10_000 - Date.now());
    const seen = await waitToSeeAndHear(p, peers.filter((o) => o !== p), left);
    expect(seen.ok, `${p.name}, ${Date.now() - reloadedAt} ms after the reload, saw ${JSON.stringify(seen.colors)} and heard ${JSON.stringify(seen.tones)}`).toBe(true);
  }
  console.log(`everyone saw and heard everyone again ${Date.now() - reloadedAt} ms after the host reload`);
  // the events of the call before the reload are still there, beside the rejoins
  const after = (await eventsIn(host.page, room)).filter((e) => e.event === 'participant_joined').map((e) => e.participantSid);
  expect(after).toEqual(expect.arrayContaining(before));
  for (const p of peers) await p.context.close();
  // with nobody in a call, a reload is not asked about
  await expect.poll(async () => host.page.locator('li[data-identity]').count(), { timeout: 30_000 }).toBe(0);
  await host.page.getByTestId('hosting-hint').click();
  await host.page.reload();
  expect(asked, 'dialogs after the second reload').toEqual(['beforeunload']);
  await host.close();
});
