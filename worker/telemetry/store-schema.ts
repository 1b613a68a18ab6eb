// The telemetry database's schema and its upgrades, one step per version, so that a database of any older version
// comes up to date when a newer host opens it. ARCHITECTURE.md, "Telemetry storage", documents it for readers.
import type { DBSchema, IDBPDatabase, IDBPTransaction, StoreNames } from 'idb';
import type { TelemetryEvent, TrackStatRecord, TrackSummary } from '../../src/shared/telemetry-records';

export const DB_NAME = 'tabsfu-telemetry';
export const DB_VERSION = 2;

export interface TelemetrySchema extends DBSchema {
  events: { key: number; value: TelemetryEvent; indexes: { at: number; room: [string, number]; participant: [string, number] } };
  stats: { key: number; value: TrackStatRecord; indexes: { at: number; track: [string, number]; room: [string, number] } };
  tracks: { key: string; value: TrackSummary; indexes: { lastAt: number } };
}

type UpgradeTransaction = IDBPTransaction<TelemetrySchema, StoreNames<TelemetrySchema>[], 'versionchange'>;

export async function upgrade(db: IDBPDatabase<TelemetrySchema>, oldVersion: number, tx: UpgradeTransaction): Promise<void> {
  if (oldVersion < 1) {
    const events = db.createObjectStore('events', { keyPath: 'seq', autoIncrement: true });
    events.createIndex('at', 'at');
    events.createIndex('room', ['room', 'at']);
    events.createIndex('participant', ['participantSid', 'at']);
    const stats = db.createObjectStore('stats', { keyPath: 'seq', autoIncrement: true });
    stats.createIndex('at', 'at');
    stats.createIndex('track', ['trackSid', 'at']);
    stats.createIndex('room', ['room', 'at']);
  }
  if (oldVersion < 2) {
    // version 2: one record per published track, so that finding what to chart does not read every stats record
    const tracks = db.createObjectStore('tracks', { keyPath: 'trackSid' });
    tracks.createIndex('lastAt', 'lastAt');
    let cursor = await tx.objectStore('stats').openCursor();
    const latest = new Map<string, TrackSummary>();
    while (cursor) {
      const s = cursor.value;
      if (s.direction === 'up') latest.set(s.trackSid, summaryOf(s));
      cursor = await cursor.continue();
    }
    for (const summary of latest.values()) await tx.objectStore('tracks').put(summary);
  }
}

/** What the `tracks` store keeps of a track, from one of its publisher's stats records. */
export function summaryOf(s: TrackStatRecord): TrackSummary {
  return { trackSid: s.trackSid, roomSid: s.roomSid, room: s.room, participantSid: s.participantSid, identity: s.identity, kind: s.kind, lastAt: s.at };
}
