// LiveKit's RoomService as tabsfu serves it over Twirp: each method's request and response message, and the
// Twirp error codes. The server decodes and encodes with this table; the host worker carries the calls out with it.
import {
  CreateRoomRequest,
  DeleteRoomRequest,
  DeleteRoomResponse,
  ListParticipantsRequest,
  ListParticipantsResponse,
  ListRoomsRequest,
  ListRoomsResponse,
  MuteRoomTrackRequest,
  MuteRoomTrackResponse,
  ParticipantInfo,
  RemoveParticipantResponse,
  Room,
  RoomParticipantIdentity,
  SendDataRequest,
  SendDataResponse,
  UpdateParticipantRequest,
  UpdateRoomMetadataRequest,
  UpdateSubscriptionsRequest,
  UpdateSubscriptionsResponse,
} from '@livekit/protocol';

/** The grant a method needs, as LiveKit's server checks it. `roomAdmin` is for the request's room only. */
export type RoomServiceGrant = 'roomCreate' | 'roomList' | 'roomAdmin';

export const ROOM_SERVICE_METHODS = {
  CreateRoom: { request: CreateRoomRequest, response: Room, grant: 'roomCreate' },
  ListRooms: { request: ListRoomsRequest, response: ListRoomsResponse, grant: 'roomList' },
  DeleteRoom: { request: DeleteRoomRequest, response: DeleteRoomResponse, grant: 'roomCreate' },
  ListParticipants: { request: ListParticipantsRequest, response: ListParticipantsResponse, grant: 'roomAdmin' },
  GetParticipant: { request: RoomParticipantIdentity, response: ParticipantInfo, grant: 'roomAdmin' },
  RemoveParticipant: { request: RoomParticipantIdentity, response: RemoveParticipantResponse, grant: 'roomAdmin' },
  MutePublishedTrack: { request: MuteRoomTrackRequest, response: MuteRoomTrackResponse, grant: 'roomAdmin' },
  UpdateParticipant: { request: UpdateParticipantRequest, response: ParticipantInfo, grant: 'roomAdmin' },
  UpdateSubscriptions: { request: UpdateSubscriptionsRequest, response: UpdateSubscriptionsResponse, grant: 'roomAdmin' },
  SendData: { request: SendDataRequest, response: SendDataResponse, grant: 'roomAdmin' },
  UpdateRoomMetadata: { request: UpdateRoomMetadataRequest, response: Room, grant: 'roomAdmin' },
} as const;

export type RoomServiceMethod = keyof typeof ROOM_SERVICE_METHODS;
export type RoomServiceRequest<M extends RoomServiceMethod> = InstanceType<(typeof ROOM_SERVICE_METHODS)[M]['request']>;
export type RoomServiceResponse<M extends RoomServiceMethod> = InstanceType<(typeof ROOM_SERVICE_METHODS)[M]['response']>;

/** RoomService methods of LiveKit's that tabsfu does not serve: answered `unimplemented`, not `bad_route`. */
export const UNSERVED_ROOM_SERVICE_METHODS = ['ForwardParticipant', 'MoveParticipant', 'PerformRpc'] as const;

export function isRoomServiceMethod(name: string): name is RoomServiceMethod {
  return Object.prototype.hasOwnProperty.call(ROOM_SERVICE_METHODS, name);
}

/** Twirp's error codes that tabsfu uses, with the HTTP status Twirp gives each. */
export const TWIRP_STATUS = {
  malformed: 400,
  invalid_argument: 400,
  unauthenticated: 401,
  permission_denied: 403,
  bad_route: 404,
  not_found: 404,
  failed_precondition: 412,
  internal: 500,
  unimplemented: 501,
  unavailable: 503,
} as const;

export type TwirpCode = keyof typeof TWIRP_STATUS;

/** A call's failure in Twirp's words: what the server answers as `{"code": …, "msg": …}`. */
export interface RoomServiceFailure {
  code: TwirpCode;
  msg: string;
}

/** A failure meant for the caller of the API; thrown where it is found, turned into a Twirp error at the edge. */
export class RoomServiceError extends Error {
  override name = 'RoomServiceError';
  constructor(readonly code: TwirpCode, msg: string) {
    super(msg);
  }

  get failure(): RoomServiceFailure {
    return { code: this.code, msg: this.message };
  }
}
