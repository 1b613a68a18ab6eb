// What the benchmark needs from each system it puts peers through: start it, put peers in one call, say
// which processes are the SFU's, and stop it. Peers are pages of bench/www/peer.html with media ready.
import type { Browser, BrowserContext, Page } from 'playwright-core';

export interface Scenario {
  name: string;
  participants: number;
  width: number;
  height: number;
  fps: number;
  /** Cap on each published video stream, bits per second. */
  maxBitrate: number;
  /** Participants that publish; the rest only listen (the audio-heavy room). Default: all. */
  publishers?: number;
  /** Publish audio only (the audio-heavy room). */
  audioOnly?: boolean;
  /** A picture that costs real bits (detail, shake, motion), as a webcam's does; otherwise a flat colour. */
  texture?: boolean;
  /**
   * Publish the camera as livekit-client does by default: simulcast layers under the full one. Janus gets the same
   * three layers; the mesh sends the full layer to each peer, as a direct call would.
   */
  simulcast?: boolean;
  /** The video codec every system sends. Default vp8 (the classic scenarios); the realistic ones use h264. */
  codec?: 'vp8' | 'h264';
  /** The publisher's encoder keeps each layer's size under CPU load, so that a decoded width names a layer. */
  maintainResolution?: boolean;
  /**
   * The last participant's downlink, kbit/s: its browser runs in a network namespace of its own behind a tc
   * bottleneck (bench/limited.ts). The report then shows each subscriber apart (layer, switch time, freezes).
   */
  limitedDownKbit?: number;
  /** Measuring window and warm-up for this scenario, ms; the run's defaults otherwise. */
  windowMs?: number;
  warmupMs?: number;
}

export interface BenchPeer {
  id: string;
  page: Page;
  publishes: boolean;
}

export interface BenchContext {
  /** Base URL of the static server that serves bench/www and livekit-client. */
  peerPageUrl: string;
  /** Launches a browser instance of its own (for an SFU tab whose processes must be counted apart). */
  launchBrowser(): Promise<{ browser: Browser; pid: number }>;
  /** The same, with a profile on disk in `userDataDir` (IndexedDB written to disk, as a real host's is). */
  launchPersistent(userDataDir: string): Promise<{ context: BrowserContext; pid: number }>;
  /** Address of the non-loopback interface the benchmark runs on (see run.ts), e.g. 10.77.0.1. */
  address: string;
  /** Name of that interface, e.g. bench0. */
  iface: string;
  log(line: string): void;
}

export interface System {
  readonly name: string;
  /** A line for the report saying how the system was set up. */
  readonly description: string;
  start(ctx: BenchContext): Promise<void>;
  /** Puts the peers in one call; resolves once every peer has started publishing. */
  join(peers: BenchPeer[], scenario: Scenario, room: string): Promise<void>;
  leave(peers: BenchPeer[]): Promise<void>;
  /** The process ids whose CPU and memory count as the SFU's (empty for a mesh). */
  sfuPids(): number[];
  /** Figures only this system can give, over the measuring window: called at its start, the result at its end. */
  windowExtras?(): Promise<() => Promise<Record<string, number>>>;
  stop(): Promise<void>;
}

/** Why a system could not run; the benchmark reports it and goes on with the others. */
export class SystemUnavailable extends Error {
  override name = 'SystemUnavailable';
}
