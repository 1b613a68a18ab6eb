// A subscriber's side of the host without a browser: the real DownPeer and SubscriptionManager, with the page's
// peer connection replaced by a recorder that writes one m-line per slot, as Chromium would, and the forwarder
// by a counter. Tests read the offers the client would get.
import type { Remote } from 'comlink';
import { Encryption_Type, TrackSource } from '@livekit/protocol';
import type { CodecChoice, DownOffer, MediaKind, PeerCommands } from '../../src/shared/host-bridge';
import type { Forwarder } from '../../worker/media/forwarder';
import type { DownSink } from '../../worker/media/down-sink';
import { UpTrack } from '../../worker/media/up-track';
import { DownPeer, type DownBinding } from '../../worker/peers/down-peer';
import { mediaSections } from '../../worker/sdp/sections';
import type { RoomTrackManager } from '../../worker/tracks/room-track-manager';
import { type Scheduler, SubscriptionManager } from '../../worker/tracks/subscription-manager';

export function videoTrack(sid: string, label: string, publisherSid = 'PA_b'): UpTrack {
  const t = new UpTrack(sid, publisherSid, 'pb', { cid: label, name: label, kind: 'video', source: TrackSource.CAMERA, muted: false, width: 320, height: 180, layers: [], stream: '', requestedCodec: '', encryption: Encryption_Type.NONE });
  t.setNegotiatedCodecs([{ pt: 96, name: 'VP8', clockRate: 90000, fmtp: '' } as never], { pt: 96, name: 'VP8', fmtp: '' });
  return t;
}

interface SlotState {
  kind: MediaKind;
  direction: 'inactive' | 'sendonly';
}

/** The page's side of one subscriber connection, as far as SDP goes. */
class RecordingPeerCommands {
  slots = new Map<number, SlotState>();
  slotsAdded = 0;
  parked: number[] = [];
  /**
   * Where the page's work waits: slot creations before they start (`creation`) or after their streams are attached
   * (`reply`), and parkings before the transceiver turns inactive (`parking`).
   */
  private gates: Record<'creation' | 'reply' | 'parking', Promise<void> | null> = { creation: null, reply: null, parking: null };
  private attach: (slot: number) => void = () => {};

  private holdAt(at: 'creation' | 'reply' | 'parking'): () => void {
    let release!: () => void;
    this.gates[at] = new Promise<void>((r) => (release = r));
    return () => {
      this.gates[at] = null;
      release();
    };
  }

  /** Holds the next slot creations (a subscribe in flight) until the returned function is called. */
  hold(): () => void {
    return this.holdAt('creation');
  }

  /** Holds the replies to the next slot creations, after their streams are attached, until the returned function is called. */
  holdReplies(): () => void {
    return this.holdAt('reply');
  }

  /** Holds the next parkings, with their transceivers still sending, until the returned function is called. */
  holdParking(): () => void {
    return this.holdAt('parking');
  }

  onAttach(fn: (slot: number) => void): void {
    this.attach = fn;
  }

  async openDown(): Promise<void> {}

  async addDownSlot(_pid: string, slot: number, kind: MediaKind): Promise<void> {
    if (this.gates.creation) await this.gates.creation;
    this.slotsAdded++;
    this.slots.set(slot, { kind, direction: 'inactive' });
    this.attach(slot);
    // the page's streams reach the worker before its reply does: a reply held here arrives after them
    if (this.gates.reply) await this.gates.reply;
  }

  async setDownSlot(_pid: string, slot: number, codec: CodecChoice | null): Promise<void> {
    if (!codec && this.gates.parking) await this.gates.parking;
    const s = this.slots.get(slot)!;
    s.direction = codec ? 'sendonly' : 'inactive';
    if (!codec) this.parked.push(slot);
  }

  /** One m-line per slot in creation order (mid = slot id), with Chromium's placeholder msid. */
  async offerDown(): Promise<DownOffer> {
    const lines = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 't=0 0'];
    const mids: Record<number, string> = {};
    for (const [slot, s] of this.slots) {
      mids[slot] = String(slot);
      lines.push(`m=${s.kind} 9 UDP/TLS/RTP/SAVPF 96`, `a=mid:${slot}`, `a=${s.direction}`, `a=msid:- {placeholder-${slot}}`, 'a=rtpmap:96 VP8/90000');
    }
    return { sdp: lines.join('\r\n') + '\r\n', mids };
  }

  answersAccepted = 0;
  async acceptDownAnswer(): Promise<void> {
    this.answersAccepted++;
  }
  async answerUp(): Promise<string> { return ''; }
  async addRemoteCandidate(): Promise<void> {}
  closePeers(): void {}
}

class CountingForwarder {
  open = 0;
  openDown(track: UpTrack) {
    this.open++;
    return { handle: this.open, trackSid: track.sid, closed: false };
  }
  closeDown(d: { closed: boolean }) {
    if (!d.closed) this.open--;
    d.closed = true;
  }
  ready = 0;
  setDownReady(_d: unknown, ready: boolean) {
    this.ready += ready ? 1 : -1;
  }
  setDownPaused() {}
}

export interface Offer {
  id: number;
  sdp: string;
}

export class SubscriberHarness {
  readonly commands = new RecordingPeerCommands();
  readonly forwarder = new CountingForwarder();
  readonly offers: Offer[] = [];
  readonly failures: string[] = [];
  readonly down: DownPeer;
  readonly subscriptions: SubscriptionManager<DownBinding>;

  constructor(readonly sid: string, tracks: RoomTrackManager<UpTrack>, scheduler: Scheduler) {
    this.down = new DownPeer(sid, this.commands as unknown as Remote<PeerCommands>, this.forwarder as unknown as Forwarder, 'encoded-streams', (sdp, id) => this.offers.push({ sdp, id }));
    this.commands.onAttach((slot) => this.down.attachSink(slot, { write() {}, sourceChanged() {}, dropped: 0, close() {} } as DownSink));
    this.subscriptions = new SubscriptionManager<DownBinding>(
      {
        sid,
        bind: (t) => this.down.bind(t, scheduler.now()),
        unbind: (b, release) => this.down.unbind(b, release, scheduler.now()),
        subscribeFailed: (trackSid, reason) => this.failures.push(`${trackSid}: ${reason}`),
        allowed: () => true,
        permissionChanged: () => {},
      },
      tracks,
      scheduler,
      { retryMs: 50, failAfterMs: 10_000 },
    );
  }

  /**
   * The client answers every offer it got so far (the content does not matter to the recorder), echoing each offer's
   * id, or with the id `idOf` gives (LiveKit's Rust SDK answers with 0).
   */
  async answerAll(idOf: (o: Offer) => number = (o) => o.id): Promise<void> {
    for (const o of this.offers.splice(0)) {
      this.answered.push(o);
      await this.down.onAnswer('v=0\r\n', idOf(o));
    }
  }

  readonly answered: Offer[] = [];

  /** Every offer the client received, in order. */
  get allOffers(): Offer[] {
    return [...this.answered, ...this.offers];
  }
}

/** The sending m-lines of an offer that carry `trackSid`, and any track that appears on two sending m-lines. */
export function sendingSections(sdp: string) {
  return mediaSections(sdp).filter((s) => s.direction === 'sendonly');
}

export function duplicateTracks(sdp: string): string[] {
  const seen = new Map<string, number>();
  for (const s of sendingSections(sdp)) if (s.msid) seen.set(s.msid.track, (seen.get(s.msid.track) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([t]) => t);
}
