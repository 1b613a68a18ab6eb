// LiveKit's server API as Twirp serves it: POST /twirp/livekit.RoomService/<Method>, a JSON or protobuf body,
// the answer in the request's format, and failures as an HTTP status with {"code", "msg"}. What each call does is
// RoomServiceServer's business; this file only speaks the wire.
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  ROOM_SERVICE_METHODS,
  RoomServiceError,
  TWIRP_STATUS,
  UNSERVED_ROOM_SERVICE_METHODS,
  isRoomServiceMethod,
  type RoomServiceFailure,
  type RoomServiceMethod,
} from '../src/shared/room-service-methods.js';
import type { RoomServiceServer } from './room-service.js';
import { cors } from './signal-upgrade.js';

const PREFIX = '/twirp/';
const SERVICE = 'livekit.RoomService';
/** Requests larger than this are refused unread: no RoomService request needs more (SendData carries the most). */
const MAX_BODY_BYTES = 1024 * 1024;

type BodyFormat = 'json' | 'protobuf';

/** Handles /twirp/*; returns false for any other path. */
export async function handleTwirp(req: IncomingMessage, res: ServerResponse, url: URL, service: RoomServiceServer, warn: (msg: string) => void): Promise<boolean> {
  if (!url.pathname.startsWith(PREFIX)) return false;
  // LiveKit's server lets browsers call its API too; the token is what authorises a call
  cors(res);
  if (req.method === 'OPTIONS') {
    res.writeHead(204).end();
    return true;
  }
  try {
    const method = routeOf(url.pathname, req.method);
    const format = formatOf(req.headers['content-type']);
    const grants = await service.authenticate(req.headers.authorization);
    const request = decode(method, format, await readBody(req));
    const response = await service.call(method, grants, request);
    if (format === 'json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(response.toJson()));
    } else {
      res.writeHead(200, { 'content-type': 'application/protobuf' }).end(response.toBinary());
    }
  } catch (e) {
    if (e instanceof RoomServiceError) {
      writeError(res, e.failure);
    } else {
      warn(`twirp ${url.pathname} failed: ${(e as Error).stack ?? e}`);
      writeError(res, { code: 'internal', msg: `internal error: ${(e as Error).message ?? e}` });
    }
  }
  return true;
}

/** Twirp's error shape. The SDK reads the body only when the content type is exactly application/json. */
export function writeError(res: ServerResponse, failure: RoomServiceFailure): void {
  const code = Object.prototype.hasOwnProperty.call(TWIRP_STATUS, failure.code) ? failure.code : 'internal';
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(TWIRP_STATUS[code], { 'content-type': 'application/json' }).end(JSON.stringify({ code, msg: failure.msg }));
}

function routeOf(pathname: string, httpMethod: string | undefined): RoomServiceMethod {
  const [service, method, ...rest] = pathname.slice(PREFIX.length).split('/');
  if (service !== SERVICE || !method || rest.length) {
    throw new RoomServiceError('bad_route', `no such service or method: ${pathname} (tabsfu serves ${PREFIX}${SERVICE}/<Method>)`);
  }
  if (httpMethod !== 'POST') throw new RoomServiceError('bad_route', `unsupported method ${httpMethod} (only POST is allowed)`);
  if (isRoomServiceMethod(method)) return method;
  if ((UNSERVED_ROOM_SERVICE_METHODS as readonly string[]).includes(method)) {
    throw new RoomServiceError('unimplemented', `${SERVICE}/${method} is not served by tabsfu (a room lives in one host tab)`);
  }
  throw new RoomServiceError('bad_route', `no such method: ${SERVICE}/${method}`);
}

function formatOf(contentType: string | undefined): BodyFormat {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/json') return 'json';
  if (type === 'application/protobuf') return 'protobuf';
  throw new RoomServiceError('bad_route', `unexpected Content-Type "${contentType ?? ''}": send application/json or application/protobuf`);
}

function decode<M extends RoomServiceMethod>(method: M, format: BodyFormat, body: Buffer) {
  const type = ROOM_SERVICE_METHODS[method].request;
  try {
    if (format === 'protobuf') return type.fromBinary(new Uint8Array(body));
    return type.fromJson(JSON.parse(body.length ? body.toString('utf8') : '{}'), { ignoreUnknownFields: true });
  } catch (e) {
    throw new RoomServiceError('malformed', `the ${format} body could not be decoded as a ${type.typeName}: ${(e as Error).message}`);
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // read on without keeping it, so that the refusal can still be written on this connection
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) reject(new RoomServiceError('malformed', `the request body is larger than ${MAX_BODY_BYTES} bytes`));
      else resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}
