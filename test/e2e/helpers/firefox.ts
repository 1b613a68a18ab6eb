// A peer in Firefox: Debian's firefox-esr driven by puppeteer-core over WebDriver BiDi (Playwright's own Firefox
// build cannot be downloaded here), running the same livekit-client test app as the Chromium app peers.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import puppeteer, { type Browser as FirefoxBrowser } from 'puppeteer-core';
import type { AppPeerOptions, AppServer } from './app';
import type { Peer } from './peer';
import { sdkToken } from './tokens';

/** Where Debian installs Firefox ESR (`npm test` installs it); FIREFOX overrides. */
export function firefoxPath(): string | null {
  const candidates = [process.env.FIREFOX, '/usr/bin/firefox-esr', '/usr/bin/firefox'].filter((p): p is string => !!p);
  return candidates.find((p) => fs.existsSync(p)) ?? null;
}

/** Why the Firefox tests cannot run here, or null when they can. */
export function firefoxMissing(): string | null {
  if (!firefoxPath()) return 'firefox-esr is not installed (npm test installs it)';
  if (spawnSync('pulseaudio', ['--version']).status !== 0) return 'pulseaudio is not installed (npm test installs it)';
  return null;
}

/** Preferences a test profile needs: audio that starts without a click, no first-run pages, no network to Mozilla. */
const PREFS: Record<string, unknown> = {
  'media.autoplay.default': 0,
  'media.autoplay.blocking_policy': 0,
  'media.navigator.permission.disabled': true,
  'browser.shell.checkDefaultBrowser': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'toolkit.telemetry.reportingpolicy.firstRun': false,
  'app.update.enabled': false,
  'network.connectivity-service.enabled': false,
  'network.captive-portal-service.enabled': false,
};

export interface FirefoxPeer extends Omit<Peer, 'context' | 'page'> {
  /** Puppeteer's page answers `evaluate` as Playwright's does, which is all the probes in peer.ts use. */
  page: Page;
  close(): Promise<void>;
}

export interface Firefox {
  browser: FirefoxBrowser;
  close(): Promise<void>;
}

/**
 * Firefox with a sound server of its own: without an audio device, Firefox never starts an AudioContext (it stays
 * `suspended`), so the test app's oscillator microphone would send silence and nothing could measure a tone. A
 * PulseAudio daemon with only a null sink, on a socket in a temporary directory, gives it one.
 */
export async function launchFirefox(): Promise<Firefox> {
  const executablePath = firefoxPath();
  if (!executablePath) throw new Error('no Firefox: install firefox-esr (npm test does) or set FIREFOX');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tabsfu-firefox-'));
  const sound = await startSoundServer(path.join(dir, 'pulse'));
  const browser = await puppeteer.launch({
    browser: 'firefox', executablePath, headless: true, userDataDir: path.join(dir, 'profile'), extraPrefsFirefox: PREFS,
    env: { ...process.env, PULSE_SERVER: sound.server },
  });
  return {
    browser,
    close: async () => {
      await browser.close().catch(() => {});
      sound.process.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function startSoundServer(dir: string): Promise<{ server: string; process: ChildProcess }> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const socket = path.join(dir, 'native');
  const child = spawn('pulseaudio', [
    '--daemonize=no', '--exit-idle-time=-1', '--disallow-exit', '--use-pid-file=no', '-n',
    '--load=module-null-sink sink_name=tabsfu', `--load=module-native-protocol-unix socket=${socket} auth-anonymous=1`,
  ], { env: { ...process.env, XDG_RUNTIME_DIR: dir, HOME: dir }, stdio: 'ignore' });
  // ready when its socket exists
  for (let i = 0; i < 100 && !fs.existsSync(socket); i++) await new Promise((r) => setTimeout(r, 50));
  if (!fs.existsSync(socket)) {
    child.kill();
    throw new Error('pulseaudio did not open its socket within 5 s');
  }
  return { server: `unix:${socket}`, process: child };
}

/** The test app in a new Firefox page, connected to tabsfu at `baseURL`. */
export async function firefoxAppPeer(browser: FirefoxBrowser, app: AppServer, baseURL: string, room: string, identity: string, o: AppPeerOptions): Promise<FirefoxPeer> {
  // A window of its own: a new tab would hide the peer opened before it, and Firefox then presents video frames
  // only on its background refresh tick (about once a second), which a colour sample races and often loses.
  const page = await browser.newPage({ type: 'window' });
  page.on('pageerror', (e) => console.log(`[${identity}] page error: ${e instanceof Error ? e.message : String(e)}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warn') console.log(`[${identity}] ${m.type()}: ${m.text()}`);
  });
  await page.goto(app.url);
  const token = await sdkToken(room, identity, o.grant ?? {}, o.claims ?? {});
  await page.evaluate((a) => (window as unknown as { startApp(x: unknown): Promise<string> }).startApp(a), {
    url: baseURL.replace('http', 'ws'), token, color: o.color, tone: o.tone, publish: o.publish ?? true, options: o.options ?? {},
    connectOptions: o.connectOptions ?? {}, texture: o.texture ?? false, cameraOptions: o.cameraOptions ?? {}, e2eeKey: o.e2eeKey,
  });
  return { name: identity, identity, page: page as unknown as Page, media: { color: o.color, tone: o.tone }, close: () => page.close() };
}
