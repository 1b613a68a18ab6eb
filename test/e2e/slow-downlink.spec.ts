import { chromium, expect, test, type Browser, type Page } from '@playwright/test';
import { CHROMIUM_ARGS, chromiumPath } from './helpers/chromium';
import { openHost, type Host } from './helpers/host';
import { COLORS, type Peer } from './helpers/peer';
import { CAMERA_720P, VP9_L1T3_CAMERA, appPeer, inRoom, serveApp, type AppPeerOptions, type AppServer } from './helpers/app';
import { peerInboundStats } from './helpers/stats';
import { createShapedSite, shapedSiteUnavailable, type ShapedSite } from './helpers/shaped-site';
import { storedEvents } from './helpers/telemetry';

const unavailable = shapedSiteUnavailable();

/** What a subscriber's one video did so far (Chromium's inbound-rtp). */
async function video(page: Page) {
  const v = (await peerInboundStats(page)).find((s) => s.kind === 'video');
  const n = (x: unknown) => Number(x ?? 0);
  return {
    width: n(v?.frameWidth), framesDecoded: n(v?.framesDecoded), freezeSeconds: n(v?.totalFreezesDuration), freezes: n(v?.freezeCount),
    plis: n(v?.pliCount), nacks: n(v?.nackCount), lost: n(v?.packetsLost), keyframes: n(v?.keyFramesDecoded),
  };
}

/** The host's send delay per packet on one participant's subscriber connection over `ms`. */
function hostSendDelayMs(host: Page, pid: string, ms: number): Promise<number> {
  return host.evaluate(async ([pid, ms]) => {
    type Peers = { downConnections(): [string, RTCPeerConnection][] };
    const pc = (window as unknown as { tabsfuHost: { peers: Peers } }).tabsfuHost.peers.downConnections().find(([p]) => p === pid)?.[1];
    if (!pc) throw new Error(`no subscriber connection for ${pid}`);
    const read = async () => {
      let delay = 0;
      let packets = 0;
      (await pc.getStats()).forEach((s) => {
        if (s.type === 'outbound-rtp') { delay += s.totalPacketSendDelay ?? 0; packets += s.packetsSent ?? 0; }
      });
      return { delay, packets };
    };
    const a = await read();
    await new Promise((r) => setTimeout(r, ms));
    const b = await read();
    return b.packets > a.packets ? ((b.delay - a.delay) / (b.packets - a.packets)) * 1000 : 0;
  }, [pid, ms] as const);
}

/** The host's outgoing estimate on one participant's subscriber connection, kbit/s (0 when unknown). */
function hostEstimateKbps(host: Page, pid: string): Promise<number> {
  return host.evaluate(async (pid) => {
    type Peers = { downConnections(): [string, RTCPeerConnection][] };
    const pc = (window as unknown as { tabsfuHost: { peers: Peers } }).tabsfuHost.peers.downConnections().find(([p]) => p === pid)?.[1];
    let kbps = 0;
    (await pc?.getStats())?.forEach((s) => {
      if (s.type === 'candidate-pair' && s.nominated && typeof s.availableOutgoingBitrate === 'number') kbps = Math.round(s.availableOutgoingBitrate / 1000);
    });
    return kbps;
  }, pid);
}

/** Why a subscriber has the layer it has, for a failure's message: the host's estimate towards it and its layer switches. */
async function layerStory(host: Page, subscriber: Peer): Promise<string> {
  const sid = await subscriber.page.evaluate(() => (window as unknown as { tabsfuRoom: { localParticipant: { sid: string } } }).tabsfuRoom.localParticipant.sid);
  const switches = (await storedEvents(host)).filter((e) => e.event === 'track_layer_switched' && e.participantSid === sid).map((e) => `${new Date(e.at).toISOString().slice(11, 19)} ${e.detail}`);
  return `host estimate towards it ${await hostEstimateKbps(host, sid)} kbit/s; its layer switches: ${switches.join(', ') || 'none'}`;
}

interface SentLayer { rid: string; width: number; fps: number; limit: string; kbytes: number }

/** What the publisher's encoder is sending, per simulcast layer: width, frame rate and what limits it. */
function sentLayers(publisher: Peer): Promise<SentLayer[]> {
  return inRoom(publisher.page, async (r) => {
    const out: SentLayer[] = [];
    (await r.engine.pcManager.publisher.getStats()).forEach((s: Record<string, unknown>) => {
      if (s.type === 'outbound-rtp' && s.kind === 'video') out.push({ rid: String(s.rid), width: Number(s.frameWidth ?? 0), fps: Number(s.framesPerSecond ?? 0), limit: String(s.qualityLimitationReason), kbytes: Math.round(Number(s.bytesSent) / 1000) });
    });
    return out;
  });
}

interface LimitedCall {
  host: Host;
  alice: Peer;
  /** A subscriber at full speed. */
  wide: Peer;
  /** A subscriber behind the slow downlink; it asks for the full picture (no adaptiveStream). */
  narrow: Peer;
  /** The narrow one's link. */
  site: ShapedSite;
}

/** A publisher and two subscribers, one of them in a network namespace behind a `downKbit` bottleneck; closed after `body`. */
async function withLimitedCall(browser: Browser, baseURL: string, downKbit: number, publisher: AppPeerOptions, hostQuery: string, body: (call: LimitedCall) => Promise<void>, narrowOptions: Record<string, unknown> = {}) {
  let site: ShapedSite | null = null;
  let app: AppServer | null = null;
  let narrowBrowser: Browser | null = null;
  const peers: Peer[] = [];
  try {
    site = createShapedSite(downKbit, chromiumPath());
    narrowBrowser = await chromium.launch({ executablePath: site.chromium, args: CHROMIUM_ARGS });
    const host = await openHost(browser, baseURL, hostQuery);
    app = await serveApp('0.0.0.0');
    const room = `limited-${Date.now()}`;
    const alice = await appPeer(browser, app, baseURL, room, 'alice', publisher);
    peers.push(alice);
    const wide = await appPeer(browser, app, baseURL, room, 'wide', { color: COLORS.green, tone: 660, publish: false });
    peers.push(wide);
    // the narrow one reaches the same server through its slow link
    const viaSite = { ...app, url: app.url.replace('127.0.0.1', site.gateway) };
    const narrow = await appPeer(narrowBrowser, viaSite, `http://${site.gateway}:${new URL(baseURL).port}`, room, 'narrow', { color: COLORS.blue, tone: 880, publish: false, options: narrowOptions });
    peers.push(narrow);
    await body({ host, alice, wide, narrow, site });
    await host.close();
  } finally {
    for (const p of peers) await p.context.close().catch(() => {});
    await narrowBrowser?.close().catch(() => {});
    app?.close();
    site?.close();
  }
}

/** Over `ms` (10 s) once settled: the slow subscriber's frames decoded and seconds frozen, and the host's send delay towards it. */
async function settledWindow({ host, narrow }: LimitedCall, ms = 10_000) {
  const narrowSid = await narrow.page.evaluate(() => (window as unknown as { tabsfuRoom: { localParticipant: { sid: string } } }).tabsfuRoom.localParticipant.sid);
  const before = await video(narrow.page);
  const sendDelayMs = await hostSendDelayMs(host.page, narrowSid, ms);
  const after = await video(narrow.page);
  return {
    width: after.width, framesDecoded: after.framesDecoded - before.framesDecoded, frozenSeconds: after.freezeSeconds - before.freezeSeconds, sendDelayMs,
    // what explains a freeze, in a failure's message
    plis: after.plis - before.plis, nacks: after.nacks - before.nacks, lost: after.lost - before.lost, keyframes: after.keyframes - before.keyframes,
  };
}

test('a subscriber on a slow downlink gets a lower simulcast layer and stays real-time, while the others keep the top one', async ({ browser, baseURL }) => {
  test.skip(unavailable !== null, `needs a network namespace: ${unavailable}`);
  test.setTimeout(240_000);
  // enough for the 320x180 layer, far from the 1280x720 one
  await withLimitedCall(browser, baseURL!, 400, CAMERA_720P, '', async (call) => {
    const { alice, wide, narrow } = call;
    // the publisher's top layer starts once its own estimate has ramped up: about 15 s on an idle 2-core machine, and
    // CI runs on slower ones have seen it take over 60 s (its encoder's business, not the host's); wait for that event,
    // then give the host its own time to forward it
    await expect.poll(async () => Math.max(0, ...(await sentLayers(alice)).map((l) => (l.fps > 0 ? l.width : 0))), { timeout: 100_000 }).toBe(1280).catch(async (e: Error) => {
      throw new Error(`the publisher never sent its 1280 layer: ${JSON.stringify(await sentLayers(alice))}\n${e.message}`);
    });
    await expect.poll(async () => (await video(wide.page)).width, { timeout: 20_000 }).toBe(1280).catch(async (e: Error) => {
      throw new Error(`the fast subscriber did not get the full picture the publisher sends: ${JSON.stringify(await sentLayers(alice))}; ${await layerStory(call.host.page, wide)}\n${e.message}`);
    });
    await expect.poll(async () => (await video(narrow.page)).width, { message: 'the slow one gets a lower layer', timeout: 30_000 }).toBeLessThan(1280);
    await expect.poll(async () => (await video(narrow.page)).framesDecoded, { message: 'and decodes it' }).toBeGreaterThan(30);
    // the top layer it started on queued on the host before the congestion took it down: measure once that drained
    await expect.poll(async () => (await settledWindow(call, 3000)).sendDelayMs, { message: 'the queue towards the slow subscriber drains', timeout: 60_000 }).toBeLessThan(50);

    // settled: the slow subscriber's picture keeps moving, without a freeze of a second or more, and nothing queues for it
    const w = await settledWindow(call);
    expect(w.width, 'still the lower layer').toBeLessThan(1280);
    expect(w.framesDecoded, 'frames decoded in 10 s at 15 fps').toBeGreaterThan(100);
    expect(w.frozenSeconds, `seconds frozen in 10 s (${JSON.stringify(w)})`).toBeLessThan(1);
    expect(w.sendDelayMs, 'host send delay per packet towards the slow subscriber, ms').toBeLessThan(50);
    expect((await video(wide.page)).width, 'the fast subscriber kept the top layer').toBe(1280);
    // and the host page says who gets which layer of the camera
    const camera = call.host.page.locator('li[data-identity="alice"] .track.video');
    await expect(camera.locator('.receiver[data-identity="wide"]')).toHaveAttribute('data-layer', '1280×720');
    await expect(camera.locator('.receiver[data-identity="narrow"]')).not.toHaveAttribute('data-layer', '1280×720');

    // connection quality, as the publisher's app shows it: the slow subscriber is below excellent, the others are not
    const quality = (identity: string) => inRoom(alice.page, (r, id) => (id === r.localParticipant.identity ? r.localParticipant : r.remoteParticipants.get(id))?.connectionQuality, identity);
    await expect.poll(() => quality('narrow'), { message: 'the slow subscriber\'s quality' }).toMatch(/^(good|poor)$/);
    expect(await quality('wide')).toBe('excellent');
    expect(await quality('alice')).toBe('excellent');
  });
});

test('a subscriber whose slow downlink clears gets the top simulcast layer back, although it carried only a low one', async ({ browser, baseURL }) => {
  test.skip(unavailable !== null, `needs a network namespace: ${unavailable}`);
  test.setTimeout(240_000);
  await withLimitedCall(browser, baseURL!, 400, CAMERA_720P, '', async (call) => {
    const { alice, narrow, site } = call;
    await expect.poll(async () => Math.max(0, ...(await sentLayers(alice)).map((l) => (l.fps > 0 ? l.width : 0))), { timeout: 100_000 }).toBe(1280);
    await expect.poll(async () => (await video(narrow.page)).width, { message: 'the slow one gets a lower layer', timeout: 30_000 }).toBeLessThan(1280);
    await expect.poll(async () => (await settledWindow(call, 3000)).sendDelayMs, { message: 'the queue towards the slow subscriber drains', timeout: 60_000 }).toBeLessThan(50);
    // the link clears: while it carries the 320x180 layer, GoogCC's estimate towards it has no reason to grow past
    // what it was; only the host's probes can show the link is fast now (the next one comes within 64 s)
    site.unlimit();
    await expect.poll(async () => (await video(narrow.page)).width, { timeout: 90_000 }).toBe(1280).catch(async (e: Error) => {
      throw new Error(`the subscriber whose link cleared stayed on the lower layer: ${await layerStory(call.host.page, narrow)}\n${e.message}`);
    });
    const w = await settledWindow(call);
    expect(w.frozenSeconds, `seconds frozen in 10 s on the top layer (${JSON.stringify(w)})`).toBeLessThan(1);
    expect(w.sendDelayMs, 'host send delay per packet towards it, ms').toBeLessThan(50);
  });
});

test('a subscriber on a slow downlink of a camera without simulcast but with temporal layers gets fewer frames and stays real-time, while the others get every frame', async ({ browser, baseURL }) => {
  test.skip(unavailable !== null, `needs a network namespace: ${unavailable}`);
  // 250 kbit/s of VP9 L1T3 at 30 fps, the audio and the packets' headers do not fit in 300 kbit/s; the base layer
  // (about two thirds of the bits: its frames refer four frames back) with the audio does, the middle one just not.
  // The slow subscriber is on /rtc, where this has passed in every CI run. Each try of the middle layer freezes the
  // picture for 0.2 to 1.4 s on either path (README, "Not yet": temporal layers tried on a link that cannot carry
  // them); on /rtc/v1 3 runs of 12 had such a freeze over 1 s inside a measured window.
  await withLimitedCall(browser, baseURL!, 300, VP9_L1T3_CAMERA, '?publishCodecs=vp9,h264', async (call) => {
    const { wide, narrow } = call;
    await expect.poll(async () => (await video(narrow.page)).framesDecoded, { message: 'the slow subscriber decodes', timeout: 30_000 }).toBeGreaterThan(30);
    // the host finds the queue and thins the stream: give it the reports it needs (two per step), then measure
    await expect.poll(async () => (await settledWindow(call, 3000)).sendDelayMs, { message: 'the queue towards the slow subscriber drains', timeout: 60_000 }).toBeLessThan(50);

    // On this link the middle temporal layer nearly fits, and the host, which does not probe for temporal layers,
    // tries it again after a hold of 4, 8, 16… s (README, "Probes are padding bursts"): a window with such a try queues for the two reports
    // it takes to see the queue (a CI run measured 80 ms in one). Real time is a window between tries; no window,
    // with a try or without, may freeze.
    test.setTimeout(240_000);
    const windows: Awaited<ReturnType<typeof settledWindow>>[] = [];
    await expect.poll(async () => {
      windows.push(await settledWindow(call));
      return windows[windows.length - 1].sendDelayMs;
    }, { message: 'a 10 s window without a queue towards the slow subscriber', timeout: 100_000, intervals: [0] }).toBeLessThan(50);
    for (const x of windows) expect(x.frozenSeconds, `seconds frozen in 10 s (${JSON.stringify(x)})`).toBeLessThan(1);
    const w = windows[windows.length - 1];
    expect(w.framesDecoded, 'frames decoded in 10 s: fewer than 30 fps').toBeLessThan(250);
    expect(w.framesDecoded, 'but the picture moves: at least the base layer, 7.5 fps').toBeGreaterThan(60);
    expect(w.frozenSeconds, `seconds frozen in 10 s (${JSON.stringify(w)})`).toBeLessThan(1);
    const before = (await video(wide.page)).framesDecoded;
    await wide.page.waitForTimeout(2000);
    expect((await video(wide.page)).framesDecoded - before, 'the fast subscriber gets every frame (30 fps)').toBeGreaterThan(50);
  }, { singlePeerConnection: false });
});
