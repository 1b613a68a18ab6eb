// The host's one getStats() loop: every `statsIntervalMs` the page samples every open connection, and each
// consumer (telemetry's records, the rooms' connection quality) gets the same samples. One loop, so that
// connection quality costs no getStats() of its own, and it runs with telemetry off too.
import type { Remote } from 'comlink';
import type { PeerCommands, PeerStatsSample } from '../src/shared/host-bridge';
import { logger } from './log';

const log = logger('stats');

/** Gets each round's samples and how long the page took to read them, ms. Must not throw. */
export type StatsConsumer = (samples: PeerStatsSample[], pageMs: number) => void;

export class StatsRounds {
  private busy = false;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly commands: Remote<PeerCommands>,
    private readonly consumers: StatsConsumer[],
  ) {}

  start(intervalMs: number): void {
    // a round still running when the next is due is skipped rather than queued behind it
    this.timer ??= setInterval(() => void this.round(), intervalMs);
  }

  async round(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const asked = performance.now();
      const samples = await this.commands.collectStats();
      const pageMs = performance.now() - asked;
      for (const consume of this.consumers) {
        try {
          consume(samples, pageMs);
        } catch (e) {
          log.warn(`a stats consumer failed: ${(e as Error).message}`);
        }
      }
    } catch (e) {
      log.warn(`stats round failed: ${(e as Error).message}`);
    } finally {
      this.busy = false;
    }
  }
}
