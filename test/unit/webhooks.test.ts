import { afterEach, describe, expect, it } from 'vitest';
import { WebhookEvent } from '@livekit/protocol';
import { readOptions } from '../../server/config';
import { WebhookNotifier, type WebhookOptions } from '../../server/webhooks';
import { type LocalReceiver, startReceiver } from '../e2e/helpers/webhook-receiver';

const KEY = 'webhookkey';
const SECRET = 'a-secret-long-enough-for-hs256-signing';
const receivers: LocalReceiver[] = [];
const quiet = { warn() {} };

async function receiver(behaviour = {}) {
  const r = await startReceiver(KEY, SECRET, behaviour);
  receivers.push(r);
  return r;
}

function notifier(urls: string[], options: Partial<WebhookOptions> = {}) {
  return new WebhookNotifier({ urls, apiKey: KEY, apiSecret: SECRET, queueLimit: 1000, timeoutMs: 2000, attempts: 3, retryMs: 50, ...options }, quiet);
}

function body(event: string, room = 'r') {
  return JSON.stringify(new WebhookEvent({ event, id: `EV_${event}`, room: { name: room, sid: 'RM_1' }, createdAt: 1n }).toJson());
}

const eventsOf = (r: LocalReceiver) => r.deliveries.map((d) => d.event?.event);

afterEach(async () => {
  for (const r of receivers.splice(0)) await r.close();
});

describe('webhook delivery', () => {
  it('a receiver using livekit-server-sdk verifies each delivery and reads its event, in order', async () => {
    const r = await receiver();
    const n = notifier([r.url]);
    for (const e of ['room_started', 'participant_joined', 'participant_left']) n.notify(body(e));
    await expect.poll(() => r.deliveries.length).toBe(3);
    expect(r.deliveries.map((d) => d.error)).toEqual(['', '', '']);
    expect(eventsOf(r)).toEqual(['room_started', 'participant_joined', 'participant_left']);
    expect(r.deliveries[0].contentType).toBe('application/webhook+json');
    expect(r.deliveries[0].event).toMatchObject({ room: { name: 'r' } });
  });

  it('a receiver holding another secret rejects the deliveries', async () => {
    const r = await startReceiver(KEY, 'some-other-secret-of-enough-length', {});
    receivers.push(r);
    notifier([r.url], { attempts: 1 }).notify(body('room_started'));
    await expect.poll(() => r.deliveries.length).toBe(1);
    expect(r.deliveries[0].error).not.toBe('');
  });

  it('a delivery the receiver refused is retried until it is accepted', async () => {
    const r = await receiver({ failFirst: 2 });
    const n = notifier([r.url]);
    n.notify(body('room_started'));
    await expect.poll(() => eventsOf(r)).toEqual(['room_started']);
    expect(r.requests).toBe(3);
    expect(n.counts()[0]).toMatchObject({ delivered: 1, failed: 0 });
  });

  it('a slow receiver delays nobody else', async () => {
    const slow = await receiver({ delayMs: 1500 });
    const fast = await receiver();
    const n = notifier([slow.url, fast.url], { timeoutMs: 1000, attempts: 1 });
    const sent = Date.now();
    for (const e of ['room_started', 'participant_joined', 'track_published']) n.notify(body(e));
    await expect.poll(() => fast.deliveries.length).toBe(3);
    expect(Math.max(...fast.deliveries.map((d) => d.receivedAt)) - sent).toBeLessThan(1000);
    expect(slow.deliveries.length).toBe(0);
  });

  it('a dead receiver\'s queue stays within its bound, dropping the oldest', async () => {
    const n = notifier(['http://127.0.0.1:9/unreachable'], { queueLimit: 5, attempts: 1, timeoutMs: 200 });
    for (let i = 0; i < 50; i++) n.notify(body('participant_joined', `r${i}`));
    const c = n.counts()[0];
    expect(c.queued).toBeLessThanOrEqual(5);
    expect(c.dropped).toBeGreaterThanOrEqual(44);
  });

  it('webhook URLs come from repeated --webhook flags or TABSFU_WEBHOOK_URLS, signed by the first key by default', () => {
    expect(readOptions(['--webhook', 'http://a/x', '--webhook=http://b/y'], {})).toMatchObject({ webhookUrls: ['http://a/x', 'http://b/y'], webhookKey: 'devkey' });
    expect(readOptions([], { TABSFU_WEBHOOK_URLS: 'http://a/x, https://b/y' }).webhookUrls).toEqual(['http://a/x', 'https://b/y']);
    expect(() => readOptions(['--webhook', 'ftp://a'], {})).toThrow('http or https');
    expect(() => readOptions(['--webhook-key', 'nope'], {})).toThrow('not one of the API keys');
  });
});
