import { expect, test } from './fixtures';

// Forwarded video at the bitrate people send must leave the host at once. Chromium's pacer holds it when the
// subscriber connection's bandwidth estimate cannot climb above what is forwarded (audio alone in libwebrtc's
// bitrate allocator caps the estimator's probes): packets then waited 0.5 to 1.5 s. The host shows each subscriber
// connection's send delay and estimate on its dashboard; this checks what it shows.
test.use({ hostQuery: '?statsIntervalMs=1000' });

const CAMERA = { simulcast: false, videoEncoding: { maxBitrate: 300_000, maxFramerate: 30 } };

test('forwarded video at 300 kbit/s waits in no send queue, and the dashboard shows each subscriber connection', async ({ call, host }) => {
  const names = ['ana', 'ben', 'cleo'];
  for (const [i, name] of names.entries()) {
    await call.join(name, { color: ['rgb(220,40,40)', 'rgb(40,200,60)', 'rgb(40,70,220)'][i], tone: 440 + 220 * i, texture: true, cameraOptions: CAMERA });
  }
  const rows = host.page.getByTestId('down-connections').locator('tbody tr[data-participant]');
  await expect(rows).toHaveCount(3);
  // each subscriber gets two textured cameras (about 600 kbit/s) and two tones; wait until all of it flows
  await expect.poll(async () => Math.min(...(await rows.locator('td:nth-child(3)').allTextContents()).map(Number)), { timeout: 30_000 }).toBeGreaterThan(450);
  // then the next six stats rounds every connection shows (each seen once): no round may show a queue
  const worst = { sendDelayMs: 0, headroom: Infinity };
  const seen = new Map<string, Set<string>>();
  await expect.poll(async () => {
    for (const row of await rows.all()) {
      const [participant, at] = [await row.getAttribute('data-participant'), await row.getAttribute('data-at')];
      const rounds = seen.get(participant!) ?? new Set();
      seen.set(participant!, rounds);
      if (rounds.has(at!)) continue;
      rounds.add(at!);
      const [, , forwarded, estimate, delay] = await row.locator('td').allTextContents();
      expect(estimate, 'the estimate is known once media flows').not.toBe('–');
      worst.sendDelayMs = Math.max(worst.sendDelayMs, Number(await row.getAttribute('data-send-delay')));
      worst.headroom = Math.min(worst.headroom, Number(estimate) / Number(forwarded));
      expect(delay).not.toContain('queue building');
    }
    return seen.size < names.length ? 0 : Math.min(...[...seen.values()].map((r) => r.size));
  }, { timeout: 40_000 }).toBeGreaterThanOrEqual(6);
  expect(worst.sendDelayMs, 'the longest mean wait of forwarded video in the host\'s send queue, ms per packet').toBeLessThan(20);
  // the estimate probes above what is forwarded (about 600 kbit/s): the pacer has room for keyframes
  expect(worst.headroom, 'the lowest ratio of a subscriber connection\'s estimate to what it is forwarded').toBeGreaterThan(1.5);
});

/** What every audio sender of the host's subscriber connections asks for: the lever that keeps audio out of the allocator. */
function audioSenderPriorities(page: import('@playwright/test').Page): Promise<string[]> {
  return page.evaluate(() => {
    const host = (window as unknown as { tabsfuHost: { peers: { allConnections(): RTCPeerConnection[] } } }).tabsfuHost;
    return host.peers.allConnections().flatMap((pc) => pc.getTransceivers()
      // slots that send or sent: on /rtc/v1, receive-only sections the client offered and nobody used have no encodings yet
      .filter((t) => t.receiver.track.kind === 'audio' && (t.direction === 'sendonly' || t.direction === 'inactive') && t.sender.getParameters().encodings.length > 0)
      .map((t) => String(t.sender.getParameters().encodings[0]?.networkPriority)));
  });
}

test('the audio senders keep their network priority through renegotiation and slot reuse', async ({ call, host }) => {
  await call.join('ana', { color: 'rgb(220,40,40)', tone: 440 });
  const ben = await call.join('ben', { color: 'rgb(40,200,60)', tone: 660 });
  // on /rtc one audio slot per subscriber; on /rtc/v1 each client's receive-only audio sections (three) are slots
  const everyOneHigh = async () => {
    const p = await audioSenderPriorities(host.page);
    return p.length >= 2 && p.every((x) => x === 'high') ? 'all high' : JSON.stringify(p);
  };
  await expect.poll(everyOneHigh).toBe('all high');
  // ben leaves: ana's slots for him are parked; cleo joins and reuses them, and a renegotiation follows each change
  await ben.context.close();
  await call.join('cleo', { color: 'rgb(40,70,220)', tone: 880 });
  await expect.poll(everyOneHigh).toBe('all high');
});
