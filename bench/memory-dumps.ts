// Chromium's own account of its memory, by allocator and process (memory-infra dumps over CDP tracing), to find
// which part of the host grows when its JS heaps do not: WebRTC's buffers in malloc, Blink's partitions, V8, caches.
import type { CDPSession } from 'playwright-core';

/** MB per allocator (top-level names such as malloc, partition_alloc, v8, blink_gc), per process id. */
export type AllocatorSizes = Record<number, Record<string, number>>;

interface TraceEvent {
  ph: string;
  pid: number;
  /** Microseconds. */
  ts: number;
  args?: { dumps?: { allocators?: Record<string, { attrs?: { size?: { value: string } } }> } };
}

export interface MemoryDumps {
  /** Asks every process for a dump now. */
  take(): Promise<void>;
  /** Ends the trace and returns the dumps' sizes, in the order they were taken (at least 10 s apart). */
  finish(): Promise<AllocatorSizes[]>;
}

export async function startMemoryDumps(cdp: CDPSession): Promise<MemoryDumps> {
  const events: TraceEvent[] = [];
  cdp.on('Tracing.dataCollected', (e) => { events.push(...(e.value as unknown as TraceEvent[])); });
  await cdp.send('Tracing.start', {
    transferMode: 'ReportEvents',
    traceConfig: { includedCategories: ['disabled-by-default-memory-infra'], excludedCategories: ['*'], memoryDumpConfig: { triggers: [] } as unknown as Record<string, string> },
  });
  return {
    async take() {
      const { success } = (await cdp.send('Tracing.requestMemoryDump', { deterministic: true, levelOfDetail: 'detailed' })) as { success: boolean };
      if (!success) throw new Error('Chromium refused the memory dump');
    },
    async finish() {
      const done = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()));
      await cdp.send('Tracing.end');
      await done;
      // a dump's events carry no usable id (all 0x0 here): the dumps are told apart by time, each process's
      // allocators may come in several events
      const out: AllocatorSizes[] = [];
      let lastTs = -Infinity;
      for (const e of events.filter((x) => x.ph === 'v').sort((a, b) => a.ts - b.ts)) {
        const allocators = e.args?.dumps?.allocators;
        if (!allocators) continue;
        if (e.ts - lastTs > 10_000_000) out.push({});
        lastTs = e.ts;
        const sizes = (out[out.length - 1][e.pid] ??= {});
        for (const [name, a] of Object.entries(allocators)) {
          // top-level allocators and two levels below them (e.g. partition_alloc/partitions/buffer)
          if (name.split('/').length > 3 || !a.attrs?.size) continue;
          sizes[name] = parseInt(a.attrs.size.value, 16) / 2 ** 20;
        }
      }
      return out;
    },
  };
}

/** The allocators whose size changed most between two dumps, per process, largest growth first. */
export function allocatorGrowth(before: AllocatorSizes, after: AllocatorSizes, atLeastMB = 0.5): { pid: number; name: string; beforeMB: number; afterMB: number }[] {
  const rows = [];
  for (const [pid, sizes] of Object.entries(after)) {
    for (const [name, mb] of Object.entries(sizes)) {
      const was = before[Number(pid)]?.[name] ?? 0;
      if (Math.abs(mb - was) >= atLeastMB) rows.push({ pid: Number(pid), name, beforeMB: was, afterMB: mb });
    }
  }
  return rows.sort((a, b) => (b.afterMB - b.beforeMB) - (a.afterMB - a.beforeMB));
}
