// The road past one tab: the same app (test/e2e/app), the same tokens (livekit-server-sdk, the dev key) and the same
// webhook receiver, unchanged, run a call on tabsfu, on LiveKit's own server, and on two LiveKit nodes that share
// Redis (LiveKit's multi-node mode), with the two people signalling through different nodes.
import type { Browser } from '@playwright/test';
import { RoomServiceClient } from 'livekit-server-sdk';
import { type LivekitNode, type Redis, startLivekitNode, startRedis } from '../livekit/server';
import { type AppServer, appPeer, inRoom } from './helpers/app';
import { openHost } from './helpers/host';
import { COLORS, waitToSeeAndHear } from './helpers/peer';
import { startOwnServer } from './helpers/server';
import { type LocalReceiver, startReceiver } from './helpers/webhook-receiver';
import { expect, test } from './fixtures';

const binary = process.env.LIVEKIT_SERVER;
const base = Number(process.env.TABSFU_TEST_PORT ?? 7891);
/** Ports of the n-th LiveKit node: signal, ICE/TCP, and an ICE/UDP range, away from tabsfu's test ports. */
const nodePorts = (n: number) => ({ port: base + 40 + n * 2, tcpPort: base + 41 + n * 2, udpPorts: [52000 + n * 200, 52199 + n * 200] as [number, number] });

/**
 * The app's call, as its users would have it: alice signals through `urls[0]`, bob through `urls[1]`; each sees the
 * other's colour and hears the other's tone; bob leaves; the receiver verified every webhook of the room.
 */
async function callThrough(browser: Browser, app: AppServer, urls: [string, string], receiver: LocalReceiver): Promise<string> {
  const room = `road-${Date.now()}`;
  // H.264, tabsfu's default publish codec, on every server: its colours survive forwarding. With VP8 (livekit-client's
  // default) LiveKit's server shows a canvas's colours shifted as a tab does (measured: rgb(40,200,60) seen as
  // rgb(45,243,59)): it does not negotiate the colour-space header extension either (its pkg/rtc/config.go)
  const cameraOptions = { videoCodec: 'h264' };
  const alice = await appPeer(browser, app, urls[0], room, 'alice', { color: COLORS.red, tone: 440, cameraOptions });
  const bob = await appPeer(browser, app, urls[1], room, 'bob', { color: COLORS.green, tone: 660, cameraOptions });
  try {
    for (const [who, other] of [[alice, bob], [bob, alice]]) {
      const seen = await waitToSeeAndHear(who, [other]);
      expect(seen, `${who.name} saw ${JSON.stringify(seen.colors)} and heard ${JSON.stringify(seen.tones)}`).toMatchObject({ ok: true });
    }
    await inRoom(bob.page, (r) => r.disconnect());
    const names = () => receiver.deliveries
      .filter((d) => (d.event?.room as { name?: string } | undefined)?.name === room)
      .map((d) => `${d.event!.event} ${(d.event!.participant as { identity?: string } | undefined)?.identity ?? ''}`.trim());
    await expect.poll(names).toEqual(expect.arrayContaining(['room_started', 'participant_joined alice', 'participant_joined bob', 'track_published alice', 'track_published bob', 'participant_left bob']));
    expect(receiver.deliveries.filter((d) => d.error), 'every webhook verified by livekit-server-sdk').toEqual([]);
  } finally {
    await alice.context.close();
    await bob.context.close();
  }
  return room;
}

test.describe('the same app, tokens and webhook receiver', () => {
  test.skip(!binary, 'LIVEKIT_SERVER is not set: npm test builds livekit-server with go install (needs Go) and installs Redis');
  let receiver: LocalReceiver;
  test.beforeEach(async () => {
    receiver = await startReceiver('devkey', 'secret');
  });
  test.afterEach(async () => {
    await receiver.close();
  });

  test('run a call on tabsfu', async ({ browser, app }) => {
    const server = await startOwnServer(3, ['--webhook', receiver.url]);
    const host = await openHost(browser, server.base);
    try {
      await callThrough(browser, app, [server.base, server.base], receiver);
    } finally {
      await host.close().catch(() => {});
      await server.stop();
    }
  });

  test('run a call on one livekit-server', async ({ browser, app }) => {
    const node = await startLivekitNode({ binary: binary!, ...nodePorts(0), webhookUrls: [receiver.url] });
    try {
      await callThrough(browser, app, [node.httpUrl, node.httpUrl], receiver);
    } finally {
      await node.stop();
    }
  });

  test('run a call across two livekit-server nodes sharing Redis, each person signalling through a different node', async ({ browser, app }) => {
    let redis: Redis | null = null;
    const nodes: LivekitNode[] = [];
    try {
      redis = await startRedis(base + 39);
      for (const n of [0, 1]) nodes.push(await startLivekitNode({ binary: binary!, ...nodePorts(n), redis: redis.address, webhookUrls: [receiver.url] }));
      const room = await callThrough(browser, app, [nodes[0].httpUrl, nodes[1].httpUrl], receiver);
      // one room in the cluster, whichever node is asked (the server API as an app's backend uses it)
      for (const node of nodes) {
        const rooms = await new RoomServiceClient(node.httpUrl, 'devkey', 'secret').listRooms([room]);
        expect(rooms.map((r) => r.name), `rooms seen through ${node.httpUrl}`).toEqual([room]);
      }
    } finally {
      for (const node of nodes) await node.stop();
      await redis?.stop();
    }
  });
});
