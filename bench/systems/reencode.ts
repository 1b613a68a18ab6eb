// The re-encoding baseline: a relay tab (a browser instance of its own) that forwards with
// addTrack(remoteTrack), so every forwarded stream is decoded and encoded again. Measured for the CPU target:
// tabsfu must be at least five times cheaper per forwarded stream.
import type { Browser, Page } from 'playwright-core';
import type { BenchContext, BenchPeer, Scenario, System } from './system.js';

type RelayApi = { relay: { offer(id: string, maxBitrate: number): Promise<{ sdp: string; labels: Record<string, string> }>; accept(id: string, sdp: string): Promise<void>; received(id: string): number; close(): void } };
type PeerApi = { bench: { relay: { answer(sdp: string, labels: Record<string, string>, maxBitrate: number, send: string): Promise<string>; leave(): void } } };

export class ReencodeSystem implements System {
  readonly name = 'reencode';
  readonly description = 'relay tab in its own headless Chromium forwarding with addTrack(remoteTrack): decodes and re-encodes every stream';
  private browser: Browser | null = null;
  private relay: Page | null = null;
  private pid = 0;

  async start(ctx: BenchContext): Promise<void> {
    const { browser, pid } = await ctx.launchBrowser();
    this.browser = browser;
    this.pid = pid;
    this.relay = await (await browser.newContext()).newPage();
    await this.relay.goto(`${ctx.peerPageUrl}relay.html`);
  }

  async join(peers: BenchPeer[], scenario: Scenario): Promise<void> {
    const relay = this.relay!;
    const send = (p: BenchPeer) => (!p.publishes ? 'none' : scenario.audioOnly ? 'audio' : 'av');
    const negotiate = async (p: BenchPeer) => {
      const { sdp, labels } = await relay.evaluate((a) => (window as unknown as RelayApi).relay.offer(a.id, a.max), { id: p.id, max: scenario.maxBitrate });
      const answer = await p.page.evaluate((a) => (window as unknown as PeerApi).bench.relay.answer(a.sdp, a.labels, a.max, a.send), { sdp, labels, max: scenario.maxBitrate, send: send(p) });
      await relay.evaluate((a) => (window as unknown as RelayApi).relay.accept(a.id, a.sdp), { id: p.id, sdp: answer });
    };
    const joined: BenchPeer[] = [];
    for (const p of peers) {
      await negotiate(p);
      if (p.publishes) {
        const expected = scenario.audioOnly ? 1 : 2;
        for (let i = 0; i < 100 && (await relay.evaluate((id) => (window as unknown as RelayApi).relay.received(id), p.id)) < expected; i++) await new Promise((r) => setTimeout(r, 100));
      }
      // everyone already here gets the newcomer's tracks
      for (const q of joined) await negotiate(q);
      joined.push(p);
    }
  }

  async leave(peers: BenchPeer[]): Promise<void> {
    for (const p of peers) await p.page.evaluate(() => (window as unknown as PeerApi).bench.relay.leave()).catch(() => {});
    await this.relay?.evaluate(() => (window as unknown as RelayApi).relay.close());
  }

  sfuPids(): number[] {
    return [this.pid];
  }

  async stop(): Promise<void> {
    await this.browser?.close().catch(() => {});
  }
}
