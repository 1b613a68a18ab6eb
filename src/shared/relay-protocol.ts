// The link between the Node server and a host tab's worker: one WebSocket per host tab, carrying every
// client signal connection routed to that host. Control messages are JSON text frames; signal payloads are
// binary frames that start with the 4-byte big-endian connection id followed by the protobuf bytes, untouched.
import type { RoomServiceFailure, RoomServiceMethod } from './room-service-methods.js';
import type { PayloadNumbering } from './payload-numbering.js';

/** The path the host tab's worker opens its link on. */
export const HOST_LINK_PATH = '/_tabsfu/host-link';

/** Bumped when either side of the link changes shape; a mismatch is refused with CLOSE_CODE.linkVersion. */
export const RELAY_PROTOCOL_VERSION = 1;

/** The grants a verified token carries, as LiveKit's VideoGrant names them. */
export interface VideoGrants {
  room: string;
  roomJoin: boolean;
  roomAdmin: boolean;
  canPublish: boolean;
  canSubscribe: boolean;
  canPublishData: boolean;
  /** Empty means every source. Values are TrackSource names in lower case: camera, microphone, screen_share, screen_share_audio. */
  canPublishSources: string[];
  canUpdateOwnMetadata: boolean;
  hidden: boolean;
}

/** Room settings a token may carry (LiveKit's `roomConfig` claim); absent fields take the host's defaults. */
export interface TokenRoomConfig {
  emptyTimeout?: number;
  departureTimeout?: number;
  maxParticipants?: number;
}

/** An RTCIceServer as JSON: what the host page and clients are given (TURN credentials minted per session). */
export interface IceServerConfig {
  urls: string[];
  username?: string;
  credential?: string;
}

/** A turn: or turns: URL (one that needs credentials), as opposed to stun:. */
export function isTurnUrl(url: string): boolean {
  return /^turns?:/i.test(url);
}

/** What the server has verified about a connecting client, and what the client asked for in its URL. */
export interface JoinParams {
  room: string;
  identity: string;
  name: string;
  metadata: string;
  attributes: Record<string, string>;
  grants: VideoGrants;
  roomConfig: TokenRoomConfig;
  /** Seconds since the epoch; the token's `exp`. */
  tokenExpiresAt: number;
  autoSubscribe: boolean;
  adaptiveStream: boolean;
  /** true when the client is resuming an earlier session (`reconnect=1`). */
  reconnect: boolean;
  /** The participant sid the client resumes, when `reconnect` is set. */
  sid?: string;
  reconnectReason?: number;
  clientProtocol: number;
  sdk: string;
  sdkVersion: string;
  browser?: string;
  browserVersion?: string;
  /** STUN/TURN servers for this session, for JoinResponse and ReconnectResponse; empty when none are configured. */
  iceServers: IceServerConfig[];
  /**
   * Set when the client came on the single-connection path (`/rtc/v1`): one connection for both directions, which
   * the client always offers; its first offer came with the join request (`id` 1 from livekit-client).
   */
  singleConnection?: { offer: { sdp: string; id: number } | null };
}

/** JSON as protobuf's JSON mapping writes it: how RoomService requests and responses cross the link. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export type ServerToHost =
  | {
      kind: 'welcome';
      version: number;
      hostId: string;
      serverVersion: string;
      /** Base URL that other machines can open, e.g. http://192.168.1.20:7880 */
      publicUrl: string;
      /** STUN/TURN servers for the host page's own connections. */
      iceServers: IceServerConfig[];
    }
  /** Fresh STUN/TURN servers, sent before the host's TURN credentials expire; for connections made from now on. */
  | { kind: 'ice-servers'; iceServers: IceServerConfig[] }
  | { kind: 'client-open'; conn: number; join: JoinParams }
  | { kind: 'client-closed'; conn: number; code: number; reason: string }
  /**
   * A RoomService call (LiveKit's server API) for a room this host serves, or for every host (ListRooms), already
   * authorised by the server. `request` is the method's request message in protobuf JSON; the host answers with a
   * `room-service-reply` or `room-service-error` of the same id.
   */
  | { kind: 'room-service'; id: number; method: RoomServiceMethod; request: Json };

export type HostToServer =
  /**
   * `singleConnection`: how the host's browser numbers codecs, when it serves the single-connection path
   * (`/rtc/v1`); absent when it does not, and the server then refuses that path so that clients fall back to `/rtc`.
   */
  | { kind: 'hello'; version: number; singleConnection?: PayloadNumbering }
  | { kind: 'close-client'; conn: number; code: number; reason: string }
  | { kind: 'rooms'; rooms: string[] }
  /** A LiveKit WebhookEvent as JSON text, for the server to sign and deliver to the configured URLs. */
  | { kind: 'webhook'; body: string }
  /** A RoomService call's result: the method's response message in protobuf JSON. */
  | { kind: 'room-service-reply'; id: number; response: Json }
  /** A RoomService call that failed, in Twirp's words (e.g. `not_found` for an unknown participant). */
  | { kind: 'room-service-error'; id: number; error: RoomServiceFailure };

/** WebSocket close codes tabsfu uses, on client connections and on the host link. */
export const CLOSE_CODE = {
  normal: 1000,
  goingAway: 1001,
  /** A signal message that could not be decoded or is not valid in the session's state. */
  malformed: 1007,
  /** The token or grants do not allow what the client asked for. */
  notAllowed: 1008,
  /** The host tab that served this connection went away. */
  hostGone: 4001,
  /** The link version of the host tab and the server differ (reload the host page). */
  linkVersion: 4002,
  /** The host refused or ended the session; the reason says why. */
  sessionEnded: 4003,
  /** No host tab is open; the reason says to open /host. */
  noHost: 4004,
  /** A host link without the host key (or with a wrong one): this tab may not host. */
  hostKey: 4005,
} as const;

/** Prefixes a signal payload with its connection id. */
export function frameSignal(conn: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + payload.byteLength);
  new DataView(out.buffer).setUint32(0, conn >>> 0);
  out.set(payload, 4);
  return out;
}

/** Splits a binary link frame into its connection id and payload; null when the frame is too short. */
export function unframeSignal(frame: Uint8Array): { conn: number; payload: Uint8Array } | null {
  if (frame.byteLength < 4) return null;
  const conn = new DataView(frame.buffer, frame.byteOffset, 4).getUint32(0);
  return { conn, payload: frame.subarray(4) };
}
