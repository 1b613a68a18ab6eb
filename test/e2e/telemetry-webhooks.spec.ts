import { appPeer, inRoom } from './helpers/app';
import { openHost } from './helpers/host';
import { COLORS, waitToSeeAndHear } from './helpers/peer';
import { startOwnServer } from './helpers/server';
import { type LocalReceiver, startReceiver } from './helpers/webhook-receiver';
import { expect, test } from './fixtures';

test('signed webhooks reach a receiver that verifies them with livekit-server-sdk, while a hung receiver delays nothing', async ({ browser, app }) => {
  const receiver: LocalReceiver = await startReceiver('devkey', 'secret');
  // answers nothing for a minute: each delivery there times out (5 s) and is retried
  const hung: LocalReceiver = await startReceiver('devkey', 'secret', { delayMs: 60_000 });
  const server = await startOwnServer(2, ['--webhook', hung.url, '--webhook', receiver.url]);
  const host = await openHost(browser, server.base);
  const room = `webhooks-${Date.now()}`;
  try {
    const alice = await appPeer(browser, app, server.base, room, 'alice', { color: COLORS.red, tone: 440 });
    const bob = await appPeer(browser, app, server.base, room, 'bob', { color: COLORS.green, tone: 660 });
    expect((await waitToSeeAndHear(alice, [bob])).ok).toBe(true);
    const bobSid = await inRoom(bob.page, (r) => r.localParticipant.sid as string);
    await inRoom(bob.page, (r) => r.disconnect());

    const inThisRoom = () => receiver.deliveries.filter((d) => (d.event?.room as { name?: string } | undefined)?.name === room);
    const names = () => inThisRoom().map((d) => `${d.event!.event} ${(d.event!.participant as { identity?: string } | undefined)?.identity ?? ''}`.trim());
    await expect.poll(names).toEqual(expect.arrayContaining(['room_started', 'participant_joined alice', 'participant_joined bob', 'participant_left bob']));
    expect(names().filter((n) => n === 'track_published alice').length).toBe(2);
    expect(names().filter((n) => n === 'track_published bob').length).toBe(2);
    // every delivery was verified: signature, issuer and the body's sha256
    expect(receiver.deliveries.filter((d) => d.error)).toEqual([]);
    expect(new Set(receiver.deliveries.map((d) => d.contentType))).toEqual(new Set(['application/webhook+json']));
    const left = inThisRoom().find((d) => d.event!.event === 'participant_left')!;
    expect(left.event).toMatchObject({ participant: { sid: bobSid, identity: 'bob' }, room: { name: room } });
    // the hung receiver is still on its first delivery
    expect(hung.requests).toBeGreaterThanOrEqual(1);
    expect(hung.deliveries).toEqual([]);
    await alice.context.close();
    await bob.context.close();
  } finally {
    await host.close().catch(() => {});
    await server.stop();
    await receiver.close();
    await hung.close();
  }
});
