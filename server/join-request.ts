// The single-connection path's join request: livekit-client puts what the `/rtc` path's query parameters say, and its
// first offer, in one protobuf (`join_request`: base64url of a WrappedJoinRequest, its JoinRequest usually gzipped).
import { gunzipSync } from 'node:zlib';
import { ClientInfo_SDK, JoinRequest, WrappedJoinRequest, WrappedJoinRequest_Compression } from '@livekit/protocol';
import type { JoinParams } from '../src/shared/relay-protocol.js';

export class JoinRequestError extends Error {
  override name = 'JoinRequestError';
}

/** What the rest of the server reads from a join request, in the `/rtc` query's terms, and the first offer. */
export type JoinRequestFields = Pick<JoinParams, 'autoSubscribe' | 'adaptiveStream' | 'reconnect' | 'sid' | 'reconnectReason' | 'clientProtocol' | 'sdk' | 'sdkVersion' | 'browser' | 'browserVersion'> & {
  offer: { sdp: string; id: number } | null;
};

/** Reads the `join_request` parameter; throws JoinRequestError when it is missing or unreadable. */
export function readJoinRequest(param: string | null): JoinRequestFields {
  if (!param) throw new JoinRequestError('the single-connection path needs a join_request parameter');
  let join: JoinRequest;
  try {
    const wrapped = WrappedJoinRequest.fromBinary(Buffer.from(param, 'base64url'));
    const bytes = wrapped.compression === WrappedJoinRequest_Compression.GZIP ? gunzipSync(wrapped.joinRequest) : wrapped.joinRequest;
    join = JoinRequest.fromBinary(bytes);
  } catch (e) {
    throw new JoinRequestError(`unreadable join_request: ${(e as Error).message}`);
  }
  const info = join.clientInfo;
  const settings = join.connectionSettings;
  const offer = join.publisherOffer;
  return {
    autoSubscribe: settings?.autoSubscribe ?? true,
    adaptiveStream: settings?.adaptiveStream ?? false,
    reconnect: join.reconnect,
    sid: join.participantSid || undefined,
    reconnectReason: join.reconnectReason || undefined,
    clientProtocol: info?.protocol ?? 0,
    sdk: info ? ClientInfo_SDK[info.sdk]?.toLowerCase() ?? 'unknown' : 'unknown',
    sdkVersion: info?.version ?? '',
    browser: info?.browser || undefined,
    browserVersion: info?.browserVersion || undefined,
    offer: offer?.sdp ? { sdp: offer.sdp, id: offer.id } : null,
  };
}
