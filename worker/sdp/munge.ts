// The few SDP rewrites tabsfu needs. Each is a pure function of the SDP text.
import type { CodecChoice } from '../../src/shared/host-bridge';
import { codecKey } from '../../src/shared/payload-numbering';
import { joinSdp, readSection, splitSdp } from './sections';

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

/** Codecs that only protect or wrap media: with them on a sending section, libwebrtc adds forward error correction. */
const PROTECTION_CODECS = new Set(['red', 'ulpfec', 'flexfec-03']);

/**
 * Removes RED, ULPFEC and FlexFEC (and their RTX) from the video sections an offer receives on, before the host
 * applies it. Chromium as answerer configures a sender from the remote offer's codecs, not its own answer's
 * (measured: an answer listing only VP9 and its RTX still sent every packet as RED with ULPFEC), and a forwarding
 * sender with FEC sends the forwarded frames again as protection, at a rate that grows with the loss it causes on a
 * slow link. `/rtc`'s offers carry no FEC either.
 */
export function withoutVideoProtection(offer: string): string {
  const parts = splitSdp(offer);
  parts.media = parts.media.map((lines) => {
    const section = readSection(lines);
    if (section.kind !== 'video' || section.direction !== 'recvonly') return lines;
    const dropped = new Set([...section.codecs.values()].filter((c) => PROTECTION_CODECS.has(c.name.toLowerCase())).map((c) => c.pt));
    for (const c of section.codecs.values()) {
      const apt = /(?:^|;)\s*apt=(\d+)/.exec(c.fmtp);
      if (c.name.toLowerCase() === 'rtx' && apt && dropped.has(Number(apt[1]))) dropped.add(c.pt);
    }
    if (!dropped.size) return lines;
    return lines.flatMap((l, i) => {
      if (i === 0) {
        const [m, port, proto, ...fmts] = l.split(' ');
        return [[m, port, proto, ...fmts.filter((pt) => !dropped.has(Number(pt)))].join(' ')];
      }
      const attr = /^a=(?:rtpmap|fmtp|rtcp-fb):(\d+) /.exec(l);
      return attr && dropped.has(Number(attr[1])) ? [] : [l];
    });
  });
  return joinSdp(parts);
}

const BITRATE_HINT = /^x-google-(?:start|min|max)-bitrate=/i;

/**
 * Takes the client's bitrate hints (`x-google-start-bitrate` and its min and max kin) out of every fmtp line before
 * the host applies the offer. They are the client's advice to its own encoder, but Chromium reads them from a remote
 * description as limits for the whole connection's sending (one set for every section). On one connection that is
 * the host's forwarding: livekit-client writes a start bitrate of 90 % of its camera's (270 kbit/s for 300 kbit/s)
 * into its offers, and with it in the offers the host applied, the host's estimate for that subscriber fell back to
 * 270 kbit/s mid-call (measured: every connection of a room at once, when a participant joined). Below what it
 * forwards, GoogCC then climbs back by ~50 kbit/s a second, and meanwhile the pacer holds video for up to 1.5 s.
 * The host's answer never carried them back (Chromium does not echo them), so the client's own sending is unchanged.
 */
export function withoutBitrateHints(offer: string): string {
  const parts = splitSdp(offer);
  parts.media = parts.media.map((lines) => lines.flatMap((l) => {
    const fmtp = /^(a=fmtp:\d+ )(.*)$/.exec(l);
    if (!fmtp) return [l];
    const params = fmtp[2].split(';').filter((p) => p.trim() && !BITRATE_HINT.test(p.trim()));
    return params.length ? [fmtp[1] + params.join(';')] : [];
  }));
  return joinSdp(parts);
}

/**
 * Puts each named receive-only section's codec first in its m= line, before the host applies the offer. Chromium as
 * answerer sends with the remote offer's first codec whatever its answer lists (measured: VP8, the client's first,
 * with an answer of VP9 only), and it retransmits only that codec's packets: a forwarded VP9 or H.264 frame on a
 * sender set up for VP8 was never resent (368 NACKs, 0 retransmissions). `/rtc`'s offers list the slot's codec first.
 */
export function withSendCodecsFirst(offer: string, codecByMid: ReadonlyMap<string, CodecChoice>): string {
  if (!codecByMid.size) return offer;
  const parts = splitSdp(offer);
  parts.media = parts.media.map((lines) => {
    const section = readSection(lines);
    const choice = codecByMid.get(section.mid);
    if (!choice || section.direction !== 'recvonly') return lines;
    const name = choice.mimeType.split('/')[1] ?? '';
    const match = section.payloadTypes.find((pt) => {
      const c = section.codecs.get(pt);
      return !!c && codecKey(c.name, c.clockRate, c.fmtp) === codecKey(name, c.clockRate, choice.fmtp);
    });
    if (match === undefined || match === section.payloadTypes[0]) return lines;
    const [m, port, proto] = lines[0].split(' ');
    return [[m, port, proto, match, ...section.payloadTypes.filter((pt) => pt !== match)].join(' '), ...lines.slice(1)];
  });
  return joinSdp(parts);
}
