// A full mesh: every peer sends to every other over a connection of its own, what people use with no server.
// With two participants it is a direct peer-to-peer pair, the latency floor.
import type { BenchPeer, Scenario, System } from './system.js';

type MeshApi = { bench: { mesh: { offer(...a: unknown[]): Promise<string>; answer(...a: unknown[]): Promise<string>; accept(...a: unknown[]): Promise<void>; leave(): void } } };

export class MeshSystem implements System {
  readonly name = 'mesh';
  readonly description = 'peer-to-peer mesh: one RTCPeerConnection per pair, negotiated by the benchmark';

  async start(): Promise<void> {}

  async join(peers: BenchPeer[], scenario: Scenario): Promise<void> {
    const send = (p: BenchPeer) => (!p.publishes ? 'none' : scenario.audioOnly ? 'audio' : 'av');
    for (let j = 1; j < peers.length; j++) {
      for (let i = 0; i < j; i++) {
        // the offer comes from a side that sends, so that the other side can answer with what it sends
        const [a, b] = peers[i].publishes ? [peers[i], peers[j]] : [peers[j], peers[i]];
        if (!a.publishes) continue;
        const offer = await a.page.evaluate((x) => (window as unknown as MeshApi).bench.mesh.offer(x.remote, x.maxBitrate, x.send), { remote: b.id, maxBitrate: scenario.maxBitrate, send: send(a) });
        const answer = await b.page.evaluate((x) => (window as unknown as MeshApi).bench.mesh.answer(x.remote, x.sdp, x.maxBitrate, x.send), { remote: a.id, sdp: offer, maxBitrate: scenario.maxBitrate, send: send(b) });
        await a.page.evaluate((x) => (window as unknown as MeshApi).bench.mesh.accept(x.remote, x.sdp), { remote: b.id, sdp: answer });
      }
    }
  }

  async leave(peers: BenchPeer[]): Promise<void> {
    for (const p of peers) await p.page.evaluate(() => (window as unknown as MeshApi).bench.mesh.leave()).catch(() => {});
  }

  sfuPids(): number[] {
    return [];
  }

  async stop(): Promise<void> {}
}
