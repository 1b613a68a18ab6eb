import { expect, test } from '@playwright/test';
import { openHost } from './helpers/host';
import { SIGNAL_PATHS, closeColor, directColor, joinPeer, seenColors, waitToSeeAndHear } from './helpers/peer';

// Saturated colours move most when a picture loses its colour space on the way (a full-range BT.709 source shown
// as limited-range BT.601 turns rgb(30,200,40) into about (34,246,36)): what a person sees as faces gone wrong.
const SATURATED = { green: 'rgb(30,200,40)', red: 'rgb(220,30,30)', blue: 'rgb(40,60,220)' };

for (const path of SIGNAL_PATHS) {
  test(`a forwarded picture keeps the publisher's colours, within 5 per channel of a direct connection, ${path.name}`, async ({ browser, baseURL }) => {
    const host = await openHost(browser, baseURL!, path.hostQuery);
    const room = `colour-${Date.now()}`;
    const peers = [
      await joinPeer(browser, baseURL!, room, 'Green', { color: SATURATED.green, tone: 440 }),
      await joinPeer(browser, baseURL!, room, 'Red', { color: SATURATED.red, tone: 660 }),
      await joinPeer(browser, baseURL!, room, 'Blue', { color: SATURATED.blue, tone: 880 }),
    ];
    for (const p of peers) expect(p.signalPaths, `${p.name}'s signal connections`).toEqual(path.expected);
    for (const p of peers) {
      const seen = await waitToSeeAndHear(p, peers.filter((o) => o !== p));
      expect(seen.ok, `${p.name} saw ${JSON.stringify(seen.colors)} and heard ${JSON.stringify(seen.tones)}`).toBe(true);
    }
    const direct = new Map<string, [number, number, number]>();
    for (const p of peers) direct.set(p.identity, await directColor(p.page));
    for (const observer of peers) {
      // the encoder settles within a second or two of a keyframe: wait for the colours rather than for a time
      let seen: Record<string, [number, number, number]> = {};
      const matches = () => peers.filter((o) => o !== observer).every((o) => seen[o.identity] && closeColor(seen[o.identity], direct.get(o.identity)!, 5));
      const expected = Object.fromEntries([...direct].filter(([id]) => id !== observer.identity));
      await expect.poll(async () => {
        seen = await seenColors(observer.page);
        // what it saw, when it does not match yet: the failure then shows it
        return matches() ? 'as a direct connection' : JSON.stringify(seen);
      }, { timeout: 15_000, message: `${observer.name} sees what a direct connection shows: ${JSON.stringify(expected)}` }).toBe('as a direct connection');
    }
    for (const p of peers) await p.context.close();
    await host.close();
  });
}
