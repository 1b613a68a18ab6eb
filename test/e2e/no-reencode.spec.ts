import { expect, test } from '@playwright/test';
import { openHost } from './helpers/host';
import { COLORS, joinPeer, waitToSeeAndHear } from './helpers/peer';
import { hostRtpStats, peerInboundStats } from './helpers/stats';

// The proof: the host's forwarding senders put packets on the wire while their encoders report zero frames
// encoded and zero encode time, and the subscriber decodes the publisher's own resolution.
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
  for (const s of sent) {
    expect(s.framesEncoded ?? 0).toBe(0);
    expect(s.totalEncodeTime ?? 0).toBe(0);
    expect(s.keyFramesEncoded ?? 0).toBe(0);
    expect(s.encoderImplementation).toBeUndefined();
  }
  const bobsVideo = async () => (await peerInboundStats(bob.page)).find((s) => s.kind === 'video');
  await expect.poll(async () => Number((await bobsVideo())?.framesDecoded ?? 0), { message: 'frames Bob decoded' }).toBeGreaterThan(20);
  expect((await bobsVideo())!.frameWidth).toBe(320);

  for (const p of [alice, bob]) await p.context.close();
  await host.close();
});
