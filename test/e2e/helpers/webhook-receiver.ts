// A local webhook receiver that checks every delivery with livekit-server-sdk's WebhookReceiver, as a LiveKit
// app's backend would. It can also be slow (it answers after a delay) or refuse its first requests.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebhookReceiver } from 'livekit-server-sdk';

export interface Delivery {
  /** The event as livekit-server-sdk parsed it, as JSON; null when verification failed. */
  event: Record<string, unknown> | null;
  contentType: string;
  error: string;
  receivedAt: number;
}

export interface ReceiverBehaviour {
  /** Answer each request after this long. Default 0. */
  delayMs?: number;
  /** Answer the first n requests with 500. Default 0. */
  failFirst?: number;
}

export interface LocalReceiver {
  url: string;
  deliveries: Delivery[];
  /** Requests seen, verified or not, answered or not. */
  requests: number;
  close(): Promise<void>;
}

export async function startReceiver(apiKey: string, apiSecret: string, behaviour: ReceiverBehaviour = {}): Promise<LocalReceiver> {
  const verifier = new WebhookReceiver(apiKey, apiSecret);
  const state = { deliveries: [] as Delivery[], requests: 0 };
  const server = http.createServer((req, res) => {
    const n = ++state.requests;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      if (behaviour.delayMs) await new Promise((r) => setTimeout(r, behaviour.delayMs));
      if (n <= (behaviour.failFirst ?? 0)) {
        res.writeHead(500).end('try again');
        return;
      }
      const body = Buffer.concat(chunks).toString();
      const delivery: Delivery = { event: null, contentType: req.headers['content-type'] ?? '', error: '', receivedAt: Date.now() };
      try {
        delivery.event = (await verifier.receive(body, req.headers.authorization)).toJson() as Record<string, unknown>;
      } catch (e) {
        delivery.error = (e as Error).message;
      }
      state.deliveries.push(delivery);
      res.writeHead(delivery.error ? 401 : 200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhook`,
    deliveries: state.deliveries,
    get requests() {
      return state.requests;
    },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
