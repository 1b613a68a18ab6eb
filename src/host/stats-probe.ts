// Reads the host's connections' getStats() for telemetry and connection quality: one summary per RTP stream,
// counters as they are.
import type { PeerSide, PeerStatsSample, RtpStreamSample } from '../shared/host-bridge';

type Report = Record<string, number | string | undefined>;

export async function sampleConnection(pid: string, side: PeerSide, pc: RTCPeerConnection): Promise<PeerStatsSample> {
  const report = await pc.getStats();
  const byId = new Map<string, Report>();
  report.forEach((r) => byId.set(r.id, r as Report));
  let rttMs = 0;
  let outgoingEstimateKbps = 0;
  const streams: RtpStreamSample[] = [];
  for (const r of byId.values()) {
    if (r.type === 'candidate-pair' && r.nominated && typeof r.currentRoundTripTime === 'number') rttMs = r.currentRoundTripTime * 1000;
    if (r.type === 'candidate-pair' && r.nominated && typeof r.availableOutgoingBitrate === 'number') outgoingEstimateKbps = r.availableOutgoingBitrate / 1000;
    if ((r.type !== 'inbound-rtp' && r.type !== 'outbound-rtp') || typeof r.mid !== 'string') continue;
    const inbound = r.type === 'inbound-rtp';
    // what the subscriber reports back about a stream the host sends
    const remote = inbound ? undefined : [...byId.values()].find((x) => x.type === 'remote-inbound-rtp' && x.localId === r.id);
    const n = (v: unknown) => (typeof v === 'number' ? v : 0);
    streams.push({
      mid: r.mid,
      kind: r.kind === 'video' ? 'video' : 'audio',
      direction: inbound ? 'in' : 'out',
      bytes: n(inbound ? r.bytesReceived : r.bytesSent),
      packets: n(inbound ? r.packetsReceived : r.packetsSent),
      packetsLost: Math.max(0, n(inbound ? r.packetsLost : remote?.packetsLost)),
      jitterMs: n(inbound ? r.jitter : remote?.jitter) * 1000,
      framesDecoded: n(r.framesDecoded),
      keyFramesDecoded: n(r.keyFramesDecoded),
      width: n(r.frameWidth),
      height: n(r.frameHeight),
      pliCount: n(r.pliCount),
      firCount: n(r.firCount),
      nackCount: n(r.nackCount),
      sendDelaySeconds: n(r.totalPacketSendDelay),
    });
  }
  return { pid, side, state: pc.connectionState, rttMs, outgoingEstimateKbps, streams };
}
