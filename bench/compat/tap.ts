// A recording proxy in front of a LiveKit-protocol server (tabsfu or livekit-server): every HTTP request (the
// server API over Twirp, /rtc/validate) and every signal WebSocket passes through unchanged, and the tap notes what
// went by: requests with their status, and each signal message decoded with @livekit/protocol, in both directions,
// under the identity in the connection's token.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignalRequest, SignalResponse } from '@livekit/protocol';
import WebSocket, { WebSocketServer } from 'ws';

export interface TappedMessage {
  identity: string;
  /** up: client → server (SignalRequest); down: server → client (SignalResponse). */
  direction: 'up' | 'down';
  type: string;
  /** The message as protobuf JSON (defaults omitted). */
  json: unknown;
}

export interface TappedRequest {
  method: string;
  /** Path without the query. */
  path: string;
  status: number;
}

export interface Tap {
  /** http:// URL of the tap; clients use its ws:// form. */
  url: string;
  messages: TappedMessage[];
  requests: TappedRequest[];
  close(): Promise<void>;
}

/** The `sub` claim of the access token in a signal URL's query (or the join request's), for labelling. */
function identityOf(url: URL, authorization?: string): string {
  const token = url.searchParams.get('access_token') ?? authorization?.replace(/^Bearer /, '') ?? '';
  try {
    return String(JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).sub ?? '?');
  } catch {
    return '?';
  }
}

function decode(direction: 'up' | 'down', data: WebSocket.RawData, binary: boolean): { type: string; json: unknown } {
  const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
  try {
    const message = direction === 'up'
      ? (binary ? SignalRequest.fromBinary(bytes) : SignalRequest.fromJsonString(bytes.toString()))
      : (binary ? SignalResponse.fromBinary(bytes) : SignalResponse.fromJsonString(bytes.toString()));
    const json = message.toJson() as Record<string, unknown>;
    return { type: message.message.case ?? 'empty', json: json[message.message.case ?? ''] ?? {} };
  } catch (e) {
    return { type: 'undecodable', json: { error: (e as Error).message } };
  }
}

/** A close code that can be sent on: 1005, 1006 and 1015 only describe a close and may not be sent. */
const sendable = (code: number) => ([1005, 1006, 1015].includes(code) ? 1000 : code);

/** A tap on 127.0.0.1 in front of `target` (an http:// base URL). */
export async function startTap(target: string): Promise<Tap> {
  const messages: TappedMessage[] = [];
  const requests: TappedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const path = (req.url ?? '/').split('?')[0];
      try {
        const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'connection', 'content-length'].includes(k)).map(([k, v]) => [k, String(v)]));
        const body = chunks.length ? Buffer.concat(chunks) : undefined;
        const r = await fetch(new URL(req.url ?? '/', target), { method: req.method, headers, body });
        const out = Buffer.from(await r.arrayBuffer());
        requests.push({ method: req.method ?? 'GET', path, status: r.status });
        const passed: [string, string][] = [];
        r.headers.forEach((v, k) => passed.push([k, v]));
        res.writeHead(r.status, Object.fromEntries(passed.filter(([k]) => !['content-encoding', 'content-length', 'transfer-encoding'].includes(k))));
        res.end(out);
      } catch (e) {
        requests.push({ method: req.method ?? 'GET', path, status: 0 });
        res.writeHead(502).end((e as Error).message);
      }
    });
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://tap');
    const identity = identityOf(url, req.headers.authorization);
    const upstream = new WebSocket(new URL(req.url ?? '/', target.replace(/^http/, 'ws')), { headers: req.headers.authorization ? { authorization: req.headers.authorization } : {} });
    upstream.on('unexpected-response', (_r, response) => {
      // the server refused the upgrade (an unknown path, a bad token): pass its status on as it is
      requests.push({ method: 'GET', path: url.pathname, status: response.statusCode ?? 0 });
      socket.end(`HTTP/1.1 ${response.statusCode} ${response.statusMessage}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    });
    upstream.on('error', () => socket.destroy());
    upstream.on('open', () => {
      requests.push({ method: 'GET', path: url.pathname, status: 101 });
      wss.handleUpgrade(req, socket, head, (client) => {
        const pass = (from: WebSocket, to: WebSocket, direction: 'up' | 'down') => from.on('message', (data, binary) => {
          messages.push({ identity, direction, ...decode(direction, data, binary) });
          if (to.readyState === WebSocket.OPEN) to.send(data, { binary });
        });
        pass(client, upstream, 'up');
        pass(upstream, client, 'down');
        client.on('close', (code, reason) => upstream.close(sendable(code), reason));
        upstream.on('close', (code, reason) => client.readyState === WebSocket.OPEN && client.close(sendable(code), reason));
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    messages,
    requests,
    close: () => new Promise((r) => {
      for (const c of wss.clients) c.terminate();
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}
