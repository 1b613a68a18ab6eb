// Serves the three pages and their assets: from dist/web after a build, or through Vite's dev server.
import fs from 'node:fs';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { securityHeaders } from './security-headers.js';

/** Which HTML entry a path opens: the landing page, the host page, or the join page of a room. */
export function pageFor(pathname: string): 'index.html' | 'host.html' | 'join.html' | null {
  if (pathname === '/' || pathname === '/index.html') return 'index.html';
  if (pathname === '/host' || pathname === '/host/') return 'host.html';
  if (/^\/join\/[^/]+\/?$/.test(pathname)) return 'join.html';
  return null;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
};

export type PageHandler = (req: IncomingMessage, res: ServerResponse, pathname: string) => Promise<void> | void;

/** Static files from a built directory; never outside it. */
export function builtPages(root: string): PageHandler {
  if (!fs.existsSync(path.join(root, 'host.html'))) {
    throw new Error(`no built pages in ${root}: run "npm run build" (npm start does it for you)`);
  }
  return (req, res, pathname) => {
    const page = pageFor(pathname);
    const rel = page ?? decodeURIComponent(pathname).replace(/^\/+/, '');
    const file = path.resolve(root, rel);
    // pages open only through their routes (/host checks the host key first), never as /host.html
    if ((!page && rel.endsWith('.html')) || !file.startsWith(root + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const immutable = rel.startsWith('assets/');
    res.writeHead(200, {
      ...securityHeaders(req.headers.host),
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    fs.createReadStream(file).pipe(res);
  };
}

/** Vite in middleware mode: pages are transformed on request and reload on change. */
export async function devPages(projectRoot: string): Promise<PageHandler> {
  const { createServer } = await import('vite');
  const vite = await createServer({ root: projectRoot, server: { middlewareMode: true }, appType: 'custom' });
  return async (req, res, pathname) => {
    const page = pageFor(pathname);
    if (page) {
      const html = await vite.transformIndexHtml(pathname, fs.readFileSync(path.join(projectRoot, page), 'utf8'));
      // Vite's client script and its hot-reload socket are same-origin, which the policy allows
      res.writeHead(200, { ...securityHeaders(req.headers.host, true), 'content-type': TYPES['.html'] }).end(html);
      return;
    }
    vite.middlewares(req, res, () => res.writeHead(404).end('not found'));
  };
}
