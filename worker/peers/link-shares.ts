// How a subscriber connection's estimate is split among what it forwards: its audio takes what it was measured to
// send on the wire over the last second (the host's stats, src/host/down-watch.ts), and the video downs split the
// rest equally. Measured rather than assumed because a fixed 40 kbit/s per Opus stream was a third short of the 61 to
// 64 kbit/s one took on the wire, which gave each video down more than the link could carry: on a slow link the host
// then tried layers it could not send. Equal shares are simple and can under-serve one large tile beside many small
// ones.

/** One video down's share of the connection's estimate; 0 when unknown (or no video). */
export function videoShare(estimateBps: number, videoDowns: number, audioBps: number): number {
  if (!videoDowns || estimateBps <= 0) return 0;
  return Math.max(0, estimateBps - audioBps) / videoDowns;
}

/** The connection estimate that gives each video down `shareBps` (videoShare's inverse). */
export function estimateFor(shareBps: number, videoDowns: number, audioBps: number): number {
  return shareBps * videoDowns + audioBps;
}
