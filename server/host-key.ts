// The host key: who may open the host page and link a tab as a host. A host tab receives every participant's
// media, so becoming one takes the secret the server prints (as notebook servers print a token URL), from any
// address, loopback included.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { securityHeaders } from './security-headers.js';

/** The query parameter that carries the key on /host and on the host link. */
export const HOST_KEY_PARAM = 'key';

/** A new random key: 128 bits, URL-safe. */
export function newHostKey(): string {
  return randomBytes(16).toString('base64url');
}

/** Whether `given` is the key, compared in constant time. */
export function isHostKey(given: string | null | undefined, key: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(key);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** What /host says without the key: the page is never served, so nothing on it can link. */
export function refuseHostPage(res: ServerResponse, wrong: boolean, host: string | undefined): void {
  const why = wrong ? 'The host key in this link is wrong.' : 'This link has no host key.';
  res.writeHead(403, { ...securityHeaders(host), 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tabsfu: host key needed</title></head>
<body>
<h1>The host page needs the host key</h1>
<p>${why} A host tab receives everyone's audio and video, so only the person who started tabsfu can open it:
open the host URL that <code>npm start</code> printed (it ends in <code>/host?key=…</code>), or start the server
with <code>--host-key</code> to choose the key.</p>
<p>To join a call, open the room's join link instead.</p>
</body></html>`);
}
