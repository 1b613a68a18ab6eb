// What telemetry costs and writes on a benchmark's host: the stats rounds' time, the records written, and the
// bytes they take on disk and as exported NDJSON. Read from the host page, after the CPU window has closed.
import type { Page } from 'playwright-core';

export interface TelemetryReading {
  rounds: number;
  workerMs: number;
  pageMs: number;
  written: number;
  lastFlushMs: number;
  diskBytes: number;
  ndjsonBytes: number;
  records: number;
}

interface HostApi {
  telemetryStatus(): Promise<{ enabled: boolean; rounds: number; workerMs: number; pageMs: number; store: { written: number; lastFlushMs: number } | null }>;
  telemetryFlush(): Promise<void>;
  telemetryExport(format: 'ndjson'): Promise<string>;
}

/** Null when the host runs without telemetry. Flushes first, so that the disk holds what was written. */
export async function readTelemetry(host: Page, diskBytes: () => number, exported: boolean): Promise<TelemetryReading | null> {
  const s = await host.evaluate(async (exported) => {
    const api = (window as unknown as { tabsfuHost: { api: HostApi } }).tabsfuHost.api;
    const status = await api.telemetryStatus();
    if (!status.enabled || !status.store) return null;
    await api.telemetryFlush();
    const after = await api.telemetryStatus();
    const ndjson = exported ? await api.telemetryExport('ndjson') : '';
    return { rounds: after.rounds, workerMs: after.workerMs, pageMs: after.pageMs, written: after.store!.written, lastFlushMs: after.store!.lastFlushMs, ndjsonBytes: new Blob([ndjson]).size, records: ndjson ? ndjson.split('\n').length - 1 : 0 };
  }, exported).catch(() => null);
  return s ? { ...s, diskBytes: diskBytes() } : null;
}

export function telemetryFigures(a: TelemetryReading, b: TelemetryReading, minutes: number): Record<string, number> {
  const rounds = Math.max(1, b.rounds - a.rounds);
  const written = Math.max(1, b.written - a.written);
  return {
    telemetryRecordsPerMinute: (b.written - a.written) / minutes,
    telemetryRecordsPerRound: (b.written - a.written) / rounds,
    telemetryRoundWorkerMs: (b.workerMs - a.workerMs) / rounds,
    telemetryRoundGetStatsMs: (b.pageMs - a.pageMs) / rounds,
    telemetryFlushMs: b.lastFlushMs,
    telemetryDiskBytesPerRecord: (b.diskBytes - a.diskBytes) / written,
    telemetryNdjsonBytesPerRecord: b.records ? b.ndjsonBytes / b.records : 0,
  };
}
