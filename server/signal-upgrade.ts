// LiveKit's signal endpoints: the /rtc and /rtc/v1 WebSockets and their validate companions. /rtc is the dual peer
// connection protocol; /rtc/v1 the single-connection one, served when the room's host serves it and the client's
// offer numbers codecs as the host does. Otherwise /rtc/v1 answers 404 with an empty body (on validate too), which
// livekit-client and LiveKit's Rust SDK read as "v1 not supported here" and fall back to /rtc.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { JoinParams } from '../src/shared/relay-protocol.js';
import { TokenError, verifyToken } from './tokens.js';
import { JoinRequestError, readJoinRequest, type JoinRequestFields } from './join-request.js';
import { singleConnectionMismatch, type PayloadNumbering } from '../src/shared/payload-numbering.js';

export type SignalPath = 'v0' | 'v1';

/** Maps a request path to the signal endpoint it names, if any. */
export function signalPathOf(pathname: string): { path: SignalPath; validate: boolean } | null {
  const p = pathname.replace(/\/+$/, '');
  if (p === '/rtc') return { path: 'v0', validate: false };
  if (p === '/rtc/validate') return { path: 'v0', validate: true };
  if (p === '/rtc/v1') return { path: 'v1', validate: false };
  if (p === '/rtc/v1/validate') return { path: 'v1', validate: true };
  return null;
}

export type Admission =
  | { kind: 'accept'; join: JoinParams }
  | { kind: 'refuse'; status: number; reason: string };

/** Decides what a signal request gets, before any WebSocket exists. */
export async function admit(
  url: URL,
  authorization: string | undefined,
  path: SignalPath,
  keys: Record<string, string>,
  hostAvailable: (room: string) => boolean,
  hostPageUrl: string,
  /** How the room's host numbers codecs when it serves the single-connection path; null when it does not. */
  singleConnection: (room: string) => PayloadNumbering | null = () => null,
): Promise<Admission> {
  const token = url.searchParams.get('access_token') ?? bearer(authorization);
  let verified;
  try {
    verified = await verifyToken(token, keys);
  } catch (e) {
    if (e instanceof TokenError) return { kind: 'refuse', status: 401, reason: e.message };
    throw e;
  }
  // no host: both paths say so (livekit-client shows the reason), rather than /rtc/v1 sending the client to /rtc first
  if (!hostAvailable(verified.grants.room)) {
    return { kind: 'refuse', status: 503, reason: `no host tab is open: open ${hostPageUrl} in a browser, or start tabsfu with --headless-host` };
  }
  let fields: JoinRequestFields;
  if (path === 'v1') {
    // anything the single-connection path cannot serve falls back to /rtc, where the client is told what is wrong
    const numbering = singleConnection(verified.grants.room);
    if (!numbering) return { kind: 'refuse', status: 404, reason: '' };
    try {
      fields = readJoinRequest(url.searchParams.get('join_request'));
    } catch (e) {
      if (e instanceof JoinRequestError) return { kind: 'refuse', status: 404, reason: '' };
      throw e;
    }
    // a resume brings no offer: the path was chosen when the session started
    if (!fields.reconnect && (!fields.offer || singleConnectionMismatch(fields.offer.sdp, numbering) !== null)) return { kind: 'refuse', status: 404, reason: '' };
  } else {
    fields = queryFields(url.searchParams);
  }
  const { offer, ...asked } = fields;
  return {
    kind: 'accept',
    join: {
      room: verified.grants.room,
      identity: verified.identity,
      name: verified.name,
      metadata: verified.metadata,
      attributes: verified.attributes,
      grants: verified.grants,
      roomConfig: verified.roomConfig,
      tokenExpiresAt: verified.expiresAt,
      ...asked,
      // the relay mints these for the connection it opens
      iceServers: [],
      ...(path === 'v1' ? { singleConnection: { offer } } : {}),
    },
  };
}

/** What the `/rtc` path's query parameters ask for. */
function queryFields(q: URLSearchParams): JoinRequestFields {
  const flag = (name: string, dflt: boolean) => (q.has(name) ? q.get(name) === '1' || q.get(name) === 'true' : dflt);
  const reconnectReason = Number(q.get('reconnect_reason'));
  return {
    autoSubscribe: flag('auto_subscribe', true),
    adaptiveStream: flag('adaptive_stream', false),
    reconnect: flag('reconnect', false),
    sid: q.get('sid') ?? undefined,
    reconnectReason: Number.isFinite(reconnectReason) && reconnectReason > 0 ? reconnectReason : undefined,
    clientProtocol: Number(q.get('protocol') ?? 0) || 0,
    sdk: q.get('sdk') ?? 'unknown',
    sdkVersion: q.get('version') ?? '',
    browser: q.get('browser') ?? undefined,
    browserVersion: q.get('browser_version') ?? undefined,
    offer: null,
  };
}

/** Answers a validate request the way livekit-client reads it. */
export function answerValidate(res: ServerResponse, admission: Admission): void {
  cors(res);
  if (admission.kind === 'accept') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('success');
    return;
  }
  // livekit-client surfaces the status text, not the body, for statuses other than 401/403/404
  res.statusMessage = statusText(admission);
  res.writeHead(admission.status, { 'content-type': 'text/plain' }).end(admission.reason);
}

/** Refuses a WebSocket upgrade with a plain HTTP response. */
export function refuseUpgrade(socket: Duplex, admission: Extract<Admission, { kind: 'refuse' }>): void {
  const body = Buffer.from(admission.reason);
  socket.end(
    `HTTP/1.1 ${admission.status} ${statusText(admission)}\r\n` +
      'Content-Type: text/plain\r\n' +
      `Content-Length: ${body.byteLength}\r\n` +
      'Connection: close\r\n\r\n' +
      body.toString(),
  );
}

export function cors(res: ServerResponse): void {
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type');
}

function statusText(a: Extract<Admission, { kind: 'refuse' }>): string {
  if (a.status === 401) return 'Unauthorized';
  if (a.status === 404) return 'Not Found';
  if (a.status === 503) return 'No host tab - open /host';
  return 'Refused';
}

function bearer(header: string | undefined): string | null {
  const m = header?.match(/^Bearer\s+(.+)$/i);
  return m ? m[1] : null;
}

export function requestUrl(req: IncomingMessage): URL {
  return new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
}
