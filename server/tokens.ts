// LiveKit-style access tokens: HS256 JWTs whose issuer is the API key. The server checks them, because it
// holds the secrets; the host tab only ever sees the verified claims.
import { SignJWT, decodeJwt, errors, jwtVerify } from 'jose';
import type { TokenRoomConfig, VideoGrants } from '../src/shared/relay-protocol.js';

export interface VerifiedToken {
  identity: string;
  name: string;
  metadata: string;
  attributes: Record<string, string>;
  grants: VideoGrants;
  roomConfig: TokenRoomConfig;
  expiresAt: number;
}

/** Why a token was refused; `message` is meant for the person holding the token. */
export class TokenError extends Error {
  override name = 'TokenError';
}

const encoder = new TextEncoder();

/** Checks signature, issuer and time; returns the claims. */
async function verifiedClaims(token: string | null | undefined, keys: Record<string, string>): Promise<Record<string, unknown>> {
  if (!token) throw new TokenError('no access token: pass it as ?access_token=… or an Authorization: Bearer header');
  let issuer: string | undefined;
  try {
    issuer = decodeJwt(token).iss;
  } catch {
    throw new TokenError('access token is not a JWT');
  }
  if (!issuer) throw new TokenError('access token has no issuer (iss): it must be the API key');
  const secret = keys[issuer];
  if (secret === undefined) throw new TokenError(`access token was issued for API key "${issuer}", which this server does not know`);
  try {
    return (await jwtVerify(token, encoder.encode(secret), { algorithms: ['HS256'], issuer, clockTolerance: 10 })).payload;
  } catch (e) {
    throw new TokenError(describeJoseError(e));
  }
}

export async function verifyToken(token: string | null | undefined, keys: Record<string, string>): Promise<VerifiedToken> {
  const claims = await verifiedClaims(token, keys);
  const video = (claims.video ?? {}) as Record<string, unknown>;
  const identity = typeof claims.sub === 'string' ? claims.sub : '';
  if (!identity) throw new TokenError('access token has no identity (sub)');
  if (video.roomJoin !== true) throw new TokenError('access token does not grant roomJoin');
  if (typeof video.room !== 'string' || !video.room) throw new TokenError('access token names no room');
  return {
    identity,
    name: typeof claims.name === 'string' ? claims.name : '',
    metadata: typeof claims.metadata === 'string' ? claims.metadata : '',
    attributes: stringRecord(claims.attributes),
    grants: {
      room: video.room,
      roomJoin: true,
      roomAdmin: video.roomAdmin === true,
      // LiveKit treats an absent publish/subscribe/data grant as allowed
      canPublish: video.canPublish !== false,
      canSubscribe: video.canSubscribe !== false,
      canPublishData: video.canPublishData !== false,
      canPublishSources: Array.isArray(video.canPublishSources) ? video.canPublishSources.map((s) => String(s).toLowerCase()) : [],
      canUpdateOwnMetadata: video.canUpdateOwnMetadata === true,
      hidden: video.hidden === true,
    },
    roomConfig: readRoomConfig(claims.roomConfig),
    expiresAt: typeof claims.exp === 'number' ? claims.exp : 0,
  };
}

/** An administrator's token (LiveKit's roomAdmin grant), for `room` or for every room when it names none. */
export async function verifyAdminToken(token: string | null | undefined, keys: Record<string, string>, room: string): Promise<void> {
  const video = ((await verifiedClaims(token, keys)).video ?? {}) as Record<string, unknown>;
  if (video.roomAdmin !== true) throw new TokenError('this needs a token with the roomAdmin grant');
  if (typeof video.room === 'string' && video.room && video.room !== room) throw new TokenError(`the token administers room "${video.room}", not "${room}"`);
}

/** The grants a server API call is judged by (LiveKit's VideoGrant): which rooms a token may create, list or administer. */
export interface ApiGrants {
  identity: string;
  room: string;
  roomCreate: boolean;
  roomList: boolean;
  roomAdmin: boolean;
}

/** A server SDK's token for the server API: only its signature, issuer and time are checked here, grants by the caller. */
export async function verifyApiToken(token: string | null | undefined, keys: Record<string, string>): Promise<ApiGrants> {
  const claims = await verifiedClaims(token, keys);
  const video = (claims.video ?? {}) as Record<string, unknown>;
  return {
    identity: typeof claims.sub === 'string' ? claims.sub : '',
    room: typeof video.room === 'string' ? video.room : '',
    roomCreate: video.roomCreate === true,
    roomList: video.roomList === true,
    roomAdmin: video.roomAdmin === true,
  };
}

export interface MintRequest {
  room: string;
  identity: string;
  name?: string;
  ttlSeconds?: number;
}

/** A token with the grants an ordinary participant of a dev room gets. */
export async function mintToken(req: MintRequest, apiKey: string, secret: string): Promise<string> {
  return new SignJWT({
    name: req.name ?? req.identity,
    video: { room: req.room, roomJoin: true, canPublish: true, canSubscribe: true, canPublishData: true, canUpdateOwnMetadata: true },
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(apiKey)
    .setSubject(req.identity)
    .setNotBefore(Math.floor(Date.now() / 1000) - 10)
    .setExpirationTime(Math.floor(Date.now() / 1000) + (req.ttlSeconds ?? 6 * 3600))
    .sign(encoder.encode(secret));
}

function describeJoseError(e: unknown): string {
  if (e instanceof errors.JWTExpired) {
    const exp = typeof e.payload.exp === 'number' ? new Date(e.payload.exp * 1000).toISOString() : 'an earlier time';
    return `access token expired at ${exp}`;
  }
  if (e instanceof errors.JWSSignatureVerificationFailed) return 'access token signature is invalid: was it signed with this server\'s API secret?';
  if (e instanceof errors.JWTClaimValidationFailed) return `access token claim "${e.claim}" is invalid: ${e.reason}`;
  if (e instanceof errors.JOSEAlgNotAllowed) return 'access token must be signed with HS256';
  if (e instanceof Error) return `access token is invalid: ${e.message}`;
  return 'access token is invalid';
}

function stringRecord(v: unknown): Record<string, string> {
  if (!v || typeof v !== 'object') return {};
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) if (typeof val === 'string') out[k] = val;
  return out;
}

function readRoomConfig(v: unknown): TokenRoomConfig {
  if (!v || typeof v !== 'object') return {};
  const c = v as Record<string, unknown>;
  // as in LiveKit, 0 means "the server's default"
  const num = (a: unknown, b: unknown) => [a, b].find((x): x is number => typeof x === 'number' && x > 0);
  return {
    emptyTimeout: num(c.emptyTimeout, c.empty_timeout),
    departureTimeout: num(c.departureTimeout, c.departure_timeout),
    maxParticipants: num(c.maxParticipants, c.max_participants),
  };
}
