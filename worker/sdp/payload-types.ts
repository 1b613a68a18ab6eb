// Payload type numbers in the offers the host sends subscribers. A forwarded frame keeps its publisher's payload
// type (Chromium refuses a clone whose metadata changes it: "invalid modification of payloadType"), and browsers
// number codecs differently (Firefox: VP8 120, Opus 109; Chromium: 96, 111). So where a slot's codec has another
// number at its publisher, the offer the subscriber gets gives that codec the publisher's number. The host's own
// connection sends with the numbers of the subscriber's answer, not of its own offer (measured in Chromium 156:
// an answer that renumbers VP8 from 96 to 120 is accepted, and its sender then sends 120).
//
// One BUNDLE group may not give one number to two different codecs, so every other codec of the offer that
// would clash (a retransmission format, another H.264 profile) moves to a free number.
import { joinSdp, splitSdp } from './sections';

/** What the renumbering did: the offer, the numbers each section got (old → new, by mid), and any clash. */
export interface Renumbered {
  sdp: string;
  byMid: Map<string, Map<number, number>>;
  /** Sections left with their own number because another section holds the publisher's for another codec. */
  clashes: string[];
}

/** Dynamic payload type numbers, in the order free ones are handed out. */
export const FREE_RANGE = [...range(96, 127), ...range(35, 63)];

interface Format {
  pt: number;
  /** What a=rtpmap says after the number, e.g. "VP8/90000", "opus/48000/2". */
  rtpmap: string;
  fmtp: string;
  /** The payload type this retransmission format repeats (fmtp apt=), or null. */
  apt: number | null;
}

/**
 * Gives each section named in `wanted` (by mid) that number for its first codec, keeps every other sending
 * section's first codec where it is, and moves clashing formats out of the way, preferring the numbers they got
 * in the `previous` offer (so that a negotiated section keeps its numbers). A wanted number another sending section
 * holds for another codec (two publishers whose browsers gave one number to two codecs: not renumberable without
 * rewriting packets) is a clash: that section keeps its own numbers. Rejected (port 0) sections are left alone.
 */
export function renumberPayloadTypes(sdp: string, wanted: ReadonlyMap<string, number>, previous: ReadonlyMap<string, ReadonlyMap<number, number>> = new Map()): Renumbered {
  const byMid = new Map<string, Map<number, number>>();
  if (!wanted.size) return { sdp, byMid, clashes: [] };
  const parts = splitSdp(sdp);
  const sections = parts.media.map((lines) => ({ lines, mid: midOf(lines) ?? '', formats: formatsOf(lines), active: isSending(lines) }));
  // what each number means across the bundle
  const meaning = new Map<number, string>();
  const maps = sections.map(() => new Map<number, number>());
  const pin = (i: number, pt: number): boolean => {
    const primary = sections[i].formats[0];
    const key = keyOf(primary, sections[i].formats, maps[i]);
    const held = meaning.get(pt);
    if (held !== undefined && held !== key) return false;
    meaning.set(pt, key);
    maps[i].set(primary.pt, pt);
    return true;
  };
  // the first codec of a sending section carries forwarded frames: those that keep their number first, then the wanted
  const sending = sections.map((s, i) => i).filter((i) => sections[i].active && sections[i].formats.length);
  for (const i of sending) if (!wanted.has(sections[i].mid)) pin(i, sections[i].formats[0].pt);
  const clashes: string[] = [];
  for (const i of sending) {
    const want = wanted.get(sections[i].mid);
    if (want !== undefined && !pin(i, want)) clashes.push(sections[i].mid);
  }
  sections.forEach((s, i) => {
    if (!s.formats.length || isRejected(s.lines)) return;
    // retransmission formats last: their meaning depends on the number of the format they repeat
    const ordered = [...s.formats.filter((f) => f.apt === null), ...s.formats.filter((f) => f.apt !== null)];
    const before = previous.get(s.mid);
    for (const f of ordered) {
      if (maps[i].has(f.pt)) continue;
      const key = keyOf(f, s.formats, maps[i]);
      const taken = new Set(maps[i].values());
      const unclaimed = (n: number) => !taken.has(n) && !s.formats.some((o) => o.pt === n && o !== f && !maps[i].has(o.pt));
      const fits = (n: number | undefined): n is number => n !== undefined && (meaning.get(n) ?? key) === key && unclaimed(n);
      const last = before?.get(f.pt);
      const pt = fits(last) ? last : fits(f.pt) ? f.pt : FREE_RANGE.find((n) => !meaning.has(n) && unclaimed(n));
      if (pt === undefined) throw new Error('no free payload type left in the offer');
      meaning.set(pt, key);
      maps[i].set(f.pt, pt);
    }
    byMid.set(s.mid, maps[i]);
    parts.media[i] = renumberSection(s.lines, maps[i]);
  });
  return { sdp: joinSdp(parts), byMid, clashes };
}

function isSending(lines: string[]): boolean {
  return !isRejected(lines) && lines.some((l) => l === 'a=sendonly' || l === 'a=sendrecv');
}

function isRejected(lines: string[]): boolean {
  return lines[0].split(' ')[1] === '0';
}

function midOf(lines: string[]): string | undefined {
  return lines.find((l) => l.startsWith('a=mid:'))?.slice(6).trim();
}

function formatsOf(lines: string[]): Format[] {
  const [, , , ...fmts] = lines[0].split(' ');
  if (!lines[0].startsWith('m=audio') && !lines[0].startsWith('m=video')) return [];
  const rtpmap = new Map<number, string>();
  const fmtp = new Map<number, string>();
  for (const l of lines) {
    const r = /^a=rtpmap:(\d+) (.+)$/.exec(l);
    if (r) rtpmap.set(Number(r[1]), r[2].trim());
    const f = /^a=fmtp:(\d+) (.+)$/.exec(l);
    if (f) fmtp.set(Number(f[1]), f[2].trim());
  }
  return fmts.map(Number).filter((pt) => rtpmap.has(pt)).map((pt) => {
    const apt = /(?:^|;)\s*apt=(\d+)/.exec(fmtp.get(pt) ?? '');
    return { pt, rtpmap: rtpmap.get(pt)!, fmtp: fmtp.get(pt) ?? '', apt: apt ? Number(apt[1]) : null };
  });
}

/** A format's identity across sections: its encoding and parameters, with apt= standing for what it repeats. */
function keyOf(f: Format, all: Format[], map: Map<number, number>): string {
  if (f.apt === null) return `${f.rtpmap.toLowerCase()};${f.fmtp}`;
  const target = all.find((o) => o.pt === f.apt);
  return `${f.rtpmap.toLowerCase()};apt=${map.get(f.apt) ?? f.apt}:${target ? keyOf(target, [], map) : ''}`;
}

/** A media section's lines with its payload types renumbered (old → new; others unchanged), wherever they appear. */
export function renumberSection(lines: string[], map: ReadonlyMap<number, number>): string[] {
  const to = (pt: string) => String(map.get(Number(pt)) ?? pt);
  return lines.map((l, i) => {
    if (i === 0) {
      const [m, port, proto, ...fmts] = l.split(' ');
      return [m, port, proto, ...fmts.map(to)].join(' ');
    }
    const attr = /^a=(rtpmap|fmtp|rtcp-fb):(\d+) (.*)$/.exec(l);
    if (!attr) return l;
    let rest = attr[3];
    if (attr[1] === 'fmtp') {
      rest = rest.replace(/(^|;)(\s*)apt=(\d+)/, (_, sep, sp, pt) => `${sep}${sp}apt=${to(pt)}`);
      // RED's parameters are the numbers it carries, e.g. "111/111"
      if (/^\d+(\/\d+)*$/.test(rest)) rest = rest.split('/').map(to).join('/');
    }
    return `a=${attr[1]}:${to(attr[2])} ${rest}`;
  });
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
