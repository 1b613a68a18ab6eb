// A room on this host: its participants, its published tracks, and the rules for joining and closing.
import {
  DisconnectReason,
  Codec,
  DataPacket,
  DataPacket_Kind,
  ICEServer,
  JoinResponse,
  LeaveRequest,
  MuteTrackRequest,
  LeaveRequest_Action,
  ParticipantUpdate,
  ReconnectResponse,
  RoomUpdate,
  type SendDataRequest,
  TrackInfo,
  UserPacket,
} from '@livekit/protocol';
import { CLOSE_CODE, type IceServerConfig, type JoinParams, type TokenRoomConfig } from '../../src/shared/relay-protocol';
import type { PeerStatsSample, RoomView } from '../../src/shared/host-bridge';
import type { Room as RoomInfo } from '@livekit/protocol';
import { newSid } from '../ids';
import { logger } from '../log';
import type { UpTrack } from '../media/up-track';
import type { AddressedPacket } from '../data/data-in';
import { ParticipantInfo_State, connectionQualityUpdate, roomInfo, serverInfo, speakersChanged, trackInfo } from '../signal/proto';
import { DEFAULT_AUDIO_LEVEL_OPTIONS } from '../speakers/audio-level-meter';
import { type Speaker, type SpeakerCandidate, SpeakerDetector } from '../speakers/speaker-detector';
import { RoomQuality } from '../quality/room-quality';
import { RoomTrackManager } from '../tracks/room-track-manager';
import { Dynacast } from '../media/dynacast';
import { Participant, type SignalSink } from './participant';
import { roomView } from './room-view';
import type { HostServices, RoomContext } from './room-context';

const log = logger('room');

export interface RoomOptions {
  /** Seconds a room that nobody joined stays open. Default 300, as LiveKit. */
  emptyTimeout: number;
  /** Seconds a room stays open after its last participant left. Default 20, as LiveKit. */
  departureTimeout: number;
  /** 0 means no limit. Default 0. */
  maxParticipants: number;
}

export const DEFAULT_ROOM_OPTIONS: RoomOptions = { emptyTimeout: 300, departureTimeout: 20, maxParticipants: 0 };

/** Seconds between client pings, and the silence after which a client resumes. LiveKit's values. */
const PING_INTERVAL = 5;
const PING_TIMEOUT = 15;

export interface HostIdentity {
  hostId: string;
  version: string;
}

export type JoinOutcome =
  | { kind: 'joined'; participant: Participant }
  | { kind: 'resumed'; participant: Participant }
  | { kind: 'refused'; reason: DisconnectReason; message: string; action: LeaveRequest_Action };

export class Room implements RoomContext {
  readonly sid = newSid('RM_');
  readonly createdAtMs = Date.now();
  readonly options: RoomOptions;
  readonly tracks = new RoomTrackManager<UpTrack>();
  /** Who is speaking, from the published audio tracks' levels; updated every level window (400 ms). */
  readonly speakers = new SpeakerDetector();
  /** Each participant's connection quality, from the host's stats rounds (every statsIntervalMs, 5 s). */
  readonly quality = new RoomQuality();
  private speakerTimer: ReturnType<typeof setInterval>;
  /** Tells publishers which simulcast layers subscribers need. */
  readonly dynacast = new Dynacast((track, update) => this.participants.get(track.publisherSid)?.send({ case: 'subscribedQualityUpdate', value: update }));
  /** Re-reads what subscribers want every half second: subscriptions, pauses and leaves all change it. */
  private dynacastTimer = setInterval(() => this.layersWantedChanged(), 500);
  private participants = new Map<string, Participant>();
  /** Participants dropped expecting to resume, and when they are given up on. */
  private migrations = new Map<Participant, ReturnType<typeof setTimeout>>();
  private closeTimer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  /** The room's metadata, set by the server API (CreateRoom, UpdateRoomMetadata). */
  private metadata = '';

  constructor(
    readonly name: string,
    config: TokenRoomConfig,
    private readonly services: HostServices,
    private readonly host: HostIdentity,
    private readonly onClosed: (room: Room) => void,
  ) {
    this.options = {
      emptyTimeout: config.emptyTimeout ?? services.settings.emptyTimeout,
      departureTimeout: config.departureTimeout ?? services.settings.departureTimeout,
      maxParticipants: config.maxParticipants ?? DEFAULT_ROOM_OPTIONS.maxParticipants,
    };
    this.scheduleClose(this.options.emptyTimeout);
    this.speakerTimer = setInterval(() => this.speakersTick(), DEFAULT_AUDIO_LEVEL_OPTIONS.windowMs);
    services.observer.roomStarted(this.info());
  }

  info(): RoomInfo {
    return roomInfo({
      sid: this.sid,
      name: this.name,
      ...this.options,
      createdAtMs: this.createdAtMs,
      numParticipants: this.visibleCount(),
      numPublishers: this.participantList.filter((q) => q.publishedTracks.length > 0).length,
      metadata: this.metadata,
    });
  }

  /** New room metadata: every participant that has joined gets a RoomUpdate (livekit-client's RoomMetadataChanged). */
  setMetadata(metadata: string): void {
    if (metadata === this.metadata) return;
    this.metadata = metadata;
    const update = { case: 'roomUpdate', value: new RoomUpdate({ room: this.info() }) } as const;
    for (const q of this.participants.values()) {
      if (!q.migrating && !q.isClosed && q.state !== ParticipantInfo_State.JOINING) q.send(update);
    }
  }

  get commands() { return this.services.commands; }
  get observer() { return this.services.observer; }
  get forwarder() { return this.services.forwarder; }
  get settings() { return this.services.settings; }
  get audioLevels() { return this.services.audioLevels; }
  get numbering() { return this.services.numbering; }

  get isClosed(): boolean {
    return this.closed;
  }

  get participantList(): Participant[] {
    return [...this.participants.values()];
  }

  bySid(sid: string): Participant | undefined {
    return this.participants.get(sid);
  }

  byIdentity(identity: string): Participant | undefined {
    for (const p of this.participants.values()) if (p.identity === identity) return p;
    return undefined;
  }

  trackInfo(track: UpTrack): TrackInfo {
    return trackInfo(track);
  }

  /** Admits a client: a new participant, a resumed one, or a refusal with the leave the client should get. */
  join(params: JoinParams, session: SignalSink): JoinOutcome {
    const existing = this.byIdentity(params.identity);
    if (params.reconnect) {
      // a dropped participant cannot resume: its connections are gone. LiveKit sends this leave, and the
      // client joins again from scratch
      if (!existing || existing.isClosed || existing.migrating || (params.sid && params.sid !== existing.sid)) {
        return { kind: 'refused', reason: DisconnectReason.STATE_MISMATCH, message: 'nothing to resume: join again', action: LeaveRequest_Action.RECONNECT };
      }
      this.resume(existing, session, params);
      return { kind: 'resumed', participant: existing };
    }
    if (existing?.migrating) return { kind: 'joined', participant: this.migrateIn(existing, params, session) };
    if (existing) {
      log.info(`${params.identity} joined again in ${this.name}: the earlier session leaves`);
      this.remove(existing, DisconnectReason.DUPLICATE_IDENTITY);
    }
    if (this.options.maxParticipants > 0 && this.participants.size >= this.options.maxParticipants) {
      return { kind: 'refused', reason: DisconnectReason.JOIN_FAILURE, message: `room ${this.name} is full (${this.options.maxParticipants} participants)`, action: LeaveRequest_Action.DISCONNECT };
    }
    this.cancelClose();
    const p = this.admit(new Participant(params, session, this), session);
    log.info(`${p.identity} (${p.sid}) joined ${this.name}; ${this.participants.size} in the room`);
    return { kind: 'joined', participant: p };
  }

  private admit(p: Participant, session: SignalSink): Participant {
    this.participants.set(p.sid, p);
    this.observer.participantJoined(this.info(), p.info(), p.sessionGuard);
    p.state = ParticipantInfo_State.JOINED;
    session.send({ case: 'join', value: this.joinResponse(p) });
    // what the others already see: who is speaking, and everyone's connection quality
    const speaking = this.speakers.current;
    if (speaking.length) session.send({ case: 'speakersChanged', value: speakersChanged(speaking) });
    const qualities = this.quality.latest(this.participantList.filter((q) => q !== p && !q.hidden).map((q) => q.sid));
    if (qualities.length) session.send({ case: 'connectionQuality', value: connectionQualityUpdate(qualities) });
    void p.down.open().catch((e: Error) => log.error(`${p.identity}: subscriber connection failed to open: ${e.message}`));
    this.participantChanged(p);
    if (p.autoSubscribe && p.grants.canSubscribe) {
      for (const other of this.participants.values()) {
        if (other !== p) for (const t of other.publishedTracks) if (t.isOpen()) p.subscriptions.subscribe(t.sid);
      }
    }
    return p;
  }

  /**
   * Drops a participant expecting it back (a migration or a node failure, as LiveKit does): no leave, its
   * connections close, its tracks start closing expected to resume. Nobody sees it leave unless it has not
   * joined again when the resume window closes.
   */
  migrate(p: Participant, why: string): void {
    if (this.participants.get(p.sid) !== p || p.migrating || p.isClosed) return;
    p.closeForMigration();
    this.observer.participantLeft(this.info(), p.info(), p.sessionGuard, false);
    for (const t of p.publishedTracks) this.tracks.notifyChanged(t.sid);
    this.migrations.set(p, setTimeout(() => this.giveUp(p), this.settings.resumeWindowMs));
    log.info(`${p.identity} dropped in ${this.name} (${why}); waiting ${this.settings.resumeWindowMs} ms for it to join again`);
  }

  /** A signal connection of this participant ended; the participant may stay (it waits for a resume). */
  sessionEnded(p: Participant, session: SignalSink): void {
    this.observer.participantLeft(this.info(), p.info(), session.guard, false);
  }

  /** The client of a dropped participant joined again: it takes over the sid, and its tracks their sids. */
  private migrateIn(old: Participant, params: JoinParams, session: SignalSink): Participant {
    clearTimeout(this.migrations.get(old));
    this.migrations.delete(old);
    const p = new Participant(params, session, this, { sid: old.sid, joinedAtMs: old.joinedAtMs, version: old.version, tracks: old.publishedTracks });
    this.admit(p, session);
    this.observer.participantResumed(this.info(), p.info(), p.sessionGuard, 'migration');
    // tracks it does not publish again in time are gone for good
    this.migrations.set(p, setTimeout(() => {
      this.migrations.delete(p);
      for (const t of p.takeUnadopted()) this.unpublish(p, t);
    }, this.settings.resumeWindowMs));
    log.info(`${p.identity} joined ${this.name} again as ${p.sid}, taking over its tracks`);
    return p;
  }

  /** The resume window closed on a dropped participant. */
  private giveUp(p: Participant): void {
    this.migrations.delete(p);
    if (this.participants.get(p.sid) !== p) return;
    log.info(`${p.identity} did not come back to ${this.name}`);
    this.remove(p, DisconnectReason.CONNECTION_TIMEOUT);
  }

  private resume(p: Participant, session: SignalSink, params: JoinParams): void {
    const old = p.session;
    p.session = session;
    if (old && old !== session) old.close(1000, 'resumed on a new connection');
    const drill = p.resumeDrill;
    p.resumeDrill = null;
    if (drill === 'before-messages') {
      session.close(CLOSE_CODE.goingAway, 'simulated: signal closed on resume, before any message');
      return;
    }
    session.send({
      case: 'reconnect',
      // the client resends the reliable data it sent after this sequence, which the drop may have lost
      value: new ReconnectResponse({ iceServers: iceServers(params.iceServers), serverInfo: serverInfo(this.host.hostId, this.host.version), lastMessageSeq: p.data.lastReliableSeq }),
    });
    if (drill === 'after-reconnect') {
      session.close(CLOSE_CODE.goingAway, 'simulated: signal closed on resume');
      return;
    }
    p.down.restartNegotiation();
    this.observer.participantResumed(this.info(), p.info(), session.guard, 'signal reconnect');
    log.info(`${p.identity} resumed in ${this.name}`);
  }

  private joinResponse(p: Participant): JoinResponse {
    return new JoinResponse({
      room: this.info(),
      participant: p.info(),
      otherParticipants: this.participantList.filter((q) => q !== p && !q.hidden).map((q) => q.info()),
      serverVersion: serverInfo(this.host.hostId, this.host.version).version,
      serverInfo: serverInfo(this.host.hostId, this.host.version),
      subscriberPrimary: true,
      // lets the client offer its publisher connection at once, in parallel with the subscriber's
      fastPublish: p.grants.canPublish,
      pingInterval: PING_INTERVAL,
      pingTimeout: PING_TIMEOUT,
      iceServers: iceServers(p.iceServers),
      // livekit-client publishes the codec an app asks for only when it is listed here, else the first listed
      enabledPublishCodecs: [...this.settings.publishCodecs, 'audio/opus'].map((mime) => new Codec({ mime })),
    });
  }

  publish(publisher: Participant, track: UpTrack): void {
    this.forwarder.openUp(track);
    this.tracks.add(track, publisher.identity, publisher.sid);
    if (track.kind === 'audio') this.audioLevels.watch(track, this.speakers);
    const earlier = track.replaces;
    if (earlier) {
      this.audioLevels.unwatch(earlier);
      // the earlier copy resolves until it is gone: only now do subscribers move to this one
      track.replaces = null;
      earlier.state = 'closed';
      this.tracks.remove(earlier);
    } else {
      this.observer.trackPublished(this.info(), publisher.info(), trackInfo(track));
    }
    publisher.touch();
    this.participantChanged(publisher);
    for (const q of this.participants.values()) {
      if (q !== publisher && q.autoSubscribe && q.grants.canSubscribe) q.subscriptions.subscribe(track.sid);
    }
    log.info(`${publisher.identity} published ${track.kind} ${track.sid} (${track.mimeType || 'codec pending'}) in ${this.name}`);
  }

  unpublish(publisher: Participant, track: UpTrack): void {
    track.state = 'closed';
    for (const q of this.participants.values()) q.unsubscribe(track.sid);
    this.tracks.remove(track);
    this.forwarder.closeUp(track);
    this.dynacast.forget(track);
    this.audioLevels.unwatch(track);
    this.speakers.forget(track.sid);
    this.observer.trackUnpublished(this.info(), publisher.info(), trackInfo(track));
    if (!publisher.isClosed) {
      publisher.touch();
      this.participantChanged(publisher);
    }
    log.info(`${publisher.identity} unpublished ${track.kind} ${track.sid} in ${this.name}`);
  }

  /** What subscribers want of the room's simulcast tracks may have changed: publishers hear of it (dynacast). */
  layersWantedChanged(): void {
    const now = performance.now();
    for (const p of this.participants.values()) {
      for (const t of p.publishedTracks) {
        if (t.kind === 'video' && t.layerCount > 1) this.dynacast.update(t, this.forwarder.maxWantedLayer(t), now);
      }
    }
  }

  allows(track: UpTrack, subscriber: Participant): boolean {
    const publisher = this.participants.get(track.publisherSid);
    return !publisher || publisher.permissions.allows(subscriber, track.sid);
  }

  permissionsChanged(publisher: Participant): void {
    for (const q of this.participants.values()) {
      if (q === publisher) continue;
      for (const t of publisher.publishedTracks) {
        // an auto-subscriber wants what it is newly allowed; everyone re-checks what it wanted
        if (q.autoSubscribe && q.grants.canSubscribe && !q.subscriptions.isWanted(t.sid) && this.allows(t, q)) q.subscriptions.subscribe(t.sid);
        else q.subscriptions.recheck(t.sid);
      }
    }
  }

  deliverData(from: Participant, { label, packet, to }: AddressedPacket): void {
    const wanted = to.length ? new Set(to) : null;
    const pids: string[] = [];
    for (const q of this.participants.values()) {
      if (q === from || q.migrating || q.isClosed) continue;
      if (!wanted || wanted.has(q.identity)) pids.push(q.sid);
    }
    if (pids.length) this.commands.sendData(pids, label, packet.toBinary() as Uint8Array<ArrayBuffer>);
  }

  /**
   * Data from the server API (SendData): a user packet from nobody in the room, to the participants it names by sid
   * or identity, or to everyone, on their subscriber connections' data channels as a participant's data goes.
   */
  sendServerData(req: SendDataRequest): void {
    const user = new UserPacket({ payload: req.data, destinationSids: req.destinationSids, destinationIdentities: req.destinationIdentities, topic: req.topic, nonce: req.nonce });
    const packet = new DataPacket({ kind: req.kind, destinationIdentities: req.destinationIdentities, value: { case: 'user', value: user } });
    const sids = new Set(req.destinationSids);
    const identities = new Set(req.destinationIdentities);
    const everyone = sids.size === 0 && identities.size === 0;
    const pids: string[] = [];
    for (const q of this.participants.values()) {
      if (q.migrating || q.isClosed) continue;
      if (everyone || sids.has(q.sid) || identities.has(q.identity)) pids.push(q.sid);
    }
    const label = req.kind === DataPacket_Kind.LOSSY ? '_lossy' : '_reliable';
    if (pids.length) this.commands.sendData(pids, label, packet.toBinary() as Uint8Array<ArrayBuffer>);
  }

  /** The host mutes or unmutes a track: its publisher's client is told to, and everyone sees the change. */
  muteTrack(trackSid: string, muted: boolean): boolean {
    for (const p of this.participants.values()) {
      const track = p.publishedTracks.find((t) => t.sid === trackSid);
      if (!track) continue;
      p.send({ case: 'mute', value: new MuteTrackRequest({ sid: trackSid, muted }) });
      p.setMuted(track, muted);
      return true;
    }
    return false;
  }

  participantChanged(p: Participant): void {
    if (p.hidden) return;
    const update = new ParticipantUpdate({ participants: [p.info()] });
    for (const q of this.participants.values()) if (q !== p) q.send({ case: 'update', value: update });
  }

  /**
   * A change the server API made to a participant (UpdateParticipant): the others see it, and so does the participant
   * itself, whose client takes its own name, metadata, attributes and permissions from its info.
   */
  participantUpdatedByServer(p: Participant): void {
    p.touch();
    this.participantChanged(p);
    p.send({ case: 'update', value: new ParticipantUpdate({ participants: [p.info()] }) });
  }

  /** The server API changed what a participant may do: an auto-subscriber that may subscribe again gets what is open. */
  participantPermissionChanged(p: Participant): void {
    if (!p.autoSubscribe || !p.grants.canSubscribe) return;
    for (const other of this.participants.values()) {
      if (other !== p) for (const t of other.publishedTracks) if (t.isOpen() && !p.subscriptions.isWanted(t.sid)) p.subscriptions.subscribe(t.sid);
    }
  }

  /** Takes a participant out of the room, telling it why unless it asked to leave. */
  remove(p: Participant, reason: DisconnectReason): void {
    if (this.participants.get(p.sid) !== p) return;
    this.participants.delete(p.sid);
    clearTimeout(this.migrations.get(p));
    this.migrations.delete(p);
    p.close(reason, reason !== DisconnectReason.CLIENT_INITIATED);
    this.observer.participantLeft(this.info(), p.info(), p.sessionGuard, true);
    this.participantChanged(p);
    log.info(`${p.identity} left ${this.name} (${DisconnectReason[reason] ?? reason}); ${this.participants.size} in the room`);
    if (this.participants.size === 0) this.scheduleClose(this.options.departureTimeout);
  }

  /** Closes the room now: everyone gets a leave with the reason. */
  close(reason: DisconnectReason = DisconnectReason.ROOM_DELETED): void {
    if (this.closed) return;
    this.closed = true;
    this.cancelClose();
    clearInterval(this.speakerTimer);
    clearInterval(this.dynacastTimer);
    for (const p of [...this.participants.values()]) {
      this.participants.delete(p.sid);
      p.close(reason, true);
      this.observer.participantLeft(this.info(), p.info(), p.sessionGuard, true);
    }
    log.info(`room ${this.name} closed`);
    this.observer.roomFinished(this.info());
    this.onClosed(this);
  }

  /** Sends the speakers that changed since the last window to everyone, as LiveKit does. */
  private speakersTick(): void {
    const changed: Speaker[] = this.speakers.update(this.speakerCandidates(), performance.now());
    if (!changed.length) return;
    const message = { case: 'speakersChanged', value: speakersChanged(changed) } as const;
    for (const q of this.participants.values()) if (!q.migrating && !q.isClosed) q.send(message);
  }

  /** Participants others can see, with their audio tracks: a muted track never makes a speaker. */
  private *speakerCandidates(): Iterable<SpeakerCandidate> {
    for (const p of this.participants.values()) {
      if (p.hidden || p.migrating || p.isClosed) continue;
      yield { sid: p.sid, audioTracks: p.publishedTracks.filter((t) => t.kind === 'audio').map((t) => ({ sid: t.sid, muted: t.info.muted })) };
    }
  }

  /**
   * One stats round: every active participant's quality is scored and, when one changed or someone was scored
   * for the first time, each active participant is told its own and the visible others' (LiveKit's rule).
   */
  qualityRound(samples: PeerStatsSample[], now: number): void {
    const list = this.participantList;
    for (const p of list) this.quality.setLayerDeficit(p.sid, p.down.layerDeficit());
    const round = this.quality.round(samples, list.map((p) => ({ sid: p.sid, active: p.state === ParticipantInfo_State.ACTIVE, gone: p.migrating })), now);
    if (!round.changed) return;
    const hidden = new Set(list.filter((p) => p.hidden).map((p) => p.sid));
    for (const q of list) {
      if (q.migrating || q.isClosed || q.state !== ParticipantInfo_State.ACTIVE) continue;
      const updates = round.reports.filter((r) => r.participantSid === q.sid || !hidden.has(r.participantSid));
      if (updates.length) q.send({ case: 'connectionQuality', value: connectionQualityUpdate(updates) });
    }
  }

  view(): RoomView {
    return roomView(this);
  }

  private visibleCount(): number {
    return this.participantList.filter((p) => !p.hidden).length;
  }

  private scheduleClose(seconds: number): void {
    this.cancelClose();
    this.closeTimer = setTimeout(() => {
      if (this.participants.size === 0) this.close(DisconnectReason.ROOM_CLOSED);
    }, seconds * 1000);
  }

  private cancelClose(): void {
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.closeTimer = null;
  }
}


/** The STUN/TURN servers the server minted for this session, as LiveKit's ICEServer messages. */
function iceServers(servers: IceServerConfig[] | undefined): ICEServer[] {
  return (servers ?? []).map((s) => new ICEServer({ urls: s.urls, username: s.username ?? '', credential: s.credential ?? '' }));
}
