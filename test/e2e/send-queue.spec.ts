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
  // then ten rounds (10 s) of what the dashboard shows: no round may show a queue
  const worst = { sendDelayMs: 0, estimateKbps: Infinity };
  for (let round = 0; round < 10; round++) {
    await host.page.waitForTimeout(1000);
    for (const row of await rows.all()) {
      const [, , , estimate, delay] = await row.locator('td').allTextContents();
      worst.sendDelayMs = Math.max(worst.sendDelayMs, Number(await row.getAttribute('data-send-delay')));
      worst.estimateKbps = Math.min(worst.estimateKbps, Number(estimate));
      expect(delay).not.toContain('queue building');
    }
  }
  expect(worst.sendDelayMs, 'the longest mean wait of forwarded video in the host\'s send queue, ms per packet').toBeLessThan(20);
  // the estimate probes well above the 600 kbit/s forwarded: the pacer has room for keyframes
  expect(worst.estimateKbps, 'the lowest subscriber estimate, kbit/s').toBeGreaterThan(1500);
});
