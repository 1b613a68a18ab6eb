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

  const sent = (await hostRtpStats(host.page)).filter((s) => s.type === 'outbound-rtp' && s.kind === 'video');
  expect(sent.length).toBe(2);
  for (const s of sent) {
    expect(Number(s.packetsSent)).toBeGreaterThan(50);
    expect(s.framesEncoded ?? 0).toBe(0);
    expect(s.totalEncodeTime ?? 0).toBe(0);
    expect(s.keyFramesEncoded ?? 0).toBe(0);
    expect(s.encoderImplementation).toBeUndefined();
  }
  const received = (await peerInboundStats(bob.page)).find((s) => s.kind === 'video')!;
  expect(Number(received.framesDecoded)).toBeGreaterThan(20);
  expect(received.frameWidth).toBe(320);

  for (const p of [alice, bob]) await p.context.close();
  await host.close();
});
