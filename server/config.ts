// Server options: every option with its default, read once from flags and environment.
import { isIP } from 'node:net';
import os from 'node:os';
import { newHostKey } from './host-key.js';
import { isTurnUrl } from '../src/shared/relay-protocol.js';
import { DEFAULT_TURN_TTL_SECONDS } from './ice-servers.js';

export interface ServerOptions {
  /** TCP port for HTTP, the signal WebSockets and the host link. Default 7880 (LiveKit's). Env PORT, flag --port. */
  port: number;
  /** Address to listen on. Default 0.0.0.0, so that other machines can join. Flag --bind. */
  bind: string;
  /**
   * API keys and their secrets. Default { devkey: 'secret' }, as `livekit-server --dev`.
   * Env LIVEKIT_API_KEY + LIVEKIT_API_SECRET, or LIVEKIT_KEYS ("key: secret" per line or comma);
   * flags --api-key + --api-secret.
   */
  keys: Record<string, string>;
  /** Mint tokens for join links at GET /api/token. Default true (dev mode). Flag --no-dev-tokens, env TABSFU_DEV_TOKENS=0. */
  devTokens: boolean;
  /** Launch a headless Chromium host tab from the server. Default false. Flag --headless-host. */
  headlessHost: boolean;
  /** Serve the pages through Vite's dev server (hot reload) instead of dist/web. Default false. Flag --dev. */
  dev: boolean;
  /** Base URL put in join links. Default http://<first LAN IPv4 address>:<port>. Env TABSFU_PUBLIC_URL, flag --public-url. */
  publicUrl: string;
  /** Browser binary for --headless-host. Default: the first of /usr/bin/chromium, chromium-browser, google-chrome. Env CHROMIUM. */
  chromium?: string;
  /** URLs that receive LiveKit webhooks. Default none. Flag --webhook (repeatable), env TABSFU_WEBHOOK_URLS (comma-separated). */
  webhookUrls: string[];
  /** The API key whose secret signs webhooks. Default the first key. Flag --webhook-key. */
  webhookKey: string;
  /**
   * The secret a tab needs to open /host and become a host. Default: a new random key at each start, printed in the
   * host URL. Flag --host-key, env TABSFU_HOST_KEY.
   */
  hostKey: string;
  /**
   * STUN and TURN servers for the host page and every client (stun:, turn:, turns: URLs). Default none: only peers
   * that reach the host directly can call. Flag --ice-server (repeatable), env TABSFU_ICE_SERVERS (comma-separated).
   */
  iceServers: string[];
  /** The TURN server's shared secret (coturn `static-auth-secret`), to mint credentials. Flag --turn-secret, env TABSFU_TURN_SECRET. */
  turnSecret?: string;
  /** How long minted TURN credentials are valid, seconds. Default 43200 (12 h). Flag --turn-ttl. */
  turnTtlSeconds: number;
  /** Start Debian's coturn beside the server, on port 3478, and use it. Default off. Flag --turn. */
  turn: boolean;
  /**
   * For --turn behind a NAT with its ports forwarded: the public address coturn should advertise for its relays
   * (coturn's external-ip). Default none: the machine's own addresses. Flag --turn-external-ip.
   */
  turnExternalIp?: string;
}

export const DEFAULT_PORT = 7880;
export const DEFAULT_KEYS: Record<string, string> = { devkey: 'secret' };

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Merges flags over environment over defaults. */
export function readOptions(argv: string[], env: NodeJS.ProcessEnv): ServerOptions {
  const flags = parseFlags(argv);
  const port = Number(flags.get('port') ?? env.PORT ?? DEFAULT_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`invalid port: ${flags.get('port') ?? env.PORT}`);
  const keys = readKeys(flags, env);
  const webhookKey = String(flags.get('webhook-key') ?? Object.keys(keys)[0]);
  if (keys[webhookKey] === undefined) throw new ConfigError(`--webhook-key ${webhookKey} is not one of the API keys`);
  return {
    port,
    bind: String(flags.get('bind') ?? '0.0.0.0'),
    keys,
    devTokens: flags.get('no-dev-tokens') === undefined && env.TABSFU_DEV_TOKENS !== '0',
    headlessHost: flags.has('headless-host'),
    dev: flags.has('dev'),
    publicUrl: String(flags.get('public-url') ?? env.TABSFU_PUBLIC_URL ?? defaultPublicUrl(port)).replace(/\/$/, ''),
    chromium: (flags.get('chromium') as string | undefined) ?? env.CHROMIUM,
    webhookUrls: readWebhookUrls(flags.get('webhook') ?? env.TABSFU_WEBHOOK_URLS),
    webhookKey,
    hostKey: readHostKey(flags.get('host-key') ?? env.TABSFU_HOST_KEY),
    ...readIce(flags, env),
  };
}

function readKeys(flags: Map<string, string | true>, env: NodeJS.ProcessEnv): Record<string, string> {
  const key = flags.get('api-key') ?? env.LIVEKIT_API_KEY;
  const secret = flags.get('api-secret') ?? env.LIVEKIT_API_SECRET;
  if (key !== undefined || secret !== undefined) {
    if (typeof key !== 'string' || typeof secret !== 'string' || !key || !secret) {
      throw new ConfigError('set both the API key and the API secret (LIVEKIT_API_KEY and LIVEKIT_API_SECRET)');
    }
    return { [key]: secret };
  }
  if (env.LIVEKIT_KEYS) {
    const keys: Record<string, string> = {};
    for (const entry of env.LIVEKIT_KEYS.split(/[\n,]/)) {
      const at = entry.indexOf(':');
      if (at < 0) continue;
      const k = entry.slice(0, at).trim();
      const s = entry.slice(at + 1).trim();
      if (k && s) keys[k] = s;
    }
    if (!Object.keys(keys).length) throw new ConfigError('LIVEKIT_KEYS holds no "key: secret" pair');
    return keys;
  }
  return { ...DEFAULT_KEYS };
}

function readIce(flags: Map<string, string | true>, env: NodeJS.ProcessEnv): Pick<ServerOptions, 'iceServers' | 'turnSecret' | 'turnTtlSeconds' | 'turn' | 'turnExternalIp'> {
  const list = flags.get('ice-server') ?? env.TABSFU_ICE_SERVERS;
  const iceServers = typeof list === 'string' ? list.split(',').map((u) => u.trim()).filter(Boolean) : [];
  for (const u of iceServers) {
    if (!/^(stun|turns?):[^\s]+$/i.test(u)) throw new ConfigError(`--ice-server must be a stun:, turn: or turns: URL: ${u}`);
  }
  const secret = flags.get('turn-secret') ?? env.TABSFU_TURN_SECRET;
  const turnSecret = typeof secret === 'string' && secret ? secret : undefined;
  const turn = flags.has('turn');
  if (iceServers.some(isTurnUrl) && !turnSecret) {
    // with --turn alone the server picks coturn's secret; another TURN server would not know it
    throw new ConfigError(turn
      ? 'with --turn and another turn: server, give --turn-secret: one secret is used for both, so set it on that server too'
      : 'a turn: server needs --turn-secret (the secret of its use-auth-secret setting) to mint credentials');
  }
  const ttl = Number(flags.get('turn-ttl') ?? DEFAULT_TURN_TTL_SECONDS);
  if (!Number.isInteger(ttl) || ttl < 60) throw new ConfigError('--turn-ttl must be a whole number of seconds, at least 60');
  const external = flags.get('turn-external-ip');
  if (external !== undefined && (typeof external !== 'string' || !isIP(external))) throw new ConfigError('--turn-external-ip must be an IP address');
  if (external !== undefined && !turn) throw new ConfigError('--turn-external-ip is for the coturn that --turn starts');
  return { iceServers, turnSecret, turnTtlSeconds: ttl, turn, turnExternalIp: external as string | undefined };
}

function readHostKey(value: string | true | undefined): string {
  if (value === undefined) return newHostKey();
  if (typeof value !== 'string' || value.length < 8 || !/^[\w.~-]+$/.test(value)) {
    throw new ConfigError('--host-key must be at least 8 characters of letters, digits, "-", "_", "." or "~"');
  }
  return value;
}

function readWebhookUrls(value: string | true | undefined): string[] {
  if (typeof value !== 'string') return [];
  const urls = value.split(/[\s,]+/).filter(Boolean);
  for (const u of urls) {
    let url: URL;
    try {
      url = new URL(u);
    } catch {
      throw new ConfigError(`webhook URL is not a URL: ${u}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`webhook URL must be http or https: ${u}`);
  }
  return urls;
}

/** --name value, --name=value and bare --flag; a repeated --webhook adds to the list. */
function parseFlags(argv: string[]): Map<string, string | true> {
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new ConfigError(`unexpected argument: ${arg}`);
    const set = (name: string, value: string) => {
      const before = flags.get(name);
      flags.set(name, REPEATABLE_FLAGS.has(name) && typeof before === 'string' ? `${before},${value}` : value);
    };
    const eq = arg.indexOf('=');
    if (eq > 0) { set(arg.slice(2, eq), arg.slice(eq + 1)); continue; }
    const name = arg.slice(2);
    const next = argv[i + 1];
    if (VALUE_FLAGS.has(name)) {
      if (next === undefined || next.startsWith('--')) throw new ConfigError(`--${name} needs a value`);
      set(name, next);
      i++;
    } else if (BARE_FLAGS.has(name)) {
      flags.set(name, true);
    } else {
      throw new ConfigError(`unknown flag --${name}`);
    }
  }
  return flags;
}

const VALUE_FLAGS = new Set(['port', 'bind', 'api-key', 'api-secret', 'public-url', 'chromium', 'webhook', 'webhook-key', 'host-key', 'ice-server', 'turn-secret', 'turn-ttl', 'turn-external-ip']);
const REPEATABLE_FLAGS = new Set(['webhook', 'ice-server']);
const BARE_FLAGS = new Set(['headless-host', 'dev', 'no-dev-tokens', 'turn']);

function defaultPublicUrl(port: number): string {
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) {
      if (a.family === 'IPv4' && !a.internal) return `http://${a.address}:${port}`;
    }
  }
  return `http://localhost:${port}`;
}
