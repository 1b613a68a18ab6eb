import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ClientInfo, ClientInfo_SDK, ConnectionSettings, JoinRequest, SessionDescription, WrappedJoinRequest, WrappedJoinRequest_Compression } from '@livekit/protocol';
import { numberingOf, singleConnectionMismatch } from '../../src/shared/payload-numbering';
import { withHostNumbers } from '../../worker/sdp/host-numbers';
import { mediaSections, primaryCodec } from '../../worker/sdp/sections';
import { withSendCodecsFirst, withoutBitrateHints, withoutVideoProtection } from '../../worker/sdp/munge';
import { ClientSections } from '../../worker/peers/client-sections';
import { readJoinRequest } from '../../server/join-request';

const section = (kind: 'audio' | 'video', mid: string, direction: string, formats: [number, string, string][]) => [
  `m=${kind} 9 UDP/TLS/RTP/SAVPF ${formats.map(([pt]) => pt).join(' ')}`,
  `a=mid:${mid}`,
  `a=${direction}`,
  ...formats.flatMap(([pt, map, fmtp]) => [`a=rtpmap:${pt} ${map}`, ...(fmtp ? [`a=fmtp:${pt} ${fmtp}`] : [])]),
];
const sdp = (...media: string[][]) => ['v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', ...media.flat()].join('\r\n') + '\r\n';

// as Chromium 156 numbers them
const chromiumVideo: [number, string, string][] = [[96, 'VP8/90000', ''], [97, 'rtx/90000', 'apt=96'], [109, 'H264/90000', 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f'], [114, 'rtx/90000', 'apt=109']];
const chromiumAudio: [number, string, string][] = [[111, 'opus/48000/2', 'minptime=10;useinbandfec=1'], [63, 'red/48000/2', '111/111']];
// as Firefox numbers them
const firefoxVideo: [number, string, string][] = [[120, 'VP8/90000', 'max-fs=12288;max-fr=60'], [124, 'rtx/90000', 'apt=120'], [126, 'H264/90000', 'profile-level-id=42e01f;level-asymmetry-allowed=1;packetization-mode=1'], [127, 'rtx/90000', 'apt=126'], [96, 'ulpfec/90000', '']];
const firefoxAudio: [number, string, string][] = [[109, 'opus/48000/2', 'maxplaybackrate=48000;stereo=1;useinbandfec=1'], [101, 'telephone-event/8000', '0-15']];
const host = numberingOf(sdp(section('audio', '0', 'recvonly', chromiumAudio), section('video', '1', 'recvonly', chromiumVideo)));

/** Every payload type with what it means, checked for one meaning per number across the whole SDP. */
function meanings(text: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const s of mediaSections(text)) {
    for (const c of s.codecs.values()) {
      const apt = /apt=(\d+)/.exec(c.fmtp)?.[1];
      const meaning = apt ? `rtx->${s.codecs.get(Number(apt))?.name}` : c.name;
      if (out.has(c.pt) && out.get(c.pt) !== meaning) throw new Error(`payload type ${c.pt} means ${out.get(c.pt)} and ${meaning}`);
      out.set(c.pt, meaning);
    }
  }
  return out;
}

describe('who may take the single-connection path', () => {
  it('a client that numbers codecs as the host does', () => {
    const offer = sdp(section('audio', '0', 'recvonly', chromiumAudio), section('video', '1', 'recvonly', chromiumVideo), section('video', '2', 'sendonly', chromiumVideo));
    expect(singleConnectionMismatch(offer, host)).toBeNull();
  });

  it('not a client whose receive-only sections number a codec otherwise, with the codec named', () => {
    const offer = sdp(section('audio', '0', 'recvonly', firefoxAudio), section('video', '1', 'recvonly', firefoxVideo));
    expect(singleConnectionMismatch(offer, host)).toMatch(/opus is payload type 109 in the offer and 111 at the host/);
  });

  it('not a client that offers no receive-only sections (LiveKit’s native SDKs)', () => {
    expect(singleConnectionMismatch(sdp(section('video', '0', 'sendonly', chromiumVideo)), host)).toMatch(/no receive-only audio and video/);
  });
});

describe('publishers answered with the host’s numbers', () => {
  it('a Firefox publisher’s VP8, H.264 and Opus get the host’s numbers, their retransmissions follow, and nothing means two things', () => {
    const offer = sdp(section('audio', '0', 'sendonly', firefoxAudio), section('video', '1', 'sendonly', firefoxVideo));
    const out = withHostNumbers(offer, host);
    const [a, v] = mediaSections(out);
    expect(primaryCodec(a)).toMatchObject({ pt: 111, name: 'opus', fmtp: 'maxplaybackrate=48000;stereo=1;useinbandfec=1' });
    expect(primaryCodec(v)).toMatchObject({ pt: 96, name: 'VP8' });
    expect(v.codecs.get(109)?.name).toBe('H264');
    const m = meanings(out);
    expect(m.get(124)).toBe('rtx->VP8');
    expect(m.get(127)).toBe('rtx->H264');
    // ulpfec held 96, which VP8 needed: it moved, and is still offered
    expect([...m].filter(([, name]) => name === 'ulpfec')).toHaveLength(1);
    expect(m.get(96)).toBe('VP8');
  });

  it('leaves an offer already numbered as the host numbers unchanged', () => {
    const offer = sdp(section('audio', '0', 'sendonly', chromiumAudio), section('video', '1', 'sendonly', chromiumVideo));
    expect(withHostNumbers(offer, host)).toBe(offer);
  });

  it('renumbers RED’s parameters with the codec they carry', () => {
    const offer = sdp(section('audio', '0', 'sendonly', [[109, 'opus/48000/2', ''], [63, 'red/48000/2', '109/109']]));
    expect(withHostNumbers(offer, host)).toContain('a=fmtp:63 111/111');
  });
});

describe('the sections the host sends on carry no forward error correction', () => {
  const protectedVideo: [number, string, string][] = [...chromiumVideo, [118, 'red/90000', ''], [119, 'rtx/90000', 'apt=118'], [120, 'ulpfec/90000', '']];

  it('RED, ULPFEC and RED’s retransmissions leave a receive-only video section, its codecs and their retransmissions stay', () => {
    const [video] = mediaSections(withoutVideoProtection(sdp(section('video', '3', 'recvonly', protectedVideo))));
    expect(video.payloadTypes).toEqual([96, 97, 109, 114]);
    expect([...video.codecs.keys()]).toEqual([96, 97, 109, 114]);
  });

  it('what the client sends, and audio’s RED, are left as offered', () => {
    const offer = sdp(section('audio', '0', 'recvonly', chromiumAudio), section('video', '1', 'sendonly', protectedVideo));
    expect(withoutVideoProtection(offer)).toBe(offer);
  });
});

describe('the client’s bitrate hints stay with the client', () => {
  // as livekit-client munges its offers: a start bitrate on its camera's codec, copied to every section that shares it
  const hinted = (fmtp: string) => fmtp ? `${fmtp};x-google-start-bitrate=270` : 'x-google-start-bitrate=270';
  const video: [number, string, string][] = chromiumVideo.map(([pt, map, fmtp]) => [pt, map, map.startsWith('rtx') ? fmtp : hinted(fmtp)]);
  const offer = sdp(section('audio', '0', 'sendonly', chromiumAudio), section('video', '1', 'sendonly', video), section('video', '2', 'recvonly', video));

  it('no section keeps a start, minimum or maximum bitrate, and every other codec parameter stays as offered', () => {
    const withLimits = offer.replace('x-google-start-bitrate=270', 'x-google-min-bitrate=100;x-google-start-bitrate=270;X-Google-Max-Bitrate=900');
    const out = withoutBitrateHints(withLimits);
    expect(out).not.toMatch(/x-google-[a-z]+-bitrate/i);
    expect(out).toBe(sdp(section('audio', '0', 'sendonly', chromiumAudio), section('video', '1', 'sendonly', chromiumVideo), section('video', '2', 'recvonly', chromiumVideo)));
  });

  it('an offer without hints is left as it was', () => {
    const plain = sdp(section('audio', '0', 'sendonly', chromiumAudio), section('video', '1', 'recvonly', chromiumVideo));
    expect(withoutBitrateHints(plain)).toBe(plain);
  });
});

describe('the sections the host sends on send the codec forwarded there', () => {
  const h264High: [number, string, string] = [123, 'H264/90000', 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=640c1f'];
  const video: [number, string, string][] = [...chromiumVideo, h264High, [124, 'rtx/90000', 'apt=123']];
  const offer = sdp(section('video', '3', 'recvonly', video), section('video', '4', 'recvonly', video), section('video', '5', 'sendonly', video));

  it('each bound section lists its codec first, the H.264 profile the publisher sends among several, the rest after it', () => {
    const codecs = new Map([['3', { mimeType: 'video/H264', fmtp: 'packetization-mode=1;profile-level-id=640c1f' }], ['5', { mimeType: 'video/H264', fmtp: '' }]]);
    const [three, four, five] = mediaSections(withSendCodecsFirst(offer, codecs));
    expect(three.payloadTypes).toEqual([123, 96, 97, 109, 114, 124]);
    expect(three.codecs.size).toBe(6);
    // a section with nothing bound, and one the client sends on, stay as offered
    expect(four.payloadTypes).toEqual([96, 97, 109, 114, 123, 124]);
    expect(five.payloadTypes).toEqual([96, 97, 109, 114, 123, 124]);
  });
});

describe('the client’s sections', () => {
  const offerWith = (...mids: [string, 'audio' | 'video', string][]) => sdp(...mids.map(([mid, kind, dir]) => section(kind, mid, dir, kind === 'audio' ? chromiumAudio : chromiumVideo)));

  it('a bind without a free section asks for one of its kind, and takes the next offer’s new section before any other slot does', async () => {
    const asked: [number, number][] = [];
    const sections = new ClientSections((a, v) => asked.push([a, v]));
    let served = false;
    const waiting = sections.waitFor('video', 7).then(() => (served = true));
    expect(asked).toEqual([[0, 1]]);
    let next = 20;
    const slots = sections.offered(offerWith(['0', 'video', 'sendonly'], ['4', 'video', 'recvonly'], ['5', 'video', 'recvonly'], ['6', 'audio', 'recvonly']), new Set(['0']), () => next++);
    expect(slots).toEqual({ 4: 7, 5: 20, 6: 21 });
    expect(served).toBe(false);
    expect([...sections.applied()]).toEqual([[7, '4']]);
    await waiting;
    expect(served).toBe(true);
  });

  it('a renegotiation wished for while an offer is answered waits for the answer, and asks once', () => {
    const asked: [number, number][] = [];
    const sections = new ClientSections((a, v) => asked.push([a, v]));
    sections.offered(offerWith(['0', 'audio', 'recvonly']), new Set(), () => 1);
    sections.renegotiate();
    sections.renegotiate();
    expect(asked).toEqual([]);
    sections.applied();
    sections.answered();
    expect(asked).toEqual([[0, 0]]);
    sections.renegotiate();
    expect(asked).toEqual([[0, 0]]);
  });
});

describe('the join request of the single-connection path', () => {
  const encode = (join: JoinRequest, gzip: boolean) =>
    Buffer.from(new WrappedJoinRequest({
      compression: gzip ? WrappedJoinRequest_Compression.GZIP : WrappedJoinRequest_Compression.NONE,
      joinRequest: gzip ? gzipSync(join.toBinary()) : join.toBinary(),
    }).toBinary()).toString('base64url');

  it('is read for what the /rtc query would say, and the first offer', () => {
    const join = new JoinRequest({
      clientInfo: new ClientInfo({ sdk: ClientInfo_SDK.JS, version: '2.23.0', protocol: 17, browser: 'chrome', browserVersion: '156' }),
      connectionSettings: new ConnectionSettings({ autoSubscribe: false, adaptiveStream: true }),
      publisherOffer: new SessionDescription({ type: 'offer', sdp: 'v=0\r\n', id: 1 }),
    });
    expect(readJoinRequest(encode(join, true))).toMatchObject({
      autoSubscribe: false, adaptiveStream: true, reconnect: false, clientProtocol: 17, sdk: 'js', sdkVersion: '2.23.0', browser: 'chrome', offer: { sdp: 'v=0\r\n', id: 1 },
    });
  });

  it('a resume names the participant and brings no offer', () => {
    const join = new JoinRequest({ reconnect: true, participantSid: 'PA_abc', reconnectReason: 2 });
    expect(readJoinRequest(encode(join, false))).toMatchObject({ reconnect: true, sid: 'PA_abc', reconnectReason: 2, offer: null });
  });

  it('an unreadable one is refused with the reason', () => {
    expect(() => readJoinRequest('not-protobuf!')).toThrow(/unreadable join_request/);
    expect(() => readJoinRequest(null)).toThrow(/needs a join_request/);
  });
});
