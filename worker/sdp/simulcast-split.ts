// Receiving every simulcast layer in a browser. Chromium receives one rid per m-line, so the host applies a
// rewritten offer in which each accepted rid of a publisher's simulcast section is an m-line of its own whose mid is
// the rid, and the RTP header extension that carries the rid is declared as the one that carries the mid: each
// layer's packets then land on their own receiver. The publisher gets back an ordinary simulcast answer.
// What does not survive: RTX for the layers (their retransmissions carry the rid in the repaired-rid extension,
// which nothing can route), so split sections are offered without RTX and lost packets are retransmitted in their
// original stream (NACK without RTX). The mid extension's own id is then unknown to the host, so the other
// sections are demultiplexed by the SSRCs their offer lists.
import { joinSdp, splitSdp } from './sections';

const MID_URI = 'urn:ietf:params:rtp-hdrext:sdes:mid';
const RID_URI = 'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id';
const RRID_URI = 'urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id';

/**
 * How the host receives one of the publisher's simulcast sections: each accepted rid becomes a host-side section whose
 * mid is that rid. Rids are words the publisher chose (livekit-client: q, h, f for every track) and a mid names one
 * section, so a connection can receive each rid word once: sections share them out (see `chooseSplits`).
 */
export interface SimulcastSplit {
  /** The publisher's mid of the simulcast section. */
  mid: string;
  /** The rids the host receives, low to high as the offer lists them; each is a host-side mid. Empty: none was free. */
  rids: string[];
  /** Extension ids the publisher's offer uses. */
  midExtId: number;
  ridExtId: number;
}

const midOf = (lines: string[]) => lines.find((l) => l.startsWith('a=mid:'))?.slice(6).trim() ?? '';
const extId = (lines: string[], uri: string) => {
  const line = lines.find((l) => l.startsWith('a=extmap:') && l.trim().endsWith(` ${uri}`));
  return line ? Number(/^a=extmap:(\d+)/.exec(line)![1]) : -1;
};
const isExt = (l: string, uri: string) => l.startsWith('a=extmap:') && l.trim().endsWith(` ${uri}`);
const isSimulcastLine = (l: string) => l.startsWith('a=rid:') || l.startsWith('a=simulcast:');

function sendRids(lines: string[]): string[] {
  const sim = lines.find((l) => l.startsWith('a=simulcast:send '));
  if (!sim) return [];
  return sim.slice('a=simulcast:send '.length).trim().split(';').flatMap((alt) => alt.split(',')).map((r) => r.replace(/^~/, ''));
}

/**
 * Shares the rid words out among the offer's simulcast video sections; `earlier` splits stay as they were (the
 * m-lines must keep their order for the connection's life). A new section takes, of the rids nobody has:
 * - the first one with three or more: its lowest and highest. The middle one stays free, because a later simulcast
 *   track of the same participant (a screen share: livekit-client sends it as q and h) needs a word of its own;
 * - otherwise every free one. A section with nothing free gets `rids: []`: its media cannot be told apart.
 */
export function chooseSplits(offer: string, earlier: readonly SimulcastSplit[]): SimulcastSplit[] {
  const { media } = splitSdp(offer);
  const present = new Set(media.map(midOf));
  const kept = earlier.filter((s) => present.has(s.mid));
  const taken = new Set([...present, ...kept.flatMap((s) => s.rids)]);
  const out = [...kept];
  for (const lines of media) {
    const mid = midOf(lines);
    if (!lines[0].startsWith('m=video ') || kept.some((s) => s.mid === mid)) continue;
    const rids = sendRids(lines);
    const midExtId = extId(lines, MID_URI);
    const ridExtId = extId(lines, RID_URI);
    if (rids.length < 2 || midExtId < 0 || ridExtId < 0) continue;
    const free = rids.filter((r) => !taken.has(r));
    const chosen = free.length >= 3 && out.length === 0 ? [free[0], free[free.length - 1]] : free;
    for (const r of chosen) taken.add(r);
    out.push({ mid, rids: chosen, midExtId, ridExtId });
  }
  return out;
}

/** The publisher's ids for the mid and rid extensions, which the host reads the other way round once it splits. */
export type ExtensionIds = Pick<SimulcastSplit, 'midExtId' | 'ridExtId'>;

/**
 * The ids the host rewrites for the connection's life, fixed by the first offer with a video section that declares
 * both extensions (Chromium declares them in every video section, simulcast or not). Rewriting from then on, split or
 * not, keeps each section's extension ids what they were when it was first applied: Chromium refuses an offer that
 * moves an id of an active section to another extension, as a first split after a section without simulcast would
 * (a small camera, then a screen share).
 */
export function extensionIds(offer: string, earlier: ExtensionIds | null): ExtensionIds | null {
  if (earlier) return earlier;
  for (const lines of splitSdp(offer).media) {
    const midExtId = extId(lines, MID_URI);
    const ridExtId = extId(lines, RID_URI);
    if (lines[0].startsWith('m=video ') && midExtId >= 0 && ridExtId >= 0) return { midExtId, ridExtId };
  }
  return null;
}

/**
 * The offer the host applies: each split section as one section per accepted rid, without RTX, the rid extension read
 * as the mid (in every section, split or not, once `ids` are fixed).
 */
export function splitOffer(offer: string, splits: readonly SimulcastSplit[], ids: ExtensionIds | null = splits[0] ?? null): string {
  if (!ids) return offer;
  const { ridExtId } = ids;
  const byMid = new Map(splits.map((s) => [s.mid, s]));
  const parts = splitSdp(offer);
  parts.session = parts.session.map((l) => (l.startsWith('a=group:BUNDLE ') ? bundleSplit(l, byMid) : l));
  parts.media = parts.media.flatMap((lines) => {
    const rewritten = lines
      .filter((l) => !isExt(l, MID_URI) && !isExt(l, RRID_URI))
      .map((l) => (isExt(l, RID_URI) ? `a=extmap:${ridExtId} ${MID_URI}` : l));
    const rids = byMid.get(midOf(lines))?.rids;
    if (!rids?.length) return [rewritten.filter((l) => !isSimulcastLine(l))];
    return rids.map((rid) => layerSection(rewritten, rid));
  });
  return joinSdp(parts);
}

function layerSection(lines: string[], rid: string): string[] {
  const rtx = new Set<string>();
  for (const l of lines) {
    const m = /^a=rtpmap:(\d+) rtx\//i.exec(l);
    if (m) rtx.add(m[1]);
  }
  const ptOf = (l: string) => /^a=(?:rtpmap|fmtp|rtcp-fb):(\d+)/.exec(l)?.[1];
  const out: string[] = [];
  for (const l of lines) {
    if (l.startsWith('m=')) {
      const [kind, port, proto, ...pts] = l.split(' ');
      out.push([kind, port, proto, ...pts.filter((pt) => !rtx.has(pt))].join(' '));
    } else if (l.startsWith('a=mid:')) {
      out.push(`a=mid:${rid}`);
    } else if (l.startsWith('a=msid:')) {
      const [stream, track] = l.slice(7).trim().split(' ');
      out.push(`a=msid:${stream} ${track ?? stream}-${rid}`);
    } else if (isSimulcastLine(l) || l.startsWith('a=ssrc')) {
      continue;
    } else if (rtx.has(ptOf(l) ?? '')) {
      continue;
    } else {
      out.push(l);
    }
  }
  return out;
}

/** The publisher's answer: each split's sections merged back into its simulcast section, extension ids restored. */
export function mergeAnswer(hostAnswer: string, offer: string, splits: readonly SimulcastSplit[], ids: ExtensionIds | null = splits[0] ?? null): string {
  if (!ids) return hostAnswer;
  const { midExtId, ridExtId } = ids;
  const parts = splitSdp(hostAnswer);
  const offered = new Map(splitSdp(offer).media.map((lines) => [midOf(lines), lines]));
  const splitOfHostMid = new Map(splits.flatMap((s) => s.rids.map((r) => [r, s] as const)));
  parts.session = parts.session.map((l) => (l.startsWith('a=group:BUNDLE ') ? bundleMerged(l, splitOfHostMid) : l));
  const merged: string[][] = [];
  for (const lines of parts.media) {
    const mid = midOf(lines);
    const split = splitOfHostMid.get(mid);
    const restored = restoreMidExtension(lines, offered.get(split ? split.mid : mid), midExtId);
    if (!split) {
      merged.push(withRidExtension(restored, offered.get(mid), ridExtId));
      continue;
    }
    if (mid !== split.rids[0]) continue; // the first layer's section stands for all of them
    const base = restored.filter((l) => !l.startsWith('a=mid:') && !l.startsWith('a=msid:'));
    base.splice(1, 0, `a=mid:${split.mid}`);
    // a section that stopped sending (unpublished) offers no rids, and must not be answered with any
    const sending = sendRids(offered.get(split.mid) ?? []);
    const rids = split.rids.filter((r) => sending.includes(r));
    if (!rids.length) {
      merged.push(base);
      continue;
    }
    const lastExt = base.reduce((at, l, i) => (l.startsWith('a=extmap:') ? i : at), -1);
    base.splice(lastExt >= 0 ? lastExt + 1 : 2, 0, `a=extmap:${ridExtId} ${RID_URI}`);
    merged.push([...base, ...rids.map((r) => `a=rid:${r} recv`), `a=simulcast:recv ${rids.join(';')}`]);
  }
  parts.media = merged;
  return joinSdp(parts);
}

/** The host answered the mid extension at the rid's id; the publisher offered it at its own id. */
function restoreMidExtension(lines: string[], offered: string[] | undefined, midExtId: number): string[] {
  const out = lines.filter((l) => !isExt(l, MID_URI));
  if (offered && extId(offered, MID_URI) >= 0) {
    const at = out.findIndex((l) => l.startsWith('a=extmap:'));
    out.splice(at >= 0 ? at : 1, 0, `a=extmap:${midExtId} ${MID_URI}`);
  }
  return out;
}

/**
 * A section without simulcast is answered with the rid extension its offer declared, though the host read that id as
 * the mid: an extension the answer leaves out is stopped for the connection, and Chromium then refuses the publisher's
 * next simulcast section (a screen share after a camera without simulcast). Such a section never sends a rid. A
 * simulcast section the host could not split is still answered without it, so that its rids, which the host would
 * read as mids, are never sent.
 */
function withRidExtension(lines: string[], offered: string[] | undefined, ridExtId: number): string[] {
  if (!offered || sendRids(offered).length || extId(offered, RID_URI) !== ridExtId || lines.some((l) => isExt(l, RID_URI))) return lines;
  const out = [...lines];
  const lastExt = out.reduce((at, l, i) => (l.startsWith('a=extmap:') ? i : at), -1);
  if (lastExt < 0) return lines;
  out.splice(lastExt + 1, 0, `a=extmap:${ridExtId} ${RID_URI}`);
  return out;
}

function bundleSplit(line: string, byMid: ReadonlyMap<string, SimulcastSplit>): string {
  const mids = line.slice('a=group:BUNDLE '.length).trim().split(/\s+/);
  return `a=group:BUNDLE ${mids.flatMap((m) => {
    const rids = byMid.get(m)?.rids;
    return rids?.length ? rids : [m];
  }).join(' ')}`;
}

function bundleMerged(line: string, splitOfHostMid: ReadonlyMap<string, SimulcastSplit>): string {
  const mids = line.slice('a=group:BUNDLE '.length).trim().split(/\s+/);
  const out: string[] = [];
  for (const m of mids) {
    const name = splitOfHostMid.get(m)?.mid ?? m;
    if (!out.includes(name)) out.push(name);
  }
  return `a=group:BUNDLE ${out.join(' ')}`;
}
