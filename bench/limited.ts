// The limited-subscriber case: the scenario's last participant watches from a browser in a network namespace of its
// own, behind a tc bottleneck (test/e2e/helpers/shaped-site.ts), and the run waits until every subscriber's layer has
// settled before it measures. What each subscriber got is reported apart (stats.ts, subscriberResults).
import type { Browser } from 'playwright-core';
import { createShapedSite, shapedSiteUnavailable } from '../test/e2e/helpers/shaped-site.js';
import { launchBrowser, openPeer, sleep } from './harness.js';
import type { BenchPeer, Scenario } from './systems/system.js';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
/** The bottleneck's queue, as a home router's buffer. */
const QUEUE_MS = 100;

export interface LimitedPeer {
  peer: BenchPeer;
  /** The browser process inside the namespace, for the peers' CPU. */
  pid: number;
  close(): Promise<void>;
}

/** The scenario's last participant, behind `scenario.limitedDownKbit`. */
export async function openLimitedPeer(url: string, scenario: Scenario): Promise<LimitedPeer> {
  const why = shapedSiteUnavailable();
  if (why) throw new Error(`the limited subscriber needs a network namespace: ${why}`);
  const site = createShapedSite(scenario.limitedDownKbit!, CHROMIUM, QUEUE_MS);
  let browser: Browser | null = null;
  try {
    // the site reaches the benchmark's address (the bench namespace's own) through its veth
    const launched = await launchBrowser(site.chromium);
    browser = launched.browser;
    const peer = await openPeer(browser, url, scenario, scenario.participants - 1, true);
    return {
      peer,
      pid: launched.pid,
      close: async () => {
        await browser?.close().catch(() => {});
        site.close();
      },
    };
  } catch (e) {
    await browser?.close().catch(() => {});
    site.close();
    throw e;
  }
}

type LayerApi = { bench: { layers(): { label: string; width: number; sinceMs: number | null }[]; flowing(): string[] } };

/**
 * Waits until every subscriber's decoded width has stayed the same for `stableMs` (its layer has settled), at least
 * `minMs` and at most `maxMs` from now. A subscriber without a picture (a layer its link cannot carry) counts as
 * settled on none. Returns whether all settled.
 */
export async function waitForLayers(peers: BenchPeer[], minMs: number, stableMs: number, maxMs: number): Promise<boolean> {
  const start = Date.now();
  const listeners = peers.filter((p) => !p.publishes);
  for (;;) {
    await sleep(1000);
    const elapsed = Date.now() - start;
    if (elapsed < minMs) continue;
    const stable = await Promise.all(listeners.map(async (p) => {
      const [layers, sinceJoin] = await p.page.evaluate(() => [(window as unknown as LayerApi).bench.layers(), (window as unknown as { bench: { sinceJoin(): number } }).bench.sinceJoin()] as const);
      // no picture yet: the caller has waited for its first frame already, so it has settled on none
      return layers.every((l) => l.sinceMs === null || sinceJoin - l.sinceMs >= stableMs);
    }));
    if (stable.every(Boolean)) return true;
    if (elapsed >= maxMs) return false;
  }
}

/** Waits up to `ms` for the limited peer's first frame; it may never come on a link too slow for its layer. */
export async function waitForFirstFrame(peer: BenchPeer, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if ((await peer.page.evaluate(() => (window as unknown as LayerApi).bench.flowing())).length) return true;
    await sleep(250);
  }
  return false;
}

/** The peer's connections, for a log line when it gets no picture: state, and video packets and bytes received. */
export function describeConnections(peer: BenchPeer): Promise<string> {
  return peer.page.evaluate(async () => {
    type Pc = { connectionState?: string; iceConnectionState?: string; pc?: RTCPeerConnection; getStats(): Promise<RTCStatsReport> };
    const pcs = (window as unknown as { bench: { state: { pcs: Pc[] } } }).bench.state.pcs;
    const out: string[] = [];
    for (const pc of pcs) {
      const raw = pc.pc ?? pc;
      let packets = 0;
      let bytes = 0;
      let lost = 0;
      let nacks = 0;
      let keyframes = 0;
      (await pc.getStats()).forEach((s) => {
        if (s.type === 'inbound-rtp' && s.kind === 'video') {
          packets += s.packetsReceived ?? 0;
          bytes += s.bytesReceived ?? 0;
          lost += s.packetsLost ?? 0;
          nacks += s.nackCount ?? 0;
          keyframes += s.keyFramesDecoded ?? 0;
        }
      });
      out.push(`${raw.connectionState}/${raw.iceConnectionState}: video ${packets} packets, ${(bytes / 1e6).toFixed(1)} MB, ${lost} lost, ${nacks} NACKs, ${keyframes} keyframes decoded`);
    }
    return out.join('; ');
  });
}
