import { describe, expect, it } from 'vitest';
import { AccessToken } from 'livekit-server-sdk';
import { JoinRequest, SessionDescription, TrackSource, WrappedJoinRequest } from '@livekit/protocol';
import { readOptions } from '../../server/config';
import { admit } from '../../server/signal-upgrade';
import { verifyToken } from '../../server/tokens';
import { frameSignal, unframeSignal } from '../../src/shared/relay-protocol';

const KEYS = { devkey: 'secret' };

async function token(grant: Record<string, unknown> = { room: 'r', roomJoin: true }, opts: { secret?: string; ttl?: number | string; key?: string } = {}) {
  const at = new AccessToken(opts.key ?? 'devkey', opts.secret ?? 'secret', { identity: 'alice', name: 'Alice', ttl: opts.ttl ?? '1h', metadata: 'm' });
  at.addGrant(grant);
  return at.toJwt();
}

describe('tokens', () => {
  it('accepts a server-SDK token and reads its grants, with LiveKit defaults for absent ones', async () => {
    const v = await verifyToken(await token({ room: 'r', roomJoin: true, canPublishSources: [TrackSource.CAMERA] }), KEYS);
    expect(v).toMatchObject({ identity: 'alice', name: 'Alice', metadata: 'm' });
    expect(v.grants).toMatchObject({ room: 'r', canPublish: true, canSubscribe: true, canPublishData: true, canUpdateOwnMetadata: false, hidden: false, canPublishSources: ['camera'] });
  });

  it('refuses a token signed with another secret, and says so', async () => {
    await expect(verifyToken(await token(undefined, { secret: 'other' }), KEYS)).rejects.toThrow('signature is invalid');
  });

  it('refuses an expired token, and says when it expired', async () => {
    await expect(verifyToken(await token(undefined, { ttl: -60 }), KEYS)).rejects.toThrow(/expired at \d{4}-/);
  });

  it('refuses a token without roomJoin, without a room, or for an unknown key', async () => {
    await expect(verifyToken(await token({ room: 'r' }), KEYS)).rejects.toThrow('roomJoin');
    await expect(verifyToken(await token({ roomJoin: true }), KEYS)).rejects.toThrow('names no room');
    await expect(verifyToken(await token(undefined, { key: 'other' }), KEYS)).rejects.toThrow('API key "other"');
    await expect(verifyToken('not.a.jwt', KEYS)).rejects.toThrow('not a JWT');
    await expect(verifyToken(null, KEYS)).rejects.toThrow('no access token');
  });
});

describe('signal admission', () => {
  const url = async (path: string, extra = '') => new URL(`http://x${path}?access_token=${await token()}${extra}`);

  const numbering = { 'opus/48000': 111, 'vp8/90000': 96 };
  const joinRequest = (offerSdp: string) => Buffer.from(new WrappedJoinRequest({
    joinRequest: new JoinRequest({ publisherOffer: new SessionDescription({ type: 'offer', sdp: offerSdp, id: 1 }) }).toBinary(),
  }).toBinary()).toString('base64url');
  const offer = (opus: number, vp8: number) => [
    'v=0', `m=audio 9 UDP/TLS/RTP/SAVPF ${opus}`, 'a=mid:0', 'a=recvonly', `a=rtpmap:${opus} opus/48000/2`,
    `m=video 9 UDP/TLS/RTP/SAVPF ${vp8}`, 'a=mid:1', 'a=recvonly', `a=rtpmap:${vp8} VP8/90000`, '',
  ].join('\r\n');

  it('serves /rtc/v1 to a client that numbers codecs as the host does, and hands the host its first offer', async () => {
    const a = await admit(await url('/rtc/v1', `&join_request=${joinRequest(offer(111, 96))}`), undefined, 'v1', KEYS, () => true, '', () => numbering);
    expect(a).toMatchObject({ kind: 'accept', join: { identity: 'alice', singleConnection: { offer: { sdp: offer(111, 96), id: 1 } } } });
  });

  it('refuses /rtc/v1 with 404 and an empty body, so the client falls back to /rtc: when the host does not serve it, when the client numbers codecs otherwise, or sends no join request', async () => {
    const refused = { kind: 'refuse', status: 404, reason: '' };
    expect(await admit(await url('/rtc/v1', `&join_request=${joinRequest(offer(111, 96))}`), undefined, 'v1', KEYS, () => true, '')).toEqual(refused);
    expect(await admit(await url('/rtc/v1', `&join_request=${joinRequest(offer(109, 120))}`), undefined, 'v1', KEYS, () => true, '', () => numbering)).toEqual(refused);
    expect(await admit(await url('/rtc/v1'), undefined, 'v1', KEYS, () => true, '', () => numbering)).toEqual(refused);
  });

  it('checks the token first, also on /rtc/v1, so a bad token is never mistaken for a missing path', async () => {
    const bad = new URL('http://x/rtc/v1?access_token=nope');
    expect(await admit(bad, undefined, 'v1', KEYS, () => true, '')).toMatchObject({ kind: 'refuse', status: 401 });
  });

  it('sends a client away with 503 and the host page address when no host tab is open', async () => {
    const a = await admit(await url('/rtc'), undefined, 'v0', KEYS, () => false, 'http://localhost:7880/host');
    expect(a).toMatchObject({ kind: 'refuse', status: 503 });
    expect(a.kind === 'refuse' && a.reason).toContain('open http://localhost:7880/host');
  });

  it('hands the host what the client asked for in its URL', async () => {
    const a = await admit(await url('/rtc', '&auto_subscribe=0&reconnect=1&sid=PA_1&protocol=16&sdk=js&version=2.23.0'), undefined, 'v0', KEYS, () => true, '');
    expect(a.kind).toBe('accept');
    if (a.kind === 'accept') expect(a.join).toMatchObject({ room: 'r', identity: 'alice', autoSubscribe: false, reconnect: true, sid: 'PA_1', clientProtocol: 16, sdkVersion: '2.23.0' });
  });

  it('takes the token from an Authorization header too', async () => {
    const a = await admit(new URL('http://x/rtc'), `Bearer ${await token()}`, 'v0', KEYS, () => true, '');
    expect(a.kind).toBe('accept');
  });
});

describe('server options', () => {
  it('defaults to port 7880 and devkey/secret, like livekit-server --dev', () => {
    expect(readOptions([], {})).toMatchObject({ port: 7880, keys: { devkey: 'secret' }, devTokens: true, headlessHost: false });
  });

  it('takes keys and port from the environment, and flags over the environment', () => {
    const o = readOptions(['--port', '9000'], { PORT: '8000', LIVEKIT_API_KEY: 'k', LIVEKIT_API_SECRET: 's' });
    expect(o).toMatchObject({ port: 9000, keys: { k: 's' } });
    expect(readOptions(['--api-key=a', '--api-secret=b', '--headless-host', '--no-dev-tokens'], {})).toMatchObject({ keys: { a: 'b' }, headlessHost: true, devTokens: false });
  });

  it('refuses a key without its secret, and unknown flags', () => {
    expect(() => readOptions([], { LIVEKIT_API_KEY: 'k' })).toThrow('both the API key and the API secret');
    expect(() => readOptions(['--prot', '1'], {})).toThrow('unknown flag --prot');
  });
});

describe('host link framing', () => {
  it('carries a connection id and the protobuf bytes untouched', () => {
    const payload = new Uint8Array([1, 2, 3, 250]);
    expect(unframeSignal(frameSignal(0xfffffffe, payload))).toEqual({ conn: 0xfffffffe, payload });
    expect(unframeSignal(new Uint8Array([1, 2]))).toBeNull();
  });
});
