// A participant's subscriber connection ("down"), as the worker sees it: slots (sendonly transceivers the
// page created), which track each slot carries, and the offer/answer cycle with the client. A slot whose
// track goes away is parked, not removed, and the next track of its kind reuses it, so a subscriber's SDP
// never grows a second m-line for what one transceiver can carry. A slot whose track closed expecting to
// resume is kept, unchanged, for that track's next copy: the subscriber sees the same m-line and msid again.
import type { Remote } from 'comlink';
import type { CodecChoice, MediaKind, PeerCommands, PeerState, RouteName } from '../../src/shared/host-bridge';
import { logger } from '../log';
import { ProbeSchedule } from './probe-schedule';
import { estimateFor, videoShare } from './link-shares';
import type { DownSink } from '../media/down-sink';
import type { ForwardedDown, Forwarder } from '../media/forwarder';
import type { SwitchReason } from '../core/forwarding-core';
import type { UpTrack } from '../media/up-track';
import type { Wanted } from '../media/layer-choice';
import { setMsids } from '../sdp/munge';
import { mediaSections, primaryCodec } from '../sdp/sections';
import { renumberPayloadTypes } from '../sdp/payload-types';
import type { ClientSections } from './client-sections';

const log = logger('down-peer');

export interface DownSlot {
  readonly id: number;
  readonly kind: MediaKind;
  mid: string | null;
  sink: DownSink | null;
  binding: DownBinding | null;
  /** The msid written for this slot's m-line; kept while the slot is kept for a resuming track. */
  label: { stream: string; track: string } | null;
  /** Mime type of the codec the slot was last set up for. */
  lastCodec?: string;
  /** The codec its binding forwards, or the bind waiting for its section will (single-connection path). */
  codec?: CodecChoice | null;
  /** The track sid this slot is kept for (its copy closed expecting to resume), and until when. */
  keptFor: string | null;
  keptUntil: number;
  /** Id of the first offer that carried the current binding; 0 until one does. */
  offeredIn: number;
  answered: boolean;
  /** The subscriber rejected the slot's section: its transceiver is stopped and never used again. */
  rejected?: boolean;
  /**
   * Being created for a bind: its streams may already be attached while the page's reply is on its way, and no other
   * bind may take it then (it would, being free and with a sink, and the two tracks would share one m-line).
   */
  adding?: boolean;
}

/** How long a slot is kept for a resuming track before it is parked for any track. Default 30 s. */
export const KEEP_FOR_RESUME_MS = 30_000;

export interface DownBinding {
  readonly up: UpTrack;
  readonly slot: DownSlot;
  readonly forwarded: ForwardedDown;
  ready: boolean;
  paused: boolean;
  /** Made on a slot kept for this track's earlier copy: the subscriber sees the same track continue. */
  resumed: boolean;
  /** Set when this connection's payload type for the codec differs from the publisher's (the offer renumbers it). */
  ptMismatch?: boolean;
}

export type SendOffer = (sdp: string, id: number, midToTrackId: Record<string, string>) => void;

/** A subscriber connection's link, as the host's stats last reported it. */
export interface LinkFigures {
  estimateBps: number;
  sendDelayMs: number;
  loss: number;
  /** What its audio took on the wire, bit/s. */
  audioBps: number;
}

export class DownPeerClosedError extends Error {
  override name = 'DownPeerClosedError';
}

/** The subscriber's browser rejected a section carrying this codec: it cannot decode it (Firefox without H.264). */
export class CodecUnsupportedError extends Error {
  override name = 'CodecUnsupportedError';
  /** Retrying cannot help: the subscription fails at once, and is tried again only when the track changes. */
  readonly final = true;
}

export class DownPeer {
  private slots: DownSlot[] = [];
  /** What the subscriber asked for of each track: its highest simulcast layer and its frame rate (0 = any). */
  private wanted = new Map<string, Wanted>();
  /** The connection's last link report (DownLinkReport), for tracks bound after it. */
  private lastLink: LinkFigures | null = null;
  private readonly probes = new ProbeSchedule();
  private nextSlotId = 1;
  private offerId = 0;
  private inFlight: number | null = null;
  private again = false;
  private restartIce = false;
  private connected = false;
  private closed = false;
  /** The payload type numbers the last renumbered offer gave each section (old → new, by mid). */
  private payloadTypesBefore = new Map<string, Map<number, number>>();
  /** Mime types (lower case) whose sections this subscriber rejected. */
  private readonly undecodable = new Set<string>();
  /** Told when the subscriber rejected a bound slot's section; the owner unbinds and resubscribes. */
  onRefused: ((binding: DownBinding) => void) | null = null;

  constructor(
    readonly pid: string,
    private readonly commands: Remote<PeerCommands>,
    private readonly forwarder: Forwarder,
    private readonly route: RouteName,
    private sendOffer: SendOffer,
    /** Told of each simulcast layer switch of a binding, with the connection's last link figures (telemetry). */
    private readonly onLayerSwitch: ((b: DownBinding, from: number, to: number, reason: SwitchReason, link: LinkFigures | null) => void) | null = null,
    /** On the single-connection path, the client's sections and offers (client-sections.ts); null on `/rtc`. */
    private readonly single: ClientSections | null = null,
  ) {}

  async open(): Promise<void> {
    // one connection: the client's first offer opens it
    if (this.single) return;
    await this.commands.openDown(this.pid);
    this.negotiate();
  }

  get isConnected(): boolean {
    return this.connected;
  }

  /** The page created a slot's streams; the sink stays with the slot for the connection's life. */
  attachSink(slotId: number, sink: DownSink): void {
    const slot = this.slots.find((s) => s.id === slotId);
    if (!slot || this.closed) {
      sink.close();
      return;
    }
    slot.sink = sink;
  }

  /**
   * Starts forwarding `up` to this subscriber: on the slot kept for its sid if there is one (no renegotiation
   * when the codec is unchanged), else on a parked slot of its kind, else on a new slot.
   */
  async bind(up: UpTrack, now = Date.now()): Promise<DownBinding> {
    if (this.closed) throw new DownPeerClosedError(`subscriber ${this.pid} is closed`);
    if (this.undecodable.has(up.mimeType.toLowerCase())) throw new CodecUnsupportedError(`the subscriber cannot decode ${up.mimeType}`);
    this.expireKept(now);
    const kept = this.slots.find((s) => s.keptFor === up.sid && s.kind === up.kind && !s.binding && s.sink && !s.rejected);
    if (kept) return this.rebind(kept, up);
    let slot = this.slots.find((s) => s.kind === up.kind && !s.binding && !s.keptFor && s.sink && !s.rejected && !s.adding);
    if (!slot) {
      slot = { id: this.nextSlotId++, kind: up.kind, mid: null, sink: null, binding: null, label: null, keptFor: null, keptUntil: 0, offeredIn: 0, answered: false, adding: true, codec: up.codec };
      this.slots.push(slot);
      try {
        if (this.single) await this.single.waitFor(up.kind, slot.id);
        else await this.commands.addDownSlot(this.pid, slot.id, up.kind, this.route);
      } finally {
        slot.adding = false;
      }
      if (this.closed) throw new DownPeerClosedError(`subscriber ${this.pid} closed while adding a slot`);
      if (!slot.sink) throw new Error(`the page created slot ${slot.id} for ${this.pid} without its streams`);
    }
    // claim before awaiting, so that a concurrent bind takes another slot
    const binding = this.claim(slot, up);
    slot.offeredIn = 0;
    slot.answered = false;
    await this.commands.setDownSlot(this.pid, slot.id, up.codec);
    this.negotiate();
    return binding;
  }

  /** A kept slot takes the next copy of its track: same m-line, same msid; only a codec change renegotiates. */
  private async rebind(slot: DownSlot, up: UpTrack): Promise<DownBinding> {
    const codecBefore = slot.binding === null ? slot.lastCodec : undefined;
    const binding = this.claim(slot, up);
    slot.keptFor = null;
    if (codecBefore !== up.mimeType) {
      slot.offeredIn = 0;
      slot.answered = false;
      await this.commands.setDownSlot(this.pid, slot.id, up.codec);
      this.negotiate();
    } else {
      this.updateReadiness();
    }
    return binding;
  }

  private claim(slot: DownSlot, up: UpTrack): DownBinding {
    slot.sink!.sourceChanged();
    const listener = this.onLayerSwitch;
    const binding: DownBinding = {
      up, slot, ready: false, paused: false, resumed: slot.keptFor === up.sid,
      forwarded: this.forwarder.openDown(up, slot.sink!, listener && ((from, to, reason) => listener(binding, from, to, reason, this.lastLink))),
    };
    const wanted = this.wanted.get(up.sid);
    if (wanted) this.setWantedOn(binding, wanted);
    slot.binding = binding;
    // a track subscribed on a connection whose estimate is known starts within its share (the others' shares
    // shrink at the next report; their congestion state is left as it is)
    if (this.lastLink) this.forwarder.setDownLink(binding.forwarded, videoShare(this.lastLink.estimateBps, this.videoDowns(), this.lastLink.audioBps), 0, 0);
    slot.label = { stream: `${up.publisherSid}|${up.sid}`, track: up.sid };
    slot.lastCodec = up.mimeType;
    slot.codec = up.codec;
    return binding;
  }

  /**
   * Stops forwarding on this binding. With `keepForResume` the slot stays as it is (sendonly, same msid) for the
   * track's next copy; otherwise it is parked (inactive) for any track of its kind.
   */
  unbind(binding: DownBinding, release: { keepForResume: boolean } = { keepForResume: false }, now = Date.now()): void {
    this.forwarder.closeDown(binding.forwarded);
    const slot = binding.slot;
    if (slot.binding !== binding) return;
    slot.binding = null;
    if (this.closed) return;
    if (release.keepForResume) {
      slot.keptFor = binding.up.sid;
      slot.keptUntil = now + KEEP_FOR_RESUME_MS;
      return;
    }
    this.park(slot);
  }

  /** The subscriber no longer wants this track: a slot kept for it is parked for any track. */
  releaseKept(trackSid: string): void {
    for (const slot of this.slots) if (slot.keptFor === trackSid && !slot.binding) this.park(slot);
  }

  /** Slots kept for tracks that did not come back in time are parked. */
  private expireKept(now: number): void {
    for (const slot of this.slots) if (slot.keptFor && !slot.binding && slot.keptUntil <= now) this.park(slot);
  }

  private park(slot: DownSlot): void {
    slot.keptFor = null;
    if (this.closed || slot.rejected) {
      slot.label = null;
      return;
    }
    // the label stays until the page has turned the section inactive: an offer made before that still shows it
    // sending, and under the page's own msid LiveKit's SDKs could not place it (the Rust SDK drops such a track)
    this.commands.setDownSlot(this.pid, slot.id, null).then(() => {
      if (!slot.binding && !slot.keptFor) slot.label = null;
      this.negotiate();
    }, () => {});
  }

  /** What the subscriber wants of a track; remembered for the track's later bindings. */
  setWanted(trackSid: string, wanted: Wanted): void {
    this.wanted.set(trackSid, wanted);
    const binding = this.slots.find((s) => s.binding?.up.sid === trackSid)?.binding;
    if (binding) this.setWantedOn(binding, wanted);
  }

  private setWantedOn(binding: DownBinding, wanted: Wanted): void {
    this.forwarder.setDownMaxFps(binding.forwarded, wanted.fps);
    this.forwarder.setDownMaxLayer(binding.forwarded, wanted.layer);
  }

  /**
   * What this connection carries, from the host's stats: each video down's layer choice gets its share of the
   * estimate (link-shares.ts) with the connection's send delay and loss.
   */
  setLink(estimateBps: number, sendDelayMs: number, loss: number, audioBps: number, nowMs = performance.now()): void {
    this.lastLink = { estimateBps, sendDelayMs, loss, audioBps };
    const videoDowns = this.videoDowns();
    const share = videoShare(estimateBps, videoDowns, audioBps);
    let short = 0;
    for (const b of this.activeBindings()) {
      if (b.up.kind !== 'video') continue;
      this.forwarder.setDownLink(b.forwarded, share, sendDelayMs, loss);
      short = Math.max(short, this.forwarder.downStats(b.forwarded)?.probeBps ?? 0);
    }
    // GoogCC's estimate grows only when probed while the connection carries less than it could: probe for the
    // estimate whose share would cover the layer a down is held below
    if (this.probes.due(short, nowMs)) {
      const bps = estimateFor(short, videoDowns, audioBps);
      log.debug(`${this.pid}: probing at ${Math.round(bps / 1000)} kbit/s (estimate ${Math.round(estimateBps / 1000)})`);
      this.commands.probeDown(this.pid, bps).catch((e: Error) => log.warn(`probe for ${this.pid} failed: ${e.message}`));
    }
  }

  private videoDowns(): number {
    return this.activeBindings().filter((b) => b.up.kind === 'video').length;
  }

  private activeBindings(): DownBinding[] {
    return this.slots.flatMap((s) => (s.binding && !s.binding.paused ? [s.binding] : []));
  }

  /**
   * How far below the simulcast layers it wants this subscriber receives, 0..1: the worst of its started video
   * downs, in layers short of the wanted one over the layers there are. Connection quality counts it.
   */
  layerDeficit(): number {
    let worst = 0;
    for (const slot of this.slots) {
      const b = slot.binding;
      if (!b || b.paused || b.up.kind !== 'video' || b.up.layerCount < 2) continue;
      const s = this.forwarder.downStats(b.forwarded);
      if (!s?.started) continue;
      const top = b.up.layerCount - 1;
      worst = Math.max(worst, Math.max(0, Math.min(s.maxLayer, top) - s.currentLayer) / top);
    }
    return worst;
  }

  setPaused(binding: DownBinding, paused: boolean): void {
    binding.paused = paused;
    this.forwarder.setDownPaused(binding.forwarded, paused);
  }

  slot(id: number): DownSlot | undefined {
    return this.slots.find((s) => s.id === id);
  }

  bindingForMid(mid: string): DownBinding | null {
    return this.slots.find((s) => s.mid === mid)?.binding ?? null;
  }

  /**
   * After a resume: an offer sent on the lost connection may never be answered, so stop waiting for it and
   * offer again, restarting ICE (the transport may be why the client resumed).
   */
  restartNegotiation(): void {
    if (this.single) return this.single.restart();
    this.inFlight = null;
    this.negotiate(true);
  }

  /**
   * Asks for a new offer; with `iceRestart` the offer restarts ICE (after a resume). On the single-connection path
   * the client offers: it is asked to, and restarts ICE itself when it resumes.
   */
  negotiate(iceRestart = false): void {
    if (this.closed) return;
    if (this.single) return this.single.renegotiate();
    if (iceRestart) this.restartIce = true;
    if (this.inFlight !== null) {
      this.again = true;
      return;
    }
    void this.makeOffer();
  }

  private async makeOffer(): Promise<void> {
    const id = ++this.offerId;
    this.inFlight = id;
    this.again = false;
    const restart = this.restartIce;
    this.restartIce = false;
    try {
      const offer = await this.commands.offerDown(this.pid, restart);
      if (this.closed) return;
      for (const slot of this.slots) slot.mid = offer.mids[slot.id] ?? slot.mid;
      const payloadTypes = this.payloadTypesWanted(offer.sdp);
      const msids = new Map<string, { stream: string; track: string }>();
      const midToTrackId: Record<string, string> = {};
      for (const slot of this.slots) {
        // a kept slot keeps its label, so that the subscriber never sees its track change while it waits
        if (!slot.label || !slot.mid) continue;
        if (slot.binding && !slot.offeredIn) slot.offeredIn = id;
        msids.set(slot.mid, slot.label);
        midToTrackId[slot.mid] = slot.label.track;
      }
      this.sendOffer(this.withPublisherPayloadTypes(setMsids(offer.sdp, msids), payloadTypes), id, midToTrackId);
    } catch (e) {
      this.inFlight = null;
      if (!this.closed) log.warn(`offer for ${this.pid} failed: ${(e as Error).message}`);
    }
  }

  /**
   * A forwarded frame carries the publisher's payload type. Where this connection numbers the slot's codec
   * differently (a Firefox publisher's VP8 is 120, Opus 109; Chromium's 96 and 111), the offer the subscriber gets
   * says the publisher's number instead (worker/sdp/payload-types.ts): the mids to renumber, with their numbers.
   */
  private payloadTypesWanted(sdp: string): Map<string, number> {
    const sections = new Map(mediaSections(sdp).map((s) => [s.mid, s]));
    const wanted = new Map<string, number>();
    for (const slot of this.slots) {
      const b = slot.binding;
      const section = slot.mid ? sections.get(slot.mid) : undefined;
      // a slot still inactive has not had its codec set yet (bind claims it first): its default list means nothing
      const primary = section && section.direction === 'sendonly' && primaryCodec(section);
      if (!b || !primary || !b.up.mimeType) continue;
      const upPt = b.up.primaryPt;
      const mismatch = upPt >= 0 && upPt !== primary.pt;
      if (mismatch && !b.ptMismatch) log.info(`${this.pid}: ${b.up.mimeType} is payload type ${primary.pt} here and ${upPt} at the publisher of ${b.up.sid}: offered as ${upPt}`);
      b.ptMismatch = mismatch;
      if (mismatch) wanted.set(slot.mid!, upPt);
    }
    return wanted;
  }

  /** The offer with the publishers' payload types; a section whose number another holds keeps its own (a warning). */
  private withPublisherPayloadTypes(sdp: string, wanted: Map<string, number>): string {
    const r = renumberPayloadTypes(sdp, wanted, this.payloadTypesBefore);
    this.payloadTypesBefore = r.byMid;
    for (const mid of r.clashes) log.warn(`${this.pid}: section ${mid} needs payload type ${wanted.get(mid)}, which another publisher's codec holds here; its stream will not decode at this subscriber`);
    return r.sdp;
  }

  /**
   * Single-connection path: the client's offer arrived. Its new receive-only sections become slots (for binds that
   * wait, or parked); returns mid → slot id, for the page to take their streams.
   */
  sectionsOffered(offerSdp: string): Record<string, number> {
    const known = new Set(this.slots.flatMap((s) => (s.mid ? [s.mid] : [])));
    return this.single!.offered(offerSdp, known, (kind, mid) => {
      const id = this.nextSlotId++;
      this.slots.push({ id, kind, mid, sink: null, binding: null, label: null, keptFor: null, keptUntil: 0, offeredIn: 0, answered: false });
      return id;
    });
  }

  /**
   * Single-connection path: the codec each section of the offer is to send, by mid (`newSlots`: the offer's new
   * sections, from `sectionsOffered`), for the host to apply the offer with those codecs first.
   */
  sendCodecs(newSlots: Readonly<Record<string, number>>): Map<string, CodecChoice> {
    const out = new Map<string, CodecChoice>();
    const newMids = new Map(Object.entries(newSlots).map(([mid, id]) => [id, mid]));
    for (const slot of this.slots) {
      const mid = slot.mid ?? newMids.get(slot.id);
      const codec = slot.binding ? slot.binding.up.codec : slot.codec;
      if (mid && codec) out.set(mid, codec);
    }
    return out;
  }

  /** Single-connection path: the page applied the offer; the binds that waited for a section take theirs. */
  sectionsApplied(): void {
    for (const [id, mid] of this.single!.applied()) {
      const slot = this.slot(id);
      if (slot) slot.mid = mid;
    }
  }

  /** Single-connection path: the page is about to answer offer `id`; the slots set up by now are in that answer. */
  answering(id: number): void {
    for (const slot of this.slots) if (slot.binding && !slot.offeredIn) slot.offeredIn = id;
  }

  /** Single-connection path: answering an offer failed; the next offer starts afresh. */
  answerFailed(): void {
    this.single!.abandon();
  }

  /**
   * Single-connection path: the host's answer to offer `id`, as the client is to get it: the msids that name the
   * tracks, and midToTrackId.
   */
  answered(answerSdp: string, id: number): { sdp: string; midToTrackId: Record<string, string> } {
    const msids = new Map<string, { stream: string; track: string }>();
    const midToTrackId: Record<string, string> = {};
    for (const slot of this.slots) {
      if (slot.binding && slot.offeredIn && slot.offeredIn <= id) slot.answered = true;
      if (!slot.label || !slot.mid) continue;
      msids.set(slot.mid, slot.label);
      midToTrackId[slot.mid] = slot.label.track;
    }
    this.updateReadiness();
    this.single!.answered();
    return { sdp: setMsids(answerSdp, msids), midToTrackId };
  }

  /**
   * The client's answer. Its id echoes the offer's; 0 means a client that does not number its descriptions
   * (LiveKit's Rust SDK, under rtc-node and the Python and Unity SDKs, answers every offer with id 0), and is taken
   * for the answer to the offer in flight, as LiveKit's server takes it: one offer is in flight at a time.
   */
  async onAnswer(sdp: string, id: number): Promise<void> {
    const offer = this.inFlight;
    if (offer === null || (id !== 0 && id !== offer)) {
      log.warn(`answer ${id} from ${this.pid} does not match the offer in flight (${offer}); ignored`);
      return;
    }
    try {
      await this.commands.acceptDownAnswer(this.pid, sdp);
    } finally {
      this.inFlight = null;
    }
    for (const slot of this.slots) if (slot.binding && slot.offeredIn && slot.offeredIn <= offer) slot.answered = true;
    this.noteRejections(sdp, offer);
    this.updateReadiness();
    if (this.again) this.negotiate();
  }

  /**
   * A section the answer rejects (port 0) carried a codec the subscriber's browser cannot decode: Firefox without
   * Mozilla's OpenH264 plugin rejects H.264. Its transceiver is stopped; its track is refused from now on.
   */
  private noteRejections(answer: string, offer: number): void {
    const rejected = new Set(mediaSections(answer).filter((s) => s.port === 0).map((s) => s.mid));
    for (const slot of this.slots) {
      if (!slot.mid || !rejected.has(slot.mid) || slot.rejected) continue;
      slot.rejected = true;
      const b = slot.binding;
      if (!b) continue;
      // only the codec the rejected offer carried is to blame; a track bound since then just moves to another slot
      if (slot.offeredIn > 0 && slot.offeredIn <= offer && b.up.mimeType) {
        this.undecodable.add(b.up.mimeType.toLowerCase());
        log.warn(`${this.pid} rejected ${b.up.mimeType} (track ${b.up.sid}): it cannot decode it`);
      }
      this.onRefused?.(b);
    }
  }

  onConnectionState(state: PeerState): void {
    this.connected = state === 'connected';
    this.updateReadiness();
  }

  /** Whether an offer is waiting for the client's answer. */
  get negotiating(): boolean {
    return this.inFlight !== null;
  }

  /** Forwarding starts once the client has answered the offer carrying the slot and the transport is up. */
  private updateReadiness(): void {
    for (const slot of this.slots) {
      const b = slot.binding;
      if (!b) continue;
      const ready = this.connected && slot.answered;
      if (ready !== b.ready) {
        b.ready = ready;
        this.forwarder.setDownReady(b.forwarded, ready);
      }
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const slot of this.slots) {
      if (slot.binding) this.forwarder.closeDown(slot.binding.forwarded);
      slot.binding = null;
      slot.sink?.close();
    }
  }
}
