// A page's heap by object name (V8 objects and, through the unified heap, Blink's), from a CDP heap snapshot: two
// of them, some minutes apart, say which kind of object accumulates.
import type { CDPSession } from 'playwright-core';

/** Count and bytes per node name ("RTCStatsReport", "HTMLDivElement", "(string)", …). */
export type HeapCensus = Map<string, { count: number; bytes: number }>;

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: (string[] | string)[] } };
  nodes: number[];
  strings: string[];
}

export async function heapCensus(cdp: CDPSession): Promise<HeapCensus> {
  const chunks: string[] = [];
  const onChunk = (e: { chunk: string }) => { chunks.push(e.chunk); };
  cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
  await cdp.send('HeapProfiler.enable');
  await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false, exposeInternals: false });
  await cdp.send('HeapProfiler.disable');
  cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
  const snap = JSON.parse(chunks.join('')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[fields.indexOf('type')] as string[];
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const census: HeapCensus = new Map();
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const type = types[snap.nodes[i + typeAt]];
    // strings and code by kind, objects by their constructor's name
    const name = type === 'object' || type === 'native' ? snap.strings[snap.nodes[i + nameAt]] : `(${type})`;
    const entry = census.get(name) ?? { count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += snap.nodes[i + sizeAt];
    census.set(name, entry);
  }
  return census;
}

/** The names whose count grew most between two censuses. */
export function censusGrowth(before: HeapCensus, after: HeapCensus, top = 12): { name: string; count: [number, number]; bytes: [number, number] }[] {
  return [...after]
    .map(([name, a]) => {
      const b = before.get(name) ?? { count: 0, bytes: 0 };
      return { name, count: [b.count, a.count] as [number, number], bytes: [b.bytes, a.bytes] as [number, number] };
    })
    .filter((r) => r.count[1] > r.count[0])
    .sort((x, y) => (y.bytes[1] - y.bytes[0]) - (x.bytes[1] - x.bytes[0]))
    .slice(0, top);
}
