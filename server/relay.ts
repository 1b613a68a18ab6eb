// Pipes client signal connections to the host tab that serves their room. The relay never decodes signal
// payloads and never sees media: it only knows which connection belongs to which host.
import type { WebSocket, RawData } from 'ws';
import {
  CLOSE_CODE,
  RELAY_PROTOCOL_VERSION,
  frameSignal,
  unframeSignal,
  type HostToServer,
  type IceServerConfig,
  type JoinParams,
  type Json,
  type ServerToHost,
} from '../src/shared/relay-protocol.js';
import { RoomServiceError, type RoomServiceMethod } from '../src/shared/room-service-methods.js';
import type { PayloadNumbering } from '../src/shared/payload-numbering.js';

/** How long a host tab has to answer a RoomService call before the caller is told it is unavailable. */
export const ROOM_SERVICE_TIMEOUT_MS = 5000;

interface PendingCall {
  resolve(response: Json): void;
  reject(error: RoomServiceError): void;
  timer: ReturnType<typeof setTimeout>;
}

export interface HostLink {
  id: string;
  ws: WebSocket;
  ready: boolean;
  rooms: Set<string>;
  conns: Set<number>;
  /** RoomService calls sent to this host and not answered yet, by id. */
  calls: Map<number, PendingCall>;
  /** Sends the host fresh ICE servers before its TURN credentials expire. */
  iceRenewal?: ReturnType<typeof setInterval>;
  /** How the host's browser numbers codecs, when it serves the single-connection path (`/rtc/v1`). */
  singleConnection?: PayloadNumbering;
}

interface ClientConn {
  id: number;
  ws: WebSocket;
  host: HostLink;
  room: string;
  identity: string;
}

export interface RelayLog {
  info(msg: string): void;
  warn(msg: string): void;
}

export class Relay {
  private hosts: HostLink[] = [];
  private roomHost = new Map<string, HostLink>();
  private conns = new Map<number, ClientConn>();
  private nextConn = 1;
  private nextHost = 1;
  private nextCall = 1;
  /** How long a host has to answer a RoomService call (shortened by tests). */
  roomServiceTimeoutMs = ROOM_SERVICE_TIMEOUT_MS;

  constructor(
    private readonly serverVersion: string,
    private readonly publicUrl: string,
    private readonly log: RelayLog,
    /** Where the host's webhook events go (the notifier); by default nowhere. */
    private readonly onWebhook: (body: string) => void = () => {},
    /** ICE servers (with fresh TURN credentials) for a session of that name; by default none. */
    private readonly iceServers: (session: string) => IceServerConfig[] = () => [],
    /**
     * How often a host is sent fresh ICE servers: a host tab outlives its TURN credentials (a client gets new ones
     * each time it connects). Null (the default) when they do not expire.
     */
    private readonly iceRenewMs: number | null = null,
  ) {}

  get hostCount(): number {
    return this.hosts.filter((h) => h.ready).length;
  }

  /** The host that serves `room`, or the least loaded one for a new room; null when no host tab is open. */
  hostFor(room: string): HostLink | null {
    const current = this.roomHost.get(room);
    if (current) return current;
    let best: HostLink | null = null;
    for (const h of this.hosts) if (h.ready && (!best || h.rooms.size < best.rooms.size)) best = h;
    return best;
  }

  /** The host tab that serves `room` now, or null when no host does. */
  hostServing(room: string): HostLink | null {
    return this.roomHost.get(room) ?? null;
  }

  /** Every host tab that has said hello. */
  get readyHosts(): HostLink[] {
    return this.hosts.filter((h) => h.ready);
  }

  /** Sends a RoomService call to a host tab and waits for its answer; rejects with a RoomServiceError. */
  callHost(host: HostLink, method: RoomServiceMethod, request: Json): Promise<Json> {
    if (!host.ready || host.ws.readyState !== host.ws.OPEN) return Promise.reject(new RoomServiceError('unavailable', `the host tab ${host.id} is not connected`));
    const id = this.nextCall++;
    return new Promise<Json>((resolve, reject) => {
      const timer = setTimeout(() => {
        host.calls.delete(id);
        reject(new RoomServiceError('unavailable', `the host tab did not answer ${method} within ${this.roomServiceTimeoutMs} ms (a host page older than the server does not know the call: reload it)`));
      }, this.roomServiceTimeoutMs);
      host.calls.set(id, { resolve, reject, timer });
      this.toHost(host, { kind: 'room-service', id, method, request });
    });
  }

  /** A room a host created for a RoomService call is that host's from now on, as a client's first join makes it. */
  claimRoom(host: HostLink, room: string): void {
    if (this.roomHost.has(room) || !this.hosts.includes(host)) return;
    host.rooms.add(room);
    this.roomHost.set(room, host);
  }

  attachHost(ws: WebSocket): void {
    const host: HostLink = { id: `host-${this.nextHost++}`, ws, ready: false, rooms: new Set(), conns: new Set(), calls: new Map() };
    this.hosts.push(host);
    ws.on('message', (data, isBinary) => this.fromHost(host, data, isBinary));
    ws.on('close', () => this.detachHost(host));
    ws.on('error', (e) => this.log.warn(`${host.id} link error: ${e.message}`));
  }

  attachClient(ws: WebSocket, join: JoinParams): void {
    const host = this.hostFor(join.room);
    if (!host) {
      ws.close(CLOSE_CODE.hostGone, 'no host tab is open');
      return;
    }
    const conn: ClientConn = { id: this.nextConn++, ws, host, room: join.room, identity: join.identity };
    join = { ...join, iceServers: this.iceServers(`client-${conn.id}`) };
    this.conns.set(conn.id, conn);
    host.conns.add(conn.id);
    // a room belongs to its host from the first connection on, so that later joiners meet the same host
    if (!host.rooms.has(join.room)) {
      host.rooms.add(join.room);
      this.roomHost.set(join.room, host);
    }
    this.toHost(host, { kind: 'client-open', conn: conn.id, join });
    ws.on('message', (data, isBinary) => {
      if (!isBinary) {
        ws.close(CLOSE_CODE.malformed, 'tabsfu accepts binary protobuf signal messages only');
        return;
      }
      if (host.ws.readyState === host.ws.OPEN) host.ws.send(frameSignal(conn.id, toBytes(data)));
    });
    ws.on('close', (code, reason) => {
      if (!this.conns.delete(conn.id)) return;
      host.conns.delete(conn.id);
      this.toHost(host, { kind: 'client-closed', conn: conn.id, code, reason: reason.toString() });
    });
    ws.on('error', () => { /* the close event follows and reports it */ });
  }

  /** Drops a participant's signal connections at once, as a network cut would: no close frame. */
  cutSignal(room: string, identity: string): number {
    let cut = 0;
    for (const conn of this.conns.values()) {
      if (conn.room !== room || conn.identity !== identity) continue;
      conn.ws.terminate();
      cut++;
    }
    return cut;
  }

  private fromHost(host: HostLink, data: RawData, isBinary: boolean): void {
    if (isBinary) {
      const framed = unframeSignal(toBytes(data));
      const conn = framed && this.conns.get(framed.conn);
      if (conn && conn.host === host && conn.ws.readyState === conn.ws.OPEN) conn.ws.send(framed.payload);
      return;
    }
    let msg: HostToServer;
    try {
      msg = JSON.parse(data.toString()) as HostToServer;
    } catch {
      this.log.warn(`${host.id} sent a text frame that is not JSON; ignored`);
      return;
    }
    switch (msg.kind) {
      case 'hello':
        if (msg.version !== RELAY_PROTOCOL_VERSION) {
          host.ws.close(CLOSE_CODE.linkVersion, `host page speaks link version ${msg.version}, server ${RELAY_PROTOCOL_VERSION}: reload the host page`);
          return;
        }
        host.ready = true;
        host.singleConnection = msg.singleConnection;
        this.toHost(host, { kind: 'welcome', version: RELAY_PROTOCOL_VERSION, hostId: host.id, serverVersion: this.serverVersion, publicUrl: this.publicUrl, iceServers: this.iceServers(host.id) });
        if (this.iceRenewMs !== null && !host.iceRenewal) {
          host.iceRenewal = setInterval(() => this.toHost(host, { kind: 'ice-servers', iceServers: this.iceServers(host.id) }), this.iceRenewMs);
          host.iceRenewal.unref?.();
        }
        this.log.info(`${host.id} connected (${this.hostCount} host tab${this.hostCount === 1 ? '' : 's'} open)`);
        return;
      case 'close-client': {
        const conn = this.conns.get(msg.conn);
        if (conn && conn.host === host) conn.ws.close(msg.code, truncateReason(msg.reason));
        return;
      }
      case 'webhook':
        if (typeof msg.body === 'string' && isWebhookEvent(msg.body)) this.onWebhook(msg.body);
        else this.log.warn(`${host.id} sent a webhook that is not a WebhookEvent; not delivered`);
        return;
      case 'room-service-reply':
      case 'room-service-error': {
        const call = host.calls.get(msg.id);
        if (!call) return;
        host.calls.delete(msg.id);
        clearTimeout(call.timer);
        if (msg.kind === 'room-service-reply') call.resolve(msg.response);
        else call.reject(new RoomServiceError(msg.error?.code ?? 'internal', msg.error?.msg ?? 'the host tab failed the call'));
        return;
      }
      case 'rooms': {
        const now = new Set(msg.rooms);
        // rooms started on the host itself (its page, a RoomService CreateRoom) are its own, as joined ones are
        for (const room of now) this.claimRoom(host, room);
        for (const room of host.rooms) {
          if (!now.has(room) && !this.hasClientsIn(host, room)) {
            host.rooms.delete(room);
            if (this.roomHost.get(room) === host) this.roomHost.delete(room);
          }
        }
        return;
      }
    }
  }

  private hasClientsIn(host: HostLink, room: string): boolean {
    for (const id of host.conns) if (this.conns.get(id)?.room === room) return true;
    return false;
  }

  private detachHost(host: HostLink): void {
    clearInterval(host.iceRenewal);
    this.hosts = this.hosts.filter((h) => h !== host);
    for (const call of host.calls.values()) {
      clearTimeout(call.timer);
      call.reject(new RoomServiceError('unavailable', 'the host tab serving this room closed before it answered'));
    }
    host.calls.clear();
    for (const room of host.rooms) if (this.roomHost.get(room) === host) this.roomHost.delete(room);
    for (const id of host.conns) {
      const conn = this.conns.get(id);
      this.conns.delete(id);
      conn?.ws.close(CLOSE_CODE.hostGone, 'the host tab serving this room closed');
    }
    if (host.ready) this.log.warn(`${host.id} disconnected (${this.hostCount} host tab${this.hostCount === 1 ? '' : 's'} open)`);
  }

  private toHost(host: HostLink, msg: ServerToHost): void {
    if (host.ws.readyState === host.ws.OPEN) host.ws.send(JSON.stringify(msg));
  }
}

function isWebhookEvent(body: string): boolean {
  try {
    const e = JSON.parse(body) as { event?: unknown };
    return typeof e === 'object' && e !== null && typeof e.event === 'string' && e.event.length > 0;
  } catch {
    return false;
  }
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** WebSocket close reasons are limited to 123 bytes. */
export function truncateReason(reason: string): string {
  const bytes = Buffer.from(reason);
  return bytes.byteLength <= 123 ? reason : bytes.subarray(0, 110).toString() + '...';
}
