// When the host probes a subscriber connection. A down held below a layer only by its budget (the core's
// `probeBps`) gets a probe at once; while it stays held, the next ones come after 4 s, then 8, 16, up to 64 s: on a
// link that truly cannot carry more, each probe is a burst of padding the bottleneck queues for a moment. After
// 30 s without a wanted probe the wait starts again from 4 s.

export const PROBE_WAIT_MIN_MS = 4000;
export const PROBE_WAIT_MAX_MS = 64_000;
export const PROBE_QUIET_RESET_MS = 30_000;

export class ProbeSchedule {
  /** The wait after the next probe. */
  private waitMs = PROBE_WAIT_MIN_MS;
  private nextAtMs = -Infinity;
  private lastWantedMs = -Infinity;

  /** After a link report: whether to probe now, given what the connection is short of (0: nothing held). */
  due(shortBps: number, nowMs: number): boolean {
    if (shortBps <= 0) return false;
    if (nowMs - this.lastWantedMs > PROBE_QUIET_RESET_MS) {
      this.waitMs = PROBE_WAIT_MIN_MS;
      this.nextAtMs = -Infinity;
    }
    this.lastWantedMs = nowMs;
    if (nowMs < this.nextAtMs) return false;
    this.nextAtMs = nowMs + this.waitMs;
    this.waitMs = Math.min(this.waitMs * 2, PROBE_WAIT_MAX_MS);
    return true;
  }
}
