// One participant's stats worker: it gathers the participant's track stats between flushes and knows whether
// the participant ever became active. It closes when the last source holding it leaves, and is reaped a while
// after, so that a source that comes back soon (a resume) still finds it.
import { ReferenceCount, type ReferenceGuard } from './reference-count';
import type { TrackStatRecord } from './stats-records';

export class StatsWorker {
  /** Became active (its media connected) at least once; inherited by a worker recreated on resume. */
  connected = false;
  closedAt: number | null = null;
  private refs = new ReferenceCount();
  private pending: TrackStatRecord[] = [];

  constructor(readonly roomSid: string, readonly participantSid: string, guard: ReferenceGuard | null) {
    this.refs.activate(guard);
  }

  get references(): number {
    return this.refs.count;
  }

  /** Whether it is closed; while it is not, the guard joins it (LiveKit's `Closed`). */
  closed(guard: ReferenceGuard | null): boolean {
    if (this.closedAt !== null) return true;
    this.refs.activate(guard);
    return false;
  }

  /** Releases a source; true when that closed the worker. */
  close(guard: ReferenceGuard | null, now: number): boolean {
    if (!this.refs.release(guard)) return false;
    if (this.closedAt !== null) return false;
    this.closedAt = now;
    return true;
  }

  record(stat: TrackStatRecord): void {
    this.pending.push(stat);
  }

  /** Hands over what was gathered; `reap` is true once it has been closed for `reapAfterMs`. */
  flush(now: number, reapAfterMs: number): { stats: TrackStatRecord[]; reap: boolean } {
    const stats = this.pending;
    this.pending = [];
    return { stats, reap: this.closedAt !== null && now - this.closedAt > reapAfterMs };
  }
}
