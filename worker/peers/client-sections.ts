// The single-connection path's slots come from the client: it offers receive-only sections (livekit-client three
// audio and three video at first) and adds more when the host asks (MediaSectionsRequirement); the host cannot
// offer. This keeps which sections the host has asked for and which binds wait for one, and turns the host's wish to
// renegotiate into a request for the client's next offer.
import type { MediaKind } from '../../src/shared/host-bridge';
import { mediaSections } from '../sdp/sections';

/** Asks the client for an offer with this many more receive-only sections (both 0: just a new offer). */
export type RequestSections = (numAudios: number, numVideos: number) => void;

interface Waiter {
  kind: MediaKind;
  slotId: number;
  resolve: () => void;
  /** The section an offer brought for it, until the offer is applied. */
  mid?: string;
}

export class ClientSections {
  private waiters: Waiter[] = [];
  /** A request is out and no offer has come since. */
  private requested = false;
  /** An offer is being answered; a wish to renegotiate now waits for the answer. */
  private answering = false;
  private again = false;

  constructor(private readonly request: RequestSections) {}

  /** Resolves once an offer brought a section for the slot `slotId` (a slot the caller made without a mid). */
  waitFor(kind: MediaKind, slotId: number): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push({ kind, slotId, resolve });
      if (this.answering) this.again = true;
      else this.send(kind === 'audio' ? 1 : 0, kind === 'video' ? 1 : 0);
    });
  }

  /**
   * An offer arrived: its receive-only audio and video sections the host has no slot for, each given to the slot
   * a bind waits with (oldest first), or to a new slot from `newSlot`. Returns mid → slot id.
   */
  offered(offerSdp: string, knownMids: ReadonlySet<string>, newSlot: (kind: MediaKind, mid: string) => number): Record<string, number> {
    this.requested = false;
    this.answering = true;
    const out: Record<string, number> = {};
    for (const s of mediaSections(offerSdp)) {
      if (s.kind === 'application' || s.direction !== 'recvonly' || s.port === 0 || knownMids.has(s.mid)) continue;
      const at = this.waiters.findIndex((w) => w.kind === s.kind && w.mid === undefined);
      if (at >= 0) {
        this.waiters[at].mid = s.mid;
        out[s.mid] = this.waiters[at].slotId;
      } else {
        out[s.mid] = newSlot(s.kind, s.mid);
      }
    }
    return out;
  }

  /** The offer's sections are the host's now: the binds that waited for them go on; returns their mids by slot. */
  applied(): Map<number, string> {
    const served = new Map<number, string>();
    this.waiters = this.waiters.filter((w) => {
      const mid = w.mid;
      if (mid === undefined) return true;
      served.set(w.slotId, mid);
      w.resolve();
      return false;
    });
    return served;
  }

  /** The offer is answered: a renegotiation wished for meanwhile, or a bind still waiting, asks again. */
  answered(): void {
    this.answering = false;
    const audio = this.waiters.filter((w) => w.kind === 'audio').length;
    const video = this.waiters.length - audio;
    if (this.again || audio || video) {
      this.again = false;
      this.send(audio, video);
    }
  }

  /**
   * Answering the offer failed: its sections are not the host's, so a waiting bind waits for the next offer's. Nothing
   * is asked for here: a client whose offers keep failing would otherwise be asked for offers without end.
   */
  abandon(): void {
    this.answering = false;
    this.again = false;
    for (const w of this.waiters) w.mid = undefined;
  }

  /** The host changed what a slot sends: the client's next offer lets the answer say so. */
  renegotiate(): void {
    if (this.answering) this.again = true;
    else if (!this.requested) this.send(0, 0);
  }

  /** After a resume: a request sent on the lost connection may never have arrived. */
  restart(): void {
    this.requested = false;
    this.answering = false;
    this.renegotiate();
  }

  private send(numAudios: number, numVideos: number): void {
    this.requested = true;
    this.request(numAudios, numVideos);
  }
}
