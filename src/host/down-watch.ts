// Subscribers ask for keyframes with RTCP PLI/FIR, which a trackless sender's encoded streams never
// surface. The page reads them from each subscriber connection's outbound-rtp stats and reports the
// increases to the worker, which throttles them into requests to the publisher.
import type { KeyframeRequestReport } from '../shared/host-bridge';

export function watchKeyframeRequests(
  connections: () => [string, RTCPeerConnection][],
  report: (reports: KeyframeRequestReport[]) => void,
  intervalMs: number,
): () => void {
  const seen = new Map<string, number>();
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      const reports: KeyframeRequestReport[] = [];
      const live = new Set<string>();
      for (const [pid, pc] of connections()) {
        if (pc.connectionState !== 'connected') continue;
        const stats = await pc.getStats();
        stats.forEach((s) => {
          if (s.type !== 'outbound-rtp' || s.kind !== 'video' || !s.mid) return;
          const key = `${pid}/${s.ssrc}`;
          live.add(key);
          const total = (s.pliCount ?? 0) + (s.firCount ?? 0);
          const before = seen.get(key) ?? 0;
          seen.set(key, total);
          if (total > before) reports.push({ pid, mid: s.mid, count: total - before });
        });
      }
      for (const key of seen.keys()) if (!live.has(key)) seen.delete(key);
      if (reports.length) report(reports);
    } finally {
      busy = false;
    }
  }, intervalMs);
  return () => clearInterval(timer);
}
