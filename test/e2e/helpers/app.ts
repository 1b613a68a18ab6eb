// Peers that are plain livekit-client apps (test/e2e/app), served from an origin other than tabsfu's, with tokens
// from livekit-server-sdk: for tests that need a grant, a room option or the SDK's own calls.
import type { Browser, Page } from '@playwright/test';
import type { VideoGrant } from 'livekit-server-sdk';
import type { AppServer } from './app-server';
import type { Peer } from './peer';
import { sdkToken } from './tokens';

export { type AppServer, serveApp } from './app-server';

export interface AppPeerOptions {
  color: string;
  tone: number;
  grant?: Partial<VideoGrant>;
  /** Publish camera and microphone after connecting. Default true. */
  publish?: boolean;
  /** RoomOptions, e.g. { adaptiveStream: false } */
  options?: Record<string, unknown>;
  /** RoomConnectOptions, e.g. { autoSubscribe: false } */
  connectOptions?: Record<string, unknown>;
  /** A camera picture that costs real bits (grain, detail, motion) instead of a flat colour. */
  texture?: boolean;
  /** TrackPublishOptions for the camera, e.g. { simulcast: false, videoEncoding: { maxBitrate: 300_000, maxFramerate: 30 } } */
  cameraOptions?: Record<string, unknown>;
  /** The camera's size, [width, height]; default [320, 180]. */
  cameraSize?: [number, number];
  /** The camera's frame rate; default 30. */
  cameraFps?: number;
  /** A shared key: the peer encrypts what it publishes and decrypts what it receives (livekit-client's E2EE). */
  e2eeKey?: string;
  /** Token claims beyond the grant (name, metadata, attributes, roomConfig). */
  claims?: { name?: string; metadata?: string; attributes?: Record<string, string>; roomConfig?: Record<string, unknown> };
}

/**
 * A 1280x720 camera, which livekit-client sends as three simulcast layers: q 320x180, h 640x360, f 1280x720. A moving,
 * textured picture at 15 fps keeps three encodes and the host's decodes within two cores. The encoder keeps each
 * layer's resolution (it would otherwise scale layers down when the machine is busy), so a width names a layer.
 */
export const CAMERA_720P = {
  color: 'rgb(220,40,40)', tone: 440, texture: true, cameraSize: [1280, 720] as [number, number], cameraFps: 15,
  cameraOptions: { degradationPreference: 'maintain-resolution' },
} satisfies AppPeerOptions;

/**
 * A 320x180 camera at 30 fps sent as VP9 with three temporal layers (L1T3) and no simulcast, at most 250 kbit/s: the
 * stream a subscriber can take fewer frames of. The host must allow VP9 (`?publishCodecs=vp9,h264`).
 */
export const VP9_L1T3_CAMERA = {
  color: 'rgb(220,40,40)', tone: 440, texture: true,
  cameraOptions: { videoCodec: 'vp9', scalabilityMode: 'L1T3', simulcast: false, videoEncoding: { maxBitrate: 250_000, maxFramerate: 30 } },
} satisfies AppPeerOptions;

export interface AppEvent {
  type: string;
  at: number;
  identity?: string;
  trackSid?: string;
  [k: string]: unknown;
}

/** A livekit-client app in a browser context of its own, connected to tabsfu; rejects with the connect error. */
export async function appPeer(browser: Browser, app: AppServer, baseURL: string, room: string, identity: string, o: AppPeerOptions): Promise<Peer> {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`[${identity}] page error: ${e.message}`));
  const signalPaths: string[] = [];
  page.on('websocket', (ws) => signalPaths.push(new URL(ws.url()).pathname));
  await page.goto(app.url);
  const token = await sdkToken(room, identity, o.grant ?? {}, o.claims ?? {});
  await page.evaluate((a) => (window as unknown as { startApp(x: unknown): Promise<string> }).startApp(a), {
    url: baseURL.replace('http', 'ws'), token, color: o.color, tone: o.tone, publish: o.publish ?? true, options: o.options ?? {}, connectOptions: o.connectOptions ?? {},
    texture: o.texture ?? false, cameraOptions: o.cameraOptions ?? {}, cameraSize: o.cameraSize, cameraFps: o.cameraFps, e2eeKey: o.e2eeKey,
  });
  return { name: identity, identity, context, page, media: { color: o.color, tone: o.tone }, signalPaths };
}

export async function appEvents(page: Page, type?: string): Promise<AppEvent[]> {
  const events = await page.evaluate(() => (window as unknown as { appEvents: AppEvent[] }).appEvents);
  return type ? events.filter((e) => e.type === type) : events;
}

/** Runs code against the app's livekit-client Room (window.tabsfuRoom) in the page. */
export function inRoom<T, A = undefined>(page: Page, fn: (room: any, arg: A) => T | Promise<T>, arg?: A): Promise<T> {
  return page.evaluate(
    ([source, a]) => {
      const f = new Function(`return (${source})`)() as (room: unknown, arg: unknown) => unknown;
      return f((window as unknown as { tabsfuRoom: unknown }).tabsfuRoom, a);
    },
    [fn.toString(), arg] as const,
  ) as Promise<T>;
}
