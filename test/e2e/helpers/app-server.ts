// The test app's own origin: serves test/e2e/app/index.html and livekit-client's UMD build, as an app's web server
// would. No relative imports, so that the benchmark's differential check (compiled apart) can use it too.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';

const dist = path.dirname(createRequire(import.meta.url).resolve('livekit-client'));
/** What the app's origin serves besides its page: livekit-client's UMD build and its end-to-end encryption worker. */
const SCRIPTS: Record<string, string> = {
  '/livekit-client.umd.js': path.join(dist, 'livekit-client.umd.js'),
  '/livekit-client.e2ee.worker.js': path.join(dist, 'livekit-client.e2ee.worker.js'),
};

export interface AppServer {
  url: string;
  close(): void;
}

/** `bind`: the address to listen on; default 127.0.0.1 (a peer in another network namespace needs 0.0.0.0). */
export function serveApp(bind = '127.0.0.1'): Promise<AppServer> {
  const server = http.createServer((req, res) => {
    const file = SCRIPTS[req.url ?? ''] ?? path.join(import.meta.dirname, '..', 'app', 'index.html');
    res.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : 'text/html' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, bind, () => {
    resolve({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`, close: () => server.close() });
  }));
}
