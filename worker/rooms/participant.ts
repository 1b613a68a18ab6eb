// A participant in a room: who it is, what it may do, its two peer connections and its subscriptions. It
// outlives its signal connection: when the WebSocket drops, the participant waits for the client to resume.
import {
  type AddTrackRequest,
  DisconnectReason,
  LeaveRequest,
  LeaveRequest_Action,
  type MuteTrackRequest,
  type ParticipantPermission,
  type SyncState,
  type SubscriptionPermission,
  SubscriptionPermissionUpdate,
  ParticipantInfo_State,
  RequestResponse,
  RequestResponse_Reason,
  MediaSectionsRequirement,
  SessionDescription,
  type SignalResponse,
  SignalTarget,
  SubscriptionError,
  SubscriptionResponse,
  TrackPublishedResponse,
  TrackSource,
  TrackSubscribed,
  TrackType,
  TrackUnpublishedResponse,
  TrickleRequest,
  type UpdateSubscription,
  type UpdateTrackSettings,
} from '@livekit/protocol';
import { CLOSE_CODE, type IceServerConfig, type JoinParams } from '../../src/shared/relay-protocol';
import type { IceCandidateJson, PeerSide, PeerState } from '../../src/shared/host-bridge';
import { newSid } from '../ids';
import { logger } from '../log';
import { UpTrack } from '../media/up-track';
import { wantedLayer } from '../media/layer-choice';
import { CodecUnsupportedError, DownPeer, type DownBinding } from '../peers/down-peer';
import { switchReason } from './switch-reason';
import { UpPeer, UpOfferError, type OfferOutcome } from '../peers/up-peer';
import { ClientSections } from '../peers/client-sections';
import { withSendCodecsFirst, withoutBitrateHints, withoutVideoProtection } from '../sdp/munge';
import { DataIn } from '../data/data-in';
import { SubscriptionPermissions } from './subscription-permissions';
import { ReferenceGuard } from '../telemetry/reference-count';
import { participantInfo } from '../signal/proto';
import { DEFAULT_SUBSCRIPTION_OPTIONS, SubscriptionManager, realScheduler } from '../tracks/subscription-manager';
import type { RoomContext } from './room-context';

const log = logger('participant');

/** Track sources as grants name them (VideoGrants.canPublishSources). */
const SOURCE_NAMES: Record<number, string> = {
  [TrackSource.CAMERA]: 'camera', [TrackSource.MICROPHONE]: 'microphone', [TrackSource.SCREEN_SHARE]: 'screen_share', [TrackSource.SCREEN_SHARE_AUDIO]: 'screen_share_audio',
};

export type SignalMessage = SignalResponse['message'];

/** The signal connection a participant currently talks through. */
export interface SignalSink {
  readonly conn: number;
  /** Holds the participant's stats worker while this connection lives (telemetry). */
  readonly guard: ReferenceGuard;
  send(message: SignalMessage): void;
  close(code: number, reason: string): void;
}

/** Raised for a request that is well formed but not valid now; the session closes with this reason. */
export class SignalStateError extends Error {
  override name = 'SignalStateError';
}

/** What a participant that migrates in takes over from the one it replaces: its sid and its tracks' sids. */
export interface MigrationOrigin {
  sid: string;
  joinedAtMs: number;
  version: number;
  /** The earlier copies; a republished track of the same source takes over the sid of one of them. */
  tracks: UpTrack[];
}

export class Participant {
  readonly sid: string;
  readonly identity: string;
  name: string;
  metadata: string;
  attributes: Record<string, string>;
  /** What the token allowed; the server API may change it (UpdateParticipant's permission). */
  grants: JoinParams['grants'];
  readonly clientProtocol: number;
  readonly autoSubscribe: boolean;
  readonly joinedAtMs: number;
  state = ParticipantInfo_State.JOINING;
  version: number;
  session: SignalSink | null;
  /** Dropped expecting to come back (a migration or a node failure): its tracks are closing, not gone. */
  migrating = false;
  /** Holds the participant's stats worker for the whole session (telemetry). */
  readonly sessionGuard = new ReferenceGuard();
  /** Took over an earlier session after a migration (telemetry reports no new join). */
  readonly migratedIn: boolean;
  /** A simulated failure for the next resume (livekit-client's disconnect-signal-on-resume scenarios). */
  resumeDrill: 'after-reconnect' | 'before-messages' | null = null;
  /** The STUN/TURN servers minted for the session it joined with, for its JoinResponse. */
  readonly iceServers: IceServerConfig[];
  /** Copies of the participant this one migrated in for, whose sids republished tracks take over. */
  private adoptable: UpTrack[];
  readonly up: UpPeer;
  readonly down: DownPeer;
  /** Joined on the single-connection path (`/rtc/v1`): one connection, always offered by the client. */
  readonly single: boolean;
  readonly subscriptions: SubscriptionManager<DownBinding>;
  readonly data: DataIn;
  /** Who may subscribe to this participant's tracks. */
  readonly permissions = new SubscriptionPermissions();
  /** Published tracks by sid, from AddTrack until unpublished. */
  private tracks = new Map<string, UpTrack>();
  private closed = false;
  private disconnectReason = DisconnectReason.UNKNOWN_REASON;

  constructor(join: JoinParams, session: SignalSink, private readonly room: RoomContext, origin?: MigrationOrigin) {
    this.sid = origin?.sid ?? newSid('PA_');
    this.joinedAtMs = origin?.joinedAtMs ?? Date.now();
    this.version = (origin?.version ?? 0) + 1;
    this.adoptable = origin ? [...origin.tracks] : [];
    this.migratedIn = !!origin;
    this.identity = join.identity;
    this.name = join.name;
    this.metadata = join.metadata;
    this.attributes = { ...join.attributes };
    this.grants = join.grants;
    this.clientProtocol = join.clientProtocol;
    this.autoSubscribe = join.autoSubscribe;
    this.iceServers = join.iceServers ?? [];
    this.session = session;
    this.single = !!join.singleConnection;
    this.up = new UpPeer(this.sid, room.commands, room.settings.publishCodecs, room.numbering);
    const sections = this.single
      ? new ClientSections((numAudios, numVideos) => this.send({ case: 'mediaSectionsRequirement', value: new MediaSectionsRequirement({ numAudios, numVideos }) }))
      : null;
    this.down = new DownPeer(this.sid, room.commands, room.forwarder, room.settings.route, (sdp, id, midToTrackId) =>
      this.send({ case: 'offer', value: new SessionDescription({ type: 'offer', sdp, id, midToTrackId }) }),
      (b, from, to, reason, link) => room.observer.trackLayerSwitched(room.info(), this.info(), room.trackInfo(b.up), from, to, switchReason(reason, link)),
      sections,
    );
    this.subscriptions = new SubscriptionManager<DownBinding>(
      {
        sid: this.sid,
        bind: async (t) => {
          const b = await this.down.bind(t);
          // continuing on a kept transceiver after a migration is not a new subscription
          if (!b.resumed) room.observer.trackSubscribed(room.info(), this.info(), room.trackInfo(t));
          if (!b.resumed && !t.everSubscribed) {
            t.everSubscribed = true;
            room.bySid(t.publisherSid)?.send({ case: 'trackSubscribed', value: new TrackSubscribed({ trackSid: t.sid }) });
          }
          return b;
        },
        unbind: (b, release) => {
          this.down.unbind(b, release);
          if (!release.keepForResume) room.observer.trackUnsubscribed(room.info(), this.info(), room.trackInfo(b.up));
        },
        subscribeFailed: (trackSid, reason, error) => {
          log.warn(`${this.identity} could not subscribe to ${trackSid}: ${reason}`);
          room.observer.trackSubscribeFailed(room.info(), this.info(), trackSid, reason);
          const err = error instanceof CodecUnsupportedError ? SubscriptionError.SE_CODEC_UNSUPPORTED : SubscriptionError.SE_TRACK_NOTFOUND;
          this.send({ case: 'subscriptionResponse', value: new SubscriptionResponse({ trackSid, err }) });
        },
        allowed: (track) => this.room.allows(track, this),
        permissionChanged: (trackSid, allowed) => {
          const participantSid = this.room.tracks.copiesOf(trackSid)[0]?.publisherSid ?? '';
          this.send({ case: 'subscriptionPermissionUpdate', value: new SubscriptionPermissionUpdate({ participantSid, trackSid, allowed }) });
        },
      },
      room.tracks,
      realScheduler,
      { retryMs: DEFAULT_SUBSCRIPTION_OPTIONS.retryMs, failAfterMs: room.settings.subscribeFailAfterMs },
    );
    this.down.onRefused = (b) => this.subscriptions.bindingRefused(b);
    const self = this;
    this.data = new DataIn(
      {
        sid: this.sid,
        identity: this.identity,
        // read at each packet: the server API may take the grant away
        get canPublishData() { return self.grants.canPublishData; },
        notify: (response) => this.send({ case: 'requestResponse', value: response }),
      },
      { packetsPerSecond: room.settings.dataPacketsPerSecond, bytesPerSecond: room.settings.dataBytesPerSecond, burstSeconds: 2 },
    );
  }

  /** A data packet from this participant's client: addressed and delivered by the room, or refused. */
  onData(label: string, bytes: Uint8Array): void {
    if (this.closed || this.migrating) return;
    const addressed = this.data.receive(label, bytes, performance.now());
    if (addressed) this.room.deliverData(this, addressed);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get hidden(): boolean {
    return this.grants.hidden;
  }

  /**
   * Tracks others see: the ones with media, and, after a migration, the earlier copies not republished yet, so
   * that subscribers keep their publications (and transceivers) while the participant comes back.
   */
  get publishedTracks(): UpTrack[] {
    const shown: UpTrack[] = [];
    // a republished track stands in for the copy it replaces until its own media arrives
    for (const t of this.tracks.values()) if (t.mid || t.replaces) shown.push(t.mid ? t : t.replaces!);
    return [...shown, ...this.adoptable];
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
      disconnectReason: this.disconnectReason,
    });
  }

  send(message: SignalMessage): void {
    this.session?.send(message);
  }

  /**
   * A name, metadata or attributes update, from the participant's own client or the server API, as LiveKit applies
   * it: an empty name or metadata changes nothing, an attribute set to "" is deleted. The caller bumps the version.
   */
  updateMetadata(u: { name: string; metadata: string; attributes: Record<string, string> }): void {
    if (u.name) this.name = u.name;
    if (u.metadata) this.metadata = u.metadata;
    for (const [k, v] of Object.entries(u.attributes)) {
      if (v === '') delete this.attributes[k];
      else this.attributes[k] = v;
    }
  }

  /**
   * The server API changed what this participant may do (UpdateParticipant's permission), as LiveKit does: tracks of
   * sources it may no longer publish are unpublished and its client is told so; without canSubscribe it loses its
   * subscriptions. A change of `hidden` applies to the updates sent from now on; the others are not told it left.
   */
  setPermission(permission: ParticipantPermission): void {
    const sources = permission.canPublishSources.map((s) => SOURCE_NAMES[s as number]).filter((s): s is string => !!s);
    this.grants = {
      ...this.grants,
      canPublish: permission.canPublish,
      canSubscribe: permission.canSubscribe,
      canPublishData: permission.canPublishData,
      canPublishSources: sources,
      canUpdateOwnMetadata: permission.canUpdateMetadata,
      hidden: permission.hidden,
    };
    for (const t of [...this.tracks.values()]) {
      if (this.canPublishSource(t.info.source)) continue;
      this.unpublish(t);
      this.send({ case: 'trackUnpublished', value: new TrackUnpublishedResponse({ trackSid: t.sid }) });
    }
    if (!this.grants.canSubscribe) for (const sid of this.subscriptions.wantedSids) this.unsubscribe(sid);
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
    const previous = this.adopt(req);
    const track = new UpTrack(previous?.sid ?? newSid('TR_'), this.sid, this.identity, {
      cid: req.cid,
      name: req.name,
      kind: req.type === TrackType.VIDEO ? 'video' : 'audio',
      source: req.source,
      muted: req.muted,
      width: req.width,
      height: req.height,
      layers: req.layers,
      stream: req.stream,
      requestedCodec: req.type === TrackType.VIDEO && req.simulcastCodecs[0]?.codec ? `video/${req.simulcastCodecs[0].codec.toLowerCase()}` : '',
      encryption: req.encryption,
    });
    track.replaces = previous;
    this.tracks.set(track.sid, track);
    this.up.announce(track);
    this.send({ case: 'trackPublished', value: new TrackPublishedResponse({ cid: req.cid, track: this.room.trackInfo(track) }) });
  }

  /**
   * A publisher offer: media sections start forwarding only for tracks announced with AddTrack (which checks
   * the grants); a participant without canPublish may still offer, for its data channels.
   */
  async onPublisherOffer(sd: SessionDescription): Promise<void> {
    let outcome: OfferOutcome & { midToTrackId?: Record<string, string> };
    try {
      outcome = this.single ? await this.answerSingle(sd) : await this.up.answer(sd.sdp);
    } catch (e) {
      // the participant left while its offer was answered (a leave is acted on at once): its connections are gone
      if (this.closed) return;
      if (e instanceof UpOfferError) throw new SignalStateError(e.message);
      throw e;
    }
    if (this.closed) return;
    this.send({ case: 'answer', value: new SessionDescription({ type: 'answer', sdp: outcome.answerSdp, id: sd.id, midToTrackId: outcome.midToTrackId ?? {} }) });
    for (const t of outcome.stopped) this.unpublish(t);
    for (const t of outcome.started) this.room.publish(this, t);
    for (const t of this.up.tracks) this.room.forwarder.updateLayers(t);
  }

  /**
   * The single-connection path: the client's offer carries what it sends and the receive-only sections the host
   * forwards on. The answer says which of those send, and which track each carries (msids and midToTrackId).
   */
  private async answerSingle(sd: SessionDescription): Promise<OfferOutcome & { midToTrackId: Record<string, string> }> {
    const prepared = this.up.prepare(sd.sdp);
    const newSlots = this.down.sectionsOffered(sd.sdp);
    try {
      // the host's senders are set up from the offer as applied: no FEC, no bitrate limits of the client's, and each
      // bound section's codec first
      const hostOffer = withSendCodecsFirst(withoutBitrateHints(withoutVideoProtection(prepared.hostOffer)), this.down.sendCodecs(newSlots));
      await this.room.commands.applySingleOffer(this.sid, hostOffer, prepared.transforms, prepared.codecs, newSlots);
      this.down.sectionsApplied();
      // the binds that waited for these sections go on in microtasks, each setting its slot up with the page before
      // its first await returns here; a task boundary lets them all get that far, so that this answer carries them
      await new Promise((resolve) => setTimeout(resolve, 0));
      this.down.answering(sd.id);
      const hostAnswer = await this.room.commands.answerSingle(this.sid);
      const { sdp, midToTrackId } = this.down.answered(this.up.finish(prepared, hostAnswer), sd.id);
      return { answerSdp: sdp, started: prepared.started, stopped: prepared.stopped, midToTrackId };
    } catch (e) {
      this.down.answerFailed();
      throw e;
    }
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
    this.room.observer.trackMuted(this.room.info(), this.info(), this.room.trackInfo(track), muted);
  }

  onUpdateSubscription(req: UpdateSubscription): void {
    if (!this.grants.canSubscribe) return;
    const sids = [...req.trackSids, ...req.participantTracks.flatMap((pt) => pt.trackSids)];
    for (const sid of sids) {
      if (req.subscribe) this.subscriptions.subscribe(sid);
      else this.unsubscribe(sid);
    }
  }

  /** The publisher changed who may subscribe to its tracks; subscribers re-evaluate theirs. */
  onSubscriptionPermission(req: SubscriptionPermission): void {
    this.permissions.update(req);
    this.room.permissionsChanged(this);
  }

  /** Stops wanting a track; a transceiver kept for its return goes back to the pool. */
  unsubscribe(trackSid: string): void {
    this.subscriptions.unsubscribe(trackSid);
    this.down.releaseKept(trackSid);
  }

  /** After a resume the client says what it has: its subscriptions and the tracks it has turned off. */
  onSyncState(sync: SyncState): void {
    if (sync.subscription?.subscribe) this.onUpdateSubscription(sync.subscription);
    const disabled = new Set(sync.trackSidsDisabled);
    for (const sid of this.subscriptions.wantedSids) {
      const b = this.subscriptions.bindingOf(sid);
      if (b && b.paused !== disabled.has(sid)) this.down.setPaused(b, disabled.has(sid));
    }
  }

  onTrackSettings(req: UpdateTrackSettings): void {
    for (const sid of req.trackSids) {
      const b = this.subscriptions.bindingOf(sid);
      if (b && b.paused !== req.disabled) this.down.setPaused(b, req.disabled);
      const track = b?.up ?? this.room.tracks.resolve(sid)?.track;
      if (track?.kind === 'video') this.down.setWanted(sid, { layer: wantedLayer(req, track.info.layers, track.layerRids), fps: req.fps });
    }
    this.room.layersWantedChanged();
  }

  onDownConnectionState(state: PeerState): void {
    this.down.onConnectionState(state);
    if (state === 'connected' && this.state === ParticipantInfo_State.JOINED) {
      this.state = ParticipantInfo_State.ACTIVE;
      this.touch();
      this.room.participantChanged(this);
      this.room.observer.participantActive(this.room.info(), this.info(), this.sessionGuard, this.migratedIn);
    }
    if (state === 'failed') log.warn(`${this.identity}: subscriber connection failed`);
  }

  /** The client's unpublish (its offer stopped sending) or the end of its session. */
  unpublish(track: UpTrack): void {
    if (!this.tracks.delete(track.sid)) return;
    this.up.forget(track);
    if (track.mid) this.room.unpublish(this, track);
  }

  /**
   * After a migration, a republished track takes over the sid of the earlier copy it continues: the same cid
   * if the client kept its MediaStreamTrack, else the same source and kind (livekit-client restarts camera and
   * microphone tracks on a full reconnect, which gives them new cids).
   */
  private adopt(req: AddTrackRequest): UpTrack | null {
    const kind = req.type === TrackType.VIDEO ? 'video' : 'audio';
    const i = [this.adoptable.findIndex((t) => t.info.cid === req.cid), this.adoptable.findIndex((t) => t.info.source === req.source && t.kind === kind)].find((x) => x >= 0);
    if (i === undefined) return null;
    return this.adoptable.splice(i, 1)[0];
  }

  /** Earlier copies no republished track took over (the window closed): they go for good. */
  takeUnadopted(): UpTrack[] {
    return this.adoptable.splice(0);
  }

  canPublishSource(source: TrackSource): boolean {
    if (!this.grants.canPublish) return false;
    const allowed = this.grants.canPublishSources;
    if (!allowed.length) return true;
    const name = SOURCE_NAMES[source as number];
    return !!name && allowed.includes(name);
  }

  /**
   * Drops the participant as LiveKit does on a migration or a node failure: no leave, connections closed, and
   * its tracks closing expected to resume, so that subscribers keep their transceivers for the tracks' return.
   */
  closeForMigration(): void {
    if (this.closed || this.migrating) return;
    this.migrating = true;
    const session = this.session;
    this.session = null;
    session?.close(CLOSE_CODE.goingAway, 'the host dropped this session: join again');
    for (const t of this.tracks.values()) {
      if (!t.mid) continue;
      t.startClosing(true);
      this.room.forwarder.closeUp(t);
    }
    this.subscriptions.close();
    this.down.close();
    this.room.commands.closePeers(this.sid);
  }

  /** Ends the participant: unpublishes, releases subscriptions and connections, and tells the client why. */
  close(reason: DisconnectReason, tellClient: boolean): void {
    if (this.closed) return;
    this.closed = true;
    this.state = ParticipantInfo_State.DISCONNECTED;
    this.disconnectReason = reason;
    this.touch();
    if (tellClient && this.session) {
      this.session.send({ case: 'leave', value: new LeaveRequest({ reason, action: LeaveRequest_Action.DISCONNECT, canReconnect: false }) });
      this.session.close(1000, `left: ${DisconnectReason[reason] ?? reason}`);
    }
    this.session = null;
    for (const t of [...this.tracks.values()]) this.unpublish(t);
    for (const t of this.takeUnadopted()) this.room.unpublish(this, t);
    this.subscriptions.close();
    this.down.close();
    this.room.commands.closePeers(this.sid);
  }
}
