// Telemetry events, named and shaped as LiveKit's webhooks: each keeps the WebhookEvent JSON that webhook
// receivers get, beside the fields the store indexes.
import { type ParticipantInfo, type Room as RoomInfo, type TrackInfo, WebhookEvent } from '@livekit/protocol';
import type { TelemetryEvent, TelemetryEventName } from '../../src/shared/telemetry-records';
import { newSid } from '../ids';

export type { TelemetryEvent, TelemetryEventName };

/** LiveKit sends these to webhooks; the others are LiveKit analytics events, kept in the store only. */
export const WEBHOOK_EVENTS: ReadonlySet<TelemetryEventName> = new Set([
  'room_started', 'room_finished', 'participant_joined', 'participant_left', 'participant_connection_aborted',
  'track_published', 'track_unpublished',
]);

export interface EventSubject {
  room: RoomInfo;
  participant?: ParticipantInfo;
  track?: TrackInfo;
  trackSid?: string;
  detail?: string;
}

export function makeEvent(event: TelemetryEventName, subject: EventSubject, now: number): TelemetryEvent {
  const id = newSid('EV_');
  const webhook = new WebhookEvent({
    event,
    id,
    createdAt: BigInt(Math.floor(now / 1000)),
    room: subject.room,
    participant: subject.participant,
    track: subject.track,
  }).toJson() as Record<string, unknown>;
  return {
    id,
    event,
    at: now,
    roomSid: subject.room.sid,
    room: subject.room.name,
    participantSid: subject.participant?.sid ?? '',
    identity: subject.participant?.identity ?? '',
    trackSid: subject.track?.sid ?? subject.trackSid ?? '',
    detail: subject.detail ?? '',
    webhook,
  };
}
