// One participant's connection quality: a score out of 100 from each stats window's loss, jitter and round-trip
// time on its streams (the simplified E-model LiveKit's connectionquality package uses) and from how far below
// its wanted video layer it receives, smoothed so that it falls fast and recovers slowly. Sans-IO: each window
// is passed in. See ARCHITECTURE.md, "Connection quality".
import type { MediaKind } from '../../src/shared/host-bridge';

/** One RTP stream of the participant over one window: `up` the host receives it, `down` the host sends it. */
export interface StreamWindow {
  kind: MediaKind;
  direction: 'up' | 'down';
  /** Packets that arrived (up) or were sent (down) in the window. */
  packets: number;
  /** Packets lost in the window: counted by the host (up) or reported by the subscriber (down). */
  lost: number;
  jitterMs: number;
  /** The round-trip time of the connection carrying the stream, ms; 0 when unknown. */
  rttMs: number;
}

export type QualityWindow =
  | {
      kind: 'measured';
      /** Length of the window, ms. */
      durationMs: number;
      streams: StreamWindow[];
      /**
       * 0..1: how far below the video layers it wants the participant receives (0: what it wants; 1: the lowest
       * layer when it wants the highest). Simulcast fills it in; 0 until then.
       */
      layerDeficit: number;
    }
  /** One of its connections went away (closed, failed or disconnected), or it was dropped. */
  | { kind: 'gone' };

export type Quality = 'excellent' | 'good' | 'poor' | 'lost';

export const MAX_SCORE = 100;
/** Normal windows never push the score below this, so that a bad spell does not take minutes to recover from. */
const MIN_SCORE = 30;
/** The score a connection that went away gets: LOST. */
const GONE_SCORE = 20;
/** Above GOOD's bound is EXCELLENT, above POOR's GOOD, above LOST's POOR. */
const BOUNDS = { good: 80, poor: 40, lost: 20 } as const;
/** Share of a new window taken in when the score falls, and when it rises. */
const FALL = 0.8;
const RISE = 0.4;
/** Points lost per percent of packet loss: 2 % of video or 2.5 % of audio makes EXCELLENT GOOD. */
const LOSS_WEIGHT: Record<MediaKind, number> = { audio: 8, video: 10 };
/** Opus at 20 ms frames; fewer packets (DTX in silence) make a lost one matter less. */
const AUDIO_PACKETS_PER_SECOND = 50;
/** Points lost per whole layer's worth of deficit: a subscriber two layers below what it wants is POOR. */
const LAYER_WEIGHT = 70;

/** A stream's score for one window: 100 less what delay and loss cost. */
export function streamScore(s: StreamWindow, durationMs: number): number {
  // the delay a listener would notice: half the round trip, and the jitter buffer's worth of jitter
  const delay = s.rttMs / 2 + 2 * s.jitterMs;
  const delayCost = delay <= 160 ? delay / 40 : (delay - 120) / 10;
  const sent = s.packets + s.lost;
  let lossCost = 0;
  if (sent > 0) {
    let weight = LOSS_WEIGHT[s.kind];
    if (s.kind === 'audio' && durationMs > 0) {
      const ratio = Math.min(1, s.packets / (durationMs / 1000) / AUDIO_PACKETS_PER_SECOND);
      weight *= Math.sqrt(ratio);
    }
    lossCost = ((s.lost * 100) / sent) * weight;
  }
  return Math.max(0, MAX_SCORE - delayCost - lossCost);
}

/** A window's own score, before smoothing: its worst stream, or the layer deficit if that is worse. */
export function windowScore(w: Extract<QualityWindow, { kind: 'measured' }>): number {
  let score = Math.max(0, MAX_SCORE - LAYER_WEIGHT * Math.min(1, Math.max(0, w.layerDeficit)));
  for (const s of w.streams) {
    // a stream that carried nothing this window (a paused slot, a muted track) says nothing about the network
    if (s.packets + s.lost === 0) continue;
    score = Math.min(score, streamScore(s, w.durationMs));
  }
  return score;
}

export function qualityOf(score: number): Quality {
  if (score > BOUNDS.good) return 'excellent';
  if (score > BOUNDS.poor) return 'good';
  if (score > BOUNDS.lost) return 'poor';
  return 'lost';
}

/** The ITU-T G.107 mapping from an R-factor (our score) to a mean opinion score, 1 to 4.5: what LiveKit sends. */
export function mosOf(score: number): number {
  if (score <= 0) return 1;
  if (score >= 100) return 4.5;
  return 1 + 0.035 * score + 0.000007 * score * (score - 60) * (100 - score);
}

export class QualityScorer {
  /** Starts EXCELLENT, as LiveKit's does: nothing has gone wrong yet. */
  score = MAX_SCORE;

  update(w: QualityWindow): void {
    if (w.kind === 'gone') {
      this.score = Math.min(this.score, GONE_SCORE);
      return;
    }
    const now = windowScore(w);
    const share = now < this.score ? FALL : RISE;
    this.score = Math.max(MIN_SCORE, share * now + (1 - share) * this.score);
  }

  get quality(): Quality {
    return qualityOf(this.score);
  }

  get mos(): number {
    return mosOf(this.score);
  }
}
