// Turns the host's model into LiveKit protocol messages. Only this file and the session know the wire shapes.
import {
  ConnectionQuality,
  ConnectionQualityInfo,
  ConnectionQualityUpdate,
  DisconnectReason,
  SpeakerInfo,
  SpeakersChanged,
  ParticipantInfo,
  ParticipantInfo_Kind,
  ParticipantInfo_State,
  ParticipantPermission,
  Room as RoomInfo,
  ServerInfo,
  ServerInfo_Edition,
  SimulcastCodecInfo,
  TrackInfo,
  TrackSource,
  TrackType,
} from '@livekit/protocol';
import type { VideoGrants } from '../../src/shared/relay-protocol';
import type { UpTrack } from '../media/up-track';
import type { Speaker } from '../speakers/speaker-detector';
import type { Quality } from '../quality/quality-scorer';
import type { QualityReport } from '../quality/room-quality';

/**
 * The LiveKit server version whose client-visible behaviour tabsfu follows. livekit-client gates features on
 * it (RPC needs 1.8.0 or later), so it is a LiveKit version, not tabsfu's own; nodeId names tabsfu.
 */
export const COMPATIBLE_LIVEKIT_VERSION = '1.9.0';
export const SIGNAL_PROTOCOL = 16;

export function serverInfo(hostId: string, tabsfuVersion: string): ServerInfo {
  return new ServerInfo({
    edition: ServerInfo_Edition.Standard,
    version: COMPATIBLE_LIVEKIT_VERSION,
    protocol: SIGNAL_PROTOCOL,
    region: 'tab',
    nodeId: `tabsfu-${tabsfuVersion}-${hostId}`,
  });
}

export function trackInfo(t: UpTrack): TrackInfo {
  const i = t.info;
  return new TrackInfo({
    sid: t.sid,
    type: i.kind === 'video' ? TrackType.VIDEO : TrackType.AUDIO,
    name: i.name,
    muted: i.muted,
    width: i.width,
    height: i.height,
    // the host forwards one layer; see README "What does not work yet"
    simulcast: false,
    source: i.source,
    layers: i.layers,
    mimeType: t.mimeType,
    mid: t.mid,
    stream: i.stream,
    encryption: i.encryption,
    codecs: t.mimeType ? [new SimulcastCodecInfo({ mimeType: t.mimeType, mid: t.mid, cid: i.cid, layers: i.layers })] : [],
  });
}

const SOURCE_BY_NAME: Record<string, TrackSource> = {
  camera: TrackSource.CAMERA,
  microphone: TrackSource.MICROPHONE,
  screen_share: TrackSource.SCREEN_SHARE,
  screen_share_audio: TrackSource.SCREEN_SHARE_AUDIO,
};

export function permission(g: VideoGrants): ParticipantPermission {
  return new ParticipantPermission({
    canSubscribe: g.canSubscribe,
    canPublish: g.canPublish,
    canPublishData: g.canPublishData,
    canPublishSources: g.canPublishSources.map((s) => SOURCE_BY_NAME[s]).filter((s) => s !== undefined),
    hidden: g.hidden,
    canUpdateMetadata: g.canUpdateOwnMetadata,
  });
}

export interface ParticipantFacts {
  sid: string;
  identity: string;
  name: string;
  metadata: string;
  attributes: Record<string, string>;
  state: ParticipantInfo_State;
  joinedAtMs: number;
  version: number;
  grants: VideoGrants;
  tracks: UpTrack[];
  clientProtocol: number;
  /** Why it left, once it has (LiveKit's ParticipantInfo.disconnectReason; livekit-client's ParticipantDisconnected reason). */
  disconnectReason?: DisconnectReason;
}

export function participantInfo(p: ParticipantFacts): ParticipantInfo {
  return new ParticipantInfo({
    sid: p.sid,
    identity: p.identity,
    name: p.name,
    metadata: p.metadata,
    attributes: p.attributes,
    state: p.state,
    tracks: p.tracks.map(trackInfo),
    joinedAt: BigInt(Math.floor(p.joinedAtMs / 1000)),
    joinedAtMs: BigInt(Math.floor(p.joinedAtMs)),
    version: p.version,
    permission: permission(p.grants),
    isPublisher: p.tracks.length > 0,
    kind: ParticipantInfo_Kind.STANDARD,
    clientProtocol: p.clientProtocol,
    disconnectReason: p.disconnectReason ?? DisconnectReason.UNKNOWN_REASON,
  });
}

export interface RoomFacts {
  sid: string;
  name: string;
  emptyTimeout: number;
  departureTimeout: number;
  maxParticipants: number;
  createdAtMs: number;
  numParticipants: number;
  numPublishers: number;
  /** Set by the server API (CreateRoom, UpdateRoomMetadata); clients see it as room.metadata. */
  metadata: string;
}

export function roomInfo(r: RoomFacts): RoomInfo {
  return new RoomInfo({
    sid: r.sid,
    name: r.name,
    emptyTimeout: r.emptyTimeout,
    departureTimeout: r.departureTimeout,
    maxParticipants: r.maxParticipants,
    creationTime: BigInt(Math.floor(r.createdAtMs / 1000)),
    creationTimeMs: BigInt(Math.floor(r.createdAtMs)),
    numParticipants: r.numParticipants,
    numPublishers: r.numPublishers,
    metadata: r.metadata,
  });
}

export function speakersChanged(speakers: Speaker[]): SpeakersChanged {
  return new SpeakersChanged({ speakers: speakers.map((s) => new SpeakerInfo({ sid: s.sid, level: s.level, active: s.active })) });
}

const QUALITY: Record<Quality, ConnectionQuality> = {
  excellent: ConnectionQuality.EXCELLENT,
  good: ConnectionQuality.GOOD,
  poor: ConnectionQuality.POOR,
  lost: ConnectionQuality.LOST,
};

export function connectionQualityUpdate(reports: QualityReport[]): ConnectionQualityUpdate {
  return new ConnectionQualityUpdate({ updates: reports.map((r) => new ConnectionQualityInfo({ participantSid: r.participantSid, quality: QUALITY[r.quality], score: r.score })) });
}

export { ParticipantInfo_State };
