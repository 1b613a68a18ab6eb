// The few SDP rewrites tabsfu needs. Each is a pure function of the SDP text.
import { joinSdp, splitSdp } from './sections';

/** The rid of the full-resolution layer per simulcast section of an offer, by mid (livekit-client lists layers low to high). */
export function highestSimulcastLayers(offer: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const lines of splitSdp(offer).media) {
    const sim = lines.find((l) => l.startsWith('a=simulcast:send '));
    const mid = lines.find((l) => l.startsWith('a=mid:'))?.slice(6).trim();
    if (!sim || mid === undefined) continue;
    const rids = sim.slice('a=simulcast:send '.length).trim().split(';').flatMap((alt) => alt.split(','));
    const last = rids[rids.length - 1]?.replace(/^~/, '');
    if (last) out.set(mid, last);
  }
  return out;
}

/**
 * Removes simulcast from a publisher's offer before the host applies it. Chromium cannot receive several rids
 * on one m-line, and its answer drops them anyway; the host receives whichever single layer arrives.
 */
export function withoutSimulcast(offer: string): string {
  const parts = splitSdp(offer);
  parts.media = parts.media.map((lines) => lines.filter((l) => !l.startsWith('a=rid:') && !l.startsWith('a=simulcast:')));
  return joinSdp(parts);
}

/**
 * Accepts only the full-resolution layer in the answer the client gets. A plain Chromium answer drops the
 * rids and livekit-client then sends only its lowest layer; an answer that accepts just the last rid makes
 * it send its full resolution instead.
 */
export function acceptOnlyLayer(answer: string, layerByMid: ReadonlyMap<string, string>): string {
  if (!layerByMid.size) return answer;
  const parts = splitSdp(answer);
  parts.media = parts.media.map((lines) => {
    const mid = lines.find((l) => l.startsWith('a=mid:'))?.slice(6).trim();
    const rid = mid === undefined ? undefined : layerByMid.get(mid);
    if (!rid) return lines;
    const kept = lines.filter((l) => !l.startsWith('a=rid:') && !l.startsWith('a=simulcast:'));
    return [...kept, `a=rid:${rid} recv`, `a=simulcast:recv ${rid}`];
  });
  return joinSdp(parts);
}

/**
 * Sets the msid of the given sections. livekit-client maps a received track to its publisher by the msid:
 * stream id "<participant sid>|<track sid>", track id "<track sid>". Browsers do not let a page choose a
 * stream id, so the host rewrites the text it sends; the msid is only a label for the receiving side.
 */
export function setMsids(sdp: string, byMid: ReadonlyMap<string, { stream: string; track: string }>): string {
  const parts = splitSdp(sdp);
  parts.media = parts.media.map((lines) => {
    const mid = lines.find((l) => l.startsWith('a=mid:'))?.slice(6).trim();
    const msid = mid === undefined ? undefined : byMid.get(mid);
    if (!msid) return lines;
    const value = `${msid.stream} ${msid.track}`;
    let hasMsid = false;
    const out = lines.map((l) => {
      if (l.startsWith('a=msid:')) { hasMsid = true; return `a=msid:${value}`; }
      const ssrc = /^a=ssrc:(\d+) msid:/.exec(l);
      return ssrc ? `a=ssrc:${ssrc[1]} msid:${value}` : l;
    });
    if (!hasMsid) {
      const at = out.findIndex((l) => l.startsWith('a=mid:'));
      out.splice(at + 1, 0, `a=msid:${value}`);
    }
    return out;
  });
  return joinSdp(parts);
}
