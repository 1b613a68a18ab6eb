// What a differential run records of one client against one server, and how a value becomes comparable text: SIDs,
// times and objects differ from run to run and server to server; identities, sources, kinds, reasons and payloads
// are what an app reads.

/** One thing a client saw: a room event, a call's outcome, or a wait that ran out. */
export interface SeenEvent {
  at: number;
  /** The client that saw it (an identity, or `server-api`). */
  client: string;
  /** The scenario step it happened in (set by the runner from the times). */
  step?: string;
  /** e.g. `trackSubscribed`, `call listRooms`, `timeout`. */
  name: string;
  /** Its arguments as comparable text. */
  detail: string;
}

/**
 * A value as comparable text, by its shape (livekit-client's and @livekit/rtc-node's objects alike): a participant by
 * its identity, a publication by its source and muted state, a track by its kind, bytes as text. Runs in pages too:
 * it must not reference anything outside itself.
 */
export function summarize(v: unknown, depth = 0): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'bigint') return 'n';
  if (typeof v === 'string') {
    // server-made SIDs, device ids and room names with a time in them differ from run to run
    return v.replace(/\b(RM|PA|TR|SR)_[A-Za-z0-9]+/g, '$1_…').replace(/\d{10,}/g, '…').replace(/^(WebAudio-)?[A-Za-z0-9+/=-]{32,}$/, 'an id');
  }
  if (typeof v !== 'object') return typeof v === 'number' && !Number.isInteger(v) ? 'x.x' : String(v);
  if (v instanceof Uint8Array) return `bytes "${new TextDecoder().decode(v).slice(0, 40)}"`;
  if (Array.isArray(v)) return `[${v.map((x) => summarize(x, depth + 1)).join(', ')}]`;
  const o = v as Record<string, unknown>;
  if (typeof o.identity === 'string' && ('trackPublications' in o || 'sid' in o)) return `participant ${o.identity}`;
  if ('trackSid' in o || ('sid' in o && 'source' in o && 'kind' in o)) {
    // @livekit/rtc-node's publications keep their source in an info object
    const source = typeof o.source === 'object' ? (o.source as Record<string, unknown> | null)?.source ?? (o.info as Record<string, unknown> | undefined)?.source : o.source;
    return `publication ${String(source)}${o.isMuted || o.muted ? ' muted' : ''}`;
  }
  if ('mediaStreamTrack' in o || ('kind' in o && 'sid' in o)) return `track ${String(o.kind)}`;
  if (v instanceof Error) return `error ${(v as Error).name}: ${(v as Error).message.slice(0, 80)}`;
  if (depth > 1) return '{…}';
  const entries = Object.entries(o).filter(([k, x]) => typeof x !== 'function' && !/sid|time|Time|At$|^id$|^_/.test(k)).slice(0, 8);
  return `{${entries.map(([k, x]) => `${k}: ${summarize(x, depth + 1)}`).join(', ')}}`;
}

/** Field paths of a protobuf JSON message, to depth 3: where a field is an enum name or a boolean, with its value. */
export function fieldPaths(json: unknown, prefix = '', depth = 0): string[] {
  if (json === null || typeof json !== 'object') {
    const enumLike = typeof json === 'string' && /^[A-Z][A-Z0-9_]+$/.test(json);
    return [enumLike || typeof json === 'boolean' ? `${prefix}=${String(json)}` : prefix];
  }
  if (Array.isArray(json)) return [...new Set(json.flatMap((x) => fieldPaths(x, `${prefix}[]`, depth)))];
  if (depth >= 3) return [prefix];
  return Object.entries(json as Record<string, unknown>).flatMap(([k, x]) => fieldPaths(x, prefix ? `${prefix}.${k}` : k, depth + 1));
}
