// The host's root object in the worker: rooms by name, signal sessions by relay connection, participants by
// sid, and the host view the page renders.
import { DisconnectReason } from '@livekit/protocol';
import type { HostAction, HostView, PeerStatsSample } from '../src/shared/host-bridge';
import { type JoinParams, type ServerToHost, isTurnUrl } from '../src/shared/relay-protocol';
import { HostLink } from './host-link';
import { logger } from './log';
import type { Participant } from './rooms/participant';
import { Room } from './rooms/room';
import type { HostServices } from './rooms/room-context';
import { type RoomDirectory, carryOutRoomService } from './rooms/room-service';
import { RoomServiceError } from '../src/shared/room-service-methods';
import { SignalSession } from './signal/session';

const log = logger('sfu');

export class HostActionError extends Error {
  override name = 'HostActionError';
}

/** The host's own version, reported in serverInfo.nodeId. */
export const TABSFU_VERSION = '0.1.0';

export class Sfu {
  private rooms = new Map<string, Room>();
  private sessions = new Map<number, SignalSession>();
  private participants = new Map<string, Participant>();
  private resumeTimers = new Map<Participant, ReturnType<typeof setTimeout>>();
  private link: HostLink;
  private view: HostView;
  private viewTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    linkUrl: string,
    private readonly services: HostServices,
    private readonly onView: (view: HostView) => void,
  ) {
    this.view = { linkState: 'connecting', linkError: '', warning: '', hostId: '', publicUrl: '', route: services.settings.route, rooms: [] };
    this.link = new HostLink(linkUrl, services.numbering, {
      welcome: (m) => {
        this.view.hostId = m.hostId;
        this.view.publicUrl = m.publicUrl;
        void this.services.commands.setIceServers(m.iceServers ?? [], this.services.settings.iceTransportPolicy);
        const relayOnly = this.services.settings.iceTransportPolicy === 'relay';
        this.view.warning = relayOnly && !(m.iceServers ?? []).some((s) => s.urls.some(isTurnUrl))
          ? 'iceTransportPolicy=relay, but the server gives no TURN server: nobody can connect (start it with --turn or --ice-server)'
          : '';
        if (this.view.warning) log.warn(this.view.warning);
        this.viewChanged();
      },
      iceServers: (servers) => void this.services.commands.setIceServers(servers, this.services.settings.iceTransportPolicy),
      clientOpen: (m) => this.clientOpen(m),
      clientClosed: (conn) => {
        const s = this.sessions.get(conn);
        this.sessions.delete(conn);
        s?.clientClosed();
      },
      signal: (conn, payload) => this.sessions.get(conn)?.receive(payload),
      roomService: (m) => this.roomService(m),
      stateChanged: (state, error) => {
        this.view.linkState = state;
        this.view.linkError = error;
        if (state === 'closed') this.linkLost();
        this.viewChanged();
      },
    });
    this.link.connect();
    setInterval(() => this.viewChanged(), 1000);
  }

  participant(sid: string): Participant | undefined {
    return this.participants.get(sid);
  }

  get roomList(): Room[] {
    return [...this.rooms.values()];
  }

  /** A stats round's samples: each room scores its participants' connection quality. */
  qualityRound(samples: PeerStatsSample[]): void {
    const now = Date.now();
    for (const room of this.rooms.values()) room.qualityRound(samples, now);
  }

  /** Hands an event to the server, which signs it and delivers it to the configured webhook URLs. */
  sendWebhook(body: string): void {
    this.link.sendWebhook(body);
  }

  /** Host controls: each participant affected gets the leave reason LiveKit would send. */
  hostAction(action: HostAction): void {
    if (action.kind === 'create-room') {
      this.roomNamed(action.room, {});
      this.viewChanged();
      return;
    }
    const room = this.rooms.get(action.room);
    if (!room) throw new HostActionError(`no room ${action.room}`);
    switch (action.kind) {
      case 'close-room':
        room.close(DisconnectReason.ROOM_DELETED);
        break;
      case 'remove-participant': {
        const p = room.bySid(action.participantSid);
        if (!p) throw new HostActionError(`no participant ${action.participantSid} in ${action.room}`);
        room.remove(p, DisconnectReason.PARTICIPANT_REMOVED);
        break;
      }
      case 'mute-track':
        if (!room.muteTrack(action.trackSid, action.muted)) throw new HostActionError(`no track ${action.trackSid} in ${action.room}`);
        break;
    }
    this.viewChanged();
  }

  /** A RoomService call the server authorised (LiveKit's server API): carried out here, answered over the link. */
  private roomService({ id, method, request }: Extract<ServerToHost, { kind: 'room-service' }>): void {
    const rooms: RoomDirectory = {
      room: (name) => {
        const room = this.rooms.get(name);
        return room && !room.isClosed ? room : undefined;
      },
      rooms: () => this.roomList.filter((r) => !r.isClosed),
      create: (name, config) => this.roomNamed(name, config),
    };
    try {
      this.link.replyRoomService(id, carryOutRoomService(method, request, rooms));
    } catch (e) {
      if (!(e instanceof RoomServiceError)) log.error(`RoomService ${method} failed: ${(e as Error).stack ?? e}`);
      this.link.failRoomService(id, e instanceof RoomServiceError ? e.failure : { code: 'internal', msg: `the host tab failed ${method}: ${(e as Error).message ?? e}` });
    }
    this.viewChanged();
  }

  /** The open room of that name, created (as LiveKit's auto-create does) when there is none. */
  private roomNamed(name: string, config: JoinParams['roomConfig']): Room {
    let room = this.rooms.get(name);
    if (!room || room.isClosed) {
      room = new Room(name, config, this.services, { hostId: this.view.hostId, version: TABSFU_VERSION }, (r) => this.roomClosed(r));
      this.rooms.set(name, room);
      this.reportRooms();
      log.info(`room ${name} created`);
    }
    return room;
  }

  private clientOpen({ conn, join }: Extract<ServerToHost, { kind: 'client-open' }>): void {
    const room = this.roomNamed(join.room, join.roomConfig);
    const session = new SignalSession(conn, this.link, {
      signalLost: (p, r) => this.awaitResume(p, r),
    });
    this.sessions.set(conn, session);
    const p = session.start(join, room);
    const firstOffer = join.singleConnection?.offer;
    if (p && firstOffer) session.receiveJoinOffer(firstOffer);
    if (p) {
      this.participants.set(p.sid, p);
      const timer = this.resumeTimers.get(p);
      if (timer) clearTimeout(timer);
      this.resumeTimers.delete(p);
    }
    this.viewChanged();
  }

  private awaitResume(p: Participant, room: Room): void {
    log.info(`${p.identity} lost its signal connection; waiting ${this.services.settings.resumeWindowMs} ms for a resume`);
    this.resumeTimers.set(p, setTimeout(() => {
      this.resumeTimers.delete(p);
      if (!p.session && !p.isClosed) room.remove(p, DisconnectReason.SIGNAL_CLOSE);
      this.forget(p);
      this.viewChanged();
    }, this.services.settings.resumeWindowMs));
  }

  private forget(p: Participant): void {
    if (p.isClosed && this.participants.get(p.sid) === p) this.participants.delete(p.sid);
  }

  private roomClosed(room: Room): void {
    if (this.rooms.get(room.name) === room) this.rooms.delete(room.name);
    for (const [sid, p] of this.participants) if (p.isClosed) this.participants.delete(sid);
    this.reportRooms();
    this.viewChanged();
  }

  /** Without the server, no client can reach this host: end every room so a restarted server starts clean. */
  private linkLost(): void {
    for (const s of this.sessions.values()) s.clientClosed();
    this.sessions.clear();
    for (const room of [...this.rooms.values()]) room.close(DisconnectReason.SERVER_SHUTDOWN);
  }

  private reportRooms(): void {
    this.link.reportRooms([...this.rooms.keys()]);
  }

  /** Coalesces view updates; the page re-renders at most every 200 ms. */
  viewChanged(): void {
    if (this.viewTimer) return;
    this.viewTimer = setTimeout(() => {
      this.viewTimer = null;
      for (const [sid, p] of this.participants) if (p.isClosed) this.participants.delete(sid);
      this.view.rooms = [...this.rooms.values()].map((r) => r.view());
      this.onView(structuredClone(this.view));
    }, 200);
  }
}
