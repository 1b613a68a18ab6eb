// The host page's half of the media plumbing: it owns every RTCPeerConnection (workers have none) and carries
// out the worker's commands. It never sees a frame: receivers get RTCRtpScriptTransforms that run in the
// worker, and subscriber senders' encoded streams are transferred to the worker when they are created.
import * as Comlink from 'comlink';
import type { IceServerConfig } from '../shared/relay-protocol';
import type {
  CodecChoice,
  DownOffer,
  IceCandidateJson,
  MediaKind,
  PeerCommands,
  PeerSide,
  PeerStatsSample,
  RouteName,
  TransformOptions,
  WorkerApi,
} from '../shared/host-bridge';
import { decoyAudioTrack } from './decoy-audio';
import { sampleConnection } from './stats-probe';
import { probeTrack } from './probe-track';
import { numberingOf, type PayloadNumbering } from '../shared/payload-numbering';

/** The probe sender's `maxBitrate` until the worker asks for a probe: GoogCC probes up to twice the allocator's total. */
const PROBER_START_BPS = 2_000_000;

interface Peers {
  /** On the single-connection path (`/rtc/v1`), `up` and `down` are one connection, which the client offers. */
  single: boolean;
  up: RTCPeerConnection | null;
  down: RTCPeerConnection | null;
  /** Settles once the subscriber connection's first local offer (its data section only) is set; see openDown. */
  downReady: Promise<void>;
  /** The subscriber connection's data channels, by label (`_reliable`, `_lossy`). */
  downChannels: Map<string, RTCDataChannel>;
  slots: Map<number, RTCRtpTransceiver>;
  /** The video slot whose sender's `maxBitrate` makes the connection probe (see probe-track.ts); null before one exists. */
  prober: RTCRtpTransceiver | null;
  /** Transforms to attach when a publisher's receiver appears, by mid. */
  upTransforms: Record<string, TransformOptions>;
}

export class UnknownPeerError extends Error {
  override name = 'UnknownPeerError';
}

const RTC_CONFIG: RTCConfiguration = { bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require', iceServers: [] };

export class PeerHost implements PeerCommands {
  private peers = new Map<string, Peers>();
  private ice: Pick<RTCConfiguration, 'iceServers' | 'iceTransportPolicy'> = { iceServers: [], iceTransportPolicy: 'all' };

  setIceServers(servers: IceServerConfig[], policy: 'all' | 'relay'): void {
    this.ice = { iceServers: servers.map((s) => ({ urls: s.urls, username: s.username, credential: s.credential })), iceTransportPolicy: policy };
    // fresh TURN credentials for connections already open, so that their next ICE restart can use them
    for (const pc of this.allConnections()) {
      if (pc.connectionState !== 'closed') pc.setConfiguration({ ...pc.getConfiguration(), ...this.ice });
    }
  }

  constructor(private readonly worker: Worker, private readonly api: Comlink.Remote<WorkerApi>) {}

  /** Subscriber connections that carry video, for the keyframe-request watch. */
  downConnections(): [string, RTCPeerConnection][] {
    const out: [string, RTCPeerConnection][] = [];
    for (const [pid, p] of this.peers) {
      const video = [...p.slots.values()].some((t) => t.sender.track?.kind === 'video' || (t.receiver.track.kind === 'video' && t.direction === 'sendonly'));
      if (p.down && video) out.push([pid, p.down]);
    }
    return out;
  }

  allConnections(): RTCPeerConnection[] {
    return [...new Set([...this.peers.values()].flatMap((p) => [p.up, p.down].filter((pc): pc is RTCPeerConnection => !!pc)))];
  }

  async openDown(pid: string): Promise<void> {
    const peers = this.entry(pid, true);
    if (peers.down) return;
    const pc = this.connection(pid, 'down');
    // the client adopts these by label; they also give the first offer a section before any media exists
    peers.downChannels.set('_reliable', pc.createDataChannel('_reliable', { ordered: true }));
    peers.downChannels.set('_lossy', pc.createDataChannel('_lossy', { ordered: false, maxRetransmits: 0 }));
    peers.down = pc;
    // Pins the data section first in every offer (a pending offer fixes the order of its sections): the first
    // section tags the BUNDLE group, and a subscriber that rejects a media section it cannot decode (Firefox
    // without H.264) would otherwise take the whole connection down with it. Slots and offers wait for it.
    peers.downReady = pc.createOffer().then((offer) => pc.setLocalDescription(offer));
    await peers.downReady;
  }

  async addDownSlot(pid: string, slot: number, kind: MediaKind, route: RouteName): Promise<void> {
    const peers = this.entry(pid);
    const pc = this.require(peers.down, pid, 'down');
    await peers.downReady;
    if (route === 'encoded-streams') {
      // the connection's first video slot carries the probe track, so that its encoder is in the allocator before
      // a probe is wanted
      const probing = kind === 'video' && !peers.prober;
      const t = probing
        ? pc.addTransceiver(probeTrack(), { direction: 'inactive', sendEncodings: [{ maxBitrate: PROBER_START_BPS }] })
        : pc.addTransceiver(kind, { direction: 'inactive', sendEncodings: downEncodings(kind) });
      if (probing) peers.prober = t;
      const { readable, writable } = encodedStreams(t);
      peers.slots.set(slot, t);
      await this.api.attachDownStreams(pid, slot, Comlink.transfer(readable, [readable]), Comlink.transfer(writable, [writable]));
      return;
    }
    let decoy: MediaStreamTrack;
    if (kind === 'video') {
      // Chromium's generator; the standard VideoTrackGenerator exists only in workers
      const Generator = (globalThis as unknown as { MediaStreamTrackGenerator?: new (init: { kind: 'video' }) => MediaStreamTrack & { writable: WritableStream } }).MediaStreamTrackGenerator;
      if (!Generator) throw new Error('the decoy route needs MediaStreamTrackGenerator (Chromium)');
      const generator = new Generator({ kind: 'video' });
      await this.api.attachDecoyGenerator(pid, slot, Comlink.transfer(generator.writable, [generator.writable]));
      decoy = generator;
    } else {
      await this.api.attachDecoyGenerator(pid, slot, null);
      decoy = decoyAudioTrack();
    }
    const t = pc.addTransceiver(decoy, { direction: 'inactive', sendEncodings: downEncodings(kind) });
    t.sender.transform = new RTCRtpScriptTransform(this.worker, { role: 'decoy', pid, slot } satisfies TransformOptions);
    peers.slots.set(slot, t);
  }

  async setDownSlot(pid: string, slot: number, codec: CodecChoice | null): Promise<void> {
    const t = this.entry(pid).slots.get(slot);
    if (!t) throw new UnknownPeerError(`no slot ${slot} for ${pid}`);
    if (!codec) {
      t.direction = 'inactive';
      return;
    }
    const kind = codec.mimeType.split('/')[0] as MediaKind;
    t.setCodecPreferences(codecPreferences(kind, codec));
    t.direction = 'sendonly';
  }

  async offerDown(pid: string, iceRestart: boolean): Promise<DownOffer> {
    const peers = this.entry(pid);
    const pc = this.require(peers.down, pid, 'down');
    await peers.downReady;
    const offer = await pc.createOffer({ iceRestart });
    await pc.setLocalDescription(offer);
    const mids: Record<number, string> = {};
    for (const [slot, t] of peers.slots) if (t.mid) mids[slot] = t.mid;
    return { sdp: pc.localDescription!.sdp, mids };
  }

  async probeDown(pid: string, bps: number): Promise<void> {
    const t = await this.prober(this.entry(pid));
    const params = t?.sender.getParameters();
    const encoding = params?.encodings[0];
    if (!t || !params || !encoding) return;
    // GoogCC probes when the allocator's total changes: the same figure twice would not probe again
    let max = Math.ceil(bps / 10_000) * 10_000;
    if (encoding.maxBitrate === max) max += 10_000;
    encoding.maxBitrate = max;
    await t.sender.setParameters(params);
  }

  /** The sending video slot that carries the probe track; the track moves to another one when its slot stopped. */
  private async prober(peers: Peers): Promise<RTCRtpTransceiver | null> {
    const sending = (t: RTCRtpTransceiver) => t.direction === 'sendonly' && t.receiver.track.kind === 'video';
    if (peers.prober && sending(peers.prober)) return peers.prober;
    // on one connection the probe track stays on the sender made for it (see applySingleOffer): a track put on a
    // sender whose streams were taken before is not known to go through them
    if (peers.single) return null;
    const next = [...peers.slots.values()].find(sending);
    if (!next) return null;
    const track = probeTrack();
    if (peers.prober?.sender.track === track) await peers.prober.sender.replaceTrack(null);
    // a decoy-route sender has a live track of its own, which serves as well
    if (!next.sender.track) await next.sender.replaceTrack(track);
    peers.prober = next;
    return next;
  }

  async acceptDownAnswer(pid: string, sdp: string): Promise<void> {
    const pc = this.require(this.entry(pid).down, pid, 'down');
    await pc.setRemoteDescription({ type: 'answer', sdp });
  }

  async answerUp(pid: string, offerSdp: string, upTracks: Record<string, TransformOptions>, videoCodecs: Record<string, string[]>): Promise<string> {
    const peers = this.entry(pid, true);
    const pc = this.upConnection(pid, peers, upTracks, false);
    await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
    this.preferUpCodecs(pc, videoCodecs, new Set());
    await pc.setLocalDescription(await pc.createAnswer());
    return pc.localDescription!.sdp;
  }

  async applySingleOffer(pid: string, offerSdp: string, upTracks: Record<string, TransformOptions>, videoCodecs: Record<string, string[]>, newSlots: Record<string, number>): Promise<void> {
    const peers = this.entry(pid, true);
    const fresh = !peers.up;
    const pc = this.upConnection(pid, peers, upTracks, true);
    // The probe track's sender is made as on /rtc: with the track, its streams taken in the same task (checked: the
    // probe's frames reach the streams, which drop them). A sender made by addTrack is the one a remote offer's
    // section of its kind takes (JSEP), so the client's first receive-only video section gets it.
    let probe: Taken | null = null;
    if (fresh) {
      const sender = pc.addTrack(probeTrack());
      const t = pc.getTransceivers().find((x) => x.sender === sender)!;
      probe = [t, encodedStreams(t)];
    }
    await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
    // Chromium hands out a sender's encoded streams only in the task that created it (here, the one that applied
    // the offer, which this continuation still runs in): take them for every new receive-only section now
    const taken: [number, ...Taken][] = [];
    for (const t of pc.getTransceivers()) {
      const slot = t.mid === null ? undefined : newSlots[t.mid];
      if (slot === undefined || peers.slots.has(slot)) continue;
      taken.push([slot, t, t === probe?.[0] ? probe[1] : encodedStreams(t)]);
      if (t === probe?.[0]) peers.prober = t;
    }
    const slotMids = [...peers.slots.values()].map((t) => t.mid ?? '');
    this.preferUpCodecs(pc, videoCodecs, new Set([...Object.keys(newSlots), ...slotMids]));
    for (const [slot, t, { readable, writable }] of taken) {
      t.direction = 'inactive';
      peers.slots.set(slot, t);
      await this.api.attachDownStreams(pid, slot, Comlink.transfer(readable, [readable]), Comlink.transfer(writable, [writable]));
    }
  }

  async answerSingle(pid: string): Promise<string> {
    const peers = this.entry(pid);
    const pc = this.require(peers.up, pid, 'up');
    await pc.setLocalDescription(await pc.createAnswer());
    // what addDownSlot gives a slot at creation, given once the client's section is negotiated (before, a sender
    // has no encodings to set): every audio slot its network priority, the probe track's slot its starting cap
    for (const t of peers.slots.values()) {
      const params = t.sender.getParameters();
      const encoding = params.encodings[0];
      if (!encoding) continue;
      if (t.receiver.track.kind === 'audio' && encoding.networkPriority !== 'high') encoding.networkPriority = 'high';
      else if (t === peers.prober && encoding.maxBitrate === undefined) encoding.maxBitrate = PROBER_START_BPS;
      else continue;
      await t.sender.setParameters(params).catch(() => {});
    }
    return pc.localDescription!.sdp;
  }

  /** The publisher connection, made on first use: on the single-connection path it is also the subscriber's. */
  private upConnection(pid: string, peers: Peers, upTracks: Record<string, TransformOptions>, single: boolean): RTCPeerConnection {
    peers.upTransforms = upTracks;
    if (peers.up) return peers.up;
    // a single connection's senders are forwarding slots, whose encoded streams the worker writes
    const pc = this.connection(pid, 'up', single ? { encodedInsertableStreams: true } : {});
    pc.ontrack = (e) => {
      const options = peers.upTransforms[e.transceiver.mid ?? ''];
      if (options) e.receiver.transform = new RTCRtpScriptTransform(this.worker, options);
    };
    // data the participant publishes goes to the worker, which decides who gets it
    pc.ondatachannel = (e) => {
      const channel = e.channel;
      channel.binaryType = 'arraybuffer';
      channel.onmessage = (m) => {
        if (m.data instanceof ArrayBuffer) void this.api.dataIn(pid, channel.label, Comlink.transfer(m.data, [m.data]));
      };
      // on one connection, the client's channels carry data both ways
      if (single) peers.downChannels.set(channel.label, channel);
    };
    peers.up = pc;
    if (single) {
      peers.single = true;
      peers.down = pc;
    }
    return pc;
  }

  /** Plain Opus, and the video codecs the worker prefers, on the sections the client sends. */
  private preferUpCodecs(pc: RTCPeerConnection, videoCodecs: Record<string, string[]>, skip: Set<string>): void {
    for (const t of pc.getTransceivers()) {
      if (t.currentDirection === 'stopped' || skip.has(t.mid ?? '')) continue;
      // plain Opus: RED would wrap each frame in a payload the subscribers' connections did not negotiate
      if (t.receiver.track.kind === 'audio') t.setCodecPreferences(codecPreferences('audio', { mimeType: 'audio/opus', fmtp: '' }));
      const preferred = videoCodecs[t.mid ?? ''];
      if (t.receiver.track.kind === 'video' && preferred?.length) t.setCodecPreferences(preferredFirst(preferred));
    }
  }

  async payloadNumbering(): Promise<PayloadNumbering> {
    const pc = new RTCPeerConnection();
    pc.addTransceiver('audio', { direction: 'recvonly' });
    pc.addTransceiver('video', { direction: 'recvonly' });
    const offer = await pc.createOffer();
    pc.close();
    return numberingOf(offer.sdp ?? '');
  }

  async addRemoteCandidate(pid: string, side: PeerSide, candidate: IceCandidateJson): Promise<void> {
    const peers = this.entry(pid);
    const pc = this.require(side === 'up' ? peers.up : peers.down, pid, side);
    await pc.addIceCandidate(candidate);
  }

  sendData(pids: string[], label: string, payload: Uint8Array<ArrayBuffer>): void {
    for (const pid of pids) {
      const channel = this.peers.get(pid)?.downChannels.get(label);
      // a closed or not yet open channel loses the packet, as a lossy one would; reliable delivery needs an open one
      if (channel?.readyState === 'open') channel.send(payload);
    }
  }

  async collectStats(): Promise<PeerStatsSample[]> {
    const jobs: Promise<PeerStatsSample[]>[] = [];
    for (const [pid, p] of this.peers) {
      if (p.single && p.up) {
        // one connection: what arrives is the up side's, what leaves the down side's
        if (p.up.connectionState !== 'closed') jobs.push(sampleConnection(pid, 'up', p.up).then(splitSides));
        continue;
      }
      if (p.up && p.up.connectionState !== 'closed') jobs.push(sampleConnection(pid, 'up', p.up).then((s) => [s]));
      if (p.down && p.down.connectionState !== 'closed') jobs.push(sampleConnection(pid, 'down', p.down).then((s) => [s]));
    }
    return (await Promise.all(jobs)).flat();
  }

  closePeers(pid: string): void {
    const peers = this.peers.get(pid);
    if (!peers) return;
    this.peers.delete(pid);
    peers.up?.close();
    if (peers.down !== peers.up) peers.down?.close();
  }

  private connection(pid: string, side: PeerSide, extra: { encodedInsertableStreams?: boolean } = {}): RTCPeerConnection {
    const pc = new RTCPeerConnection({ ...RTC_CONFIG, ...this.ice, ...extra } as RTCConfiguration);
    pc.onicecandidate = (e) => void this.api.localCandidate(pid, side, e.candidate ? e.candidate.toJSON() : null);
    pc.onconnectionstatechange = () => {
      // one connection carries both sides on the single-connection path
      const sides: PeerSide[] = this.peers.get(pid)?.single ? ['up', 'down'] : [side];
      for (const s of sides) void this.api.peerState(pid, s, pc.connectionState);
    };
    return pc;
  }

  private entry(pid: string, create = false): Peers {
    let peers = this.peers.get(pid);
    if (!peers && create) {
      peers = { single: false, up: null, down: null, downReady: Promise.resolve(), downChannels: new Map(), slots: new Map(), prober: null, upTransforms: {} };
      this.peers.set(pid, peers);
    }
    if (!peers) throw new UnknownPeerError(`no connections for participant ${pid}`);
    return peers;
  }

  private require(pc: RTCPeerConnection | null, pid: string, side: PeerSide): RTCPeerConnection {
    if (!pc) throw new UnknownPeerError(`participant ${pid} has no ${side} connection`);
    return pc;
  }
}

type EncodedStreams = { readable: ReadableStream; writable: WritableStream };
type Taken = [RTCRtpTransceiver, EncodedStreams];

/** A sender's encoded streams; Chromium allows this only in the task that created the sender. */
function encodedStreams(t: RTCRtpTransceiver): EncodedStreams {
  return (t.sender as RTCRtpSender & { createEncodedStreams(): EncodedStreams }).createEncodedStreams();
}

/** One connection's sample as its two sides: what arrives is the up side's, what leaves the down side's. */
function splitSides(s: PeerStatsSample): PeerStatsSample[] {
  return [
    { ...s, side: 'up', streams: s.streams.filter((r) => r.direction === 'in') },
    { ...s, side: 'down', streams: s.streams.filter((r) => r.direction === 'out') },
  ];
}

/**
 * Encodings of a subscriber slot's sender. An audio sender asks for a network priority above `low`, which in
 * libwebrtc also takes it out of the bitrate allocator (`has_dscp`: webrtc_voice_engine.cc, AudioSendStream::Start).
 * That matters because the forwarding senders' video never enters the allocator (a trackless sender has no
 * encoder, so no configured maximum and no encoder activity), which leaves audio's ~32 kbit/s as the connection's
 * whole allocation; GoogCC caps its bandwidth probes at twice the allocated maximum (probe_controller.cc), the
 * estimate cannot climb past what is forwarded, and the pacer queues video for up to 2 s. With audio out of the
 * allocator it is empty, probes are capped only by GoogCC's own limit (5 Mbit/s), and the estimate follows the link.
 * See ARCHITECTURE.md, "Where latency goes on the host". DSCP marking itself stays off (Chromium enables it only
 * on request), so packets are unchanged on the wire.
 */
export function downEncodings(kind: MediaKind): RTCRtpEncodingParameters[] {
  return kind === 'audio' ? [{ networkPriority: 'high' }] : [{}];
}

/**
 * The codec list for a transceiver: the chosen codec first (for H.264, the publisher's profile before other
 * profiles), then its retransmission format. Nothing else, so the answer cannot pick another codec.
 */
export function codecPreferences(kind: MediaKind, choice: CodecChoice): RTCRtpCodec[] {
  const all = RTCRtpReceiver.getCapabilities(kind)?.codecs ?? [];
  const wanted = choice.mimeType.toLowerCase();
  const same = all.filter((c) => c.mimeType.toLowerCase() === wanted);
  const fmtp = fmtpKey(choice.fmtp);
  same.sort((a, b) => Number(fmtpKey(b.sdpFmtpLine ?? '') === fmtp) - Number(fmtpKey(a.sdpFmtpLine ?? '') === fmtp));
  const rtx = kind === 'video' ? all.filter((c) => c.mimeType.toLowerCase() === 'video/rtx') : [];
  return [...same, ...rtx];
}

/**
 * Every video codec this browser receives, the `preferred` mime types first in their order. The rest stay listed,
 * so that a publisher that cannot send a preferred codec is answered with one it can.
 */
export function preferredFirst(preferred: string[]): RTCRtpCodec[] {
  const all = RTCRtpReceiver.getCapabilities('video')?.codecs ?? [];
  const rank = (c: RTCRtpCodec) => {
    const i = preferred.indexOf(c.mimeType.toLowerCase());
    return i < 0 ? preferred.length : i;
  };
  return [...all].sort((a, b) => rank(a) - rank(b));
}

/** The fmtp parameters that tell H.264 variants apart, normalised. */
function fmtpKey(fmtp: string): string {
  const params = new Map(fmtp.split(';').map((kv) => kv.trim().split('=') as [string, string]));
  return `${params.get('profile-level-id')?.toLowerCase() ?? ''}/${params.get('packetization-mode') ?? '0'}`;
}
