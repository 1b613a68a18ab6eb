// What a participant needs from its room and from the host around it.
import type { PayloadNumbering } from '../../src/shared/payload-numbering';
import type { Remote } from 'comlink';
import type { Room as RoomInfo, TrackInfo } from '@livekit/protocol';
import type { HostSettings, PeerCommands } from '../../src/shared/host-bridge';
import type { Forwarder } from '../media/forwarder';
import type { UpTrack } from '../media/up-track';
import type { RoomTrackManager } from '../tracks/room-track-manager';
import type { Participant } from './participant';
import type { AddressedPacket } from '../data/data-in';
import type { RoomObserver } from './room-observer';
import type { AudioLevelTap } from '../speakers/audio-level-tap';

export interface HostServices {
  commands: Remote<PeerCommands>;
  forwarder: Forwarder;
  settings: HostSettings;
  /** Told what happens in rooms (telemetry); never waited on. */
  observer: RoomObserver;
  /** Routes the forwarder's audio levels to the rooms' speaker detectors. */
  audioLevels: AudioLevelTap;
  /**
   * How the page's browser numbers codecs, when the host serves the single-connection path (`/rtc/v1`); null when
   * it does not. Publishers are then answered with these numbers (worker/sdp/host-numbers.ts).
   */
  numbering: PayloadNumbering | null;
}

export interface RoomContext extends HostServices {
  tracks: RoomTrackManager<UpTrack>;
  /** The room as LiveKit describes it (for events). */
  info(): RoomInfo;
  trackInfo(track: UpTrack): TrackInfo;
  /** A participant in the room by sid. */
  bySid(sid: string): Participant | undefined;
  /** A track's media started: add it to the track manager, tell everyone, subscribe who wants it. */
  publish(publisher: Participant, track: UpTrack): void;
  unpublish(publisher: Participant, track: UpTrack): void;
  /** Something others see about this participant changed (state, mute, metadata). */
  participantChanged(p: Participant): void;
  /** Whether the track's publisher lets `subscriber` have it. */
  allows(track: UpTrack, subscriber: Participant): boolean;
  /** A publisher changed its subscription permissions. */
  permissionsChanged(publisher: Participant): void;
  /** What subscribers want of simulcast tracks may have changed (settings): tell publishers (dynacast). */
  layersWantedChanged(): void;
  /** Sends a participant's data packet to the others it is addressed to. */
  deliverData(from: Participant, packet: AddressedPacket): void;
}
