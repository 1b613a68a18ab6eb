import { expect, test } from '@playwright/test';
import { openHost } from './helpers/host';
import { COLORS, joinPeer, waitToSeeAndHear } from './helpers/peer';

// The secondary forwarding route (decoy senders whose payload is swapped), behind the same interface. Its frames go
// out with the decoy's metadata, colour space included, so the picture is recognisable but not exact: 25 per channel
// (ARCHITECTURE.md, "Colour"); the primary route is held to 5 of a direct connection (colour.spec.ts).
const DECOY_COLOUR_TOLERANCE = 25;
test('on the decoy route, peers still see and hear each other', async ({ browser, baseURL }) => {
  const host = await openHost(browser, baseURL!, '?route=decoy');
  await expect(host.page.getByTestId('link-status')).toContainText('route decoy');
  const room = `decoy-${Date.now()}`;
  const alice = await joinPeer(browser, baseURL!, room, 'Alice', { color: COLORS.red, tone: 440 });
  const bob = await joinPeer(browser, baseURL!, room, 'Bob', { color: COLORS.green, tone: 660 });
  for (const [p, other] of [[alice, bob], [bob, alice]] as const) {
    const seen = await waitToSeeAndHear(p, [other], 20_000, DECOY_COLOUR_TOLERANCE);
    expect(seen, `${p.name} saw ${JSON.stringify(seen.colors)} and heard ${JSON.stringify(seen.tones)}`).toMatchObject({ ok: true });
  }
  for (const p of [alice, bob]) await p.context.close();
  await host.close();
});
