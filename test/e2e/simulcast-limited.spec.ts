import { chromium, expect, test, type Browser, type Page } from '@playwright/test';
import { CHROMIUM_ARGS, chromiumPath } from './helpers/chromium';
import { openHost } from './helpers/host';
import { COLORS, type Peer } from './helpers/peer';
import { CAMERA_720P, appPeer, inRoom, serveApp, type AppServer } from './helpers/app';
import { peerInboundStats } from './helpers/stats';
import { createShapedSite, shapedSiteUnavailable, type ShapedSite } from './helpers/shaped-site';

const unavailable = shapedSiteUnavailable();
/** The limited subscriber's downlink: enough for the 320x180 layer, far from the 1280x720 one. */
const DOWN_KBIT = 400;

/** What a subscriber's one video did so far (Chromium's inbound-rtp). */
async function video(page: Page) {
  const v = (await peerInboundStats(page)).find((s) => s.kind === 'video');
  const n = (x: unknown) => Number(x ?? 0);
  return { width: n(v?.frameWidth), framesDecoded: n(v?.framesDecoded), freezeSeconds: n(v?.totalFreezesDuration), freezes: n(v?.freezeCount) };
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

test('a subscriber on a slow downlink gets a lower simulcast layer and stays real-time, while the others keep the top one', async ({ browser, baseURL }) => {
  test.skip(unavailable !== null, `needs a network namespace: ${unavailable}`);
  let site: ShapedSite | null = null;
  let app: AppServer | null = null;
  let narrowBrowser: Browser | null = null;
  const peers: Peer[] = [];
  try {
    site = createShapedSite(DOWN_KBIT, chromiumPath());
    narrowBrowser = await chromium.launch({ executablePath: site.chromium, args: CHROMIUM_ARGS });
    const host = await openHost(browser, baseURL!);
    app = await serveApp('0.0.0.0');
    const room = `limited-${Date.now()}`;
    const alice = await appPeer(browser, app, baseURL!, room, 'alice', CAMERA_720P);
    peers.push(alice);
    const wide = await appPeer(browser, app, baseURL!, room, 'wide', { color: COLORS.green, tone: 660, publish: false });
    peers.push(wide);
    // the narrow one reaches the same server through its slow link; it asks for the full picture (no adaptiveStream)
    const port = new URL(baseURL!).port;
    const viaSite = { ...app, url: app.url.replace('127.0.0.1', site.gateway) };
    const narrow = await appPeer(narrowBrowser, viaSite, `http://${site.gateway}:${port}`, room, 'narrow', { color: COLORS.blue, tone: 880, publish: false });
    peers.push(narrow);

    await expect.poll(async () => (await video(wide.page)).width, { message: 'the fast subscriber gets the full picture', timeout: 30_000 }).toBe(1280);
    await expect.poll(async () => (await video(narrow.page)).width, { message: 'the slow one gets a lower layer', timeout: 30_000 }).toBeLessThan(1280);
    await expect.poll(async () => (await video(narrow.page)).framesDecoded, { message: 'and decodes it' }).toBeGreaterThan(30);

    // settled: over the next 10 s the slow subscriber's picture keeps moving, without a freeze of a second or more,
    // and nothing queues on the host for it
    const narrowSid = await narrow.page.evaluate(() => (window as unknown as { tabsfuRoom: { localParticipant: { sid: string } } }).tabsfuRoom.localParticipant.sid);
    const before = await video(narrow.page);
    const sendDelay = await hostSendDelayMs(host.page, narrowSid, 10_000);
    const after = await video(narrow.page);
    expect(after.width, 'still the lower layer').toBeLessThan(1280);
    expect(after.framesDecoded - before.framesDecoded, 'frames decoded in 10 s at 15 fps').toBeGreaterThan(100);
    expect(after.freezeSeconds - before.freezeSeconds, 'seconds frozen in 10 s').toBeLessThan(1);
    expect(sendDelay, 'host send delay per packet towards the slow subscriber, ms').toBeLessThan(50);
    expect((await video(wide.page)).width, 'the fast subscriber kept the top layer').toBe(1280);

    // connection quality, as the publisher's app shows it: the slow subscriber is below excellent, the others are not
    const quality = (identity: string) => inRoom(alice.page, (r, id) => (id === r.localParticipant.identity ? r.localParticipant : r.remoteParticipants.get(id))?.connectionQuality, identity);
    await expect.poll(() => quality('narrow'), { message: 'the slow subscriber\'s quality' }).toMatch(/^(good|poor)$/);
    expect(await quality('wide')).toBe('excellent');
    expect(await quality('alice')).toBe('excellent');
    await host.close();
  } finally {
    for (const p of peers) await p.context.close().catch(() => {});
    await narrowBrowser?.close().catch(() => {});
    app?.close();
    site?.close();
  }
});
