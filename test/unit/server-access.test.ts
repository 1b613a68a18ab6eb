import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readOptions } from '../../server/config';
import { isHostKey, newHostKey } from '../../server/host-key';
import { mintIceServers, turnCredential } from '../../server/ice-servers';
import { contentSecurityPolicy } from '../../server/security-headers';

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
});
