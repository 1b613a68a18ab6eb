// Reads telemetry the way a person with devtools or a script would: straight from the host origin's IndexedDB,
// by the schema in ARCHITECTURE.md; and the stats workers' state from the dashboard.
import type { Page } from '@playwright/test';
import type { TelemetryEvent, TrackStatRecord } from '../../../src/shared/telemetry-records';

/** Every record in one store of the `tabsfu-telemetry` database. */
function readStore<T>(hostPage: Page, store: 'events' | 'stats'): Promise<T[]> {
  return hostPage.evaluate(
    (name) =>
      new Promise<T[]>((resolve, reject) => {
        const open = indexedDB.open('tabsfu-telemetry');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const get = db.transaction(name).objectStore(name).getAll();
          get.onsuccess = () => { db.close(); resolve(get.result as T[]); };
          get.onerror = () => reject(get.error);
        };
      }),
    store,
  );
}

export const storedEvents = (hostPage: Page) => readStore<TelemetryEvent>(hostPage, 'events');
export const storedStats = (hostPage: Page) => readStore<TrackStatRecord>(hostPage, 'stats');

/** Stored events of one room, as `event participantSid` pairs in order, for comparing sequences. */
export async function eventsIn(hostPage: Page, room: string): Promise<TelemetryEvent[]> {
  return (await storedEvents(hostPage)).filter((e) => e.room === room).sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
}

export function count(events: TelemetryEvent[], event: string, participantSid: string): number {
  return events.filter((e) => e.event === event && e.participantSid === participantSid).length;
}

/** The dashboard's line for a participant's stats worker: references and whether it closed. */
export async function statsWorkerOf(hostPage: Page, participantSid: string): Promise<{ references: number; closed: boolean } | null> {
  const li = hostPage.locator(`[data-testid="stats-workers"] li[data-participant="${participantSid}"]`);
  if (!(await li.count())) return null;
  return { references: Number(await li.getAttribute('data-references')), closed: (await li.getAttribute('data-closed')) === 'true' };
}
