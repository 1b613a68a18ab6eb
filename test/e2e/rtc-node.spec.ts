// LiveKit's Rust SDK (@livekit/rtc-node, the core of LiveKit's Python, Unity and Agents SDKs) in a call with a
// browser: two Node participants and one livekit-client app see each other's colours and hear each other's tones.
// The Rust SDK answers the host's subscriber offers with id 0 (it does not number its descriptions); the host must take
// that for the answer to its offer in flight, as LiveKit's server does, or the SDK's connect() times out after 15 s.
// The SDK sends VP8 only (it offers no other codec for a track), and shows a browser's picture with the colour shift
// of its own I420 to RGBA conversion, which the test expects (asRtcNodeShowsBrowserColor).
import { COLORS, type Peer, closeColor, parseRgb, waitToSeeAndHear } from './helpers/peer';
import { type NodePeer, asRtcNodeShowsBrowserColor, joinNodePeer } from './helpers/rtc-node-peer';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

/** Waits until `observer` sees every other's colour and hears every other's tone; returns the last observation. */
async function nodeSeesAndHears(observer: NodePeer, others: readonly (NodePeer | Peer)[], timeoutMs = 30_000) {
  const expected = (o: NodePeer | Peer) => ('room' in o ? parseRgb(o.media.color) : asRtcNodeShowsBrowserColor(o.media.color));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const colors = observer.seenColors();
    const tones = observer.heardTones();
    const ok = others.every((o) => {
      const c = colors[o.identity];
      const t = tones[o.identity];
      return c && closeColor(c, expected(o)) && t !== undefined && Math.abs(t - o.media.tone) < 25;
    });
    if (ok || Date.now() > deadline) return { colors, tones, received: observer.received(), ok };
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** What the Node participants' video senders say of themselves, for a failure's message. */
const senders = async (nodes: NodePeer[]) => (await Promise.all(nodes.map((n) => n.videoSenderReport()))).join('; ')
  + `; what each heard of the others: ${nodes.map((n) => `${n.identity}: ${n.timeline().join(', ')}`).join('; ')}`;

/**
 * The host's subscriber connection towards `sid`, as the page's last local offer has it (each section's mid, direction
 * and the page's own msid, before the worker writes the tracks' ids into what it sends): for a failure's message.
 */
function hostDownView(host: Page, sid: string): Promise<string> {
  return host.evaluate((sid) => {
    type Peers = { downConnections(): [string, RTCPeerConnection][] };
    const pc = (window as unknown as { tabsfuHost: { peers: Peers } }).tabsfuHost.peers.downConnections().find(([p]) => p === sid)?.[1];
    const sdp = pc?.localDescription?.sdp;
    if (!sdp) return `no subscriber connection for ${sid}`;
    return sdp.split(/\r\nm=/).slice(1).map((m) => {
      const line = (p: string) => m.split('\r\n').find((l) => l.startsWith(p))?.slice(p.length) ?? '-';
      return `${m.split(' ')[0]} mid ${line('a=mid:')} ${['sendonly', 'recvonly', 'inactive', 'sendrecv'].find((d) => m.includes(`a=${d}`)) ?? ''} msid ${line('a=msid:')}`;
    }).join('; ');
  }, sid);
}

test('two rtc-node participants and a browser see each other\'s colours and hear each other\'s tones', async ({ call, host, baseURL }) => {
  // on a loaded machine the checks can take their full 30 s
  test.setTimeout(150_000);
  const nodes: NodePeer[] = [];
  try {
    // the browser publishes first, so that the first Node participant's first subscriber offer already carries media;
    // the second joins after the first published, and the first gets the second's tracks in a later offer
    const carol = await call.join('carol', { color: COLORS.green, tone: 660 });
    nodes.push(await joinNodePeer(baseURL!, call.room, 'node-red', { color: COLORS.red, tone: 440 }));
    nodes.push(await joinNodePeer(baseURL!, call.room, 'node-blue', { color: COLORS.blue, tone: 880 }));
    for (const n of nodes) expect(n.connectMs, `${n.identity} connected within 5 s`).toBeLessThan(5000);
    const [red, blue] = nodes;

    for (const [observer, others] of [[red, [blue, carol]], [blue, [red, carol]]] as const) {
      const seen = await nodeSeesAndHears(observer, others);
      const what = `${observer.identity} saw ${JSON.stringify(seen.colors)}, heard ${JSON.stringify(seen.tones)}, frames ${JSON.stringify(seen.received)}`;
      expect(seen, seen.ok ? what : `${what}; ${await senders(nodes)}; the host offers ${observer.identity}: ${await hostDownView(host.page, observer.room.localParticipant!.sid!)}; the host page lists ${(await host.page.locator('[data-track]').allInnerTexts()).join('; ')}; the host said: ${host.log().filter((l) => l.includes('node-')).slice(-40).join(' | ')}`).toMatchObject({ ok: true });
    }
    const seen = await waitToSeeAndHear(carol, nodes, 30_000);
    const what = `carol saw ${JSON.stringify(seen.colors)} and heard ${JSON.stringify(seen.tones)}`;
    expect(seen, seen.ok ? what : `${what}; ${await senders(nodes)}`).toMatchObject({ ok: true });
  } finally {
    for (const n of nodes) await n.close();
  }
});
