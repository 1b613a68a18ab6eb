// The few SDP rewrites tabsfu needs. Each is a pure function of the SDP text.
import { joinSdp, splitSdp } from './sections';

/**
 * Keeps only the last (full-resolution) layer of each simulcast video section of a publisher's offer.
 * Chromium receives one rid per m-line; an answer that accepts only the last rid makes livekit-client send
 * its full-resolution layer instead of the lowest.
 */
export function keepHighestSimulcastLayer(offer: string): string {
  const parts = splitSdp(offer);
  parts.media = parts.media.map((lines) => {
    const sim = lines.find((l) => l.startsWith('a=simulcast:send '));
    if (!sim) return lines;
    const rids = sim.slice('a=simulcast:send '.length).trim().split(';').flatMap((alt) => alt.split(','));
    const keep = rids[rids.length - 1]?.replace(/^~/, '');
    if (!keep) return lines;
    return lines
      .filter((l) => !(l.startsWith('a=rid:') && !l.startsWith(`a=rid:${keep} `)))
      .map((l) => (l === sim ? `a=simulcast:send ${keep}` : l));
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
