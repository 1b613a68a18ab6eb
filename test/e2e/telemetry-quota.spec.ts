import type { Page } from '@playwright/test';
import { inRoom } from './helpers/app';
import { COLORS, waitToSeeAndHear } from './helpers/peer';
import { eventsIn } from './helpers/telemetry';
import { expect, test } from './fixtures';

// the host's origin gets a 4 MB disk, which the test then fills
test.use({ hostQuery: '?statsIntervalMs=1000', hostQuotaBytes: 4_000_000 });

/**
 * Another database on the host's origin takes every byte left, as another app filling the disk would, and keeps
 * taking what Chromium frees later (seen once in a slow full run: a write got through seconds after the disk was
 * full; compaction is the likely cause), so that the disk stays full until freeTheDisk.
 */
function fillTheDisk(hostPage: Page): Promise<number> {
  return hostPage.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open('filler', 1);
      open.onupgradeneeded = () => open.result.createObjectStore('junk', { autoIncrement: true });
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    let written = 0;
    for (let size = 1 << 20; size >= 1024; ) {
      // random bytes, so that the storage cannot compress them
      const chunk = new Uint8Array(size);
      for (let i = 0; i < size; i += 65536) crypto.getRandomValues(chunk.subarray(i, Math.min(size, i + 65536)));
      const ok = await new Promise<boolean>((resolve) => {
        const tx = db.transaction('junk', 'readwrite');
        tx.objectStore('junk').add(chunk);
        tx.oncomplete = () => resolve(true);
        tx.onabort = () => resolve(false);
      });
      if (ok) written += size;
      else size >>= 1;
    }
    // Chromium frees space now and then (compaction) after the disk is full; take it back at once, the largest
    // piece that fits first, so that no telemetry write can slip into it (a 256-byte top-up once let one through)
    const add = (bytes: number) => new Promise<boolean>((resolve) => {
      let tx: IDBTransaction;
      try {
        tx = db.transaction('junk', 'readwrite');
      } catch {
        return resolve(false); // closed by freeTheDisk
      }
      tx.objectStore('junk').add(crypto.getRandomValues(new Uint8Array(bytes))).onerror = (e) => e.preventDefault();
      tx.oncomplete = () => resolve(true);
      tx.onabort = () => resolve(false);
    });
    let busy = false;
    const topUp = setInterval(async () => {
      if (busy) return;
      busy = true;
      for (let bytes = 65536; bytes >= 256; ) if (!(await add(bytes))) bytes >>= 2;
      busy = false;
    }, 20);
    Object.assign(window, { filler: { db, topUp } });
    return written;
  });
}

function freeTheDisk(hostPage: Page): Promise<void> {
  return hostPage.evaluate(() => new Promise<void>((resolve, reject) => {
    const { db, topUp } = (window as unknown as { filler: { db: IDBDatabase; topUp: ReturnType<typeof setInterval> } }).filler;
    clearInterval(topUp);
    db.close();
    const del = indexedDB.deleteDatabase('filler');
    del.onsuccess = () => resolve();
    del.onerror = () => reject(del.error);
  }));
}

test('a full disk keeps telemetry in memory and says so on the dashboard, forwarding carries on, and it is all written once there is room', async ({ call, host }) => {
  const alice = await call.join('alice', { color: COLORS.red, tone: 440 });
  const aliceSid = await inRoom(alice.page, (r) => r.localParticipant.sid as string);
  await expect.poll(async () => (await eventsIn(host.page, call.room)).some((e) => e.event === 'participant_joined' && e.participantSid === aliceSid)).toBe(true);

  expect(await fillTheDisk(host.page)).toBeGreaterThan(0);
  const bob = await call.join('bob', { color: COLORS.green, tone: 660 });
  const bobSid = await inRoom(bob.page, (r) => r.localParticipant.sid as string);
  const warning = host.page.getByTestId('telemetry-warning');
  await expect(warning).toContainText('Storage is full');
  const bobJoined = (events: { event: string; participantSid: string }[]) => events.some((e) => e.event === 'participant_joined' && e.participantSid === bobSid);
  // not on disk, yet the dashboard lists it from memory
  expect(bobJoined(await eventsIn(host.page, call.room))).toBe(false);
  await host.page.getByTestId('filter-room').selectOption(call.room);
  await expect(host.page.getByTestId('timeline').locator(`li[data-event="participant_joined"][data-participant="${bobSid}"]`)).toHaveCount(1);

  for (const [p, other] of [[alice, bob], [bob, alice]] as const) expect((await waitToSeeAndHear(p, [other])).ok).toBe(true);

  await freeTheDisk(host.page);
  await expect.poll(async () => bobJoined(await eventsIn(host.page, call.room))).toBe(true);
  await expect(warning).toBeHidden();
});
