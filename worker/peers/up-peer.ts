// A participant's publisher connection ("up"), as the worker sees it: each offer is matched against the
// tracks the client announced with AddTrack (the msid track id is the announced cid), answered through the
// page, and turned into tracks that start and stop.
import type { Remote } from 'comlink';
import type { PeerCommands, TransformOptions } from '../../src/shared/host-bridge';
import { UpTrack } from '../media/up-track';
import { acceptOnlyLayer, highestSimulcastLayers, withoutSimulcast } from '../sdp/munge';
import { chooseSplits, extensionIds, mergeAnswer, splitOffer, type ExtensionIds, type SimulcastSplit } from '../sdp/simulcast-split';
import { logger } from '../log';
import { mediaSections, offerSends, primaryCodec } from '../sdp/sections';
import { withHostNumbers } from '../sdp/host-numbers';
import type { PayloadNumbering } from '../../src/shared/payload-numbering';

const log = logger('up-peer');

export interface OfferOutcome {
  answerSdp: string;
  /** Tracks whose media section appeared in this offer. */
  started: UpTrack[];
  /** Tracks whose media section stopped sending (the client unpublished them). */
  stopped: UpTrack[];
}

/** A client's offer as the host's connection is to apply it: what `answerUp` (or `applySingleOffer`) takes. */
export interface PreparedOffer {
  offerSdp: string;
  hostOffer: string;
  transforms: Record<string, TransformOptions>;
  codecs: Record<string, string[]>;
  started: UpTrack[];
  stopped: UpTrack[];
}

export class UpOfferError extends Error {
  override name = 'UpOfferError';
}

export class UpPeer {
  /** Tracks announced with AddTrack whose media has not appeared in an offer yet, by cid. */
  private announced = new Map<string, UpTrack>();
  private byMid = new Map<string, UpTrack>();
  /** The msid track id each bound section was offered with (Firefox's is not the track's cid, see `answer`). */
  private msidByMid = new Map<string, string>();
  /** How each simulcast section is received (which rids, as which host sections); kept for the connection's life. */
  private splits: SimulcastSplit[] = [];
  /** The extension ids the host reads the other way round, fixed by the first video section (see extensionIds). */
  private extIds: ExtensionIds | null = null;

  /**
   * `publishCodecs`: the video codecs this host lets clients publish, in order of preference (HostSettings).
   * `numbering`: the host's codec numbers, which publishers are answered with when the host serves the
   * single-connection path (see worker/sdp/host-numbers.ts); null leaves the client's numbers.
   */
  constructor(readonly pid: string, private readonly commands: Remote<PeerCommands>, private readonly publishCodecs: string[] = [], private readonly numbering: PayloadNumbering | null = null) {}

  announce(track: UpTrack): void {
    this.announced.set(track.info.cid, track);
  }

  isAnnounced(cid: string): boolean {
    return this.announced.has(cid) || [...this.byMid.values()].some((t) => t.info.cid === cid);
  }

  get tracks(): UpTrack[] {
    return [...this.byMid.values()];
  }

  trackByMid(mid: string): UpTrack | undefined {
    return this.byMid.get(mid);
  }

  /** Answers an offer on the publisher connection of the dual-connection path. */
  async answer(offerSdp: string): Promise<OfferOutcome> {
    const prepared = this.prepare(offerSdp);
    const hostAnswer = await this.commands.answerUp(this.pid, prepared.hostOffer, prepared.transforms, prepared.codecs);
    return { answerSdp: this.finish(prepared, hostAnswer), started: prepared.started, stopped: prepared.stopped };
  }

  /** Matches an offer's sending sections to announced tracks, and makes the offer the host's connection applies. */
  prepare(offerSdp: string): PreparedOffer {
    let sections;
    try {
      sections = mediaSections(offerSdp);
    } catch (e) {
      throw new UpOfferError(`unreadable offer: ${(e as Error).message}`);
    }
    if (!sections.length) throw new UpOfferError('offer has no media sections');
    const started: UpTrack[] = [];
    const stopped: UpTrack[] = [];
    const sending = new Set<string>();
    const offeredIds = new Set(sections.map((s) => s.msid?.track ?? ''));
    // an offer that names any track the participant announced is a browser that writes cids (Chromium): no guessing
    const known = new Set([...this.announced.keys(), ...[...this.byMid.values()].map((t) => t.info.cid)]);
    const guess = ![...offeredIds].some((id) => known.has(id));
    for (const s of sections) {
      if (s.kind === 'application' || !offerSends(s)) continue;
      sending.add(s.mid);
      const current = this.byMid.get(s.mid);
      const msid = s.msid?.track ?? '';
      if (current && this.msidByMid.get(s.mid) === msid) continue;
      if (current) stopped.push(current);
      // Chromium writes the track's id (livekit-client's cid) as the msid's track id; Firefox writes an id of its
      // own, so in its offers a new section takes the earliest announced track of its kind (livekit-client
      // announces and adds tracks in the same order)
      const track = this.announced.get(msid) ?? (guess ? [...this.announced.values()].find((t) => t.kind === s.kind) : undefined);
      if (!track) {
        if (current) this.byMid.delete(s.mid);
        continue; // media nobody announced: answered, but not forwarded
      }
      this.announced.delete(track.info.cid);
      track.mid = s.mid;
      this.byMid.set(s.mid, track);
      this.msidByMid.set(s.mid, msid);
      started.push(track);
    }
    for (const [mid, track] of this.byMid) {
      if (!sending.has(mid)) {
        this.byMid.delete(mid);
        stopped.push(track);
      }
    }
    const before = new Set(this.splits.map((s) => s.mid));
    this.splits = chooseSplits(offerSdp, this.splits);
    this.extIds = extensionIds(offerSdp, this.extIds);
    for (const s of this.splits) {
      if (!before.has(s.mid) && !s.rids.length) log.warn(`${this.pid}: simulcast section ${s.mid} reuses rids the participant's other tracks have; its media cannot be received`);
    }
    const splitOf = new Map(this.splits.map((s) => [s.mid, s]));
    const transforms: Record<string, TransformOptions> = {};
    const codecs: Record<string, string[]> = {};
    for (const [mid, t] of this.byMid) {
      const rids = splitOf.get(mid)?.rids ?? [];
      t.setLayers(rids.length > 1 ? rids : []);
      (rids.length ? rids : [mid]).forEach((hostMid, layer) => {
        transforms[hostMid] = { role: 'up', pid: this.pid, trackSid: t.sid, layer };
        if (t.kind === 'video') codecs[hostMid] = this.videoCodecsFor(t);
      });
    }
    const hostOffer = withoutSimulcast(splitOffer(this.numbering ? withHostNumbers(offerSdp, this.numbering) : offerSdp, this.splits, this.extIds));
    return { offerSdp, hostOffer, transforms, codecs, started, stopped };
  }

  /** The answer the client gets, from the host connection's answer; tracks learn the codecs it settled. */
  finish(prepared: PreparedOffer, hostAnswer: string): string {
    const offerSdp = prepared.offerSdp;
    // simulcast sections the host does not split (an offer without the rid extension) send only their full resolution
    const others = highestSimulcastLayers(offerSdp);
    for (const s of this.splits) others.delete(s.mid);
    const answerSdp = acceptOnlyLayer(mergeAnswer(hostAnswer, offerSdp, this.splits, this.extIds), others);
    for (const s of mediaSections(answerSdp)) {
      const t = this.byMid.get(s.mid);
      const primary = primaryCodec(s);
      if (t && primary) t.setNegotiatedCodecs([...s.codecs.values()], primary);
    }
    return answerSdp;
  }

  /**
   * The video codecs to answer a track's section with, in order: the one its client asked for when this host allows
   * it, then the host's own choice. A LiveKit server answers this way too: livekit-client sets no codec preferences
   * and sends whatever the answer puts first.
   */
  private videoCodecsFor(t: UpTrack): string[] {
    const allowed = this.publishCodecs.map((m) => m.toLowerCase());
    const asked = t.info.requestedCodec.toLowerCase();
    return allowed.includes(asked) ? [asked, ...allowed.filter((m) => m !== asked)] : allowed;
  }

  /** Forgets a track the participant unpublished or lost. */
  forget(track: UpTrack): void {
    this.announced.delete(track.info.cid);
    if (this.byMid.get(track.mid) === track) this.byMid.delete(track.mid);
  }
}
