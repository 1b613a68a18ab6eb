// A participant in a room: who it is, what it may do, its two peer connections and its subscriptions. It
// outlives its signal connection: when the WebSocket drops, the participant waits for the client to resume.
import {
  type AddTrackRequest,
  DisconnectReason,
  LeaveRequest,
  LeaveRequest_Action,
  type MuteTrackRequest,
  ParticipantInfo_State,
  RequestResponse,
  RequestResponse_Reason,
  SessionDescription,
  type SignalResponse,
  SignalTarget,
  SubscriptionError,
  SubscriptionResponse,
  TrackPublishedResponse,
  TrackSource,
  TrackType,
  TrickleRequest,
  type UpdateSubscription,
  type UpdateTrackSettings,
} from '@livekit/protocol';
import type { JoinParams } from '../../src/shared/relay-protocol';
import type { IceCandidateJson, PeerSide, PeerState } from '../../src/shared/host-bridge';
import { newSid } from '../ids';
import { logger } from '../log';
import { UpTrack } from '../media/up-track';
import { DownPeer, type DownBinding } from '../peers/down-peer';
import { UpPeer, UpOfferError } from '../peers/up-peer';
import { participantInfo } from '../signal/proto';
import { SubscriptionManager } from '../tracks/subscription-manager';
import type { RoomContext } from './room-context';

const log = logger('participant');

export type SignalMessage = SignalResponse['message'];

/** The signal connection a participant currently talks through. */
export interface SignalSink {
  readonly conn: number;
  send(message: SignalMessage): void;
  close(code: number, reason: string): void;
}

/** Raised for a request that is well formed but not valid now; the session closes with this reason. */
export class SignalStateError extends Error {
  override name = 'SignalStateError';
}

export class Participant {
  readonly sid = newSid('PA_');
  readonly identity: string;
  name: string;
  metadata: string;
  attributes: Record<string, string>;
  readonly grants: JoinParams['grants'];
  readonly clientProtocol: number;
  readonly autoSubscribe: boolean;
  readonly joinedAtMs = Date.now();
  state = ParticipantInfo_State.JOINING;
  version = 1;
  session: SignalSink | null;
  readonly up: UpPeer;
  readonly down: DownPeer;
  readonly subscriptions: SubscriptionManager<DownBinding>;
  /** Published tracks by sid, from AddTrack until unpublished. */
  private tracks = new Map<string, UpTrack>();
  private closed = false;

  constructor(join: JoinParams, session: SignalSink, private readonly room: RoomContext) {
    this.identity = join.identity;
    this.name = join.name;
    this.metadata = join.metadata;
    this.attributes = { ...join.attributes };
    this.grants = join.grants;
    this.clientProtocol = join.clientProtocol;
    this.autoSubscribe = join.autoSubscribe;
    this.session = session;
    this.up = new UpPeer(this.sid, room.commands);
    this.down = new DownPeer(this.sid, room.commands, room.forwarder, room.settings.route, (sdp, id, midToTrackId) =>
      this.send({ case: 'offer', value: new SessionDescription({ type: 'offer', sdp, id, midToTrackId }) }),
    );
    this.subscriptions = new SubscriptionManager<DownBinding>(
      {
        sid: this.sid,
        bind: (t) => this.down.bind(t),
        unbind: (b, release) => this.down.unbind(b, release),
        subscribeFailed: (trackSid, reason) => {
          log.warn(`${this.identity} could not subscribe to ${trackSid}: ${reason}`);
          this.send({ case: 'subscriptionResponse', value: new SubscriptionResponse({ trackSid, err: SubscriptionError.SE_TRACK_NOTFOUND }) });
        },
      },
      room.tracks,
    );
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get hidden(): boolean {
    return this.grants.hidden;
  }

  get publishedTracks(): UpTrack[] {
    return [...this.tracks.values()].filter((t) => t.mid);
  }

  info() {
    return participantInfo({
      sid: this.sid,
      identity: this.identity,
      name: this.name,
      metadata: this.metadata,
      attributes: this.attributes,
      state: this.state,
      joinedAtMs: this.joinedAtMs,
      version: this.version,
      grants: this.grants,
      tracks: this.publishedTracks,
      clientProtocol: this.clientProtocol,
    });
  }

  send(message: SignalMessage): void {
    this.session?.send(message);
  }

  /** Something others see changed: bump the version, so clients apply the update. */
  touch(): void {
    this.version++;
  }

  onAddTrack(req: AddTrackRequest): void {
    const refuse = (reason: RequestResponse_Reason, message: string) => {
      log.warn(`${this.identity}: add track ${req.cid} refused: ${message}`);
      this.send({ case: 'requestResponse', value: new RequestResponse({ reason, message, request: { case: 'addTrack', value: req } }) });
    };
    if (!this.canPublishSource(req.source)) return refuse(RequestResponse_Reason.NOT_ALLOWED, 'the token does not allow publishing this source');
    if (req.type !== TrackType.AUDIO && req.type !== TrackType.VIDEO) return refuse(RequestResponse_Reason.UNSUPPORTED_TYPE, 'only audio and video tracks can be published');
    if (!req.cid) throw new SignalStateError('addTrack without a cid');
    if (this.up.isAnnounced(req.cid)) throw new SignalStateError(`track ${req.cid} was already added`);
    const track = new UpTrack(newSid('TR_'), this.sid, this.identity, {
      cid: req.cid,
      name: req.name,
      kind: req.type === TrackType.VIDEO ? 'video' : 'audio',
      source: req.source,
      muted: req.muted,
      width: req.width,
      height: req.height,
      layers: req.layers,
      stream: req.stream,
    });
    this.tracks.set(track.sid, track);
    this.up.announce(track);
    this.send({ case: 'trackPublished', value: new TrackPublishedResponse({ cid: req.cid, track: this.room.trackInfo(track) }) });
  }

  async onPublisherOffer(sd: SessionDescription): Promise<void> {
    if (!this.grants.canPublish) throw new SignalStateError('the token does not allow publishing');
    let outcome;
    try {
      outcome = await this.up.answer(sd.sdp);
    } catch (e) {
      if (e instanceof UpOfferError) throw new SignalStateError(e.message);
      throw e;
    }
    if (this.closed) return;
    this.send({ case: 'answer', value: new SessionDescription({ type: 'answer', sdp: outcome.answerSdp, id: sd.id }) });
    for (const t of outcome.stopped) this.unpublish(t);
    for (const t of outcome.started) this.room.publish(this, t);
  }

  async onSubscriberAnswer(sd: SessionDescription): Promise<void> {
    await this.down.onAnswer(sd.sdp, sd.id);
  }

  onTrickle(req: TrickleRequest): void {
    let candidate: IceCandidateJson;
    try {
      candidate = JSON.parse(req.candidateInit) as IceCandidateJson;
    } catch {
      throw new SignalStateError('trickle candidateInit is not JSON');
    }
    const side: PeerSide = req.target === SignalTarget.SUBSCRIBER ? 'down' : 'up';
    this.room.commands.addRemoteCandidate(this.sid, side, candidate).catch((e: Error) => log.debug(`candidate for ${this.identity} (${side}) not added: ${e.message}`));
  }

  /** The page gathered a local candidate; the client gets it on the matching target. */
  sendCandidate(side: PeerSide, candidate: IceCandidateJson | null): void {
    if (!candidate) return;
    const target = side === 'down' ? SignalTarget.SUBSCRIBER : SignalTarget.PUBLISHER;
    this.send({ case: 'trickle', value: new TrickleRequest({ candidateInit: JSON.stringify(candidate), target }) });
  }

  onMute(req: MuteTrackRequest): void {
    const track = this.tracks.get(req.sid);
    if (!track) return;
    this.setMuted(track, req.muted);
  }

  setMuted(track: UpTrack, muted: boolean): void {
    if (track.info.muted === muted) return;
    track.info.muted = muted;
    track.version++;
    this.touch();
    this.room.participantChanged(this);
  }

  onUpdateSubscription(req: UpdateSubscription): void {
    if (!this.grants.canSubscribe) return;
    const sids = [...req.trackSids, ...req.participantTracks.flatMap((pt) => pt.trackSids)];
    for (const sid of sids) {
      if (req.subscribe) this.subscriptions.subscribe(sid);
      else this.subscriptions.unsubscribe(sid);
    }
  }

  onTrackSettings(req: UpdateTrackSettings): void {
    for (const sid of req.trackSids) {
      const b = this.subscriptions.bindingOf(sid);
      if (b && b.paused !== req.disabled) this.down.setPaused(b, req.disabled);
    }
  }

  onDownConnectionState(state: PeerState): void {
    this.down.onConnectionState(state);
    if (state === 'connected' && this.state === ParticipantInfo_State.JOINED) {
      this.state = ParticipantInfo_State.ACTIVE;
      this.touch();
      this.room.participantChanged(this);
    }
    if (state === 'failed') log.warn(`${this.identity}: subscriber connection failed`);
  }

  /** The client's unpublish (its offer stopped sending) or the end of its session. */
  unpublish(track: UpTrack): void {
    if (!this.tracks.delete(track.sid)) return;
    this.up.forget(track);
    if (track.mid) this.room.unpublish(this, track);
  }

  canPublishSource(source: TrackSource): boolean {
    if (!this.grants.canPublish) return false;
    const allowed = this.grants.canPublishSources;
    if (!allowed.length) return true;
    const name = { [TrackSource.CAMERA]: 'camera', [TrackSource.MICROPHONE]: 'microphone', [TrackSource.SCREEN_SHARE]: 'screen_share', [TrackSource.SCREEN_SHARE_AUDIO]: 'screen_share_audio' }[source as number];
    return !!name && allowed.includes(name);
  }

  /** Ends the participant: unpublishes, releases subscriptions and connections, and tells the client why. */
  close(reason: DisconnectReason, tellClient: boolean): void {
    if (this.closed) return;
    this.closed = true;
    this.state = ParticipantInfo_State.DISCONNECTED;
    this.touch();
    if (tellClient && this.session) {
      this.session.send({ case: 'leave', value: new LeaveRequest({ reason, action: LeaveRequest_Action.DISCONNECT, canReconnect: false }) });
      this.session.close(1000, `left: ${DisconnectReason[reason] ?? reason}`);
    }
    this.session = null;
    for (const t of [...this.tracks.values()]) this.unpublish(t);
    this.subscriptions.close();
    this.down.close();
    this.room.commands.closePeers(this.sid);
  }
}
