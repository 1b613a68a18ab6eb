// RTP statistics read from inside pages: the host's connections and a peer's subscriber connection.
import type { Page } from '@playwright/test';

export type RtpStats = Record<string, number | string | undefined>;

/** outbound-rtp and inbound-rtp entries of every connection the host page owns. */
export async function hostRtpStats(host: Page): Promise<RtpStats[]> {
  return host.evaluate(async () => {
    const out: Record<string, number | string | undefined>[] = [];
    const peers = (window as unknown as { tabsfuHost: { peers: { allConnections(): RTCPeerConnection[] } } }).tabsfuHost.peers;
    for (const pc of peers.allConnections()) {
      (await pc.getStats()).forEach((r) => {
        if (r.type === 'outbound-rtp' || r.type === 'inbound-rtp') out.push({ ...r });
      });
    }
    return out;
  });
}

/** inbound-rtp entries of a livekit-client peer's subscriber connection (its one connection on /rtc/v1). */
export async function peerInboundStats(page: Page): Promise<RtpStats[]> {
  return page.evaluate(async () => {
    type Stats = { getStats(): Promise<RTCStatsReport> };
    type Engine = { pcManager: { subscriber?: Stats; publisher: Stats } };
    const room = (window as unknown as { tabsfuRoom: { engine: Engine } }).tabsfuRoom;
    const out: Record<string, number | string | undefined>[] = [];
    (await (room.engine.pcManager.subscriber ?? room.engine.pcManager.publisher).getStats()).forEach((r) => {
      if (r.type === 'inbound-rtp') out.push({ ...r });
    });
    return out;
  });
}
