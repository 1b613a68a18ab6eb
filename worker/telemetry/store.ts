// Telemetry in IndexedDB (through idb), written by the host worker: events and per-track stats, batched into one
// transaction per flush, kept within an age and a size, and read back by the dashboard. Schema: store-schema.ts,
// and ARCHITECTURE.md, "Telemetry storage".
import { type IDBPDatabase, openDB } from 'idb';
import type { EventQuery, StoreStatus, TelemetryEvent, TrackStatRecord, TrackSummary } from '../../src/shared/telemetry-records';
import { DB_NAME, DB_VERSION, type TelemetrySchema, summaryOf, upgrade } from './store-schema';

type Counted = 'events' | 'stats';

export interface StoreOptions {
  /** How often buffered records are written, one transaction per flush. Default 2000 ms. */
  flushMs: number;
  /** Records older than this are pruned. Default 7 days. */
  maxAgeMs: number;
  /** At most this many events are kept; the oldest go first. Default 100,000. */
  maxEvents: number;
  /**
   * At most this many stats records are kept; the oldest go first. Default 500,000: about 700 MB on disk at the
   * 1.4 KB a record measured, or some 115 participant-hours of three-person calls at the 5 s interval.
   */
  maxStats: number;
  /** Records held in memory while writes fail (a full disk); beyond it the oldest are dropped. Default 100,000. */
  memoryLimit: number;
}

export const DEFAULT_STORE_OPTIONS: StoreOptions = { flushMs: 2000, maxAgeMs: 7 * 24 * 3600_000, maxEvents: 100_000, maxStats: 500_000, memoryLimit: 100_000 };

export class TelemetryStore {
  private events: TelemetryEvent[] = [];
  private stats: TrackStatRecord[] = [];
  /** Tracks whose summary changed since the last write. */
  private tracks = new Map<string, TrackSummary>();
  /** Records in each store, counted at open and kept up to date, so that pruning never counts them again. */
  private stored: Record<Counted, number> = { events: 0, stats: 0 };
  private status: StoreStatus = { written: 0, flushes: 0, lastFlushMs: 0, pending: 0, droppedFromMemory: 0, quotaExceeded: false, lastError: '', usageBytes: 0, quotaBytes: 0 };
  private flushing = false;
  private timers: ReturnType<typeof setInterval>[] = [];

  private constructor(private readonly db: IDBPDatabase<TelemetrySchema>, private readonly options: StoreOptions) {}

  static async open(options: StoreOptions = DEFAULT_STORE_OPTIONS): Promise<TelemetryStore> {
    const db = await openDB<TelemetrySchema>(DB_NAME, DB_VERSION, { upgrade: (db, oldVersion, _newVersion, tx) => upgrade(db, oldVersion, tx) });
    const store = new TelemetryStore(db, options);
    store.stored = { events: await db.count('events'), stats: await db.count('stats') };
    // a host that was closed a while starts by letting go of what its limits no longer allow
    await store.prune(Date.now());
    store.timers.push(setInterval(() => void store.flush(), options.flushMs));
    store.timers.push(setInterval(() => void store.prune(Date.now()), 60_000));
    return store;
  }

  addEvent(e: TelemetryEvent): void {
    this.events.push(e);
    this.bound();
  }

  addStats(records: TrackStatRecord[]): void {
    for (const r of records) {
      this.stats.push(r);
      if (r.direction === 'up') this.tracks.set(r.trackSid, summaryOf(r));
    }
    this.bound();
  }

  /** Writes everything buffered in one transaction; on failure keeps it for the next flush. */
  async flush(): Promise<void> {
    if (this.flushing || (!this.events.length && !this.stats.length)) return;
    this.flushing = true;
    const events = this.events;
    const stats = this.stats;
    const tracks = this.tracks;
    this.events = [];
    this.stats = [];
    this.tracks = new Map();
    const started = performance.now();
    try {
      const tx = this.db.transaction(['events', 'stats', 'tracks'], 'readwrite');
      // every request's promise is awaited, so that an aborted transaction is one error, not one per record
      await Promise.all([
        ...events.map((e) => tx.objectStore('events').add(e)),
        ...stats.map((r) => tx.objectStore('stats').add(r)),
        ...[...tracks.values()].map((t) => tx.objectStore('tracks').put(t)),
        tx.done,
      ]);
      this.stored.events += events.length;
      this.stored.stats += stats.length;
      this.status.written += events.length + stats.length;
      this.status.flushes++;
      this.status.lastFlushMs = performance.now() - started;
      this.status.quotaExceeded = false;
      this.status.lastError = '';
    } catch (e) {
      // keep what failed, ahead of what arrived meanwhile, and make room on disk for the next attempt
      this.events = [...events, ...this.events];
      this.stats = [...stats, ...this.stats];
      for (const [sid, t] of tracks) if (!this.tracks.has(sid)) this.tracks.set(sid, t);
      const err = e as DOMException;
      this.status.quotaExceeded = err?.name === 'QuotaExceededError';
      this.status.lastError = `${err?.name ?? 'Error'}: ${err?.message ?? String(e)}`;
      this.bound();
      if (this.status.quotaExceeded) await this.prune(Date.now(), 0.5).catch(() => {});
    } finally {
      this.flushing = false;
      this.status.pending = this.events.length + this.stats.length;
    }
  }

  /** Deletes what is older than the age limit, then the oldest beyond the size limits (times `share`). */
  async prune(now: number, share = 1): Promise<void> {
    const cutoff = now - this.options.maxAgeMs;
    for (const name of ['events', 'stats'] as const) {
      const max = Math.floor((name === 'events' ? this.options.maxEvents : this.options.maxStats) * share);
      const tx = this.db.transaction(name, 'readwrite');
      try {
        // oldest first: all that is past the age limit, then as many as the store is over its size limit
        let cursor = await tx.store.index('at').openCursor();
        while (cursor && (cursor.value.at <= cutoff || this.stored[name] > max)) {
          void cursor.delete();
          this.stored[name]--;
          cursor = await cursor.continue();
        }
        await tx.done;
      } catch {
        this.stored[name] = await this.db.count(name);
      }
    }
    const tx = this.db.transaction('tracks', 'readwrite');
    let cursor = await tx.store.index('lastAt').openCursor(IDBKeyRange.upperBound(cutoff));
    while (cursor) {
      void cursor.delete();
      cursor = await cursor.continue();
    }
    await tx.done;
  }

  async queryEvents(q: EventQuery): Promise<TelemetryEvent[]> {
    const limit = q.limit ?? 500;
    const index = q.participantSid ? 'participant' : q.room ? 'room' : 'at';
    const range =
      index === 'participant' ? IDBKeyRange.bound([q.participantSid!, 0], [q.participantSid!, Infinity])
        : index === 'room' ? IDBKeyRange.bound([q.room!, 0], [q.room!, Infinity])
          : undefined;
    const out: TelemetryEvent[] = [];
    let cursor = await this.db.transaction('events').store.index(index).openCursor(range, 'prev');
    while (cursor && out.length < limit) {
      if (!q.room || cursor.value.room === q.room) out.push(cursor.value);
      cursor = await cursor.continue();
    }
    // events still in memory are part of the answer too (a full disk must not hide them)
    const pending = this.events.filter((e) => (!q.room || e.room === q.room) && (!q.participantSid || e.participantSid === q.participantSid));
    return [...pending.reverse(), ...out].slice(0, limit);
  }

  async queryStats(trackSid: string, since: number): Promise<TrackStatRecord[]> {
    const stored = await this.db.getAllFromIndex('stats', 'track', IDBKeyRange.bound([trackSid, since], [trackSid, Infinity]));
    return [...stored, ...this.stats.filter((s) => s.trackSid === trackSid && s.at >= since)];
  }

  /** Tracks with stats since `since`, newest first, for the dashboard's picker. */
  async recentTracks(since: number): Promise<TrackSummary[]> {
    const found = new Map<string, TrackSummary>();
    for (const t of await this.db.getAllFromIndex('tracks', 'lastAt', IDBKeyRange.lowerBound(since))) found.set(t.trackSid, t);
    for (const t of this.tracks.values()) if (t.lastAt >= since) found.set(t.trackSid, t);
    return [...found.values()].sort((a, b) => b.lastAt - a.lastAt);
  }

  /** Every stored record as NDJSON (one per line, `type` first) or one JSON document. */
  async export(format: 'ndjson' | 'json'): Promise<string> {
    await this.flush();
    const events = await this.db.getAll('events');
    const stats = await this.db.getAll('stats');
    if (format === 'json') return JSON.stringify({ database: DB_NAME, version: DB_VERSION, events, stats });
    const lines = [...events.map((e) => JSON.stringify({ type: 'event', ...e })), ...stats.map((s) => JSON.stringify({ type: 'stat', ...s }))];
    return lines.join('\n') + (lines.length ? '\n' : '');
  }

  async clear(): Promise<void> {
    this.events = [];
    this.stats = [];
    this.tracks.clear();
    const tx = this.db.transaction(['events', 'stats', 'tracks'], 'readwrite');
    await Promise.all([tx.objectStore('events').clear(), tx.objectStore('stats').clear(), tx.objectStore('tracks').clear(), tx.done]);
    this.stored = { events: 0, stats: 0 };
  }

  async currentStatus(): Promise<StoreStatus> {
    const estimate = await navigator.storage?.estimate?.().catch(() => null);
    this.status.usageBytes = estimate?.usage ?? 0;
    this.status.quotaBytes = estimate?.quota ?? 0;
    this.status.pending = this.events.length + this.stats.length;
    return { ...this.status };
  }

  close(): void {
    for (const t of this.timers) clearInterval(t);
    this.db.close();
  }

  /** Keeps memory bounded while writes fail: the oldest stats go first, then the oldest events. */
  private bound(): void {
    let over = this.events.length + this.stats.length - this.options.memoryLimit;
    if (over <= 0) return;
    const fromStats = Math.min(over, this.stats.length);
    this.stats.splice(0, fromStats);
    over -= fromStats;
    if (over > 0) this.events.splice(0, over);
    this.status.droppedFromMemory += fromStats + Math.max(0, over);
  }
}
