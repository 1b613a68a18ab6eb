import { describe, expect, it } from 'vitest';
import { mediaSections, primaryCodec } from '../../worker/sdp/sections';
import { renumberPayloadTypes } from '../../worker/sdp/payload-types';

const video = (mid: string, pts: [number, string, string][]) => [
  `m=video 9 UDP/TLS/RTP/SAVPF ${pts.map(([pt]) => pt).join(' ')}`,
  `a=mid:${mid}`,
  'a=sendonly',
  ...pts.flatMap(([pt, map, fmtp]) => [`a=rtpmap:${pt} ${map}`, ...(fmtp ? [`a=fmtp:${pt} ${fmtp}`] : []), ...(map.startsWith('rtx') ? [] : [`a=rtcp-fb:${pt} nack`])]),
];
const audio = (mid: string, pt: number) => [`m=audio 9 UDP/TLS/RTP/SAVPF ${pt}`, `a=mid:${mid}`, 'a=sendonly', `a=rtpmap:${pt} opus/48000/2`, `a=fmtp:${pt} minptime=10;useinbandfec=1`];
const sdp = (...media: string[][]) => ['v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0 1 2 3', ...media.flat()].join('\r\n') + '\r\n';

/** Every payload type of the offer with what it means, checked for one meaning per number across the bundle. */
function meanings(text: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const s of mediaSections(text)) {
    for (const c of s.codecs.values()) {
      const apt = /apt=(\d+)/.exec(c.fmtp)?.[1];
      const meaning = apt ? `rtx->${s.codecs.get(Number(apt))?.name}@${apt}` : `${c.name}`;
      const held = out.get(c.pt);
      if (held !== undefined && held !== meaning) throw new Error(`payload type ${c.pt} means ${held} and ${meaning}`);
      out.set(c.pt, meaning);
    }
  }
  return out;
}

describe('payload types in a subscriber offer', () => {
  // a Chromium host's offer: two VP8 slots and two Opus slots
  const offer = sdp(video('0', [[96, 'VP8/90000', ''], [97, 'rtx/90000', 'apt=96']]), audio('1', 111), video('2', [[96, 'VP8/90000', ''], [97, 'rtx/90000', 'apt=96']]), audio('3', 111));

  it('gives a Firefox publisher’s slots its numbers, and keeps every other slot’s codec where it was', () => {
    const out = renumberPayloadTypes(offer, new Map([['0', 120], ['1', 109]])).sdp;
    const [v0, a1, v2, a3] = mediaSections(out);
    expect(primaryCodec(v0)).toMatchObject({ pt: 120, name: 'VP8' });
    expect(primaryCodec(a1)).toMatchObject({ pt: 109, name: 'opus', fmtp: 'minptime=10;useinbandfec=1' });
    expect(primaryCodec(v2)?.pt).toBe(96);
    expect(primaryCodec(a3)?.pt).toBe(111);
    // the renumbered slot's retransmissions repeat 120, under a number no other codec of the bundle has
    const rtx = [...v0.codecs.values()].find((c) => c.name === 'rtx')!;
    const otherRtx = [...v2.codecs.values()].find((c) => c.name === 'rtx')!;
    expect(rtx.fmtp).toBe('apt=120');
    expect(otherRtx.fmtp).toBe('apt=96');
    expect(rtx.pt).not.toBe(otherRtx.pt);
    expect(() => meanings(out)).not.toThrow();
    expect(out).toContain('a=rtcp-fb:120 nack');
    expect(out).not.toMatch(/a=rtcp-fb:96 nack[\s\S]*a=mid:1/);
  });

  it('moves another slot’s retransmission format off a number a publisher needs', () => {
    const h264 = sdp(
      video('0', [[108, 'H264/90000', 'profile-level-id=42e01f;packetization-mode=1'], [109, 'rtx/90000', 'apt=108']]),
      audio('1', 111),
      video('2', [[96, 'VP8/90000', ''], [97, 'rtx/90000', 'apt=96']]),
      audio('3', 111),
    );
    const out = renumberPayloadTypes(h264, new Map([['1', 109]])).sdp;
    const [v0, a1] = mediaSections(out);
    expect(primaryCodec(v0)?.pt).toBe(108);
    expect(primaryCodec(a1)?.pt).toBe(109);
    expect([...v0.codecs.values()].find((c) => c.name === 'rtx')).toMatchObject({ fmtp: 'apt=108' });
    expect([...v0.codecs.values()].find((c) => c.name === 'rtx')?.pt).not.toBe(109);
    expect(() => meanings(out)).not.toThrow();
  });

  it('leaves a section its own numbers when another publisher’s codec holds the one it needs, and renumbers the rest', () => {
    const r = renumberPayloadTypes(offer, new Map([['0', 111], ['1', 109]]));
    expect(r.clashes).toEqual(['0']);
    const [v0, a1, , a3] = mediaSections(r.sdp);
    expect(primaryCodec(v0)).toMatchObject({ pt: 96, name: 'VP8' });
    expect(primaryCodec(a1)?.pt).toBe(109);
    expect(primaryCodec(a3)?.pt).toBe(111);
    expect(() => meanings(r.sdp)).not.toThrow();
  });

  it('gives a section the numbers it had in the offer before, so a negotiated section keeps them', () => {
    const first = renumberPayloadTypes(offer, new Map([['2', 120]]));
    const again = renumberPayloadTypes(offer, new Map([['0', 120], ['2', 120]]), first.byMid);
    const rtxOf = (text: string, i: number) => [...mediaSections(text)[i].codecs.values()].find((c) => c.name === 'rtx')!;
    expect(rtxOf(again.sdp, 2).pt).toBe(rtxOf(first.sdp, 2).pt);
    expect(() => meanings(again.sdp)).not.toThrow();
  });

  it('leaves rejected sections and an offer that needs nothing untouched', () => {
    expect(renumberPayloadTypes(offer, new Map()).sdp).toBe(offer);
    const rejected = offer.replace('m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\na=mid:2', 'm=video 0 UDP/TLS/RTP/SAVPF 96 97\r\na=mid:2');
    expect(rejected).not.toBe(offer);
    const r = renumberPayloadTypes(rejected, new Map([['0', 120]]));
    expect(r.sdp).toContain('m=video 0 UDP/TLS/RTP/SAVPF 96 97');
  });
});
