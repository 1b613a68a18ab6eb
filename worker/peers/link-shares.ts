// How a subscriber connection's estimate is split among what it forwards: each audio stream takes a fixed share, and
// the video downs split the rest equally. Equal shares are simple and can under-serve one large tile beside many
// small ones.

/** What one forwarded Opus stream takes of a connection's estimate, with its packet overhead. */
export const AUDIO_SHARE_BPS = 40_000;

/** What the connection forwards now. */
export interface Forwarded {
  video: number;
  audio: number;
}

/** One video down's share of the connection's estimate; 0 when unknown (or no video). */
export function videoShare(estimateBps: number, f: Forwarded): number {
  if (!f.video || estimateBps <= 0) return 0;
  return Math.max(0, estimateBps - f.audio * AUDIO_SHARE_BPS) / f.video;
}

/** The connection estimate that gives each video down `shareBps` (videoShare's inverse). */
export function estimateFor(shareBps: number, f: Forwarded): number {
  return shareBps * f.video + f.audio * AUDIO_SHARE_BPS;
}
