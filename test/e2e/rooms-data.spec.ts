// Data goes through the host worker, over the host's data channels: packets (reliable and lossy, to everyone or
// to some), text and byte streams, RPC, and a rate limit per participant that says so when it drops.
import { appEvents, inRoom } from './helpers/app';
import { COLORS } from './helpers/peer';
import { expect, test } from './fixtures';

const quiet = { publish: false } as const;

function texts(page: import('@playwright/test').Page, from: string) {
  return appEvents(page, 'data').then((es) => es.filter((e) => e.identity === from).map((e) => e.text));
}

test('reliable and lossy packets reach everyone, or only the identities they are addressed to', async ({ call }) => {
  const alice = await call.join('alice', { color: COLORS.red, tone: 440, ...quiet });
  const bob = await call.join('bob', { color: COLORS.green, tone: 660, ...quiet });
  const carol = await call.join('carol', { color: COLORS.blue, tone: 880, ...quiet });
  await inRoom(alice.page, async (r) => {
    const enc = new TextEncoder();
    await r.localParticipant.publishData(enc.encode('to all, reliably'), { reliable: true });
    await r.localParticipant.publishData(enc.encode('to bob only'), { reliable: true, destinationIdentities: ['bob'] });
  });
  // lossy packets may be lost by definition; on loopback one of several arrives
  await expect.poll(async () => {
    await inRoom(alice.page, (r) => r.localParticipant.publishData(new TextEncoder().encode('to all, lossy'), { reliable: false }));
    return (await texts(carol.page, 'alice')).includes('to all, lossy');
  }).toBe(true);
  await expect.poll(() => texts(bob.page, 'alice')).toEqual(expect.arrayContaining(['to all, reliably', 'to bob only']));
  expect(await texts(carol.page, 'alice')).toContain('to all, reliably');
  expect(await texts(carol.page, 'alice')).not.toContain('to bob only');
  expect(await texts(alice.page, 'alice')).toEqual([]);
});

test('text streams, byte streams and RPC work between peers', async ({ call }) => {
  const alice = await call.join('alice', { color: COLORS.red, tone: 440, ...quiet });
  const bob = await call.join('bob', { color: COLORS.green, tone: 660, ...quiet });
  await inRoom(bob.page, (r) => {
    const w = window as unknown as { received: Record<string, unknown> };
    w.received = {};
    r.registerTextStreamHandler('chat', async (reader: { readAll(): Promise<string> }, from: { identity: string }) => {
      w.received.text = `${from.identity}: ${await reader.readAll()}`;
    });
    r.registerByteStreamHandler('files', async (reader: { readAll(): Promise<Uint8Array[]>; info: { name: string } }) => {
      const chunks = await reader.readAll();
      const bytes = chunks.reduce((n, c) => n + c.byteLength, 0);
      let sum = 0;
      for (const c of chunks) for (const b of c) sum = (sum + b) % 65521;
      w.received.file = { name: reader.info.name, bytes, sum };
    });
    r.registerRpcMethod('add', async (data: { payload: string; callerIdentity: string }) => {
      const { a, b } = JSON.parse(data.payload);
      return JSON.stringify({ sum: a + b, caller: data.callerIdentity });
    });
  });
  const long = 'x'.repeat(40_000);
  const result = await inRoom(alice.page, async (r, text) => {
    await r.localParticipant.sendText(text, { topic: 'chat' });
    const content = new Uint8Array(100_000).map((_, i) => (i * 7) % 256);
    await r.localParticipant.sendFile(new File([content], 'pattern.bin'), { topic: 'files' });
    return r.localParticipant.performRpc({ destinationIdentity: 'bob', method: 'add', payload: JSON.stringify({ a: 2, b: 40 }) });
  }, long);
  expect(JSON.parse(result as string)).toEqual({ sum: 42, caller: 'alice' });
  let expectedSum = 0;
  for (let i = 0; i < 100_000; i++) expectedSum = (expectedSum + ((i * 7) % 256)) % 65521;
  await expect.poll(() => bob.page.evaluate(() => (window as unknown as { received: Record<string, unknown> }).received)).toEqual({
    text: `alice: ${long}`,
    file: { name: 'pattern.bin', bytes: 100_000, sum: expectedSum },
  });
});

test.describe('a data flood', () => {
  test.use({ hostQuery: '?dataPacketsPerSecond=20' });

  test('is cut to the participant\'s rate, and its sender is told why', async ({ call }) => {
    const alice = await call.join('alice', { color: COLORS.red, tone: 440, ...quiet });
    const bob = await call.join('bob', { color: COLORS.green, tone: 660, ...quiet });
    await inRoom(alice.page, async (r) => {
      r.engine.on('signalRequestResponse', (res: { reason: number; message: string }) =>
        (window as unknown as { appEvents: unknown[] }).appEvents.push({ type: 'request-response', reason: res.reason, message: res.message }));
      for (let i = 0; i < 300; i++) await r.localParticipant.publishData(new TextEncoder().encode(`flood ${i}`), { reliable: true });
    });
    await expect.poll(() => appEvents(alice.page, 'request-response')).toEqual(
      expect.arrayContaining([expect.objectContaining({ reason: 3, message: expect.stringContaining('data rate limit exceeded') })]),
    );
    await new Promise((r) => setTimeout(r, 1000));
    const got = (await texts(bob.page, 'alice')).length;
    expect(got).toBeGreaterThan(10);
    expect(got).toBeLessThan(120);
    // the room carries on: bob can still talk to alice
    await inRoom(bob.page, (r) => r.localParticipant.publishData(new TextEncoder().encode('still here'), { reliable: true }));
    await expect.poll(() => texts(alice.page, 'bob')).toContain('still here');
  });
});

test('a participant whose token does not allow data cannot send any, and is told', async ({ call }) => {
  const alice = await call.join('alice', { color: COLORS.red, tone: 440, ...quiet, grant: { canPublishData: false } });
  const bob = await call.join('bob', { color: COLORS.green, tone: 660, ...quiet });
  await inRoom(alice.page, async (r) => {
    r.engine.on('signalRequestResponse', (res: { reason: number; message: string }) =>
      (window as unknown as { appEvents: unknown[] }).appEvents.push({ type: 'request-response', reason: res.reason, message: res.message }));
    // the client does not check this grant itself: the host must
    await r.localParticipant.publishData(new TextEncoder().encode('not allowed'), { reliable: true });
  });
  await expect.poll(() => appEvents(alice.page, 'request-response')).toEqual([expect.objectContaining({ reason: 2, message: expect.stringContaining('does not allow publishing data') })]);
  expect(await texts(bob.page, 'alice')).toEqual([]);
});
