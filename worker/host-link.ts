// The worker's WebSocket to the server: every relayed client connection arrives over it. When the server
// restarts, the link reconnects by itself; rooms on this host end, because their clients' connections ended. A server
// restarted with another host key (the default key is new at each start) closes the link with 4005, and the page
// stays stopped, saying to open the host URL the server printed.
import {
  CLOSE_CODE,
  type HostToServer,
  type IceServerConfig,
  type Json,
  RELAY_PROTOCOL_VERSION,
  type ServerToHost,
  frameSignal,
  unframeSignal,
} from '../src/shared/relay-protocol';
import type { RoomServiceFailure } from '../src/shared/room-service-methods';
import { logger } from './log';
import type { PayloadNumbering } from '../src/shared/payload-numbering';

const log = logger('host-link');

export interface LinkHandlers {
  welcome(msg: Extract<ServerToHost, { kind: 'welcome' }>): void;
  iceServers(servers: IceServerConfig[]): void;
  clientOpen(msg: Extract<ServerToHost, { kind: 'client-open' }>): void;
  clientClosed(conn: number): void;
  signal(conn: number, payload: Uint8Array): void;
  /** A RoomService call from the server; answered with replyRoomService or failRoomService. */
  roomService(msg: Extract<ServerToHost, { kind: 'room-service' }>): void;
  stateChanged(state: 'connecting' | 'open' | 'closed', error: string): void;
}

export class HostLink {
  private ws: WebSocket | null = null;
  private retryMs = 500;
  private stopped = false;

  constructor(private readonly url: string, private readonly singleConnection: PayloadNumbering | null, private readonly handlers: LinkHandlers) {}

  connect(): void {
    if (this.stopped) return;
    this.handlers.stateChanged('connecting', '');
    const ws = new WebSocket(this.url);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.onopen = () => {
      this.retryMs = 500;
      this.send({ kind: 'hello', version: RELAY_PROTOCOL_VERSION, ...(this.singleConnection ? { singleConnection: this.singleConnection } : {}) });
    };
    ws.onmessage = (e) => this.receive(e.data);
    ws.onclose = (e) => {
      if (this.ws !== ws) return;
      this.ws = null;
      const why = e.reason || `closed with code ${e.code}`;
      this.handlers.stateChanged('closed', why);
      // a wrong key stays wrong: trying again would only knock on the door every 10 s
      if (e.code === CLOSE_CODE.hostKey) this.stopped = true;
      if (this.stopped) return;
      log.warn(`link to the server closed (${why}); retrying in ${this.retryMs} ms`);
      setTimeout(() => this.connect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 10_000);
    };
  }

  stop(): void {
    this.stopped = true;
    this.ws?.close(1000, 'host stopping');
  }

  sendSignal(conn: number, payload: Uint8Array): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(frameSignal(conn, payload));
  }

  closeClient(conn: number, code: number, reason: string): void {
    this.send({ kind: 'close-client', conn, code, reason });
  }

  sendWebhook(body: string): void {
    this.send({ kind: 'webhook', body });
  }

  replyRoomService(id: number, response: Json): void {
    this.send({ kind: 'room-service-reply', id, response });
  }

  failRoomService(id: number, error: RoomServiceFailure): void {
    this.send({ kind: 'room-service-error', id, error });
  }

  reportRooms(rooms: string[]): void {
    this.send({ kind: 'rooms', rooms });
  }

  private send(msg: HostToServer): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  private receive(data: unknown): void {
    if (data instanceof ArrayBuffer) {
      const framed = unframeSignal(new Uint8Array(data));
      if (framed) this.handlers.signal(framed.conn, framed.payload);
      return;
    }
    let msg: ServerToHost;
    try {
      msg = JSON.parse(String(data)) as ServerToHost;
    } catch {
      log.warn('server sent a text frame that is not JSON; ignored');
      return;
    }
    switch (msg.kind) {
      case 'welcome':
        this.handlers.stateChanged('open', '');
        this.handlers.welcome(msg);
        return;
      case 'ice-servers':
        this.handlers.iceServers(msg.iceServers ?? []);
        return;
      case 'client-open':
        this.handlers.clientOpen(msg);
        return;
      case 'client-closed':
        this.handlers.clientClosed(msg.conn);
        return;
      case 'room-service':
        this.handlers.roomService(msg);
        return;
    }
  }
}
