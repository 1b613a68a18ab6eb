// The worker's telemetry as one part: the service that rooms report to, the store it writes, the collector that
// turns each stats round into records, and webhooks handed to the server. With telemetry off, rooms report to
// nobody and stats rounds are not recorded.
import type { HostSettings, PeerStatsSample } from '../../src/shared/host-bridge';
import type { TrackSummary, EventQuery, TelemetryEvent, TelemetryStatus, TrackStatRecord } from '../../src/shared/telemetry-records';
import { logger } from '../log';
import type { Forwarder } from '../media/forwarder';
import type { Room } from '../rooms/room';
import type { RoomObserver } from '../rooms/room-observer';
import { WEBHOOK_EVENTS } from './events';
import { StatsCollector } from './stats-collector';
import { DEFAULT_STORE_OPTIONS, TelemetryStore } from './store';
import { TelemetryService } from './telemetry-service';

const log = logger('telemetry');

export class TelemetryDisabledError extends Error {
  override name = 'TelemetryDisabledError';
}

export interface TelemetryDeps {
  forwarder: Forwarder;
  settings: HostSettings;
  rooms: () => Room[];
  sendWebhook: (body: string) => void;
}

const NOBODY: RoomObserver = {
  roomStarted() {}, roomFinished() {}, participantJoined() {}, participantActive() {}, participantResumed() {},
  participantLeft() {}, trackPublished() {}, trackUnpublished() {}, trackSubscribed() {}, trackUnsubscribed() {},
  trackSubscribeFailed() {}, trackMuted() {}, trackLayerSwitched() {},
};

export class Telemetry {
  private webhooksSent = 0;
  private eventCount = 0;
  private collector: StatsCollector | null = null;
  private service: TelemetryService | null = null;

  private constructor(private readonly store: TelemetryStore | null) {}

  static async start(deps: TelemetryDeps): Promise<Telemetry> {
    if (!deps.settings.telemetry) return new Telemetry(null);
    let store: TelemetryStore | null = null;
    try {
      store = await TelemetryStore.open({ ...DEFAULT_STORE_OPTIONS, maxAgeMs: deps.settings.retentionDays * 24 * 3600_000, maxStats: deps.settings.maxStatsRecords });
    } catch (e) {
      // without IndexedDB (a private window may refuse it) events still reach webhooks
      log.error(`telemetry is not stored: IndexedDB did not open (${(e as Error).message})`);
    }
    const t = new Telemetry(store);
    t.service = new TelemetryService(
      {
        event: (e) => t.event(e, deps.sendWebhook),
        stats: (records) => t.stats(records),
      },
      { reapAfterMs: deps.settings.reapAfterMs },
    );
    // fed by the host's stats rounds (StatsRounds), on a timer outside any frame's path
    t.collector = new StatsCollector(deps.forwarder, deps.rooms, t.service);
    log.info(`telemetry on: stats every ${deps.settings.statsIntervalMs} ms, ${store ? 'stored in IndexedDB' : 'not stored'}`);
    return t;
  }

  /** A stats round's samples; recorded only with telemetry on. */
  statsRound(samples: PeerStatsSample[], pageMs: number): void {
    this.collector?.take(samples, pageMs);
  }

  get observer(): RoomObserver {
    return this.service ?? NOBODY;
  }

  status = async (): Promise<TelemetryStatus> => ({
    enabled: this.service !== null,
    store: this.store ? await this.store.currentStatus() : null,
    rounds: this.collector?.cost.rounds ?? 0,
    workerMs: this.collector?.cost.workerMs ?? 0,
    pageMs: this.collector?.cost.pageMs ?? 0,
    events: this.eventCount,
    statsWorkers: this.service?.workerViews() ?? [],
    webhooksSent: this.webhooksSent,
    connections: this.collector?.connections ?? [],
  });

  events = (q: EventQuery): Promise<TelemetryEvent[]> => this.stored().queryEvents(q);
  trackStats = (trackSid: string, since: number): Promise<TrackStatRecord[]> => this.stored().queryStats(trackSid, since);
  tracks = (since: number): Promise<TrackSummary[]> => this.stored().recentTracks(since);
  exportAll = (format: 'ndjson' | 'json'): Promise<string> => this.stored().export(format);
  clear = (): Promise<void> => this.stored().clear();
  /** Writes what is buffered now (a host about to reload, the benchmark). */
  flush = async (): Promise<void> => {
    await this.store?.flush();
  };

  private event(e: TelemetryEvent, sendWebhook: (body: string) => void): void {
    this.eventCount++;
    this.store?.addEvent(e);
    if (WEBHOOK_EVENTS.has(e.event)) {
      sendWebhook(JSON.stringify(e.webhook));
      this.webhooksSent++;
    }
  }

  private stats(records: TrackStatRecord[]): void {
    this.store?.addStats(records);
  }

  private stored(): TelemetryStore {
    if (!this.store) throw new TelemetryDisabledError(this.service ? 'telemetry is on but IndexedDB did not open' : 'telemetry is off (?telemetry=off)');
    return this.store;
  }
}
