// The typed bridge between the host page (which owns the RTCPeerConnections, since workers have none) and the
// host worker (which owns everything else). Both directions go through comlink; no frame ever crosses it.
import type { IceServerConfig } from './relay-protocol';
import type { PayloadNumbering } from './payload-numbering';
import type { TrackSummary, EventQuery, TelemetryEvent, TelemetryStatus, TrackStatRecord } from './telemetry-records';

/** "up" is the participant's publisher connection (media to the host); "down" its subscriber connection. */
export type PeerSide = 'up' | 'down';

/** How forwarded frames reach a subscriber's sender. See ARCHITECTURE.md, "Forwarding routes". */
export type RouteName = 'encoded-streams' | 'decoy';

export type MediaKind = 'audio' | 'video';

/** IceCandidateJson and PeerState, spelled out because workers' type library lacks them. */
export interface IceCandidateJson {
  candidate?: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
  usernameFragment?: string | null;
}
export type PeerState = 'new' | 'connecting' | 'connected' | 'disconnected' | 'failed' | 'closed';

/** Options of RTCRtpScriptTransforms the page creates; the worker's rtctransform handler reads them. */
export type TransformOptions =
  /** `layer`: the simulcast layer this receiver gets, 0 = lowest (0 when not simulcast). */
  | { role: 'up'; pid: string; trackSid: string; layer: number }
  | { role: 'decoy'; pid: string; slot: number };

/** A codec as the publisher negotiated it; subscribers must use the same one, with the same payload type. */
export interface CodecChoice {
  /** e.g. video/VP8, audio/opus */
  mimeType: string;
  /** a=fmtp parameters, which tell H.264 profiles apart; empty when none. */
  fmtp: string;
}

export interface DownOffer {
  sdp: string;
  /** The mid each slot's transceiver got, by slot number. */
  mids: Record<number, string>;
}

/** Commands the worker gives the page. Every method acts on the connections of one participant (`pid`). */
export interface PeerCommands {
  /** STUN/TURN servers for the host's connections, from the server's welcome: new ones use them, open ones switch. */
  setIceServers(servers: IceServerConfig[], policy: 'all' | 'relay'): void;
  /** Creates the subscriber connection with its `_reliable` and `_lossy` data channels. */
  openDown(pid: string): Promise<void>;
  /** Adds a sendonly slot (transceiver) whose frames the worker writes; resolves once the worker holds its streams. */
  addDownSlot(pid: string, slot: number, kind: MediaKind, route: RouteName): Promise<void>;
  /** Activates a slot for the publisher's codec, or parks it (null) for reuse. */
  setDownSlot(pid: string, slot: number, codec: CodecChoice | null): Promise<void>;
  offerDown(pid: string, iceRestart: boolean): Promise<DownOffer>;
  /**
   * Makes GoogCC probe the subscriber connection towards `bps`, by raising the `maxBitrate` of the
   * video sender that carries the probe track (src/host/probe-track.ts). Does nothing without a sending video slot.
   */
  probeDown(pid: string, bps: number): Promise<void>;
  acceptDownAnswer(pid: string, sdp: string): Promise<void>;
  /**
   * Applies a publisher offer and returns the answer; `upTracks` maps mids to the transforms to attach, and
   * `videoCodecs` mids to the video codecs (mime types) the answer prefers, in order, before any other offered.
   */
  answerUp(pid: string, offerSdp: string, upTracks: Record<string, TransformOptions>, videoCodecs: Record<string, string[]>): Promise<string>;
  /**
   * The single-connection path (`/rtc/v1`): applies the client's offer to the participant's one connection (made on
   * first use). As `answerUp` for what the client sends; the receive-only sections named in `newSlots` (mid → slot)
   * become parked slots, whose streams reach the worker (attachDownStreams) before this resolves.
   */
  applySingleOffer(pid: string, offerSdp: string, upTracks: Record<string, TransformOptions>, videoCodecs: Record<string, string[]>, newSlots: Record<string, number>): Promise<void>;
  /** Answers the offer applySingleOffer applied, with the slots as setDownSlot left them. */
  answerSingle(pid: string): Promise<string>;
  /** How this browser numbers codecs (an offer of its own): what single-connection clients must match. */
  payloadNumbering(): Promise<PayloadNumbering>;
  addRemoteCandidate(pid: string, side: PeerSide, candidate: IceCandidateJson): Promise<void>;
  closePeers(pid: string): void;
  /** Sends one data packet to each participant's subscriber channel of that label (`_reliable`, `_lossy`). */
  sendData(pids: string[], label: string, payload: Uint8Array<ArrayBuffer>): void;
  /** Reads getStats() of every open connection, for telemetry and connection quality. */
  collectStats(): Promise<PeerStatsSample[]>;
}

/** Settings the host page passes to its worker. */
export interface HostSettings {
  /** Default 'encoded-streams'. Host page URL: ?route=decoy */
  route: RouteName;
  /** How often the page reads subscribers' keyframe requests from getStats(). Default 250 ms. ?keyframePollMs= */
  keyframePollMs: number;
  /** How long a participant whose signal connection dropped waits to be resumed. Default 15000 ms. ?resumeWindowMs= */
  resumeWindowMs: number;
  /** Data packets each participant may publish per second. Default 1000. ?dataPacketsPerSecond= */
  dataPacketsPerSecond: number;
  /** Data bytes each participant may publish per second. Default 4 MiB. ?dataBytesPerSecond= */
  dataBytesPerSecond: number;
  /** How long a wanted track may stay unresolvable before the subscriber gets TrackSubscribeFailed. Default 10000 ms. ?subscribeFailAfterMs= */
  subscribeFailAfterMs: number;
  /** Seconds a room started from the host page stays open if nobody joins. Default 300, as LiveKit. ?emptyTimeout= */
  emptyTimeout: number;
  /** Seconds a room stays open after its last participant left. Default 20, as LiveKit. ?departureTimeout= */
  departureTimeout: number;
  /** Record events and stats in IndexedDB and send webhooks. Default true. ?telemetry=off */
  telemetry: boolean;
  /** How often per-track stats are taken. Default 5000 ms. ?statsIntervalMs= */
  statsIntervalMs: number;
  /** How long a closed stats worker is kept before it is reaped. Default 180000 ms, as LiveKit. ?reapAfterMs= */
  reapAfterMs: number;
  /** Telemetry older than this many days is deleted. Default 7. ?retentionDays= */
  retentionDays: number;
  /** At most this many stats records are kept, the oldest deleted first. Default 500000 (about 700 MB). ?maxStatsRecords= */
  maxStatsRecords: number;
  /**
   * The video codecs LiveKit clients are told they may publish (`JoinResponse.enabledPublishCodecs`), in order of
   * preference. Default H.264 only: it is the codec whose colour information survives forwarding by a tab (in the
   * bitstream, where libwebrtc writes it); VP8, VP9 and AV1 carry it only in an RTP header extension that a
   * forwarded frame loses, so their colours shift (ARCHITECTURE.md, "Colour"). ?publishCodecs=h264,vp8
   */
  publishCodecs: string[];
  /**
   * Which ICE candidates the host's own connections use: 'all' (default), or 'relay' to go only through the TURN
   * servers, so that participants never learn the host's addresses (needs --ice-server with a TURN server).
   * ?iceTransportPolicy=relay
   */
  iceTransportPolicy: 'all' | 'relay';
  /**
   * Serve LiveKit's single-connection signal path (`/rtc/v1`) to clients that can take it (see README, "Signal
   * paths"); the others fall back to `/rtc`, as they would from a LiveKit server. Default on; off makes every client
   * fall back. The decoy route never serves it.
   * ?singlePeerConnection=off
   */
  singlePeerConnection: boolean;
}

/** Codec names the `publishCodecs` setting takes, and their mime types. */
export const PUBLISH_CODECS: Record<string, string> = { h264: 'video/H264', vp8: 'video/VP8', vp9: 'video/VP9', av1: 'video/AV1' };

export const DEFAULT_HOST_SETTINGS: HostSettings = {
  route: 'encoded-streams',
  keyframePollMs: 250,
  resumeWindowMs: 15_000,
  dataPacketsPerSecond: 1000,
  dataBytesPerSecond: 4 * 2 ** 20,
  subscribeFailAfterMs: 10_000,
  emptyTimeout: 300,
  departureTimeout: 20,
  telemetry: true,
  statsIntervalMs: 5000,
  reapAfterMs: 180_000,
  retentionDays: 7,
  maxStatsRecords: 500_000,
  publishCodecs: ['video/H264'],
  iceTransportPolicy: 'all',
  singlePeerConnection: true,
};

/** A subscriber connection's link over about the last second. */
export interface DownLinkReport {
  pid: string;
  /** The connection's outgoing estimate (availableOutgoingBitrate), bit/s; 0 when unknown. */
  estimateBps: number;
  /** Mean time packets waited in the host's send path (pacer), ms. */
  sendDelayMs: number;
  /** The highest fraction of video packets its subscriber reported lost (RTCP), 0..1. */
  loss: number;
  /**
   * What its audio took on the wire over the same window, bit/s: payload, RTP headers, and about 40 bytes a packet
   * of IP, UDP and SRTP. The estimate counts those too; this is the part of it video cannot have.
   */
  audioBps: number;
}

/** A subscriber's PLI/FIR count on one slot since the last report. */
export interface KeyframeRequestReport {
  pid: string;
  mid: string;
  count: number;
}

export interface TrackView {
  sid: string;
  kind: MediaKind;
  source: string;
  name: string;
  muted: boolean;
  codec: string;
  width: number;
  height: number;
  frames: number;
  bytes: number;
  keyframes: number;
  subscribers: number;
  /** Who gets the track; for a simulcast track, the layer each one gets now. */
  subscribedBy: SubscriberView[];
}

export interface SubscriberView {
  identity: string;
  name: string;
  /** The subscriber's tile is hidden (adaptiveStream) or it turned the track off. */
  paused: boolean;
  /** A simulcast track's layer it gets now, by its size (e.g. 640×360); null for other tracks or before it starts. */
  layer: string | null;
}

export interface ParticipantView {
  sid: string;
  identity: string;
  name: string;
  state: string;
  joinedAt: number;
  tracks: TrackView[];
}

export interface RoomView {
  sid: string;
  name: string;
  createdAt: number;
  participants: ParticipantView[];
}

export interface HostView {
  linkState: 'connecting' | 'open' | 'closed';
  linkError: string;
  /** Something the person running the host should fix (a setting that keeps people out); empty when none. */
  warning: string;
  hostId: string;
  publicUrl: string;
  route: RouteName;
  rooms: RoomView[];
}

/** One RTP stream of a host connection, as the page's getStats() sees it: counters since the stream began. */
export interface RtpStreamSample {
  mid: string;
  kind: MediaKind;
  /** `in`: the host receives it (a publisher's track); `out`: the host sends it (to a subscriber). */
  direction: 'in' | 'out';
  bytes: number;
  packets: number;
  /** For `out`, from the subscriber's receiver reports. */
  packetsLost: number;
  jitterMs: number;
  /** Frames the host decoded (`in`); the forwarded count comes from the forwarding core. */
  framesDecoded: number;
  keyFramesDecoded: number;
  width: number;
  height: number;
  /** PLI, FIR and NACK the host sent (`in`) or received from the subscriber (`out`). */
  pliCount: number;
  firCount: number;
  nackCount: number;
  /** For `out`: seconds the stream's packets waited in the sender's pacer, summed over packets (totalPacketSendDelay). */
  sendDelaySeconds: number;
}

export interface PeerStatsSample {
  pid: string;
  side: PeerSide;
  /** The connection's state when sampled: connection quality counts a connection that went away as LOST. */
  state: PeerState;
  /** The connection's current round-trip time, ms; 0 when unknown. */
  rttMs: number;
  /** The connection's outgoing bandwidth estimate (availableOutgoingBitrate), kbit/s; 0 when unknown. */
  outgoingEstimateKbps: number;
  streams: RtpStreamSample[];
}

/** What the person at the host page can do to a room. */
export type HostAction =
  | { kind: 'create-room'; room: string }
  | { kind: 'remove-participant'; room: string; participantSid: string }
  | { kind: 'mute-track'; room: string; trackSid: string; muted: boolean }
  | { kind: 'close-room'; room: string };

/** What the page calls on the worker. */
export interface WorkerApi {
  start(commands: MessagePort, settings: HostSettings, linkUrl: string, onView: (view: HostView) => void): Promise<void>;
  attachDownStreams(pid: string, slot: number, readable: ReadableStream, writable: WritableStream): void;
  /** The decoy route's slot; video slots bring their generator's writable, audio slots null. */
  attachDecoyGenerator(pid: string, slot: number, writable: WritableStream | null): void;
  localCandidate(pid: string, side: PeerSide, candidate: IceCandidateJson | null): void;
  peerState(pid: string, side: PeerSide, state: PeerState): void;
  keyframeRequests(reports: KeyframeRequestReport[]): void;
  /** Subscriber connections' link figures, about once a second each: the layer choice's input. */
  downLinks(reports: DownLinkReport[]): void;
  /** A data packet arrived on one of a participant's publisher channels. */
  dataIn(pid: string, label: string, payload: ArrayBuffer): void;
  /** Carries out a host control; rejects with a reason when the room, participant or track is gone. */
  hostAction(action: HostAction): Promise<void>;
  // Telemetry, for the dashboard. Each rejects with TelemetryDisabledError when telemetry is off.
  telemetryStatus(): Promise<TelemetryStatus>;
  telemetryEvents(q: EventQuery): Promise<TelemetryEvent[]>;
  /** A track's stats records since `since` (epoch ms), every direction. */
  telemetryTrackStats(trackSid: string, since: number): Promise<TrackStatRecord[]>;
  telemetryTracks(since: number): Promise<TrackSummary[]>;
  telemetryExport(format: 'ndjson' | 'json'): Promise<string>;
  telemetryClear(): Promise<void>;
  /** Writes everything buffered now. */
  telemetryFlush(): Promise<void>;
}
