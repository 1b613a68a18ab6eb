// The server's half of LiveKit's RoomService: it checks the caller's token and grants, as LiveKit's server does,
// then hands each call to the host tab that serves the room (ListRooms to every host). The host carries it out.
import { ListRoomsResponse, type Room } from '@livekit/protocol';
import {
  ROOM_SERVICE_METHODS,
  RoomServiceError,
  type RoomServiceMethod,
  type RoomServiceRequest,
  type RoomServiceResponse,
} from '../src/shared/room-service-methods.js';
import type { Json } from '../src/shared/relay-protocol.js';
import type { HostLink, Relay } from './relay.js';
import { type ApiGrants, TokenError, verifyApiToken } from './tokens.js';

export class RoomServiceServer {
  constructor(
    private readonly relay: Relay,
    private readonly keys: Record<string, string>,
    /** Where a host tab is opened, for the error that says none is. */
    private readonly hostPageUrl: () => string,
  ) {}

  /** The caller's grants, from the Bearer token of its Authorization header. */
  async authenticate(authorization: string | undefined): Promise<ApiGrants> {
    if (!authorization) throw new RoomServiceError('unauthenticated', 'no access token: send a token from a LiveKit server SDK as "Authorization: Bearer <token>"');
    const token = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
    if (!token) throw new RoomServiceError('unauthenticated', 'the Authorization header must be "Bearer <token>"');
    try {
      return await verifyApiToken(token, this.keys);
    } catch (e) {
      if (e instanceof TokenError) throw new RoomServiceError('unauthenticated', e.message);
      throw e;
    }
  }

  async call<M extends RoomServiceMethod>(method: M, grants: ApiGrants, request: RoomServiceRequest<M>): Promise<RoomServiceResponse<M>> {
    const room = roomOf(method, request);
    authorize(method, grants, room);
    validate(method, request);
    const hosts = this.relay.readyHosts;
    if (!hosts.length) throw new RoomServiceError('unavailable', `no host tab is open: open ${this.hostPageUrl()} in Chromium or Chrome`);
    const response = ROOM_SERVICE_METHODS[method].response;
    const decode = (json: Json) => {
      try {
        return response.fromJson(json, { ignoreUnknownFields: true }) as RoomServiceResponse<M>;
      } catch (e) {
        throw new RoomServiceError('internal', `the host tab answered ${method} with something that is not a ${response.typeName}: ${(e as Error).message}`);
      }
    };
    const json = request.toJson() as Json;

    if (method === 'ListRooms') {
      // a host that does not answer (an old page, a busy tab) costs only its own rooms, not the whole list
      const answers = await Promise.allSettled(hosts.map((h) => this.relay.callHost(h, method, json)));
      const answered = answers.filter((a): a is PromiseFulfilledResult<Json> => a.status === 'fulfilled');
      if (!answered.length) throw (answers[0] as PromiseRejectedResult).reason;
      return new ListRoomsResponse({ rooms: answered.flatMap((a) => (decode(a.value) as ListRoomsResponse).rooms) }) as RoomServiceResponse<M>;
    }
    if (method === 'CreateRoom') {
      // the room's host if it is open, else the least loaded: later joiners and calls follow it there
      const host = this.relay.hostFor(room)!;
      const created = decode(await this.relay.callHost(host, method, json));
      this.relay.claimRoom(host, (created as Room).name || room);
      return created;
    }
    const host: HostLink | null = this.relay.hostServing(room);
    if (!host) throw new RoomServiceError('not_found', `room "${room}" does not exist: no host tab serves it`);
    return decode(await this.relay.callHost(host, method, json));
  }
}

/** The room a call is about; empty for ListRooms. */
function roomOf(method: RoomServiceMethod, request: RoomServiceRequest<RoomServiceMethod>): string {
  if (method === 'ListRooms') return '';
  if (method === 'CreateRoom') return (request as RoomServiceRequest<'CreateRoom'>).name;
  return (request as { room: string }).room;
}

/** LiveKit's rule: roomCreate to create and delete, roomList to list, roomAdmin of that very room for the rest. */
function authorize(method: RoomServiceMethod, grants: ApiGrants, room: string): void {
  const needed = ROOM_SERVICE_METHODS[method].grant;
  if (needed === 'roomCreate' && !grants.roomCreate) throw new RoomServiceError('permission_denied', `${method} needs a token with the roomCreate grant`);
  if (needed === 'roomList' && !grants.roomList) throw new RoomServiceError('permission_denied', `${method} needs a token with the roomList grant`);
  if (needed === 'roomAdmin') {
    if (!grants.roomAdmin) throw new RoomServiceError('permission_denied', `${method} needs a token with the roomAdmin grant for room "${room}"`);
    if (grants.room !== room) throw new RoomServiceError('permission_denied', `${method}: the token administers room "${grants.room}", not "${room}"`);
  }
}

/** What a request must carry before any host is asked. */
function validate(method: RoomServiceMethod, request: RoomServiceRequest<RoomServiceMethod>): void {
  if (method === 'ListRooms') return;
  if (!roomOf(method, request)) throw new RoomServiceError('invalid_argument', `${method} needs a room name`);
  const identity = (request as { identity?: string }).identity;
  if (identity !== undefined && !identity) throw new RoomServiceError('invalid_argument', `${method} needs a participant identity`);
  if (method === 'MutePublishedTrack' && !(request as RoomServiceRequest<'MutePublishedTrack'>).trackSid) {
    throw new RoomServiceError('invalid_argument', 'MutePublishedTrack needs a track sid');
  }
  if (method === 'SendData') {
    const nonce = (request as RoomServiceRequest<'SendData'>).nonce;
    // as LiveKit's server: a nonce is a 128-bit id or absent
    if (nonce.length !== 0 && nonce.length !== 16) throw new RoomServiceError('invalid_argument', `nonce should be 16 bytes or absent, got ${nonce.length} bytes`);
  }
}
