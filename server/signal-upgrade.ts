// LiveKit's signal endpoints: the /rtc WebSocket and its validate companions. tabsfu speaks the dual peer
// connection protocol on /rtc; /rtc/v1 is refused so that livekit-client falls back to /rtc (its validate
// answers 404 with an empty body, which the client reads as "v1 not supported here").
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { JoinParams } from '../src/shared/relay-protocol.js';
import { TokenError, verifyToken } from './tokens.js';

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
): Promise<Admission> {
  const token = url.searchParams.get('access_token') ?? bearer(authorization);
  let verified;
  try {
    verified = await verifyToken(token, keys);
  } catch (e) {
    if (e instanceof TokenError) return { kind: 'refuse', status: 401, reason: e.message };
    throw e;
  }
  if (path === 'v1') return { kind: 'refuse', status: 404, reason: '' };
  if (!hostAvailable(verified.grants.room)) {
    return { kind: 'refuse', status: 503, reason: `no host tab is open: open ${hostPageUrl} in a browser, or start tabsfu with --headless-host` };
  }
  const q = url.searchParams;
  const flag = (name: string, dflt: boolean) => (q.has(name) ? q.get(name) === '1' || q.get(name) === 'true' : dflt);
  const reconnectReason = Number(q.get('reconnect_reason'));
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
      // the relay mints these for the connection it opens
      iceServers: [],
    },
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
