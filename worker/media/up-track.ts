// A track published to the host ("up"): what its publisher announced, where its frames come from, and
// which subscribers' copies ("downs") it feeds.
import type { Encryption_Type, TrackSource, VideoLayer } from '@livekit/protocol';
import type { CodecChoice, MediaKind } from '../../src/shared/host-bridge';
import type { ManagedTrack } from '../tracks/room-track-manager';
import { Codec, type CodecId } from '../core/forwarding-core';

export type UpTrackState = 'open' | 'closing' | 'closed';

export interface UpTrackAnnouncement {
  cid: string;
  name: string;
  kind: MediaKind;
  source: TrackSource;
  muted: boolean;
  width: number;
  height: number;
  layers: VideoLayer[];
  stream: string;
  /** The codec the client asked to publish in (AddTrackRequest.simulcastCodecs), e.g. video/h264; empty if none. */
  requestedCodec: string;
  /**
   * The publisher's end-to-end encryption (AddTrackRequest.encryption): subscribers set up decryption only for
   * tracks whose TrackInfo says so, and the host's own decoder cannot read such frames.
   */
  encryption: Encryption_Type;
}

export class UpTrack implements ManagedTrack {
  state: UpTrackState = 'open';
  /**
   * Whether the publisher is expected to come back with this track (a migration or a node failure), cached when
   * the copy starts closing: subscribers that let go of it later must still know to keep their transceiver.
   */
  expectedToResume = false;
  /** The earlier copy this one continues after a migration; removed from the room once this one is added. */
  replaces: UpTrack | null = null;
  mid = '';
  /** Mime type of the codec the publisher sends, e.g. video/VP8; empty until negotiated. */
  mimeType = '';
  /** The publisher's a=fmtp line for that codec. */
  fmtp = '';
  /** Payload type → codec, from the publisher's negotiated section; frames carry the payload type. */
  readonly codecByPt = new Map<number, CodecId>();
  /** The payload type the publisher sends its frames with, to check subscribers agree on it; -1 until negotiated. */
  primaryPt = -1;
  version = 0;
  /** Bumped by each negotiation of the codecs, so that cached codec decisions are redone. */
  codecVersion = 0;
  /** The rids of the simulcast layers the host receives, low to high; empty when it receives one stream. */
  layerRids: string[] = [];
  /** Whether anyone has subscribed to it yet: its publisher is told once, at the first (LiveKit's TrackSubscribed). */
  everSubscribed = false;

  constructor(
    readonly sid: string,
    readonly publisherSid: string,
    readonly publisherIdentity: string,
    public info: UpTrackAnnouncement,
  ) {}

  get kind(): MediaKind {
    return this.info.kind;
  }

  isOpen(): boolean {
    return this.state === 'open';
  }

  /** The copy stops resolving from now on; whether it is expected to resume is remembered with it. */
  startClosing(expectedToResume: boolean): void {
    if (this.state !== 'open') return;
    this.state = 'closing';
    this.expectedToResume = expectedToResume;
  }

  setLayers(rids: string[]): void {
    this.layerRids = rids;
  }

  /** How many layers arrive (1 when not simulcast). */
  get layerCount(): number {
    return Math.max(1, this.layerRids.length);
  }

  get codec(): CodecChoice | null {
    return this.mimeType ? { mimeType: this.mimeType, fmtp: this.fmtp } : null;
  }

  /** Learns the codecs of the publisher's negotiated section. */
  setNegotiatedCodecs(codecs: { pt: number; name: string }[], primary: { pt: number; name: string; fmtp: string }): void {
    this.codecVersion++;
    this.codecByPt.clear();
    for (const c of codecs) this.codecByPt.set(c.pt, codecIdOf(c.name));
    this.primaryPt = primary.pt;
    this.mimeType = `${this.kind}/${primary.name}`;
    this.fmtp = primary.fmtp;
  }
}

export function codecIdOf(encodingName: string): CodecId {
  switch (encodingName.toLowerCase()) {
    case 'vp8': return Codec.VP8;
    case 'h264': return Codec.H264;
    case 'vp9': return Codec.VP9;
    case 'av1': return Codec.AV1;
    case 'opus': return Codec.Opus;
    default: return Codec.Unknown;
  }
}
