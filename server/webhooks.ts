// Delivers the host's events to webhook URLs the way LiveKit does: the WebhookEvent JSON as the body, content type
// application/webhook+json, and an Authorization JWT signed with an API secret whose `sha256` claim is the body's
// digest. Each URL has its own bounded queue and retries, so a slow or dead receiver delays nobody else.
import { createHash } from 'node:crypto';
import { SignJWT } from 'jose';

export interface WebhookOptions {
  urls: string[];
  /** The key that signs deliveries: the token's issuer. Receivers verify with its secret. */
  apiKey: string;
  apiSecret: string;
  /** Deliveries waiting per URL; beyond it the oldest is dropped. Default 1000. */
  queueLimit: number;
  /** A delivery that has no answer in this time counts as failed. Default 5000 ms. */
  timeoutMs: number;
  /** Attempts per delivery, the first included. Default 5 (waits of 0.5, 1, 2 and 4 s between). */
  attempts: number;
  /** Wait before the first retry; it doubles for each later one. Default 500 ms. */
  retryMs: number;
}

export const DEFAULT_WEBHOOK_OPTIONS = { queueLimit: 1000, timeoutMs: 5000, attempts: 5, retryMs: 500 };

/** What a URL's queue has done, for /api/info and the tests. */
export interface DeliveryCounts {
  url: string;
  delivered: number;
  /** Deliveries given up after every attempt failed. */
  failed: number;
  /** Deliveries dropped from a full queue. */
  dropped: number;
  queued: number;
  lastError: string;
}

export interface WebhookLog {
  warn(msg: string): void;
}

/** The LiveKit webhook Authorization token for a body: valid for 5 minutes, as LiveKit's notifier makes it. */
export async function webhookToken(body: string, apiKey: string, apiSecret: string): Promise<string> {
  const sha256 = createHash('sha256').update(body).digest('base64');
  return new SignJWT({ sha256 })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(apiKey)
    .setNotBefore('0s')
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(apiSecret));
}

class UrlQueue {
  readonly counts: DeliveryCounts;
  private bodies: string[] = [];
  private sending = false;

  constructor(readonly url: string, private readonly options: WebhookOptions, private readonly log: WebhookLog) {
    this.counts = { url, delivered: 0, failed: 0, dropped: 0, queued: 0, lastError: '' };
  }

  push(body: string): void {
    this.bodies.push(body);
    if (this.bodies.length > this.options.queueLimit) {
      this.bodies.shift();
      this.counts.dropped++;
    }
    this.counts.queued = this.bodies.length;
    if (!this.sending) void this.drain();
  }

  /** One delivery at a time per URL, in order, as LiveKit's notifier does. */
  private async drain(): Promise<void> {
    this.sending = true;
    while (this.bodies.length) {
      const body = this.bodies[0];
      if (await this.deliver(body)) this.counts.delivered++;
      else this.counts.failed++;
      if (this.bodies[0] === body) this.bodies.shift();
      this.counts.queued = this.bodies.length;
    }
    this.sending = false;
  }

  private async deliver(body: string): Promise<boolean> {
    for (let attempt = 1; attempt <= this.options.attempts; attempt++) {
      try {
        const res = await fetch(this.url, {
          method: 'POST',
          headers: { 'content-type': 'application/webhook+json', authorization: await webhookToken(body, this.options.apiKey, this.options.apiSecret) },
          body,
          signal: AbortSignal.timeout(this.options.timeoutMs),
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) return true;
        this.counts.lastError = `HTTP ${res.status}`;
        // a receiver that refuses the request will refuse it again
        if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) break;
      } catch (e) {
        this.counts.lastError = (e as Error).name === 'TimeoutError' ? `no answer in ${this.options.timeoutMs} ms` : (e as Error).message;
      }
      if (attempt < this.options.attempts) await new Promise((r) => setTimeout(r, this.options.retryMs * 2 ** (attempt - 1)));
    }
    this.log.warn(`webhook to ${this.url} failed: ${this.counts.lastError}`);
    return false;
  }
}

export class WebhookNotifier {
  private queues: UrlQueue[];

  constructor(options: WebhookOptions, log: WebhookLog) {
    this.queues = options.urls.map((url) => new UrlQueue(url, options, log));
  }

  /** Queues a WebhookEvent's JSON for every URL. */
  notify(body: string): void {
    for (const q of this.queues) q.push(body);
  }

  counts(): DeliveryCounts[] {
    return this.queues.map((q) => ({ ...q.counts }));
  }
}
