// The ICE servers handed to the host page and to every client (JoinResponse.iceServers), with TURN credentials
// minted per session the way coturn's `use-auth-secret` checks them (the "TURN REST API" convention): the user
// name is `<expiry, seconds since the epoch>:<session>`, the password the base64 HMAC-SHA1 of that name under the
// shared secret. A leaked credential stops working when it expires; the secret never leaves the server.
import { createHmac } from 'node:crypto';
import { type IceServerConfig, isTurnUrl } from '../src/shared/relay-protocol.js';

export interface IceOptions {
  /** stun:, turn: and turns: URLs. */
  urls: string[];
  /** The secret coturn shares (`static-auth-secret`); needed for turn: URLs. */
  turnSecret?: string;
  /** How long minted credentials stay valid, seconds. */
  ttlSeconds: number;
}

/** Default validity of minted TURN credentials: 12 h, longer than a call, short enough that a leak ends soon. */
export const DEFAULT_TURN_TTL_SECONDS = 12 * 3600;

export function turnCredential(secret: string, username: string): string {
  return createHmac('sha1', secret).update(username).digest('base64');
}

/** The servers for one session (`session` names it in the TURN user name, for coturn's logs). */
export function mintIceServers(o: IceOptions, session: string, nowMs = Date.now()): IceServerConfig[] {
  const stun = o.urls.filter((u) => !isTurnUrl(u));
  const turn = o.urls.filter(isTurnUrl);
  const out: IceServerConfig[] = [];
  if (stun.length) out.push({ urls: stun });
  if (turn.length && o.turnSecret) {
    const username = `${Math.floor(nowMs / 1000) + o.ttlSeconds}:${session}`;
    out.push({ urls: turn, username, credential: turnCredential(o.turnSecret, username) });
  }
  return out;
}
