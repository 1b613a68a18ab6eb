// How a browser numbers its codecs (payload types), and whether another SDP numbers them the same way. On the
// single-connection signal path a subscriber's own offer fixes the numbers it receives with, and a forwarded frame
// keeps its publisher's number (Chromium refuses to change it), so the host takes that path only with clients that
// number codecs as its own browser does, and has every publisher send with those numbers (see up-peer.ts).

/** Codec identity → payload type, e.g. `h264/90000;42e01f;1` → 102. */
export type PayloadNumbering = Record<string, number>;

interface SdpCodec {
  pt: number;
  name: string;
  clockRate: number;
  fmtp: string;
}

interface SdpSection {
  kind: string;
  direction: string;
  rejected: boolean;
  codecs: SdpCodec[];
}

/** Formats that are not a codec of their own: they repeat or protect another, and libwebrtc sends them itself. */
const HELPERS = new Set(['rtx', 'red', 'ulpfec', 'flexfec-03', 'cn', 'telephone-event']);

/** What tells codecs apart for forwarding: name and clock rate, plus the profile for H.264, VP9 and AV1. */
export function codecKey(name: string, clockRate: number, fmtp: string): string {
  const n = name.toLowerCase();
  const params = new Map(fmtp.split(';').map((kv) => kv.trim().split('=') as [string, string | undefined]).map(([k, v]) => [k.toLowerCase(), (v ?? '').toLowerCase()]));
  if (n === 'h264') return `h264/${clockRate};${params.get('profile-level-id') ?? '420010'};${params.get('packetization-mode') || '0'}`;
  if (n === 'vp9') return `vp9/${clockRate};${params.get('profile-id') || '0'}`;
  if (n === 'av1') return `av1/${clockRate};${params.get('profile') || '0'}`;
  return `${n}/${clockRate}`;
}

export function isHelperFormat(name: string): boolean {
  return HELPERS.has(name.toLowerCase());
}

function sections(sdp: string): SdpSection[] {
  const out: SdpSection[] = [];
  let current: (SdpSection & { fmtp: Map<number, string> }) | null = null;
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('m=')) {
      const [kind, port] = line.slice(2).split(' ');
      current = { kind, direction: 'sendrecv', rejected: port === '0', codecs: [], fmtp: new Map() };
      out.push(current);
      continue;
    }
    if (!current) continue;
    if (/^a=(sendrecv|sendonly|recvonly|inactive)$/.test(line)) current.direction = line.slice(2);
    const rtpmap = /^a=rtpmap:(\d+) ([^/]+)\/(\d+)/.exec(line);
    if (rtpmap) current.codecs.push({ pt: Number(rtpmap[1]), name: rtpmap[2], clockRate: Number(rtpmap[3]), fmtp: '' });
    const fmtp = /^a=fmtp:(\d+) (.*)$/.exec(line);
    if (fmtp) current.fmtp.set(Number(fmtp[1]), fmtp[2].trim());
  }
  for (const s of out as (SdpSection & { fmtp?: Map<number, string> })[]) {
    for (const c of s.codecs) c.fmtp = s.fmtp?.get(c.pt) ?? '';
    delete s.fmtp;
  }
  return out;
}

/** The numbers an SDP gives its media codecs (the first number wins when a codec appears twice). */
export function numberingOf(sdp: string): PayloadNumbering {
  const out: PayloadNumbering = {};
  for (const s of sections(sdp)) {
    if (s.rejected || (s.kind !== 'audio' && s.kind !== 'video')) continue;
    for (const c of s.codecs) {
      if (isHelperFormat(c.name)) continue;
      const key = codecKey(c.name, c.clockRate, c.fmtp);
      if (!(key in out)) out[key] = c.pt;
    }
  }
  return out;
}

/**
 * Why a single-connection client's offer cannot be served, or null when it can: it must offer receive-only audio
 * and video sections (livekit-client offers three of each; LiveKit's native SDKs offer none), and number every
 * codec in them that the host knows as the host does.
 */
export function singleConnectionMismatch(offer: string, host: PayloadNumbering): string | null {
  const receiving = sections(offer).filter((s) => !s.rejected && s.direction === 'recvonly' && (s.kind === 'audio' || s.kind === 'video'));
  if (!receiving.some((s) => s.kind === 'audio') || !receiving.some((s) => s.kind === 'video')) return 'the offer has no receive-only audio and video sections';
  for (const s of receiving) {
    for (const c of s.codecs) {
      if (isHelperFormat(c.name)) continue;
      const want = host[codecKey(c.name, c.clockRate, c.fmtp)];
      if (want !== undefined && want !== c.pt) return `${c.name} is payload type ${c.pt} in the offer and ${want} at the host`;
    }
  }
  return null;
}
