import { expect, test } from '@playwright/test';
import { openHost } from './helpers/host';
import { COLORS, joinPeer, waitToSeeAndHear } from './helpers/peer';
import { hostRtpStats, peerInboundStats } from './helpers/stats';

// The proof: the host's forwarding senders put the publisher's frames on the wire while their encoders encode
// nothing of them: the only encoder is the probe track's (src/host/probe-track.ts), one per subscriber connection, a
// 16x16 picture a few times a second whose frames are dropped; and the subscriber decodes the publisher's own
// resolution at its frame rate.
test('the host forwards video without encoding a single frame', async ({ browser, baseURL }) => {
  const host = await openHost(browser, baseURL!);
  const room = `noenc-${Date.now()}`;
  const alice = await joinPeer(browser, baseURL!, room, 'Alice', { color: COLORS.red, tone: 440 });
  const bob = await joinPeer(browser, baseURL!, room, 'Bob', { color: COLORS.green, tone: 660 });
  expect((await waitToSeeAndHear(alice, [bob])).ok).toBe(true);
  expect((await waitToSeeAndHear(bob, [alice])).ok).toBe(true);

  // the first pictures may arrive after only a few dozen packets: wait until each sender has sent more than 50
  let sent: Awaited<ReturnType<typeof hostRtpStats>> = [];
  await expect.poll(async () => {
    sent = (await hostRtpStats(host.page)).filter((s) => s.type === 'outbound-rtp' && s.kind === 'video');
    return sent.length === 2 ? Math.min(...sent.map((s) => Number(s.packetsSent))) : 0;
  }, { message: 'two forwarding senders, each with more than 50 packets on the wire' }).toBeGreaterThan(50);
  const bobsVideo = async () => (await peerInboundStats(bob.page)).find((s) => s.kind === 'video');
  await expect.poll(async () => Number((await bobsVideo())?.framesDecoded ?? 0), { message: 'frames Bob decoded' }).toBeGreaterThan(20);
  const before = new Map(sent.map((s) => [s.id, s]));
  const decodedBefore = Number((await bobsVideo())!.framesDecoded);
  await host.page.waitForTimeout(2000);
  const after = (await hostRtpStats(host.page)).filter((s) => s.type === 'outbound-rtp' && s.kind === 'video');
  const decoded = Number((await bobsVideo())!.framesDecoded) - decodedBefore;
  expect(decoded, 'frames Bob decoded in 2 s: the publisher\'s frame rate, 20 to 30 fps here').toBeGreaterThan(30);
  expect((await bobsVideo())!.frameWidth).toBe(320);
  for (const s of after) {
    const b = before.get(s.id)!;
    const encoded = Number(s.framesEncoded ?? 0) - Number(b.framesEncoded ?? 0);
    expect(encoded, 'frames the sender encoded in 2 s: the probe picture\'s 4 fps at most, not the 40 to 60 it sent').toBeLessThanOrEqual(10);
    if (Number(s.framesEncoded ?? 0) > 0) expect([s.frameWidth, s.frameHeight], 'what its encoder encodes: the 16x16 probe picture').toEqual([16, 16]);
  }

  for (const p of [alice, bob]) await p.context.close();
  await host.close();
});
