import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readOptions } from '../../server/config';
import { isHostKey, newHostKey } from '../../server/host-key';
import { mintIceServers, turnCredential } from '../../server/ice-servers';
import { Relay } from '../../server/relay';
import { contentSecurityPolicy } from '../../server/security-headers';
import { turnArgs } from '../../server/turn-server';
import { RELAY_PROTOCOL_VERSION, type ServerToHost } from '../../src/shared/relay-protocol';
import WebSocket, { WebSocketServer } from 'ws';

describe('the host key', () => {
  it('is a new random key at each start unless one is set, by flag or environment', () => {
    const a = readOptions([], {}).hostKey;
    const b = readOptions([], {}).hostKey;
    expect(a).not.toBe(b);
    expect(a.length).toBeGreaterThanOrEqual(20);
    expect(readOptions(['--host-key', 'kitchen-table-7'], {}).hostKey).toBe('kitchen-table-7');
    expect(readOptions([], { TABSFU_HOST_KEY: 'from-the-env-9' }).hostKey).toBe('from-the-env-9');
  });

  it('refuses a key too short or with characters a URL would mangle', () => {
    expect(() => readOptions(['--host-key', 'short'], {})).toThrow('at least 8 characters');
    expect(() => readOptions(['--host-key', 'has spaces in it'], {})).toThrow('--host-key');
  });

  it('matches only the exact key', () => {
    const key = newHostKey();
    expect(isHostKey(key, key)).toBe(true);
    expect(isHostKey(`${key}x`, key)).toBe(false);
    expect(isHostKey(key.slice(1), key)).toBe(false);
    expect(isHostKey('', key)).toBe(false);
    expect(isHostKey(null, key)).toBe(false);
  });
});

describe('ICE servers', () => {
  it('are read from repeated --ice-server flags, and a turn: server needs the shared secret', () => {
    const o = readOptions(['--ice-server', 'stun:stun.example.org:3478', '--ice-server', 'turn:turn.example.org:3478', '--turn-secret', 's3cret'], {});
    expect(o.iceServers).toEqual(['stun:stun.example.org:3478', 'turn:turn.example.org:3478']);
    expect(o.turnTtlSeconds).toBe(43_200);
    expect(() => readOptions(['--ice-server', 'turn:turn.example.org'], {})).toThrow('--turn-secret');
    expect(() => readOptions(['--ice-server', 'http://nope'], {})).toThrow('stun:, turn: or turns:');
  });

  it('mint TURN credentials per session the way coturn\'s use-auth-secret checks them, valid for the TTL', () => {
    const now = Date.UTC(2026, 11, 1, 12, 0, 0);
    const servers = mintIceServers({ urls: ['stun:s.example:3478', 'turn:t.example:3478?transport=udp'], turnSecret: 'north', ttlSeconds: 600 }, 'client-7', now);
    expect(servers[0]).toEqual({ urls: ['stun:s.example:3478'] });
    const turn = servers[1];
    expect(turn.urls).toEqual(['turn:t.example:3478?transport=udp']);
    expect(turn.username).toBe(`${now / 1000 + 600}:client-7`);
    // coturn computes base64(HMAC-SHA1(secret, username)) and compares
    expect(turn.credential).toBe(createHmac('sha1', 'north').update(turn.username!).digest('base64'));
    expect(turnCredential('north', turn.username!)).toBe(turn.credential);
  });

  it('hand out no TURN entry without a secret, and nothing at all when none are configured', () => {
    expect(mintIceServers({ urls: [], ttlSeconds: 60 }, 'x')).toEqual([]);
    expect(mintIceServers({ urls: ['turn:t:3478'], ttlSeconds: 60 }, 'x')).toEqual([]);
  });
});

describe('the content security policy', () => {
  it('allows the pages\' own scripts, WebAssembly and this host\'s sockets, and no inline script or framing', () => {
    const csp = contentSecurityPolicy('tabsfu.example:7880');
    expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(csp).toContain("connect-src 'self' ws://tabsfu.example:7880 wss://tabsfu.example:7880");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toMatch(/'unsafe-inline'|'unsafe-eval'/);
  });

  it('takes nothing but a plain host and port from the Host header', () => {
    expect(contentSecurityPolicy('[::1]:7880')).toContain('ws://[::1]:7880');
    const forged = contentSecurityPolicy("x; script-src 'unsafe-inline' *");
    expect(forged).toContain("connect-src 'self';");
    expect(forged).not.toContain('unsafe-inline');
  });
});

describe('the coturn that --turn starts', () => {
  it('shares its secret with another TURN server only when --turn-secret names it, and takes an external address', () => {
    expect(() => readOptions(['--turn', '--ice-server', 'turn:other.example:3478'], {})).toThrow('--turn-secret');
    expect(readOptions(['--turn', '--ice-server', 'turn:other.example:3478', '--turn-secret', 'shared'], {}).turnSecret).toBe('shared');
    expect(readOptions(['--turn', '--turn-external-ip', '203.0.113.7'], {}).turnExternalIp).toBe('203.0.113.7');
    expect(() => readOptions(['--turn', '--turn-external-ip', 'my-router'], {})).toThrow('IP address');
    expect(() => readOptions(['--turn-external-ip', '203.0.113.7'], {})).toThrow('--turn');
  });

  it('gets its secret from a file, relays to no private network but this machine, and advertises the external address', () => {
    const args = turnArgs('/run/tabsfu/turnserver.conf', { publicHost: 'example.org', secret: 'never-on-the-command-line', externalIp: '203.0.113.7' }, ['192.168.1.20']);
    expect(args.join(' ')).not.toContain('never-on-the-command-line');
    expect(args).toContain('--use-auth-secret');
    const option = (name: string) => args.flatMap((a, i) => (a === name ? [args[i + 1]] : []));
    expect(option('-c')).toEqual(['/run/tabsfu/turnserver.conf']);
    expect(option('--denied-peer-ip')).toEqual(expect.arrayContaining(['10.0.0.0-10.255.255.255', '172.16.0.0-172.31.255.255', '192.168.0.0-192.168.255.255', '100.64.0.0-100.127.255.255']));
    expect(option('--allowed-peer-ip')).toEqual(['192.168.1.20']);
    expect(option('--external-ip')).toEqual(['203.0.113.7']);
    expect(args).toContain('--no-tcp-relay');
  });
});

describe('the relay', () => {
  it('sends a host tab fresh TURN credentials before those it holds expire, and stops when the tab goes', async () => {
    let minted = 0;
    const relay = new Relay('test', 'http://example.org', { info: () => {}, warn: () => {} }, () => {},
      (session) => [{ urls: ['turn:t.example:3478'], username: `${++minted}:${session}`, credential: 'c' }], 40);
    const wss = new WebSocketServer({ port: 0 });
    wss.on('connection', (ws) => relay.attachHost(ws));
    const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as { port: number }).port}`);
    const received: ServerToHost[] = [];
    const renewed = new Promise<void>((resolve) => client.on('message', (data) => {
      received.push(JSON.parse(String(data)) as ServerToHost);
      if (received.filter((m) => m.kind === 'ice-servers').length === 2) resolve();
    }));
    client.on('open', () => client.send(JSON.stringify({ kind: 'hello', version: RELAY_PROTOCOL_VERSION })));
    await renewed;
    expect(received[0].kind).toBe('welcome');
    const users = received.map((m) => (m.kind === 'welcome' || m.kind === 'ice-servers' ? m.iceServers[0].username : ''));
    expect(new Set(users).size).toBe(3);
    client.close();
    await new Promise<void>((resolve) => { const poll = () => (relay.hostCount === 0 ? resolve() : setTimeout(poll, 10)); poll(); });
    const after = minted;
    await new Promise((r) => setTimeout(r, 120));
    expect(minted).toBe(after);
    wss.close();
  });
});
