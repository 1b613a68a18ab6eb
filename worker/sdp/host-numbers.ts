// Publishers send with the host's codec numbers. The host applies a publisher's offer renumbered so that each codec
// it knows has the number its own browser gives it; its answer then carries those numbers, and a publisher sends
// with the numbers of the answer (measured in Chromium 156: an answer that renumbers VP8 from 96 to 120 makes the
// offerer send 120). Forwarded frames keep their publisher's number, so this lets a subscriber on the
// single-connection path, whose own offer fixes its numbers, receive any publisher's frames.
import { codecKey, isHelperFormat, type PayloadNumbering } from '../../src/shared/payload-numbering';
import { joinSdp, splitSdp } from './sections';
import { FREE_RANGE, renumberSection } from './payload-types';

/** The offer with every codec the host knows renumbered to the host's number, and the formats in the way moved. */
export function withHostNumbers(sdp: string, host: PayloadNumbering): string {
  if (!Object.keys(host).length) return sdp;
  const parts = splitSdp(sdp);
  const formats = new Map<number, { name: string; clockRate: number; fmtp: string }>();
  for (const lines of parts.media) {
    if (!isRtpSection(lines)) continue;
    const fmtp = new Map<number, string>();
    for (const l of lines) {
      const f = /^a=fmtp:(\d+) (.*)$/.exec(l);
      if (f) fmtp.set(Number(f[1]), f[2].trim());
    }
    for (const l of lines) {
      const r = /^a=rtpmap:(\d+) ([^/]+)\/(\d+)/.exec(l);
      if (r && !formats.has(Number(r[1]))) formats.set(Number(r[1]), { name: r[2], clockRate: Number(r[3]), fmtp: fmtp.get(Number(r[1])) ?? '' });
    }
  }
  const map = new Map<number, number>();
  const used = new Set<number>();
  for (const [pt, f] of formats) {
    if (isHelperFormat(f.name)) continue;
    const want = host[codecKey(f.name, f.clockRate, f.fmtp)];
    if (want === undefined || used.has(want)) continue;
    map.set(pt, want);
    used.add(want);
  }
  if ([...map].every(([from, to]) => from === to)) return sdp;
  // everything else keeps its number unless a renumbered codec took it
  const pending = [...formats.keys()].filter((pt) => !map.has(pt));
  for (const pt of pending) {
    if (!used.has(pt)) {
      map.set(pt, pt);
      used.add(pt);
    }
  }
  for (const pt of pending) {
    if (map.has(pt)) continue;
    const free = FREE_RANGE.find((n) => !used.has(n) && !formats.has(n));
    if (free === undefined) throw new Error('no free payload type left in the offer');
    map.set(pt, free);
    used.add(free);
  }
  parts.media = parts.media.map((lines) => (isRtpSection(lines) ? renumberSection(lines, map) : lines));
  return joinSdp(parts);
}

function isRtpSection(lines: string[]): boolean {
  return (lines[0].startsWith('m=audio') || lines[0].startsWith('m=video')) && lines[0].split(' ')[1] !== '0';
}
