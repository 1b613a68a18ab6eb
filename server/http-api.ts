// The small JSON API beside the pages: dev tokens for join links, and what the pages need to know.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { ServerOptions } from './config.js';
import { cors } from './signal-upgrade.js';
import { TokenError, mintToken, verifyAdminToken } from './tokens.js';

export interface ApiContext {
  options: ServerOptions;
  version: string;
  hostCount: () => number;
  cutSignal: (room: string, identity: string) => number;
}

/** Handles /api/*; returns false for any other path. */
export async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, ctx: ApiContext): Promise<boolean> {
  if (!url.pathname.startsWith('/api/')) return false;
  cors(res);
  if (req.method === 'OPTIONS') {
    res.writeHead(204).end();
    return true;
  }
  switch (url.pathname) {
    case '/api/info':
      json(res, 200, {
        version: ctx.version,
        publicUrl: ctx.options.publicUrl,
        devTokens: ctx.options.devTokens,
        hosts: ctx.hostCount(),
      });
      return true;
    case '/api/token':
      await token(res, url, ctx.options);
      return true;
    case '/api/admin/cut-signal':
      await cutSignal(req, res, url, ctx);
      return true;
    default:
      json(res, 404, { error: `no such endpoint: ${url.pathname}` });
      return true;
  }
}

/**
 * GET /api/token?room=<room>&name=<display name>[&identity=<identity>]
 * Mints a token with the first API key, for join links in dev mode.
 */
async function token(res: ServerResponse, url: URL, options: ServerOptions): Promise<void> {
  if (!options.devTokens) {
    json(res, 403, { error: 'dev tokens are turned off on this server (--no-dev-tokens): ask the room owner for a token' });
    return;
  }
  const room = url.searchParams.get('room')?.trim() ?? '';
  const name = url.searchParams.get('name')?.trim() ?? '';
  if (!room || room.length > 128) return json(res, 400, { error: 'room is required (at most 128 characters)' });
  if (!name || name.length > 64) return json(res, 400, { error: 'name is required (at most 64 characters)' });
  const identity = url.searchParams.get('identity')?.trim() || `${slug(name)}-${randomBytes(3).toString('hex')}`;
  const [apiKey, secret] = Object.entries(options.keys)[0];
  json(res, 200, { token: await mintToken({ room, identity, name }, apiKey, secret), identity, room });
}

/**
 * POST /api/admin/cut-signal?room=<room>&identity=<identity>, with a roomAdmin token as Bearer:
 * drops that participant's signal connection at the relay without a close frame, as a network cut would.
 */
async function cutSignal(req: IncomingMessage, res: ServerResponse, url: URL, ctx: ApiContext): Promise<void> {
  if (req.method !== 'POST') return json(res, 405, { error: 'use POST' });
  const room = url.searchParams.get('room') ?? '';
  const identity = url.searchParams.get('identity') ?? '';
  try {
    await verifyAdminToken(/^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1], ctx.options.keys, room);
  } catch (e) {
    if (e instanceof TokenError) return json(res, 401, { error: e.message });
    throw e;
  }
  json(res, 200, { cut: ctx.cutSignal(room, identity) });
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 24) || 'guest';
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
