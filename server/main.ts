// tabsfu's server: serves the pages, checks tokens, and pipes each signal connection to a host tab.
// It never touches media.
import http from 'node:http';
import type { Duplex } from 'node:stream';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import { CLOSE_CODE, HOST_LINK_PATH, isTurnUrl } from '../src/shared/relay-protocol.js';
import { ConfigError, readOptions, type ServerOptions } from './config.js';
import { launchHeadlessHost, type HeadlessHost } from './headless-host.js';
import { HOST_KEY_PARAM, isHostKey, refuseHostPage } from './host-key.js';
import { handleApi } from './http-api.js';
import { mintIceServers } from './ice-servers.js';
import { startTurn } from './turn-server.js';
import { builtPages, devPages, pageFor, type PageHandler } from './pages.js';
import { Relay, truncateReason } from './relay.js';
import { RoomServiceServer } from './room-service.js';
import { admit, answerValidate, refuseUpgrade, requestUrl, signalPathOf } from './signal-upgrade.js';
import { handleTwirp } from './twirp.js';
import { DEFAULT_WEBHOOK_OPTIONS, WebhookNotifier } from './webhooks.js';

/** The version reported to clients as serverInfo.version. */
export const TABSFU_VERSION = '0.1.0';

export interface RunningServer {
  port: number;
  /** The host page's URL with the host key: whoever opens it can host. */
  hostUrl: string;
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions, projectRoot: string, log = console.log): Promise<RunningServer> {
  const pages: PageHandler = options.dev ? await devPages(projectRoot) : builtPages(path.join(projectRoot, 'dist', 'web'));
  const turn = options.turn ? await startTurn({ publicHost: new URL(options.publicUrl).hostname, secret: options.turnSecret, externalIp: options.turnExternalIp }, log) : null;
  if (turn) options = { ...options, iceServers: [...options.iceServers, ...turn.urls], turnSecret: turn.secret };
  const webhooks = options.webhookUrls.length
    ? new WebhookNotifier({ ...DEFAULT_WEBHOOK_OPTIONS, urls: options.webhookUrls, apiKey: options.webhookKey, apiSecret: options.keys[options.webhookKey] }, { warn: log })
    : null;
  const ice = { urls: options.iceServers, turnSecret: options.turnSecret, ttlSeconds: options.turnTtlSeconds };
  const relay = new Relay(TABSFU_VERSION, options.publicUrl, { info: log, warn: log }, (body) => webhooks?.notify(body), (session) => mintIceServers(ice, session),
    // renewed at half their lifetime, so that a host tab never holds expired credentials
    options.iceServers.some(isTurnUrl) && options.turnSecret ? (options.turnTtlSeconds * 1000) / 2 : null);
  const hostPageUrl = () => `http://localhost:${port}/host`;
  const hostKeyUrl = () => `${hostPageUrl()}?${HOST_KEY_PARAM}=${options.hostKey}`;
  const hostAvailable = (room: string) => relay.hostFor(room) !== null;
  const singleConnection = (room: string) => relay.hostFor(room)?.singleConnection ?? null;
  const roomService = new RoomServiceServer(relay, options.keys, hostPageUrl);

  const server = http.createServer(async (req, res) => {
    try {
      const url = requestUrl(req);
      const signal = signalPathOf(url.pathname);
      if (signal?.validate) {
        answerValidate(res, await admit(url, req.headers.authorization, signal.path, options.keys, hostAvailable, hostPageUrl(), singleConnection));
        return;
      }
      if (await handleTwirp(req, res, url, roomService, log)) return;
      const api = { options, version: TABSFU_VERSION, hostCount: () => relay.hostCount, cutSignal: (room: string, identity: string) => relay.cutSignal(room, identity) };
      if (await handleApi(req, res, url, api)) return;
      if (pageFor(url.pathname) === 'host.html') {
        const given = url.searchParams.get(HOST_KEY_PARAM);
        if (!isHostKey(given, options.hostKey)) return refuseHostPage(res, given !== null, req.headers.host);
      }
      await pages(req, res, url.pathname);
    } catch (e) {
      log(`request ${req.url} failed: ${(e as Error).stack ?? e}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error');
    }
  });

  const sockets = new WebSocketServer({ noServer: true, maxPayload: 4 * 1024 * 1024 });
  const upgrade = async (req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    const url = requestUrl(req);
    if (url.pathname === HOST_LINK_PATH) {
      // only pages served by this server may become hosts: a page from another origin must not capture rooms
      const origin = req.headers.origin;
      if (origin && originHost(origin) !== req.headers.host) {
        refuseUpgrade(socket, { kind: 'refuse', status: 403, reason: 'host links are accepted from this server\'s own pages only' });
        return;
      }
      // accepted, then closed with the reason, so that the host page can show it (a refused upgrade has none)
      if (!isHostKey(url.searchParams.get(HOST_KEY_PARAM), options.hostKey)) {
        sockets.handleUpgrade(req, socket, head, (ws) => ws.close(CLOSE_CODE.hostKey, 'wrong host key: open the host URL the server printed'));
        return;
      }
      sockets.handleUpgrade(req, socket, head, (ws) => relay.attachHost(ws));
      return;
    }
    const signal = signalPathOf(url.pathname);
    if (!signal || signal.validate) {
      refuseUpgrade(socket, { kind: 'refuse', status: 404, reason: 'not a WebSocket endpoint' });
      return;
    }
    const admission = await admit(url, req.headers.authorization, signal.path, options.keys, hostAvailable, hostPageUrl(), singleConnection);
    if (admission.kind === 'refuse' && admission.status === 503) {
      // livekit-client shows a close reason to its user but not an upgrade's status text: say it that way
      sockets.handleUpgrade(req, socket, head, (ws) => ws.close(CLOSE_CODE.noHost, truncateReason(admission.reason)));
      return;
    }
    if (admission.kind === 'refuse') {
      refuseUpgrade(socket, admission);
      return;
    }
    sockets.handleUpgrade(req, socket, head, (ws) => relay.attachClient(ws, admission.join));
  };
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    // one odd request must not take the server (and every call) down: it alone is refused
    upgrade(req, socket, head).catch((e) => {
      log(`upgrade ${req.url} failed: ${(e as Error).stack ?? e}`);
      if (socket.writable) refuseUpgrade(socket, { kind: 'refuse', status: 400, reason: 'bad request' });
      else socket.destroy();
    });
  });

  let headless: HeadlessHost | null = null;
  let port = options.port;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.bind, resolve);
    });
    port = (server.address() as { port: number }).port;
    if (options.headlessHost) headless = await launchHeadlessHost(hostKeyUrl(), options.chromium, log);
  } catch (e) {
    // a server that cannot start leaves nothing running behind it
    turn?.stop();
    server.close();
    throw e;
  }

  return {
    port,
    hostUrl: hostKeyUrl(),
    async close() {
      await headless?.close();
      turn?.stop();
      for (const ws of sockets.clients) ws.terminate();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** The host:port of an Origin header, or null for "null" and anything else that is not a URL. */
function originHost(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}

function banner(options: ServerOptions, port: number, hostUrl: string): string {
  const local = `http://localhost:${port}`;
  const publicBase = options.port === 0 ? options.publicUrl.replace(/:0$/, `:${port}`) : options.publicUrl;
  const [apiKey, secret] = Object.entries(options.keys)[0];
  return [
    `tabsfu ${TABSFU_VERSION} listening on ${local}`,
    options.headlessHost
      ? '  host:  a headless Chromium host tab is running'
      : `  host:  open ${hostUrl} in Chromium or Chrome and keep that tab open (or restart with --headless-host);\n` +
        '         the key in it lets a tab host, and so receive everyone\'s media: do not share it',
    `  join:  share ${publicBase}/join/<room> — anyone who opens it enters a name and is in the call`,
    `  apps:  new Room().connect('ws://localhost:${port}', token) with a token signed by key "${apiKey}"` +
      (apiKey === 'devkey' && secret === 'secret' ? ', secret "secret"' : ''),
    options.devTokens ? `  dev tokens: GET ${local}/api/token?room=<room>&name=<name>` : '  dev tokens: off',
    options.webhookUrls.length ? `  webhooks: ${options.webhookUrls.join(', ')}, signed by key "${options.webhookKey}"` : '  webhooks: none (--webhook URL)',
    options.iceServers.length || options.turn
      ? `  ice:   ${[...options.iceServers, ...(options.turn ? ['coturn (--turn)'] : [])].join(', ')}`
      : '  ice:   none: only peers that reach this machine directly can call (--ice-server, --turn)',
  ].join('\n');
}

async function main(): Promise<void> {
  let options: ServerOptions;
  try {
    options = readOptions(process.argv.slice(2), process.env);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`tabsfu: ${e.message}`);
      process.exit(2);
    }
    throw e;
  }
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
  const running = await startServer(options, root);
  console.log(banner(options, running.port, running.hostUrl));
  const stop = () => { running.close().finally(() => process.exit(0)); };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main().catch((e) => {
    console.error(`tabsfu: ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  });
}
