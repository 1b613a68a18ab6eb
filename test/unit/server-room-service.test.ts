// The server's RoomService (LiveKit's Twirp API), started as `npm start` starts it, driven by livekit-server-sdk's
// RoomServiceClient and by plain requests; the host tabs are scripted ends of the real host link.
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { AccessToken, RoomServiceClient, type TwirpError, type VideoGrant } from 'livekit-server-sdk';
import { ListParticipantsRequest, ListParticipantsResponse, ParticipantInfo, Room } from '@livekit/protocol';
import { readOptions } from '../../server/config';
import { startServer, type RunningServer } from '../../server/main';
import { Relay } from '../../server/relay';
import { HOST_LINK_PATH, type Json, RELAY_PROTOCOL_VERSION, type ServerToHost } from '../../src/shared/relay-protocol';
import type { RoomServiceFailure, RoomServiceMethod } from '../../src/shared/room-service-methods';

const HOST_KEY = 'unit-test-host-key';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

type Answer = { response: Json } | { error: RoomServiceFailure } | 'silence';
type Script = (method: RoomServiceMethod, request: Record<string, Json>) => Answer;

/** A host tab as the server sees one: it says hello, reports its rooms and answers RoomService calls by a script. */
class ScriptedHost {
  readonly calls: { method: RoomServiceMethod; request: Record<string, Json> }[] = [];
  private constructor(private readonly ws: WebSocket, private readonly script: Script) {
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const msg = JSON.parse(String(data)) as ServerToHost;
      if (msg.kind !== 'room-service') return;
      const request = msg.request as Record<string, Json>;
      this.calls.push({ method: msg.method, request });
      const answer = this.script(msg.method, request);
      if (answer === 'silence') return;
      ws.send(JSON.stringify('error' in answer ? { kind: 'room-service-error', id: msg.id, error: answer.error } : { kind: 'room-service-reply', id: msg.id, response: answer.response }));
    });
  }

  static async open(url: string, script: Script, rooms: string[] = []): Promise<ScriptedHost> {
    const ws = new WebSocket(url);
    const welcomed = new Promise<void>((resolve) => ws.on('message', (data) => { if (String(data).includes('"welcome"')) resolve(); }));
    await new Promise<void>((resolve, reject) => { ws.on('open', resolve); ws.on('error', reject); });
    ws.send(JSON.stringify({ kind: 'hello', version: RELAY_PROTOCOL_VERSION }));
    await welcomed;
    const host = new ScriptedHost(ws, script);
    if (rooms.length) await host.report(rooms);
    return host;
  }

  /** Reports the host's rooms, and waits for the server to have read them (a round trip on the same link). */
  async report(rooms: string[]): Promise<void> {
    this.ws.send(JSON.stringify({ kind: 'rooms', rooms }));
    await new Promise((r) => setTimeout(r, 50));
  }

  close(): Promise<void> {
    return new Promise((resolve) => { this.ws.once('close', () => resolve()); this.ws.close(); });
  }
}

const room = (name: string) => new Room({ sid: `RM_${name}`, name }).toJson() as Json;

async function token(grant: VideoGrant, secret = 'secret'): Promise<string> {
  const at = new AccessToken('devkey', secret, { identity: 'backend', ttl: '10m' });
  at.addGrant(grant);
  return at.toJwt();
}

let server: RunningServer;
let base: string;
let hosts: ScriptedHost[] = [];
const api = () => new RoomServiceClient(base, 'devkey', 'secret');
const linkUrl = () => `${base.replace('http', 'ws')}${HOST_LINK_PATH}?key=${HOST_KEY}`;
const openHost = async (script: Script, rooms: string[] = []) => {
  const h = await ScriptedHost.open(linkUrl(), script, rooms);
  hosts.push(h);
  return h;
};

/** A Twirp request as any client could send it, with the answer's status, content type and body. */
async function post(method: string, body: Uint8Array<ArrayBuffer> | string, headers: Record<string, string>) {
  const res = await fetch(`${base}/twirp/livekit.RoomService/${method}`, { method: 'POST', headers, body });
  return { status: res.status, type: res.headers.get('content-type'), bytes: new Uint8Array(await res.arrayBuffer()) };
}
const json = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('the call succeeded'); }, (e: TwirpError) => e);

beforeAll(async () => {
  server = await startServer(readOptions(['--port', '0', '--bind', '127.0.0.1', '--host-key', HOST_KEY, '--public-url', 'http://localhost'], {}), ROOT, () => {});
  base = `http://127.0.0.1:${server.port}`;
});
afterEach(async () => {
  for (const h of hosts) await h.close();
  hosts = [];
  // the server forgets a host once its link has closed
  await new Promise((r) => setTimeout(r, 50));
});
afterAll(() => server.close());

describe('RoomService authentication and grants', () => {
  it('refuses a call without a token as unauthenticated, in Twirp\'s shape with the exact JSON content type', async () => {
    const r = await post('ListRooms', '{}', { 'content-type': 'application/json' });
    expect(r.status).toBe(401);
    expect(r.type).toBe('application/json');
    expect(json(r.bytes)).toEqual({ code: 'unauthenticated', msg: expect.stringContaining('no access token') });
  });

  it('refuses a token signed with another secret as unauthenticated, and says why', async () => {
    const e = await failure(new RoomServiceClient(base, 'devkey', 'not-the-secret').listRooms());
    expect(e).toMatchObject({ status: 401, code: 'unauthenticated' });
    expect(e.message).toContain('signature is invalid');
  });

  it('needs roomCreate to create and delete, roomList to list and roomAdmin of that very room for the rest', async () => {
    await openHost(() => ({ response: {} }), ['a', 'b']);
    const admin = { authorization: `Bearer ${await token({ room: 'a', roomAdmin: true })}`, 'content-type': 'application/json' };
    const create = await post('CreateRoom', '{"name":"a"}', admin);
    expect(create.status).toBe(403);
    expect(json(create.bytes)).toEqual({ code: 'permission_denied', msg: 'CreateRoom needs a token with the roomCreate grant' });
    expect(json((await post('DeleteRoom', '{"room":"a"}', admin)).bytes).msg).toContain('roomCreate');
    expect(json((await post('ListRooms', '{}', admin)).bytes).msg).toContain('roomList');
    const other = await post('ListParticipants', '{"room":"b"}', admin);
    expect(other.status).toBe(403);
    expect(json(other.bytes).msg).toBe('ListParticipants: the token administers room "a", not "b"');
    const lister = { ...admin, authorization: `Bearer ${await token({ roomList: true })}` };
    expect(json((await post('UpdateRoomMetadata', '{"room":"a","metadata":"m"}', lister)).bytes)).toEqual({ code: 'permission_denied', msg: 'UpdateRoomMetadata needs a token with the roomAdmin grant for room "a"' });
    expect((await post('ListParticipants', '{"room":"a"}', admin)).status).toBe(200);
  });
});

describe('RoomService routing to host tabs', () => {
  it('answers unavailable at once when no host tab is open, saying to open /host (the SDK does not retry on localhost)', async () => {
    const started = Date.now();
    const e = await failure(api().listRooms());
    expect(e).toMatchObject({ status: 503, code: 'unavailable' });
    expect(e.message).toContain(`no host tab is open: open http://localhost:${server.port}/host`);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('answers not_found, naming the room, for a room no host serves', async () => {
    const host = await openHost(() => ({ response: {} }), ['elsewhere']);
    for (const call of [api().listParticipants('nowhere'), api().deleteRoom('nowhere'), api().getParticipant('nowhere', 'ana')]) {
      const e = await failure(call);
      expect(e).toMatchObject({ status: 404, code: 'not_found' });
      expect(e.message).toBe('room "nowhere" does not exist: no host tab serves it');
    }
    expect(host.calls).toEqual([]);
  });

  it('creates a room on the least loaded host, and sends later calls for that room to the same host', async () => {
    const busy = await openHost((m, req) => ({ response: m === 'CreateRoom' ? room(String(req.name)) : {} }), ['one', 'two']);
    const idle = await openHost((m, req) => ({ response: m === 'CreateRoom' ? room(String(req.name)) : new ParticipantInfo({ identity: 'ana' }).toJson() as Json }));
    const created = await api().createRoom({ name: 'fresh', emptyTimeout: 30, maxParticipants: 4, metadata: 'topic' });
    expect(created).toMatchObject({ name: 'fresh', sid: 'RM_fresh' });
    expect(idle.calls[0]).toEqual({ method: 'CreateRoom', request: { name: 'fresh', emptyTimeout: 30, maxParticipants: 4, metadata: 'topic' } });
    expect((await api().getParticipant('fresh', 'ana')).identity).toBe('ana');
    expect(idle.calls.map((c) => c.method)).toEqual(['CreateRoom', 'GetParticipant']);
    expect(busy.calls).toEqual([]);
  });

  it('asks every host for ListRooms and merges their rooms', async () => {
    await openHost(() => ({ response: { rooms: [room('one')] } }), ['one']);
    await openHost(() => ({ response: { rooms: [room('two')] } }), ['two']);
    expect((await api().listRooms()).map((r) => r.name).sort()).toEqual(['one', 'two']);
  });

  it('passes a host\'s failure on in Twirp\'s shape, with the status of its code', async () => {
    await openHost(() => ({ error: { code: 'not_found', msg: 'participant "zed" is not in room "r"' } }), ['r']);
    const e = await failure(api().removeParticipant('r', 'zed'));
    expect(e).toMatchObject({ status: 404, code: 'not_found', message: 'participant "zed" is not in room "r"' });
  });
});

describe('RoomService bodies', () => {
  it('answers a protobuf request in protobuf and a JSON request in JSON, with the host\'s answer', async () => {
    const answer = new ListParticipantsResponse({ participants: [new ParticipantInfo({ identity: 'ana', metadata: 'm' })] });
    const host = await openHost(() => ({ response: answer.toJson() as Json }), ['r']);
    const headers = { authorization: `Bearer ${await token({ room: 'r', roomAdmin: true })}` };
    const binary = await post('ListParticipants', new ListParticipantsRequest({ room: 'r' }).toBinary() as Uint8Array<ArrayBuffer>, { ...headers, 'content-type': 'application/protobuf' });
    expect(binary).toMatchObject({ status: 200, type: 'application/protobuf' });
    expect(ListParticipantsResponse.fromBinary(binary.bytes).participants[0]).toMatchObject({ identity: 'ana', metadata: 'm' });
    const text = await post('ListParticipants', '{"room":"r"}', { ...headers, 'content-type': 'application/json;charset=UTF-8' });
    expect(text).toMatchObject({ status: 200, type: 'application/json' });
    expect(json(text.bytes)).toEqual({ participants: [{ identity: 'ana', metadata: 'm' }] });
    expect(host.calls.map((c) => c.request)).toEqual([{ room: 'r' }, { room: 'r' }]);
  });

  it('refuses a body it cannot decode as malformed, a wrong path or content type as bad_route, and LiveKit methods it lacks as unimplemented', async () => {
    const auth = { authorization: `Bearer ${await token({ room: 'r', roomAdmin: true, roomList: true })}` };
    const bad = await post('ListParticipants', '{"room": 7', { ...auth, 'content-type': 'application/json' });
    expect(bad.status).toBe(400);
    expect(json(bad.bytes).code).toBe('malformed');
    expect(json((await post('ListParticipants', new Uint8Array([0xff, 0xff, 0xff]), { ...auth, 'content-type': 'application/protobuf' })).bytes).code).toBe('malformed');
    const unknown = await post('Teleport', '{}', { ...auth, 'content-type': 'application/json' });
    expect([unknown.status, json(unknown.bytes).code]).toEqual([404, 'bad_route']);
    expect(json((await post('ListRooms', '{}', { ...auth, 'content-type': 'text/plain' })).bytes).code).toBe('bad_route');
    const unserved = await post('MoveParticipant', '{}', { ...auth, 'content-type': 'application/json' });
    expect([unserved.status, json(unserved.bytes).code]).toEqual([501, 'unimplemented']);
    const get = await fetch(`${base}/twirp/livekit.RoomService/ListRooms`);
    expect([get.status, ((await get.json()) as { code: string }).code]).toEqual([404, 'bad_route']);
  });

  it('refuses a request without the room or identity it needs as invalid_argument, before any host is asked', async () => {
    const host = await openHost(() => ({ response: {} }), ['r']);
    const e = await failure(api().getParticipant('r', ''));
    expect(e).toMatchObject({ status: 400, code: 'invalid_argument', message: 'GetParticipant needs a participant identity' });
    expect(host.calls).toEqual([]);
  });
});

describe('the relay\'s RoomService calls', () => {
  it('fail as unavailable when the host does not answer in time, or closes before it answers', async () => {
    const relay = new Relay('test', 'http://example.org', { info: () => {}, warn: () => {} });
    relay.roomServiceTimeoutMs = 50;
    const wss = new WebSocketServer({ port: 0 });
    wss.on('connection', (ws) => relay.attachHost(ws));
    const silent = await ScriptedHost.open(`ws://127.0.0.1:${(wss.address() as { port: number }).port}`, () => 'silence');
    const [link] = relay.readyHosts;
    await expect(relay.callHost(link, 'ListRooms', {})).rejects.toMatchObject({ code: 'unavailable', message: expect.stringContaining('did not answer ListRooms within 50 ms') });
    relay.roomServiceTimeoutMs = 10_000;
    const pending = expect(relay.callHost(link, 'ListRooms', {})).rejects.toMatchObject({ code: 'unavailable', message: expect.stringContaining('closed before it answered') });
    await silent.close();
    await pending;
    wss.close();
  });
});
