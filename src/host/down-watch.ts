// What the host learns from each subscriber connection's getStats(), polled often:
// - keyframe requests: subscribers ask with RTCP PLI/FIR, which a trackless sender's encoded streams never
//   surface; the increases of outbound-rtp pliCount + firCount go to the worker, which throttles them into
//   requests to the publisher;
// - the link, about once a second: the connection's outgoing estimate, its send delay per packet, the loss its
//   subscriber reports and what its audio took, which the worker's layer choice needs sooner than telemetry's
//   rounds come.
import type { DownLinkReport, KeyframeRequestReport } from '../shared/host-bridge';

/** Link figures are averaged over windows of at least this long. */
const LINK_WINDOW_MS = 1000;

/** What a packet costs on the wire beyond its RTP header and payload: IPv4 (20), UDP (8), SRTP's tag (10 to 16). */
const PACKET_OVERHEAD_BYTES = 40;

interface LinkWindow {
  atMs: number;
  sendDelaySeconds: number;
  packetsSent: number;
  audioWireBytes: number;
}

export interface DownWatchReports {
  keyframes(reports: KeyframeRequestReport[]): void;
  links(reports: DownLinkReport[]): void;
}

export function watchDownConnections(connections: () => [string, RTCPeerConnection][], report: DownWatchReports, intervalMs: number): () => void {
  const seen = new Map<string, number>();
  const windows = new Map<string, LinkWindow>();
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      const keyframes: KeyframeRequestReport[] = [];
      const links: DownLinkReport[] = [];
      const live = new Set<string>();
      const now = performance.now();
      for (const [pid, pc] of connections()) {
        if (pc.connectionState !== 'connected') continue;
        const stats = await pc.getStats();
        let estimateBps = 0;
        let sendDelaySeconds = 0;
        let packetsSent = 0;
        let loss = 0;
        let audioWireBytes = 0;
        stats.forEach((s) => {
          if (s.type === 'candidate-pair' && s.nominated && typeof s.availableOutgoingBitrate === 'number') estimateBps = s.availableOutgoingBitrate;
          if (s.type === 'remote-inbound-rtp' && s.kind === 'video' && typeof s.fractionLost === 'number') loss = Math.max(loss, s.fractionLost);
          if (s.type !== 'outbound-rtp' || !s.mid) return;
          sendDelaySeconds += s.totalPacketSendDelay ?? 0;
          packetsSent += s.packetsSent ?? 0;
          if (s.kind === 'audio') audioWireBytes += (s.bytesSent ?? 0) + (s.headerBytesSent ?? 0) + (s.packetsSent ?? 0) * PACKET_OVERHEAD_BYTES;
          if (s.kind !== 'video') return;
          const key = `${pid}/${s.ssrc}`;
          live.add(key);
          const total = (s.pliCount ?? 0) + (s.firCount ?? 0);
          const before = seen.get(key) ?? 0;
          seen.set(key, total);
          if (total > before) keyframes.push({ pid, mid: s.mid, count: total - before });
        });
        const last = windows.get(pid);
        if (!last || packetsSent < last.packetsSent) {
          windows.set(pid, { atMs: now, sendDelaySeconds, packetsSent, audioWireBytes });
        } else if (now - last.atMs >= LINK_WINDOW_MS) {
          const packets = packetsSent - last.packetsSent;
          const sendDelayMs = packets > 0 ? ((sendDelaySeconds - last.sendDelaySeconds) / packets) * 1000 : 0;
          // a stopped audio sender's stats can go, taking its bytes with them
          const audioBps = (Math.max(0, audioWireBytes - last.audioWireBytes) * 8 * 1000) / (now - last.atMs);
          links.push({ pid, estimateBps, sendDelayMs, loss, audioBps });
          windows.set(pid, { atMs: now, sendDelaySeconds, packetsSent, audioWireBytes });
        }
      }
      for (const key of seen.keys()) if (!live.has(key)) seen.delete(key);
      for (const pid of windows.keys()) if (!connections().some(([p]) => p === pid)) windows.delete(pid);
      if (keyframes.length) report.keyframes(keyframes);
      if (links.length) report.links(links);
    } finally {
      busy = false;
    }
  }, intervalMs);
  return () => clearInterval(timer);
}
