// Fixtures for the room tests: a host tab per test (settings through `hostQuery`), the app server once per worker,
// and a call to which livekit-client app peers join; every peer is closed before the host.
import { test as base } from '@playwright/test';
import { type AppPeerOptions, type AppServer, appPeer, serveApp } from './helpers/app';
import { type Host, openHost } from './helpers/host';
import type { Peer } from './helpers/peer';

export interface Call {
  room: string;
  join(identity: string, options: AppPeerOptions, room?: string): Promise<Peer>;
}

export const test = base.extend<{ hostQuery: string; hostQuotaBytes: number; host: Host; call: Call }, { app: AppServer }>({
  hostQuery: ['', { option: true }],
  hostQuotaBytes: [0, { option: true }],
  app: [
    async ({}, use) => {
      const app = await serveApp();
      await use(app);
      app.close();
    },
    { scope: 'worker' },
  ],
  host: async ({ browser, baseURL, hostQuery, hostQuotaBytes }, use) => {
    const host = await openHost(browser, baseURL!, hostQuery, { quotaBytes: hostQuotaBytes });
    await use(host);
    await host.close();
  },
  call: async ({ browser, baseURL, app, host }, use, info) => {
    void host;
    const peers: Peer[] = [];
    const room = `${info.title.replace(/\W+/g, '-').slice(0, 40)}-${Date.now()}`;
    await use({
      room,
      join: async (identity, options, inRoom = room) => {
        const p = await appPeer(browser, app, baseURL!, inRoom, identity, options);
        peers.push(p);
        return p;
      },
    });
    for (const p of peers) await p.context.close().catch(() => {});
  },
});

export { expect } from '@playwright/test';
