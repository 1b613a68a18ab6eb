// The livekit-client scenario of the differential run: two people in Chromium (the test app, test/e2e/app) and an
// app backend with RoomServiceClient go through join, publish, subscribe, mute, speakers, data, text, RPC, the
// server API, resume and leave. Every room event each page's Room emits is recorded (Room.prototype.emit wrapped
// before connecting), with each call's outcome and each wait that ran out.
import type { Browser, Page } from 'playwright-core';
import { DataPacket_Kind, RoomServiceClient } from 'livekit-server-sdk';
import { sdkToken } from '../../test/e2e/helpers/tokens.js';
import type { AppServer } from '../../test/e2e/helpers/app-server.js';
import { type SeenEvent, summarize } from './record.js';

export interface Steps {
  /** Starts a named step; what follows is recorded under it. */
  step(name: string): void;
  note(client: string, name: string, detail: string): void;
}

type PageApi = { compatEvents: SeenEvent[]; tabsfuRoom: any; startApp(a: unknown): Promise<string> };

async function openPerson(browser: Browser, app: AppServer, url: string, room: string, identity: string, color: string, tone: number): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(app.url);
  await page.evaluate(([source, who]) => {
    const summarizeIn = new Function(`return (${source})`)() as (v: unknown) => string;
    const w = window as unknown as PageApi & { LivekitClient: { Room: { prototype: { emit(...a: unknown[]): boolean } } } };
    w.compatEvents = [];
    const proto = w.LivekitClient.Room.prototype;
    const emit = proto.emit;
    proto.emit = function (name: unknown, ...args: unknown[]) {
      w.compatEvents.push({ at: Date.now(), client: who, name: String(name), detail: args.map((a) => summarizeIn(a)).join('; ') });
      return emit.call(this, name, ...args);
    };
  }, [summarize.toString(), identity] as const);
  const token = await sdkToken(room, identity);
  await page.evaluate((a) => (window as unknown as PageApi).startApp(a), { url: url.replace(/^http/, 'ws'), token, color, tone });
  return page;
}

const eventsOf = (page: Page): Promise<SeenEvent[]> => page.evaluate(() => (window as unknown as PageApi).compatEvents);

/** Waits until `page` has recorded an event `name` whose detail contains `text`; notes a timeout otherwise. */
async function waitForEvent(page: Page, who: string, name: string, text: string, steps: Steps, ms = 15_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if ((await eventsOf(page)).some((e) => e.name === name && e.detail.includes(text))) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  steps.note(who, 'timeout', `no ${name} with "${text}" in ${ms / 1000} s`);
  return false;
}

/** Runs `call` and notes its outcome under `server-api` (or the client that made it). */
async function outcome(steps: Steps, client: string, name: string, call: () => Promise<unknown>): Promise<void> {
  try {
    steps.note(client, `call ${name}`, `ok ${summarize(await call())}`);
  } catch (e) {
    const err = e as { status?: number; code?: string; message?: string };
    steps.note(client, `call ${name}`, `error ${err.status ?? ''} ${err.code ?? ''} ${(err.message ?? String(e)).slice(0, 100)}`.replace(/\s+/g, ' '));
  }
}

export async function browserScenario(browser: Browser, app: AppServer, url: string, steps: Steps): Promise<SeenEvent[]> {
  const room = `compat-${Date.now()}`;
  const api = new RoomServiceClient(url, 'devkey', 'secret');
  const pages: Page[] = [];
  try {
    steps.step('join and subscribe');
    const alice = await openPerson(browser, app, url, room, 'alice', 'rgb(220,40,40)', 440);
    const bob = await openPerson(browser, app, url, room, 'bob', 'rgb(40,200,60)', 660);
    pages.push(alice, bob);
    for (const [page, who, other] of [[alice, 'alice', 'bob'], [bob, 'bob', 'alice']] as const) {
      await waitForEvent(page, who, 'trackSubscribed', `participant ${other}`, steps);
    }
    await new Promise((r) => setTimeout(r, 1000));

    steps.step('mute');
    await bob.evaluate(() => (window as unknown as PageApi).tabsfuRoom.localParticipant.setMicrophoneEnabled(false));
    await waitForEvent(alice, 'alice', 'trackMuted', 'participant bob', steps);

    steps.step('speakers');
    await waitForEvent(bob, 'bob', 'activeSpeakersChanged', 'participant alice', steps, 10_000);

    steps.step('data, text and RPC');
    await bob.evaluate(() => {
      const r = (window as unknown as PageApi).tabsfuRoom;
      r.registerRpcMethod('greet', async (d: { callerIdentity: string; payload: string }) => `hello ${d.callerIdentity}, you said ${d.payload}`);
      r.registerTextStreamHandler('lk.chat', async (reader: { readAll(): Promise<string> }, from: { identity: string }) => {
        const text = await reader.readAll();
        (window as unknown as PageApi).compatEvents.push({ at: Date.now(), client: 'bob', name: 'textStream', detail: `participant ${from.identity}; ${text}` });
      });
    });
    await alice.evaluate(() => (window as unknown as PageApi).tabsfuRoom.localParticipant.publishData(new TextEncoder().encode('hello by data'), { reliable: true, topic: 'chat' }));
    await waitForEvent(bob, 'bob', 'dataReceived', 'hello by data', steps);
    await alice.evaluate(() => (window as unknown as PageApi).tabsfuRoom.localParticipant.sendText('hello by text stream', { topic: 'lk.chat' }));
    await waitForEvent(bob, 'bob', 'textStream', 'hello by text stream', steps);
    await outcome(steps, 'alice', 'performRpc greet', () => alice.evaluate(() => (window as unknown as PageApi).tabsfuRoom.localParticipant.performRpc({ destinationIdentity: 'bob', method: 'greet', payload: 'hi' })));

    steps.step('server API');
    await outcome(steps, 'server-api', 'listRooms', async () => (await api.listRooms([room])).map((r) => ({ name: r.name, numParticipants: r.numParticipants })));
    await outcome(steps, 'server-api', 'listParticipants', async () => (await api.listParticipants(room)).map((p) => p.identity).sort());
    await outcome(steps, 'server-api', 'getParticipant', async () => {
      const p = await api.getParticipant(room, 'alice');
      return { identity: p.identity, tracks: p.tracks.map((t) => `${t.source}`).sort() };
    });
    await outcome(steps, 'server-api', 'updateRoomMetadata', async () => (await api.updateRoomMetadata(room, 'topic: compat')).metadata);
    await waitForEvent(bob, 'bob', 'roomMetadataChanged', 'topic: compat', steps);
    await outcome(steps, 'server-api', 'updateParticipant', async () => (await api.updateParticipant(room, 'alice', { metadata: 'role: host' })).metadata);
    await waitForEvent(bob, 'bob', 'participantMetadataChanged', 'participant alice', steps);
    await outcome(steps, 'server-api', 'sendData', () => api.sendData(room, new TextEncoder().encode('hello from the backend'), DataPacket_Kind.RELIABLE, { topic: 'server' }));
    await waitForEvent(alice, 'alice', 'dataReceived', 'hello from the backend', steps);
    await outcome(steps, 'server-api', 'mutePublishedTrack', async () => {
      const p = await api.getParticipant(room, 'alice');
      const mic = p.tracks.find((t) => t.type === 0);
      return (await api.mutePublishedTrack(room, 'alice', mic?.sid ?? 'none', true))?.muted;
    });
    await waitForEvent(bob, 'bob', 'trackMuted', 'participant alice', steps);

    steps.step('resume');
    await bob.evaluate(() => (window as unknown as PageApi).tabsfuRoom.simulateScenario('signal-reconnect'));
    await waitForEvent(bob, 'bob', 'reconnected', '', steps);

    steps.step('leave');
    await bob.evaluate(() => (window as unknown as PageApi).tabsfuRoom.disconnect());
    await waitForEvent(alice, 'alice', 'participantDisconnected', 'participant bob', steps);
    await outcome(steps, 'server-api', 'removeParticipant', () => api.removeParticipant(room, 'alice'));
    await waitForEvent(alice, 'alice', 'disconnected', '', steps);
    await outcome(steps, 'server-api', 'deleteRoom', () => api.deleteRoom(room));
  } catch (e) {
    steps.note('runner', 'failed', (e as Error).message.split('\n')[0].slice(0, 160));
  }
  try {
    return (await Promise.all(pages.map(eventsOf))).flat();
  } finally {
    for (const p of pages) await p.context().close().catch(() => {});
  }
}
