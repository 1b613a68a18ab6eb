// Peers join a LiveKit-protocol server (tabsfu or LiveKit's own) as an app does: a livekit-server-sdk token from the
// dev key and livekit-client's own calls in the page (bench/www/peer.js, bench.tabsfu).
import { AccessToken } from 'livekit-server-sdk';
import type { BenchPeer, Scenario } from './system.js';

type LivekitClientApi = { bench: { tabsfu: { join(...x: unknown[]): Promise<void>; leave(): Promise<void> } } };

export async function joinWithLivekitClient(url: string, peers: BenchPeer[], scenario: Scenario, room: string): Promise<void> {
  for (const peer of peers) {
    const at = new AccessToken('devkey', 'secret', { identity: peer.id, ttl: '1h' });
    at.addGrant({ room, roomJoin: true, canPublish: peer.publishes, canSubscribe: true });
    const token = await at.toJwt();
    await peer.page.evaluate(
      (a) => (window as unknown as LivekitClientApi).bench.tabsfu.join(a.url, a.token, a.maxBitrate, a.fps, a.publishes, a.audioOnly, a.simulcast, a.maintainResolution),
      { url, token, maxBitrate: scenario.maxBitrate, fps: scenario.fps, publishes: peer.publishes, audioOnly: !!scenario.audioOnly, simulcast: !!scenario.simulcast, maintainResolution: !!scenario.maintainResolution },
    );
  }
}

export async function leaveLivekit(peers: BenchPeer[]): Promise<void> {
  for (const p of peers) await p.page.evaluate(() => (window as unknown as LivekitClientApi).bench.tabsfu.leave()).catch(() => {});
}
