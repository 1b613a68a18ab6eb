// One client signal connection, relayed by the server: decodes each SignalRequest, hands it to the
// participant in order, and encodes responses. A message that cannot be decoded, or that is not valid in
// the session's state, closes this connection only, with the reason; the participant waits to be resumed.
import {
  DisconnectReason,
  LeaveRequest,
  LeaveRequest_Action,
  Pong,
  RequestResponse,
  RequestResponse_Reason,
  SessionDescription,
  SignalRequest,
  SignalResponse,
} from '@livekit/protocol';
import { CLOSE_CODE, type JoinParams } from '../../src/shared/relay-protocol';
import { logger } from '../log';
import { type Participant, type SignalMessage, type SignalSink, SignalStateError } from '../rooms/participant';
import type { Room } from '../rooms/room';
import { simulateScenario } from '../rooms/scenarios';
import { ReferenceGuard } from '../telemetry/reference-count';

const log = logger('signal');

export interface SignalLinkPort {
  sendSignal(conn: number, payload: Uint8Array): void;
  closeClient(conn: number, code: number, reason: string): void;
}

export interface SessionHooks {
  /** The participant lost its signal connection without leaving. */
  signalLost(p: Participant, room: Room): void;
}

export class SignalSession implements SignalSink {
  readonly guard = new ReferenceGuard();
  participant: Participant | null = null;
  private room: Room | null = null;
  private closed = false;
  private queue: Promise<void> = Promise.resolve();

  constructor(readonly conn: number, private readonly link: SignalLinkPort, private readonly hooks: SessionHooks) {}

  /** Joins or resumes; returns the participant, or null when the room refused the client. */
  start(join: JoinParams, room: Room): Participant | null {
    const outcome = room.join(join, this);
    if (outcome.kind === 'refused') {
      log.warn(`${join.identity} refused in ${join.room}: ${outcome.message}`);
      // a client told to reconnect needs the leave; one that is turned away is better served by the close
      // reason, which livekit-client shows its user (a leave would only show the reason's enum)
      if (outcome.action !== LeaveRequest_Action.DISCONNECT) {
        this.send({ case: 'leave', value: new LeaveRequest({ reason: outcome.reason, action: outcome.action, canReconnect: true }) });
      }
      this.close(CLOSE_CODE.sessionEnded, outcome.message);
      return null;
    }
    this.room = room;
    this.participant = outcome.participant;
    room.observer.participantJoined(room.info(), outcome.participant.info(), this.guard);
    return outcome.participant;
  }

  send(message: SignalMessage): void {
    if (this.closed) return;
    this.link.sendSignal(this.conn, new SignalResponse({ message }).toBinary());
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.link.closeClient(this.conn, code, reason);
    this.detach();
  }

  /** The client's side closed (or the relay lost it). */
  clientClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.detach();
  }

  receive(payload: Uint8Array): void {
    if (this.closed) return;
    let req: SignalRequest;
    try {
      req = SignalRequest.fromBinary(payload);
    } catch (e) {
      this.fail(`malformed signal message: ${(e as Error).message}`);
      return;
    }
    // A leave is acted on at once: the client closes its socket right after sending it, and a leave queued behind an
    // offer still being answered (on /rtc/v1 a client's first offer is answered as it joins) would be dropped with
    // the socket, leaving the participant to wait out the resume window as if its network had gone.
    if (req.message.case === 'leave') {
      void this.dispatch(req);
      return;
    }
    this.enqueue(req);
  }

  /** The single-connection path's first offer, which came with the join request: handled as if it came after it. */
  receiveJoinOffer(offer: { sdp: string; id: number }): void {
    if (this.closed) return;
    this.enqueue(new SignalRequest({ message: { case: 'offer', value: new SessionDescription({ type: 'offer', sdp: offer.sdp, id: offer.id }) } }));
  }

  private enqueue(req: SignalRequest): void {
    this.queue = this.queue.then(() => this.dispatch(req)).catch((e: unknown) => {
      if (e instanceof SignalStateError) this.fail(e.message);
      else log.error(`handling ${req.message.case} failed: ${(e as Error)?.stack ?? e}`);
    });
  }

  private fail(reason: string): void {
    log.warn(`closing connection ${this.conn} (${this.participant?.identity ?? 'no participant'}): ${reason}`);
    this.close(CLOSE_CODE.malformed, reason);
  }

  /** The participant stays; it waits for a resume on a new connection. */
  private detach(): void {
    const p = this.participant;
    const room = this.room;
    this.participant = null;
    if (p && room) room.sessionEnded(p, this);
    if (p && room && p.session === this) {
      p.session = null;
      if (!p.isClosed && !p.migrating) this.hooks.signalLost(p, room);
    }
  }

  private async dispatch(req: SignalRequest): Promise<void> {
    const p = this.participant;
    const room = this.room;
    if (this.closed || !p || !room || p.session !== this) return;
    const m = req.message;
    switch (m.case) {
      case 'offer': return p.onPublisherOffer(m.value);
      case 'answer': return p.onSubscriberAnswer(m.value);
      case 'trickle': return p.onTrickle(m.value);
      case 'addTrack': return p.onAddTrack(m.value);
      case 'mute': return p.onMute(m.value);
      case 'subscription': return p.onUpdateSubscription(m.value);
      case 'trackSetting': return p.onTrackSettings(m.value);
      case 'syncState': return p.onSyncState(m.value);
      case 'subscriptionPermission': return p.onSubscriptionPermission(m.value);
      case 'simulate': return simulateScenario(room, p, m.value);
      case 'leave':
        room.remove(p, DisconnectReason.CLIENT_INITIATED);
        this.close(CLOSE_CODE.normal, 'client left');
        return;
      case 'ping':
        this.send({ case: 'pong', value: BigInt(Date.now()) });
        return;
      case 'pingReq':
        this.send({ case: 'pongResp', value: new Pong({ lastPingTimestamp: m.value.timestamp, timestamp: BigInt(Date.now()) }) });
        return;
      case 'updateMetadata': {
        const u = m.value;
        if (!p.grants.canUpdateOwnMetadata) {
          this.send({ case: 'requestResponse', value: new RequestResponse({ requestId: u.requestId, reason: RequestResponse_Reason.NOT_ALLOWED, message: 'the token does not allow updating metadata', request: { case: 'updateMetadata', value: u } }) });
          return;
        }
        p.updateMetadata(u);
        p.touch();
        room.participantChanged(p);
        this.send({ case: 'update', value: { participants: [p.info()] } as never });
        this.send({ case: 'requestResponse', value: new RequestResponse({ requestId: u.requestId, reason: RequestResponse_Reason.OK, request: { case: 'updateMetadata', value: u } }) });
        return;
      }
      default:
        // accepted and not acted on: layer choices (the host forwards one layer), audio and video track settings
        log.debug(`${p.identity}: ${m.case ?? 'empty'} request not handled`);
    }
  }
}
