// The host's telemetry, after LiveKit's telemetryservice.go: one stats worker per participant, opened and closed
// by reference from two sources (the participant's session and each signal connection), so that a resume, which
// closes one signal connection and opens another, never closes it; a closed worker is reaped after a delay, and
// one recreated on resume inherits whether the participant was connected. Events follow LiveKit's webhooks;
// participant_left goes out once per participant, and only for one that became active.
import type { ParticipantInfo, Room as RoomInfo, TrackInfo } from '@livekit/protocol';
import type { StatsWorkerView } from '../../src/shared/telemetry-records';
import type { RoomObserver } from '../rooms/room-observer';
import { type TelemetryEvent, type TelemetryEventName, type EventSubject, makeEvent } from './events';
import type { ReferenceGuard } from './reference-count';
import type { TrackStatRecord } from './stats-records';
import { StatsWorker } from './stats-worker';

export interface TelemetryOptions {
  /** How long a closed stats worker is kept before it is reaped. Default 3 minutes, as LiveKit. */
  reapAfterMs: number;
}

export const DEFAULT_TELEMETRY_OPTIONS: TelemetryOptions = { reapAfterMs: 3 * 60_000 };

/** Where events and stats go: the store, and the server for webhooks. */
export interface TelemetrySink {
  event(e: TelemetryEvent): void;
  stats(records: TrackStatRecord[]): void;
}

export class TelemetryService implements RoomObserver {
  private workers = new Map<string, StatsWorker>();
  /** Participants whose participant_left (or _connection_aborted) went out, by room and sid. */
  private ended = new Set<string>();

  constructor(
    private readonly sink: TelemetrySink,
    private readonly options: TelemetryOptions = DEFAULT_TELEMETRY_OPTIONS,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Every stats worker, closed ones awaiting the reaper included. */
  workerViews(): StatsWorkerView[] {
    return [...this.workers.values()].map((w) => ({ roomSid: w.roomSid, participantSid: w.participantSid, references: w.references, connected: w.connected, closedAt: w.closedAt }));
  }

  /** The live worker of a participant, if any (for the dashboard and tests). */
  worker(roomSid: string, participantSid: string): StatsWorker | undefined {
    return this.workers.get(key(roomSid, participantSid));
  }

  roomStarted(room: RoomInfo): void {
    this.emit('room_started', { room });
  }

  roomFinished(room: RoomInfo): void {
    this.emit('room_finished', { room });
    for (const k of this.ended) if (k.startsWith(`${room.sid}/`)) this.ended.delete(k);
  }

  participantJoined(room: RoomInfo, p: ParticipantInfo, guard: ReferenceGuard): void {
    this.workerFor(room.sid, p.sid, guard);
  }

  participantActive(room: RoomInfo, p: ParticipantInfo, guard: ReferenceGuard, migrated: boolean): void {
    // LiveKit's participant_joined webhook goes out when the participant becomes active, and not after a migration
    if (!migrated) this.emit('participant_joined', { room, participant: p });
    this.workerFor(room.sid, p.sid, guard).connected = true;
    this.emit('participant_active', { room, participant: p });
  }

  participantResumed(room: RoomInfo, p: ParticipantInfo, guard: ReferenceGuard | null, why: string): void {
    this.workerFor(room.sid, p.sid, guard);
    this.emit('participant_resumed', { room, participant: p, detail: why });
  }

  /** A source lets go of the participant; `final` when the participant is gone for good. */
  participantLeft(room: RoomInfo, p: ParticipantInfo, guard: ReferenceGuard, final: boolean): void {
    const w = this.workers.get(key(room.sid, p.sid));
    const connected = w?.connected ?? false;
    w?.close(guard, this.now());
    if (!final || this.ended.has(key(room.sid, p.sid))) return;
    this.ended.add(key(room.sid, p.sid));
    this.emit(connected ? 'participant_left' : 'participant_connection_aborted', { room, participant: p });
  }

  trackPublished(room: RoomInfo, p: ParticipantInfo, track: TrackInfo): void {
    this.emit('track_published', { room, participant: p, track });
  }

  trackUnpublished(room: RoomInfo, p: ParticipantInfo, track: TrackInfo): void {
    this.emit('track_unpublished', { room, participant: p, track });
  }

  trackSubscribed(room: RoomInfo, subscriber: ParticipantInfo, track: TrackInfo): void {
    this.emit('track_subscribed', { room, participant: subscriber, track });
  }

  trackUnsubscribed(room: RoomInfo, subscriber: ParticipantInfo, track: TrackInfo): void {
    this.emit('track_unsubscribed', { room, participant: subscriber, track });
  }

  trackLayerSwitched(room: RoomInfo, subscriber: ParticipantInfo, track: TrackInfo, from: number, to: number, reason: string): void {
    this.emit('track_layer_switched', { room, participant: subscriber, track, detail: `layer ${from} → ${to}: ${reason}` });
  }

  trackSubscribeFailed(room: RoomInfo, subscriber: ParticipantInfo, trackSid: string, reason: string): void {
    this.emit('track_subscribe_failed', { room, participant: subscriber, trackSid, detail: reason });
  }

  trackMuted(room: RoomInfo, p: ParticipantInfo, track: TrackInfo, muted: boolean): void {
    this.emit(muted ? 'track_muted' : 'track_unmuted', { room, participant: p, track });
  }

  /** A track's stats for the last interval, held by the participant's worker until the next flush. */
  trackStats(record: TrackStatRecord): void {
    this.workers.get(key(record.roomSid, record.participantSid))?.record(record);
  }

  /** Hands every worker's stats to the sink and reaps the workers closed long enough ago. */
  flush(): void {
    const now = this.now();
    const stats: TrackStatRecord[] = [];
    for (const [k, w] of this.workers) {
      const out = w.flush(now, this.options.reapAfterMs);
      stats.push(...out.stats);
      if (out.reap) this.workers.delete(k);
    }
    if (stats.length) this.sink.stats(stats);
  }

  /** LiveKit's getOrCreateWorker: a closed worker is replaced, and its replacement keeps its connected state. */
  private workerFor(roomSid: string, participantSid: string, guard: ReferenceGuard | null): StatsWorker {
    const k = key(roomSid, participantSid);
    const existing = this.workers.get(k);
    if (existing && !existing.closed(guard)) return existing;
    const w = new StatsWorker(roomSid, participantSid, guard);
    w.connected = existing?.connected ?? false;
    this.workers.set(k, w);
    return w;
  }

  private emit(event: TelemetryEventName, subject: EventSubject): void {
    this.sink.event(makeEvent(event, subject, this.now()));
  }
}

function key(roomSid: string, participantSid: string): string {
  return `${roomSid}/${participantSid}`;
}
