// What telemetry stores and the dashboard reads: the records in IndexedDB and the questions the page asks the
// worker about them. The worker writes; the page only reads, through the WorkerApi.
import type { MediaKind } from './host-bridge';

export type TelemetryEventName =
  | 'room_started'
  | 'room_finished'
  | 'participant_joined'
  | 'participant_active'
  | 'participant_resumed'
  | 'participant_left'
  | 'participant_connection_aborted'
  | 'track_published'
  | 'track_unpublished'
  | 'track_subscribed'
  | 'track_unsubscribed'
  | 'track_subscribe_failed'
  | 'track_muted'
  | 'track_unmuted'
  /** tabsfu's own: a subscriber's copy of a simulcast track changed layers (detail: from, to, why). */
  | 'track_layer_switched';

/** Who and what a record is about: the fields both stores index and filter by. */
interface RecordSubject {
  /** Epoch ms: when the event happened, or the end of a stats interval. */
  at: number;
  roomSid: string;
  room: string;
  /** For stats, whose stats worker holds the record: the publisher for `up`, the subscriber for `down`. */
  participantSid: string;
  identity: string;
  /** Empty for events about no track. */
  trackSid: string;
  /** The store's key, once written. */
  seq?: number;
}

/** One event, as stored in the `events` store. */
export interface TelemetryEvent extends RecordSubject {
  /** EV_… as LiveKit's event ids. */
  id: string;
  event: TelemetryEventName;
  /** Why, where it applies (a failed subscription, a resume). */
  detail: string;
  /** The event as LiveKit's WebhookEvent JSON. */
  webhook: Record<string, unknown>;
}

/** One track in one direction over one interval, as stored in the `stats` store. */
export interface TrackStatRecord extends RecordSubject {
  kind: MediaKind;
  /** `up`: from the publisher to the host; `down`: from the host to this subscriber. */
  direction: 'up' | 'down';
  bitrateKbps: number;
  packets: number;
  packetsLost: number;
  lossPercent: number;
  jitterMs: number;
  rttMs: number;
  /** Frames decoded by the host (`up`) or forwarded to the subscriber (`down`) in the interval. */
  frames: number;
  fps: number;
  width: number;
  height: number;
  keyframes: number;
  plis: number;
  nacks: number;
  /**
   * `down` only (0 for `up`): how long this stream's packets waited in the host's send queue (pacer), ms per packet
   * over the interval, and the subscriber connection's outgoing bandwidth estimate at its end, kbit/s. A queue that
   * builds shows here first. Absent from records written before they were added.
   */
  sendDelayMs?: number;
  estimateKbps?: number;
  /** `down` of a simulcast track only: the layer the subscriber received at the end of the interval, 0 = lowest. */
  layer?: number;
  /**
   * `down` of a track with temporal layers that the subscriber is not sent all of: the highest temporal layer it gets
   * (0 = base only). Absent when it gets every frame.
   */
  temporalLayer?: number;
}

/** A subscriber connection over the last stats interval: what the host forwards to it and whether it queues. */
export interface DownConnectionView {
  roomSid: string;
  room: string;
  participantSid: string;
  identity: string;
  /** Epoch ms of the end of the interval. */
  at: number;
  /** The connection's outgoing bandwidth estimate, kbit/s (0 when Chromium does not know it yet). */
  estimateKbps: number;
  /** Everything forwarded to it, audio and video, kbit/s. */
  forwardedKbps: number;
  /** Its video packets' mean wait in the host's send queue, ms per packet. */
  sendDelayMs: number;
}

export interface EventQuery {
  room?: string;
  participantSid?: string;
  /** Newest first, at most this many. Default 500. */
  limit?: number;
}

/** A published track, as the `tracks` store keeps it (one record a track): what the dashboard can chart. */
export interface TrackSummary {
  trackSid: string;
  roomSid: string;
  room: string;
  /** The publisher. */
  participantSid: string;
  identity: string;
  kind: MediaKind;
  /** Epoch ms of its latest stats record. */
  lastAt: number;
}

export interface StoreStatus {
  /** Records written since the worker started. */
  written: number;
  flushes: number;
  /** Duration of the last flush's transaction, ms. */
  lastFlushMs: number;
  /** Records waiting in memory for the next flush. */
  pending: number;
  /** Records dropped from memory because writes kept failing. */
  droppedFromMemory: number;
  /** The last write hit the storage quota (the disk or the browser's limit); records wait in memory. */
  quotaExceeded: boolean;
  lastError: string;
  usageBytes: number;
  quotaBytes: number;
}

export interface TelemetryStatus {
  enabled: boolean;
  store: StoreStatus | null;
  /** Stats rounds taken, and their cost: worker ms building records, page ms in getStats(). */
  rounds: number;
  workerMs: number;
  pageMs: number;
  /** Events recorded since the worker started: the dashboard reads the timeline again when it changes. */
  events: number;
  /** Every stats worker, closed ones the reaper has not taken yet included. */
  statsWorkers: StatsWorkerView[];
  webhooksSent: number;
  /** Each subscriber connection as of the latest stats round. */
  connections: DownConnectionView[];
}

/** One participant's stats worker, as the dashboard shows it. */
export interface StatsWorkerView {
  roomSid: string;
  participantSid: string;
  /** Sources holding it open: the participant's session and each of its signal connections. */
  references: number;
  connected: boolean;
  /** Epoch ms it closed at; null while open. */
  closedAt: number | null;
}
