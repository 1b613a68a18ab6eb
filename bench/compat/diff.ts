// The differences between what clients saw on two servers, as a report people read: events one server produced
// and the other did not (per step and client), signal message types and the fields set in them, and the HTTP and
// WebSocket requests with their statuses. Counts that merely differ (pings, quality updates) are not differences;
// presence is.
import type { SeenEvent } from './record.js';
import { fieldPaths } from './record.js';
import type { TappedMessage, TappedRequest } from './tap.js';

export interface ServerRun {
  /** e.g. `livekit-server v1.13.5`, `tabsfu`. */
  server: string;
  events: SeenEvent[];
  messages: TappedMessage[];
  requests: TappedRequest[];
}

function counts(keys: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
}

/** Rows for keys present on one side only: [key, countA, countB]. */
function onlyOnOneSide(a: Map<string, number>, b: Map<string, number>): [string, number, number][] {
  return [...new Set([...a.keys(), ...b.keys()])].filter((k) => !a.get(k) !== !b.get(k)).sort().map((k) => [k, a.get(k) ?? 0, b.get(k) ?? 0]);
}

const cell = (s: string) => s.replace(/\|/g, '/');

export function diffReport(a: ServerRun, b: ServerRun): { markdown: string; differences: number } {
  const lines: string[] = [];
  let differences = 0;

  const eventKey = (e: SeenEvent) => `${e.step ?? '–'} | ${e.client} | ${e.name} | ${cell(e.detail)}`;
  const events = onlyOnOneSide(counts(a.events.map(eventKey)), counts(b.events.map(eventKey)));
  differences += events.length;
  lines.push(`### What a client saw on one server only (${events.length})`, '', `| step | client | event | detail | ${a.server} | ${b.server} |`, '|---|---|---|---|---|---|');
  for (const [k, x, y] of events) lines.push(`| ${k} | ${x} | ${y} |`);

  const typeKey = (m: TappedMessage) => `${m.direction === 'down' ? 'server → client' : 'client → server'} ${m.type}`;
  const types = counts(a.messages.map(typeKey));
  const typesB = counts(b.messages.map(typeKey));
  const allTypes = [...new Set([...types.keys(), ...typesB.keys()])].sort();
  lines.push('', '### Signal messages by type (count; a type one server never sent or got is a difference)', '', `| message | ${a.server} | ${b.server} |`, '|---|---|---|');
  for (const t of allTypes) {
    const [x, y] = [types.get(t) ?? 0, typesB.get(t) ?? 0];
    if (!x !== !y) differences++;
    lines.push(`| ${t}${!x !== !y ? ' **(differs)**' : ''} | ${x} | ${y} |`);
  }

  const fieldsOf = (run: ServerRun) => {
    const m = new Map<string, Set<string>>();
    for (const msg of run.messages) {
      const set = m.get(typeKey(msg)) ?? new Set<string>();
      for (const p of fieldPaths(msg.json)) set.add(p);
      m.set(typeKey(msg), set);
    }
    return m;
  };
  const fa = fieldsOf(a);
  const fb = fieldsOf(b);
  lines.push('', '### Fields set in a message type on one server only (types both sent)', '', `| message | only from ${a.server} | only from ${b.server} |`, '|---|---|---|');
  for (const t of allTypes.filter((t) => fa.has(t) && fb.has(t))) {
    const onlyA = [...fa.get(t)!].filter((p) => !fb.get(t)!.has(p)).sort();
    const onlyB = [...fb.get(t)!].filter((p) => !fa.get(t)!.has(p)).sort();
    if (!onlyA.length && !onlyB.length) continue;
    differences += onlyA.length + onlyB.length;
    lines.push(`| ${t} | ${cell(onlyA.join(', ')) || '–'} | ${cell(onlyB.join(', ')) || '–'} |`);
  }

  const requestKey = (r: TappedRequest) => `${r.method} ${r.path.replace(/\/[^/]*\d{6,}[^/]*/g, '/…')} → ${r.status}`;
  const requests = onlyOnOneSide(counts(a.requests.map(requestKey)), counts(b.requests.map(requestKey)));
  differences += requests.length;
  lines.push('', `### HTTP and WebSocket requests answered on one server only (${requests.length})`, '', `| request → status | ${a.server} | ${b.server} |`, '|---|---|---|');
  for (const [k, x, y] of requests) lines.push(`| ${cell(k)} | ${x} | ${y} |`);
  return { markdown: lines.join('\n'), differences };
}
