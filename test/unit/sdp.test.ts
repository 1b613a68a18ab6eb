import { describe, expect, it } from 'vitest';
import { acceptOnlyLayer, highestSimulcastLayers, setMsids, withoutSimulcast } from '../../worker/sdp/munge';
import { mediaSections, offerSends, primaryCodec } from '../../worker/sdp/sections';

// A trimmed publisher offer as livekit-client 2.23 sends it from Chromium: audio, then simulcast video.
const OFFER = [
  'v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0 1',
  'm=audio 9 UDP/TLS/RTP/SAVPF 63 111', 'c=IN IP4 0.0.0.0', 'a=mid:0', 'a=sendonly', 'a=msid:stream-a cid-audio',
  'a=rtpmap:63 red/48000/2', 'a=fmtp:63 111/111', 'a=rtpmap:111 opus/48000/2', 'a=fmtp:111 minptime=10;useinbandfec=1',
  'm=video 9 UDP/TLS/RTP/SAVPF 96 97 102', 'c=IN IP4 0.0.0.0', 'a=mid:1', 'a=sendonly', 'a=msid:stream-v cid-video',
  'a=rtpmap:96 VP8/90000', 'a=rtpmap:97 rtx/90000', 'a=fmtp:97 apt=96',
  'a=rtpmap:102 H264/90000', 'a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f',
  'a=rid:q send', 'a=rid:h send', 'a=rid:f send', 'a=simulcast:send q;h;f',
].join('\r\n') + '\r\n';

describe('SDP handling', () => {
  it('reads mids, directions, msids and codecs of each section', () => {
    const [audio, video] = mediaSections(OFFER);
    expect(audio).toMatchObject({ kind: 'audio', mid: '0', direction: 'sendonly', msid: { stream: 'stream-a', track: 'cid-audio' } });
    expect(primaryCodec(audio)?.name).toBe('opus');
    expect(primaryCodec(video)).toMatchObject({ pt: 96, name: 'VP8' });
    expect(video.codecs.get(102)?.fmtp).toContain('profile-level-id=42001f');
    expect(offerSends(video)).toBe(true);
  });

  it('finds the full-resolution layer of each simulcast section', () => {
    expect([...highestSimulcastLayers(OFFER)]).toEqual([['1', 'f']]);
  });

  it('takes simulcast out of the offer the host applies, and nothing else', () => {
    const plain = withoutSimulcast(OFFER);
    expect(plain).not.toMatch(/a=rid:|a=simulcast:/);
    expect(plain.split('\r\n').length).toBe(OFFER.split('\r\n').length - 4);
  });

  it('accepts only the full-resolution layer in the answer the client gets', () => {
    const answer = OFFER.replace(/a=sendonly/g, 'a=recvonly').replace(/a=rid:.*\r\n|a=simulcast:.*\r\n/g, '');
    const munged = acceptOnlyLayer(answer, highestSimulcastLayers(OFFER));
    const video = munged.split('m=video')[1];
    expect(video).toContain('a=rid:f recv');
    expect(video).toContain('a=simulcast:recv f');
    expect(munged.split('m=video')[0]).not.toContain('a=rid');
  });

  it('labels forwarded sections with the publisher sid and track sid livekit-client expects', () => {
    const offer = OFFER.replace('a=msid:stream-v cid-video', 'a=msid:- {0d9f}') + 'a=ssrc:1234 msid:- {0d9f}\r\n';
    const out = setMsids(offer, new Map([['1', { stream: 'PA_x|TR_y', track: 'TR_y' }]]));
    const [, video] = mediaSections(out);
    expect(video.msid).toEqual({ stream: 'PA_x|TR_y', track: 'TR_y' });
    expect(out).toContain('a=ssrc:1234 msid:PA_x|TR_y TR_y');
    expect(mediaSections(out)[0].msid).toEqual({ stream: 'stream-a', track: 'cid-audio' });
  });

  it('adds an msid to a section that has none', () => {
    const offer = OFFER.replace('a=msid:stream-v cid-video\r\n', '');
    const [, video] = mediaSections(setMsids(offer, new Map([['1', { stream: 'PA_x|TR_y', track: 'TR_y' }]])));
    expect(video.msid?.track).toBe('TR_y');
  });
});
