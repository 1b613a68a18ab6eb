// What rooms report as they go, for whoever watches them (telemetry). Rooms call it; they never wait on it.
import type { ParticipantInfo, Room as RoomInfo, TrackInfo } from '@livekit/protocol';
import type { ReferenceGuard } from '../telemetry/reference-count';

export interface RoomObserver {
  roomStarted(room: RoomInfo): void;
  roomFinished(room: RoomInfo): void;
  /** A source (the participant's session, or one signal connection) holds the participant. */
  participantJoined(room: RoomInfo, p: ParticipantInfo, guard: ReferenceGuard): void;
  /** The participant's media connected for the first time; `migrated` when it took over an earlier session. */
  participantActive(room: RoomInfo, p: ParticipantInfo, guard: ReferenceGuard, migrated: boolean): void;
  participantResumed(room: RoomInfo, p: ParticipantInfo, guard: ReferenceGuard | null, why: string): void;
  /** A source lets go; `final` when the participant is gone for good. */
  participantLeft(room: RoomInfo, p: ParticipantInfo, guard: ReferenceGuard, final: boolean): void;
  trackPublished(room: RoomInfo, p: ParticipantInfo, track: TrackInfo): void;
  trackUnpublished(room: RoomInfo, p: ParticipantInfo, track: TrackInfo): void;
  trackSubscribed(room: RoomInfo, subscriber: ParticipantInfo, track: TrackInfo): void;
  trackUnsubscribed(room: RoomInfo, subscriber: ParticipantInfo, track: TrackInfo): void;
  trackSubscribeFailed(room: RoomInfo, subscriber: ParticipantInfo, trackSid: string, reason: string): void;
  trackMuted(room: RoomInfo, p: ParticipantInfo, track: TrackInfo, muted: boolean): void;
  /** A subscriber's copy of a simulcast track moved from one layer (0 = lowest) to another, and why. */
  trackLayerSwitched(room: RoomInfo, subscriber: ParticipantInfo, track: TrackInfo, from: number, to: number, reason: string): void;
}
