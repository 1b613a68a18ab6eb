// Receiving every simulcast layer in a browser. Chromium receives one rid per m-line, so the host applies a
// rewritten offer in which each rid of the publisher's simulcast section is an m-line of its own whose mid is the
// rid, and the RTP header extension that carries the rid is declared as the one that carries the mid: each
// layer's packets then land on their own receiver. The publisher gets back an ordinary simulcast answer.
// What does not survive: RTX for the layers (their retransmissions carry the rid in the repaired-rid extension,
// which nothing can route), so the split section is offered without RTX and lost packets are retransmitted
// in their original stream (NACK without RTX). The mid extension's own id is then unknown to the host, so the
// other sections are demultiplexed by the SSRCs their offer lists.
import { joinSdp, splitSdp } from './sections';

const MID_URI = 'urn:ietf:params:rtp-hdrext:sdes:mid';
const RID_URI = 'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id';
const RRID_URI = 'urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id';

/** Which of the publisher's sections is split, into which layers. */
export interface SimulcastSplit {
  /** The publisher's mid of the simulcast section. */
  mid: string;
  /** Its rids, low to high as the offer lists them (livekit-client: q, h, f); each is a host-side mid. */
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

function sendRids(lines: string[]): string[] {
  const sim = lines.find((l) => l.startsWith('a=simulcast:send '));
  if (!sim) return [];
  return sim.slice('a=simulcast:send '.length).trim().split(';').flatMap((alt) => alt.split(',')).map((r) => r.replace(/^~/, ''));
}

/**
 * Picks the section to split: `earlier`'s if it is still in the offer (the m-lines must keep their order for the
 * whole connection), else the first video section that sends simulcast with rids that are not already mids.
 * Only one per connection: another simulcast section's rids would be the same words.
 */
export function chooseSplit(offer: string, earlier: SimulcastSplit | null): SimulcastSplit | null {
  const { media } = splitSdp(offer);
  if (earlier) return media.some((lines) => midOf(lines) === earlier.mid) ? earlier : null;
  const mids = new Set(media.map(midOf));
  for (const lines of media) {
    if (!lines[0].startsWith('m=video ')) continue;
    const rids = sendRids(lines);
    const midExtId = extId(lines, MID_URI);
    const ridExtId = extId(lines, RID_URI);
    if (rids.length < 2 || midExtId < 0 || ridExtId < 0 || rids.some((r) => mids.has(r))) continue;
    return { mid: midOf(lines), rids, midExtId, ridExtId };
  }
  return null;
}

/** The offer the host applies: the split section as one section per rid, without RTX, the rid extension read as the mid. */
export function splitOffer(offer: string, split: SimulcastSplit): string {
  const parts = splitSdp(offer);
  parts.session = parts.session.map((l) => (l.startsWith('a=group:BUNDLE ') ? bundleWith(l, split.mid, split.rids) : l));
  parts.media = parts.media.flatMap((lines) => {
    const rewritten = lines
      .filter((l) => !isExt(l, MID_URI) && !isExt(l, RRID_URI))
      .map((l) => (isExt(l, RID_URI) ? `a=extmap:${split.ridExtId} ${MID_URI}` : l));
    if (midOf(lines) !== split.mid) return [rewritten];
    return split.rids.map((rid) => layerSection(rewritten, rid));
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
    } else if (l.startsWith('a=rid:') || l.startsWith('a=simulcast:') || l.startsWith('a=ssrc')) {
      continue;
    } else if (rtx.has(ptOf(l) ?? '')) {
      continue;
    } else {
      out.push(l);
    }
  }
  return out;
}

/** The publisher's answer: the layer sections merged back into its simulcast section, its extension ids restored. */
export function mergeAnswer(hostAnswer: string, offer: string, split: SimulcastSplit): string {
  const parts = splitSdp(hostAnswer);
  const offered = new Map(splitSdp(offer).media.map((lines) => [midOf(lines), lines]));
  parts.session = parts.session.map((l) => (l.startsWith('a=group:BUNDLE ') ? bundleMerged(l, split) : l));
  const layers = new Set(split.rids);
  const merged: string[][] = [];
  for (const lines of parts.media) {
    const mid = midOf(lines);
    const restored = restoreMidExtension(lines, offered.get(layers.has(mid) ? split.mid : mid), split);
    if (!layers.has(mid)) {
      merged.push(restored);
      continue;
    }
    if (mid !== split.rids[0]) continue; // the first layer's section stands for all of them
    const base = restored.filter((l) => !l.startsWith('a=mid:') && !l.startsWith('a=msid:'));
    base.splice(1, 0, `a=mid:${split.mid}`);
    // a section that stopped sending (unpublished) offers no rids, and must not be answered with any
    const rids = sendRids(offered.get(split.mid) ?? []);
    if (!rids.length) {
      merged.push(base);
      continue;
    }
    const lastExt = base.reduce((at, l, i) => (l.startsWith('a=extmap:') ? i : at), -1);
    base.splice(lastExt >= 0 ? lastExt + 1 : 2, 0, `a=extmap:${split.ridExtId} ${RID_URI}`);
    merged.push([...base, ...rids.map((r) => `a=rid:${r} recv`), `a=simulcast:recv ${rids.join(';')}`]);
  }
  parts.media = merged;
  return joinSdp(parts);
}

/** The host answered the mid extension at the rid's id; the publisher offered it at its own id. */
function restoreMidExtension(lines: string[], offered: string[] | undefined, split: SimulcastSplit): string[] {
  const out = lines.filter((l) => !isExt(l, MID_URI));
  if (offered && extId(offered, MID_URI) >= 0) {
    const at = out.findIndex((l) => l.startsWith('a=extmap:'));
    out.splice(at >= 0 ? at : 1, 0, `a=extmap:${split.midExtId} ${MID_URI}`);
  }
  return out;
}

function bundleWith(line: string, mid: string, rids: string[]): string {
  const mids = line.slice('a=group:BUNDLE '.length).trim().split(/\s+/);
  return `a=group:BUNDLE ${mids.flatMap((m) => (m === mid ? rids : [m])).join(' ')}`;
}

function bundleMerged(line: string, split: SimulcastSplit): string {
  const mids = line.slice('a=group:BUNDLE '.length).trim().split(/\s+/);
  const out: string[] = [];
  for (const m of mids) {
    const name = split.rids.includes(m) ? split.mid : m;
    if (!out.includes(name)) out.push(name);
  }
  return `a=group:BUNDLE ${out.join(' ')}`;
}
