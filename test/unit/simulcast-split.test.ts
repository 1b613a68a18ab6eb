import { describe, expect, it } from 'vitest';
import { chooseSplits, extensionIds, mergeAnswer, splitOffer } from '../../worker/sdp/simulcast-split';
import { mediaSections, splitSdp } from '../../worker/sdp/sections';

const MID = 'urn:ietf:params:rtp-hdrext:sdes:mid';
const RID = 'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id';
const RRID = 'urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id';

// A trimmed Chromium publisher offer from livekit-client 2.23: audio, then a camera sent as three rid layers.
const OFFER = [
  'v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0 1',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'c=IN IP4 0.0.0.0', 'a=mid:0', `a=extmap:4 ${MID}`, 'a=sendonly', 'a=msid:sa ca',
  'a=rtpmap:111 opus/48000/2', 'a=ssrc:11 cname:x',
  'm=video 9 UDP/TLS/RTP/SAVPF 96 97', 'c=IN IP4 0.0.0.0', 'a=mid:1', `a=extmap:4 ${MID}`, `a=extmap:10 ${RID}`, `a=extmap:11 ${RRID}`,
  'a=sendonly', 'a=msid:sv cv', 'a=rtpmap:96 H264/90000', 'a=rtcp-fb:96 nack pli', 'a=fmtp:96 packetization-mode=1;profile-level-id=42e01f',
  'a=rtpmap:97 rtx/90000', 'a=fmtp:97 apt=96',
  'a=rid:q send', 'a=rid:h send', 'a=rid:f send', 'a=simulcast:send q;h;f',
].join('\r\n') + '\r\n';

/** What Chromium would answer to the split offer: each section recvonly, the offered extensions accepted. */
function hostAnswerTo(offer: string): string {
  return offer.replace(/a=sendonly/g, 'a=recvonly').replace(/a=msid:.*\r\n/g, '').replace(/a=ssrc:.*\r\n/g, '');
}

describe('simulcast received as one section per layer', () => {
  const splits = chooseSplits(OFFER, []);

  it('splits the simulcast section into one section per rid it takes, lowest and highest, with the rid read as the mid', () => {
    expect(splits).toEqual([{ mid: '1', rids: ['q', 'f'], midExtId: 4, ridExtId: 10 }]);
    const host = splitOffer(OFFER, splits);
    expect(mediaSections(host).map((s) => s.mid)).toEqual(['0', 'q', 'f']);
    expect(host).toContain('a=group:BUNDLE 0 q f');
    expect(host).not.toMatch(/a=rid:|a=simulcast:|rtx|repaired|a=extmap:4 /);
    for (const lines of splitSdp(host).media) expect(lines.filter((l) => l.startsWith('a=extmap:'))).toEqual(lines[0].startsWith('m=video') ? [`a=extmap:10 ${MID}`] : []);
    const [, q] = mediaSections(host);
    expect(q.payloadTypes).toEqual([96]);
    expect(host).toContain('a=ssrc:11 cname:x'); // the audio section is found by its SSRC
  });

  it('answers the publisher with one simulcast section that receives every rid, its extension ids restored', () => {
    const answer = mergeAnswer(hostAnswerTo(splitOffer(OFFER, splits)), OFFER, splits);
    const sections = splitSdp(answer).media;
    expect(mediaSections(answer).map((s) => s.mid)).toEqual(['0', '1']);
    expect(answer).toContain('a=group:BUNDLE 0 1');
    expect(sections[0]).toContain(`a=extmap:4 ${MID}`);
    expect(sections[1]).toEqual(expect.arrayContaining([`a=extmap:4 ${MID}`, `a=extmap:10 ${RID}`, 'a=rid:q recv', 'a=rid:f recv', 'a=simulcast:recv q;f', 'a=recvonly']));
    expect(answer).not.toContain('a=rid:h');
    expect(answer).not.toContain('rtx');
  });

  it('keeps the split for the connection, and answers a section that stopped sending without rids', () => {
    const stopped = OFFER.replace('a=sendonly\r\na=msid:sv cv', 'a=inactive').replace(/a=rid:.*\r\n|a=simulcast:.*\r\n/g, '');
    expect(chooseSplits(stopped, splits)).toEqual(splits);
    expect(chooseSplits(stopped, [])).toEqual([]);
    const answer = mergeAnswer(hostAnswerTo(splitOffer(stopped, splits)), stopped, splits);
    expect(mediaSections(answer).map((s) => s.mid)).toEqual(['0', '1']);
    expect(answer).not.toMatch(/a=rid:|a=simulcast:/);
  });

  it('does not take rids that are already mids, or split a section without the rid extension', () => {
    expect(chooseSplits(OFFER.replace('a=mid:0', 'a=mid:q').replace('BUNDLE 0 1', 'BUNDLE q 1'), [])[0].rids).toEqual(['h', 'f']);
    expect(chooseSplits(OFFER.replace(`a=extmap:10 ${RID}\r\n`, ''), [])).toEqual([]);
  });

  it('leaves a later simulcast track of the same participant (a screen share sent as q and h) the rid the first left free', () => {
    const share = ['m=video 9 UDP/TLS/RTP/SAVPF 96', 'c=IN IP4 0.0.0.0', 'a=mid:2', `a=extmap:4 ${MID}`, `a=extmap:10 ${RID}`, 'a=sendonly',
      'a=msid:ss cs', 'a=rtpmap:96 H264/90000', 'a=rid:q send', 'a=rid:h send', 'a=simulcast:send q;h'].join('\r\n') + '\r\n';
    const both = OFFER.replace('BUNDLE 0 1', 'BUNDLE 0 1 2') + share;
    const later = chooseSplits(both, splits);
    expect(later).toEqual([...splits, { mid: '2', rids: ['h'], midExtId: 4, ridExtId: 10 }]);
    const host = splitOffer(both, later);
    expect(mediaSections(host).map((s) => s.mid)).toEqual(['0', 'q', 'f', 'h']);
    const answer = mergeAnswer(hostAnswerTo(host), both, later);
    expect(mediaSections(answer).map((s) => s.mid)).toEqual(['0', '1', '2']);
    expect(splitSdp(answer).media[2]).toEqual(expect.arrayContaining(['a=rid:h recv', 'a=simulcast:recv h', `a=extmap:10 ${RID}`]));
    // a third has nothing left: it is received without simulcast
    const third = share.replace('a=mid:2', 'a=mid:3');
    const all = both.replace('BUNDLE 0 1 2', 'BUNDLE 0 1 2 3') + third;
    const thirdSplits = chooseSplits(all, later);
    expect(thirdSplits.at(-1)).toMatchObject({ mid: '3', rids: [] });
    // and is answered without the rid extension, so that it never sends a rid the host would read as a mid
    const thirdAnswer = splitSdp(mergeAnswer(hostAnswerTo(splitOffer(all, thirdSplits)), all, thirdSplits)).media.at(-1)!;
    expect(thirdAnswer).toContain('a=mid:3');
    expect(thirdAnswer.some((l) => l.includes(RID))).toBe(false);
  });

  it('keeps a camera without simulcast on the extension ids it was first applied with when a screen share later splits', () => {
    // a 320x180 camera: livekit-client sends it as one stream, no rids; Chromium still declares the rid extension
    const small = OFFER.replace(/a=rid:.*\r\n/g, '').replace(/a=simulcast:.*\r\n/g, '');
    const ids = extensionIds(small, null);
    expect(ids).toEqual({ midExtId: 4, ridExtId: 10 });
    expect(chooseSplits(small, [])).toEqual([]);
    const first = splitSdp(splitOffer(small, [], ids)).media[1];
    const share = ['m=video 9 UDP/TLS/RTP/SAVPF 96', 'c=IN IP4 0.0.0.0', 'a=mid:2', `a=extmap:4 ${MID}`, `a=extmap:10 ${RID}`, 'a=sendonly',
      'a=msid:ss cs', 'a=rtpmap:96 H264/90000', 'a=rid:q send', 'a=rid:h send', 'a=simulcast:send q;h'].join('\r\n') + '\r\n';
    const both = small.replace('BUNDLE 0 1', 'BUNDLE 0 1 2') + share;
    const splits = chooseSplits(both, []);
    expect(splits).toEqual([{ mid: '2', rids: ['q', 'h'], midExtId: 4, ridExtId: 10 }]);
    const later = splitSdp(splitOffer(both, splits, extensionIds(both, ids))).media[1];
    // the camera's id 10 means the same extension in both offers, as Chromium requires of an active section
    const ext10 = (lines: string[]) => lines.find((l) => l.startsWith('a=extmap:10 '));
    expect(ext10(first)).toBe(`a=extmap:10 ${MID}`);
    expect(ext10(later)).toBe(ext10(first));
    // and the publisher hears its own ids back
    const answer = mergeAnswer(hostAnswerTo(splitOffer(small, [], ids)), small, [], ids);
    expect(splitSdp(answer).media[1]).toEqual(expect.arrayContaining([`a=extmap:4 ${MID}`]));
    // with the rid extension it offered, or Chromium stops it and refuses the publisher's next simulcast section
    expect(splitSdp(answer).media[1]).toContain(`a=extmap:10 ${RID}`);
    expect(splitSdp(answer).media[0].some((l) => l.includes(RID))).toBe(false);
  });
});
