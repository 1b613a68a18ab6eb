import type { Page } from '@playwright/test';
import { inRoom } from './helpers/app';
import { COLORS, type Peer, waitToSeeAndHear } from './helpers/peer';
import { waitForHostCount } from './helpers/host';
import { hostPageUrl } from './helpers/host-key';
import { eventsIn, storedEvents, storedStats } from './helpers/telemetry';
import { expect, test } from './fixtures';

test.use({ hostQuery: '?statsIntervalMs=1000' });

const videoTrackOf = (peer: Peer) => inRoom(peer.page, (r) => [...r.localParticipant.trackPublications.values()].find((p) => p.kind === 'video')!.trackSid as string);

/** Pixels of a chart's canvas in a line's colour: what a person sees as the line being drawn. */
function pixelsOfColour(hostPage: Page, metric: string, rgb: [number, number, number]): Promise<number> {
  return hostPage.evaluate(([m, [r, g, b]]) => {
    const canvas = document.querySelector<HTMLCanvasElement>(`.chart[data-metric="${m}"] canvas`);
    if (!canvas) return 0;
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) if (Math.abs(data[i] - r) < 30 && Math.abs(data[i + 1] - g) < 30 && Math.abs(data[i + 2] - b) < 30 && data[i + 3] > 200) n++;
    return n;
  }, [metric, rgb] as const);
}

test('events and stats written before a host reload are in IndexedDB after it, and the dashboard charts and lists them', async ({ call, host }) => {
  const alice = await call.join('alice', { color: COLORS.red, tone: 440 });
  const bob = await call.join('bob', { color: COLORS.green, tone: 660 });
  for (const [p, other] of [[alice, bob], [bob, alice]] as const) expect((await waitToSeeAndHear(p, [other])).ok).toBe(true);
  const aliceSid = await inRoom(alice.page, (r) => r.localParticipant.sid as string);
  const video = await videoTrackOf(alice);
  await expect.poll(async () => (await storedStats(host.page)).filter((s) => s.trackSid === video && s.direction === 'up').length).toBeGreaterThanOrEqual(3);
  const eventsBefore = await eventsIn(host.page, call.room);
  const statsBefore = (await storedStats(host.page)).filter((s) => s.room === call.room);
  expect(eventsBefore.map((e) => e.event)).toEqual(expect.arrayContaining(['room_started', 'participant_joined', 'participant_active', 'track_published', 'track_subscribed']));

  await host.page.reload();
  await host.page.getByTestId('link-status').filter({ hasText: 'serving as' }).waitFor();

  const eventsAfter = await eventsIn(host.page, call.room);
  expect(eventsAfter.map((e) => e.id)).toEqual(expect.arrayContaining(eventsBefore.map((e) => e.id)));
  const seqAfter = new Set((await storedStats(host.page)).map((s) => s.seq));
  expect(statsBefore.every((s) => seqAfter.has(s.seq))).toBe(true);

  // the timeline, filtered to the room and to alice, lists her events from before the reload
  await host.page.getByTestId('filter-room').selectOption(call.room);
  await host.page.getByTestId('filter-participant').selectOption(aliceSid);
  const timeline = host.page.getByTestId('timeline');
  await expect(timeline.locator(`li[data-event="participant_joined"][data-participant="${aliceSid}"]`)).toHaveCount(1);
  await expect(timeline.locator('li[data-participant]:not([data-participant="' + aliceSid + '"])')).toHaveCount(0);

  // her video track's charts draw its history: the publisher's line (#1f5fbf) and the subscriber's are on the canvas
  await host.page.getByTestId('chart-track').selectOption(video);
  await expect.poll(async () => Number(await host.page.getByTestId('charts').getAttribute('data-points'))).toBeGreaterThanOrEqual(3);
  // forwarded frames equal received ones, so where the lines meet the subscriber's (#c2410c) covers the publisher's
  for (const metric of ['bitrateKbps', 'fps']) {
    await expect.poll(async () => (await pixelsOfColour(host.page, metric, [31, 95, 191])) + (await pixelsOfColour(host.page, metric, [194, 65, 12]))).toBeGreaterThan(20);
  }
});

test('retention keeps the newest stats within the size limit and deletes what is older than the age limit', async ({ call, host, baseURL }) => {
  test.slow();
  const alice = await call.join('alice', { color: COLORS.red, tone: 440 });
  const bob = await call.join('bob', { color: COLORS.green, tone: 660 });
  expect((await waitToSeeAndHear(alice, [bob])).ok).toBe(true);
  await expect.poll(async () => (await storedStats(host.page)).length, { timeout: 60_000 }).toBeGreaterThan(150);
  await alice.context.close();
  await bob.context.close();
  // once both have left and the last write is done, nothing more is written
  await expect.poll(async () => (await eventsIn(host.page, call.room)).filter((e) => e.event === 'participant_left').length).toBe(2);
  await host.page.waitForTimeout(3000);
  const before = await storedStats(host.page);
  const newest = before.map((s) => s.seq!).sort((a, b) => b - a).slice(0, 100);

  await host.page.goto(hostPageUrl(baseURL!, '?maxStatsRecords=100'));
  await host.page.getByTestId('link-status').filter({ hasText: 'serving as' }).waitFor();
  await expect.poll(async () => (await storedStats(host.page)).map((s) => s.seq!).sort((a, b) => b - a)).toEqual(newest);

  // a retention of 3.6 s (0.00004 days): everything written before it is gone on the next start
  await host.page.waitForTimeout(4000);
  await host.page.goto(hostPageUrl(baseURL!, '?retentionDays=0.00004'));
  await host.page.getByTestId('link-status').filter({ hasText: 'serving as' }).waitFor();
  await expect.poll(async () => (await storedStats(host.page)).length).toBe(0);
  expect((await eventsIn(host.page, call.room)).length).toBe(0);
});

test('a host opening a version 1 database upgrades it and keeps its records', async ({ browser, baseURL }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${baseURL}/api/info`);
  // the database as version 1 of tabsfu left it: events and stats, no tracks store
  await page.evaluate(() => new Promise<void>((resolve, reject) => {
    const open = indexedDB.open('tabsfu-telemetry', 1);
    open.onupgradeneeded = () => {
      const db = open.result;
      const events = db.createObjectStore('events', { keyPath: 'seq', autoIncrement: true });
      events.createIndex('at', 'at');
      events.createIndex('room', ['room', 'at']);
      events.createIndex('participant', ['participantSid', 'at']);
      const stats = db.createObjectStore('stats', { keyPath: 'seq', autoIncrement: true });
      stats.createIndex('at', 'at');
      stats.createIndex('track', ['trackSid', 'at']);
      stats.createIndex('room', ['room', 'at']);
      const now = Date.now();
      events.add({ id: 'EV_old', event: 'participant_joined', at: now, roomSid: 'RM_old', room: 'old-room', participantSid: 'PA_old', identity: 'olga', trackSid: '', detail: '', webhook: {} });
      for (const direction of ['up', 'down']) {
        stats.add({ at: now, roomSid: 'RM_old', room: 'old-room', participantSid: direction === 'up' ? 'PA_old' : 'PA_sub', identity: direction === 'up' ? 'olga' : 'sub', trackSid: 'TR_old', kind: 'video', direction, bitrateKbps: 300, packets: 100, packetsLost: 0, lossPercent: 0, jitterMs: 1, rttMs: 1, frames: 150, fps: 30, width: 320, height: 180, keyframes: 1, plis: 0, nacks: 0 });
      }
    };
    open.onsuccess = () => { open.result.close(); resolve(); };
    open.onerror = () => reject(open.error);
  }));

  await page.goto(hostPageUrl(baseURL!));
  await page.getByTestId('link-status').filter({ hasText: 'serving as' }).waitFor();
  try {
    expect(await page.evaluate(() => new Promise((resolve) => {
      const open = indexedDB.open('tabsfu-telemetry');
      open.onsuccess = () => {
        const db = open.result;
        const tracks = db.transaction('tracks').objectStore('tracks').getAll();
        tracks.onsuccess = () => { resolve({ version: db.version, tracks: tracks.result.map((t) => `${t.trackSid} ${t.identity}`) }); db.close(); };
      };
    }))).toEqual({ version: 2, tracks: ['TR_old olga'] });
    expect((await storedEvents(page)).map((e) => e.id)).toContain('EV_old');
    expect((await storedStats(page)).filter((s) => s.trackSid === 'TR_old').length).toBe(2);
    // and the dashboard offers the old track to chart
    await expect(page.getByTestId('chart-track').locator('option[value="TR_old"]')).toHaveCount(1);
  } finally {
    await context.close();
    await waitForHostCount(baseURL!, 0);
  }
});
