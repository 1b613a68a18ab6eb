// Active speakers and connection quality as livekit-client apps see them: three people on the join page, one
// loud, one quiet, one silent, through a host tab on loopback.
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import { openHost } from './helpers/host';
import { COLORS, joinPeer, type Peer } from './helpers/peer';

/** Tone amplitudes: Chromium's level extension reads -9 dBov, -29 dBov and silence (measured, Chromium 156). */
const LOUD = 0.5;
const QUIET = 0.05;
const SILENT = 0;

interface Seen {
  /** room.activeSpeakers, by identity, in its order. */
  speakers: string[];
  /** Every ActiveSpeakersChanged list this page's room emitted, by identity. */
  speakerLog: string[][];
  /** connectionQuality of the local and each remote participant, by identity. */
  quality: Record<string, string>;
  /** ConnectionQualityChanged events: [identity, quality]. */
  qualityLog: [string, string][];
}

type AppWindow = {
  tabsfuRoom: {
    activeSpeakers: { identity: string }[];
    localParticipant: { identity: string; connectionQuality: string; on(e: string, f: (...a: unknown[]) => void): void };
    remoteParticipants: Map<string, { identity: string; connectionQuality: string }>;
    on(e: string, f: (...a: unknown[]) => void): void;
  };
  speakerLog: string[][];
  qualityLog: [string, string][];
};

/** Records the room's speaker and quality events from now on. */
async function listen(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as AppWindow;
    w.speakerLog = [];
    w.qualityLog = [];
    w.tabsfuRoom.on('activeSpeakersChanged', (speakers) => w.speakerLog.push((speakers as { identity: string }[]).map((s) => s.identity)));
    w.tabsfuRoom.on('connectionQualityChanged', (quality, p) => w.qualityLog.push([(p as { identity: string }).identity, quality as string]));
  });
}

function seen(page: Page): Promise<Seen> {
  return page.evaluate(() => {
    const w = window as unknown as AppWindow;
    const room = w.tabsfuRoom;
    const quality: Record<string, string> = { [room.localParticipant.identity]: room.localParticipant.connectionQuality };
    for (const p of room.remoteParticipants.values()) quality[p.identity] = p.connectionQuality;
    return { speakers: room.activeSpeakers.map((p) => p.identity), speakerLog: w.speakerLog, quality, qualityLog: w.qualityLog };
  });
}

test('every peer sees the loud speaker first and never the silent one, muting removes it, and quality is excellent on loopback', async ({ browser, baseURL }) => {
  const host = await openHost(browser, baseURL!);
  const room = `speakers-${Date.now()}`;
  const peers: Peer[] = [];
  try {
    const loud = await joinPeer(browser, baseURL!, room, 'Loud', { color: COLORS.red, tone: 440, gain: LOUD });
    await listen(loud.page);
    peers.push(loud);
    const quiet = await joinPeer(browser, baseURL!, room, 'Quiet', { color: COLORS.green, tone: 550, gain: QUIET });
    await listen(quiet.page);
    peers.push(quiet);
    const silent = await joinPeer(browser, baseURL!, room, 'Silent', { color: COLORS.blue, tone: 660, gain: SILENT });
    await listen(silent.page);
    peers.push(silent);

    // activeSpeakers includes the local participant when it speaks, as LiveKit's server sends everyone's
    for (const p of peers) await expect.poll(async () => (await seen(p.page)).speakers, { timeout: 20_000 }).toEqual([loud.identity, quiet.identity]);
    // and stays so: a few more seconds of updates never put the silent one in, nor swap the order
    await new Promise((r) => setTimeout(r, 3000));
    for (const p of peers) {
      const s = await seen(p.page);
      expect(s.speakers).toEqual([loud.identity, quiet.identity]);
      expect(s.speakerLog.flat()).not.toContain(silent.identity);
    }
    // the first to join saw the list change as the others started speaking (later ones got it with their join)
    expect((await seen(loud.page)).speakerLog.length).toBeGreaterThan(0);

    await loud.page.getByTestId('toggle-mic').click();
    for (const p of peers) await expect.poll(async () => (await seen(p.page)).speakers, { timeout: 5_000 }).toEqual([quiet.identity]);

    // qualities start 'unknown' (livekit-client's initial value), so 'excellent' means an update arrived: they are
    // sent after each stats round (every 5 s) in which one changed or someone became active, and to a newcomer at once
    const everyone = Object.fromEntries(peers.map((p) => [p.identity, 'excellent']));
    for (const p of peers) await expect.poll(async () => (await seen(p.page)).quality, { timeout: 20_000 }).toEqual(everyone);
    // apps hear of it as an event: the first two were listening before the last joined, so every change of the
    // last one's quality reached them as ConnectionQualityChanged (the last one's own first score may come before
    // its listener does, in the stats round that follows its join)
    for (const p of [loud, quiet]) expect((await seen(p.page)).qualityLog).toContainEqual([silent.identity, 'excellent']);
  } finally {
    for (const p of peers) await p.context.close().catch(() => {});
    await host.close();
  }
});
