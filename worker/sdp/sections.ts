// Reads the parts of an SDP that the host decides on: media sections, their mids, directions, msids and codecs.

export type MediaKind = 'audio' | 'video' | 'application';
export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface RtpCodec {
  pt: number;
  /** Encoding name as written in a=rtpmap, e.g. VP8, H264, opus, rtx. */
  name: string;
  clockRate: number;
  /** The a=fmtp parameters, e.g. "profile-level-id=42e01f;packetization-mode=1"; empty when none. */
  fmtp: string;
}

export interface MediaSection {
  kind: MediaKind;
  mid: string;
  direction: Direction;
  /** Port 0 means the section is rejected or recycled. */
  port: number;
  msid: { stream: string; track: string } | null;
  /** Payload types in the m= line's order; the first is the one the sender uses. */
  payloadTypes: number[];
  codecs: Map<number, RtpCodec>;
}

/** Splits an SDP into its session part and its media sections, keeping line order. */
export function splitSdp(sdp: string): { session: string[]; media: string[][] } {
  const lines = sdp.split(/\r?\n/).filter((l) => l.length > 0);
  const session: string[] = [];
  const media: string[][] = [];
  for (const line of lines) {
    if (line.startsWith('m=')) media.push([line]);
    else if (media.length) media[media.length - 1].push(line);
    else session.push(line);
  }
  return { session, media };
}

export function joinSdp(parts: { session: string[]; media: string[][] }): string {
  return [...parts.session, ...parts.media.flat()].join('\r\n') + '\r\n';
}

export function readSection(lines: string[]): MediaSection {
  const [kind, port, , ...fmts] = lines[0].slice(2).split(' ');
  const section: MediaSection = {
    kind: (kind === 'audio' || kind === 'video' ? kind : 'application') as MediaKind,
    mid: '',
    direction: 'sendrecv',
    port: Number(port),
    msid: null,
    payloadTypes: kind === 'application' ? [] : fmts.map(Number).filter((n) => Number.isInteger(n)),
    codecs: new Map(),
  };
  for (const line of lines) {
    if (line.startsWith('a=mid:')) section.mid = line.slice(6).trim();
    else if (line === 'a=sendrecv' || line === 'a=sendonly' || line === 'a=recvonly' || line === 'a=inactive') {
      section.direction = line.slice(2) as Direction;
    } else if (line.startsWith('a=msid:')) {
      const [stream, track] = line.slice(7).trim().split(' ');
      section.msid = { stream, track: track ?? '' };
    } else if (line.startsWith('a=rtpmap:')) {
      const m = /^a=rtpmap:(\d+) ([^/]+)\/(\d+)/.exec(line);
      if (m) section.codecs.set(Number(m[1]), { pt: Number(m[1]), name: m[2], clockRate: Number(m[3]), fmtp: section.codecs.get(Number(m[1]))?.fmtp ?? '' });
    } else if (line.startsWith('a=fmtp:')) {
      const m = /^a=fmtp:(\d+) (.*)$/.exec(line);
      const c = m && section.codecs.get(Number(m[1]));
      if (c && m) c.fmtp = m[2].trim();
    }
  }
  return section;
}

export function mediaSections(sdp: string): MediaSection[] {
  return splitSdp(sdp).media.map(readSection);
}

/** The codec a sender uses on a section: the first payload type that is a media codec. */
export function primaryCodec(section: MediaSection): RtpCodec | null {
  for (const pt of section.payloadTypes) {
    const c = section.codecs.get(pt);
    if (c && !NON_MEDIA_CODECS.has(c.name.toLowerCase())) return c;
  }
  return null;
}

const NON_MEDIA_CODECS = new Set(['rtx', 'red', 'ulpfec', 'flexfec-03', 'cn', 'telephone-event']);

/** Whether the remote end of an offer sends media on this section. */
export function offerSends(section: MediaSection): boolean {
  return section.port !== 0 && (section.direction === 'sendonly' || section.direction === 'sendrecv');
}
