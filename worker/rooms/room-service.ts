// The host's half of LiveKit's RoomService: each call the server authorised and routed here, carried out on this
// host's rooms as LiveKit's server carries it out on its own. Failures are RoomServiceErrors in Twirp's words.
import {
  DeleteRoomResponse,
  DisconnectReason,
  ListParticipantsResponse,
  ListRoomsResponse,
  MuteRoomTrackResponse,
  RemoveParticipantResponse,
  SendDataResponse,
  UpdateSubscription,
  UpdateSubscriptionsResponse,
} from '@livekit/protocol';
import type { Json, TokenRoomConfig } from '../../src/shared/relay-protocol';
import {
  ROOM_SERVICE_METHODS,
  RoomServiceError,
  type RoomServiceMethod,
  type RoomServiceRequest,
  type RoomServiceResponse,
} from '../../src/shared/room-service-methods';
import type { Participant } from './participant';
import type { Room } from './room';

/** The host's rooms, as the RoomService sees them. */
export interface RoomDirectory {
  /** The open room of that name. */
  room(name: string): Room | undefined;
  rooms(): Room[];
  /** Opens a room with these settings (absent ones take the host's defaults). */
  create(name: string, config: TokenRoomConfig): Room;
}

type Handlers = { [M in RoomServiceMethod]: (req: RoomServiceRequest<M>, rooms: RoomDirectory) => RoomServiceResponse<M> };

const handlers: Handlers = {
  CreateRoom(req, rooms) {
    // as LiveKit: an open room is returned as it is, its settings unchanged
    const open = rooms.room(req.name);
    if (open) return open.info();
    const positive = (n: number) => (n > 0 ? n : undefined);
    const room = rooms.create(req.name, { emptyTimeout: positive(req.emptyTimeout), departureTimeout: positive(req.departureTimeout), maxParticipants: positive(req.maxParticipants) });
    room.setMetadata(req.metadata);
    return room.info();
  },

  ListRooms(req, rooms) {
    const names = new Set(req.names);
    return new ListRoomsResponse({ rooms: rooms.rooms().filter((r) => !names.size || names.has(r.name)).map((r) => r.info()) });
  },

  DeleteRoom(req, rooms) {
    roomNamed(rooms, req.room).close(DisconnectReason.ROOM_DELETED);
    return new DeleteRoomResponse();
  },

  ListParticipants(req, rooms) {
    return new ListParticipantsResponse({ participants: roomNamed(rooms, req.room).participantList.filter((p) => !p.isClosed).map((p) => p.info()) });
  },

  GetParticipant(req, rooms) {
    return participantOf(roomNamed(rooms, req.room), req.identity).info();
  },

  RemoveParticipant(req, rooms) {
    const room = roomNamed(rooms, req.room);
    room.remove(participantOf(room, req.identity), DisconnectReason.PARTICIPANT_REMOVED);
    return new RemoveParticipantResponse();
  },

  MutePublishedTrack(req, rooms) {
    const room = roomNamed(rooms, req.room);
    const p = participantOf(room, req.identity);
    const track = p.publishedTracks.find((t) => t.sid === req.trackSid);
    if (!track) throw new RoomServiceError('not_found', `${req.identity} publishes no track ${req.trackSid} in room "${req.room}"`);
    // LiveKit's default (room.enable_remote_unmute off): a server may silence someone, never turn their microphone on
    if (!req.muted) throw new RoomServiceError('failed_precondition', 'remote unmute is not enabled: only the publisher can unmute its track');
    room.muteTrack(track.sid, true);
    return new MuteRoomTrackResponse({ track: room.trackInfo(track) });
  },

  UpdateParticipant(req, rooms) {
    const room = roomNamed(rooms, req.room);
    const p = participantOf(room, req.identity);
    p.updateMetadata(req);
    if (req.permission) {
      p.setPermission(req.permission);
      room.participantPermissionChanged(p);
    }
    room.participantUpdatedByServer(p);
    return p.info();
  },

  UpdateSubscriptions(req, rooms) {
    const p = participantOf(roomNamed(rooms, req.room), req.identity);
    p.onUpdateSubscription(new UpdateSubscription({ trackSids: req.trackSids, participantTracks: req.participantTracks, subscribe: req.subscribe }));
    return new UpdateSubscriptionsResponse();
  },

  SendData(req, rooms) {
    roomNamed(rooms, req.room).sendServerData(req);
    return new SendDataResponse();
  },

  UpdateRoomMetadata(req, rooms) {
    const room = roomNamed(rooms, req.room);
    room.setMetadata(req.metadata);
    return room.info();
  },
};

/** Carries out one call; its request and response are the method's messages in protobuf JSON. */
export function carryOutRoomService(method: RoomServiceMethod, request: Json, rooms: RoomDirectory): Json {
  const spec = ROOM_SERVICE_METHODS[method];
  if (!spec) throw new RoomServiceError('bad_route', `no such RoomService method: ${method}`);
  let decoded: RoomServiceRequest<RoomServiceMethod>;
  try {
    decoded = spec.request.fromJson(request, { ignoreUnknownFields: true });
  } catch (e) {
    throw new RoomServiceError('malformed', `${method} request could not be decoded: ${(e as Error).message}`);
  }
  const handler = handlers[method] as (req: typeof decoded, rooms: RoomDirectory) => { toJson(): unknown };
  return handler(decoded, rooms).toJson() as Json;
}

function roomNamed(rooms: RoomDirectory, name: string): Room {
  const room = rooms.room(name);
  if (!room) throw new RoomServiceError('not_found', `room "${name}" does not exist`);
  return room;
}

function participantOf(room: Room, identity: string): Participant {
  const p = room.byIdentity(identity);
  if (!p || p.isClosed) throw new RoomServiceError('not_found', `participant "${identity}" is not in room "${room.name}"`);
  return p;
}
