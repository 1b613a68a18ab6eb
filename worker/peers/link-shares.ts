// How a subscriber connection's estimate is split among what it forwards: its audio takes what it was measured to
// send on the wire over the last second (the host's stats, src/host/down-watch.ts), and the video downs split the
// rest equally. Measured rather than assumed: the fixed 40 kbit/s per Opus stream this used was about half of the
// 75 kbit/s one takes on the wire here (payload, RTP headers, IP, UDP and SRTP), which gave each video down more of
// the estimate than was left for it. Equal shares are simple and can under-serve one large tile beside many small
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
