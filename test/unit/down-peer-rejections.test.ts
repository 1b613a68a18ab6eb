// A subscriber whose browser cannot decode a slot's codec rejects its section (Firefox without H.264): that slot is
// retired, the codec refused for that subscriber, the subscription fails at once, and other tracks carry on.
import { describe, expect, it } from 'vitest';
import type { UpTrack } from '../../worker/media/up-track';
import { mediaSections } from '../../worker/sdp/sections';
import { RoomTrackManager } from '../../worker/tracks/room-track-manager';
import { FakeTime } from './fake-time';
import { SubscriberHarness, videoTrack } from './subscriber-harness';

function h264Track(sid: string, publisherSid: string): UpTrack {
  const t = videoTrack(sid, sid, publisherSid);
  t.setNegotiatedCodecs([{ pt: 108, name: 'H264', clockRate: 90000, fmtp: '' } as never], { pt: 108, name: 'H264', fmtp: '' });
  return t;
}

/** The client's answer to `sdp`, rejecting (port 0) the sections of these mids. */
function answerRejecting(sdp: string, mids: string[]): string {
  return sdp.split('\r\n').map((l, i, all) => (l.startsWith('m=') && mids.includes(all[i + 1]?.slice('a=mid:'.length)) ? l.replace(/^(m=\w+) 9 /, '$1 0 ') : l)).join('\r\n');
}

/** A subscriber, wired as a participant wires it, that subscribed to an H.264 track and got the offer for it. */
async function subscribedToH264() {
  const time = new FakeTime();
  const tracks = new RoomTrackManager<UpTrack>();
  const a = new SubscriberHarness('PA_a', tracks, time);
  a.down.onRefused = (b) => a.subscriptions.bindingRefused(b);
  tracks.add(h264Track('TR_h', 'PA_b'), 'pb', 'PA_b');
  a.subscriptions.subscribe('TR_h');
  await time.advance(100);
  return { time, tracks, a };
}

describe('a section the subscriber rejects', () => {
  it('fails that subscription at once as a codec it cannot decode, and the next track of another codec still arrives', async () => {
    const { time, tracks, a } = await subscribedToH264();
    a.down.onConnectionState('connected');
    const [offer] = a.offers.splice(0);
    await a.down.onAnswer(answerRejecting(offer.sdp, [mediaSections(offer.sdp)[0].mid]), offer.id);
    await time.advance(100);
    expect(a.failures).toEqual(['TR_h: the subscriber cannot decode video/H264']);
    expect(a.forwarder.open).toBe(0);
    // no retry loop: nothing is offered or bound for it again
    await time.advance(1000);
    expect(a.commands.slotsAdded).toBe(1);

    tracks.add(videoTrack('TR_v', 'cam', 'PA_c'), 'pc', 'PA_c');
    a.subscriptions.subscribe('TR_v');
    await time.advance(100);
    await a.answerAll();
    // on a new slot: the rejected one's transceiver is stopped for good
    expect(a.commands.slotsAdded).toBe(2);
    expect(a.forwarder.ready).toBe(1);
  });

  it('does not blame a track bound to the slot after the offer that the subscriber rejected', async () => {
    const { time, tracks, a } = await subscribedToH264();
    const [offer] = a.offers.splice(0);
    // while that offer is out, the subscriber lets go of the H.264 track and takes a VP8 one, which gets its slot
    a.subscriptions.unsubscribe('TR_h');
    tracks.add(videoTrack('TR_v', 'cam', 'PA_c'), 'pc', 'PA_c');
    a.subscriptions.subscribe('TR_v');
    await time.advance(100);
    await a.down.onAnswer(answerRejecting(offer.sdp, [mediaSections(offer.sdp)[0].mid]), offer.id);
    await time.advance(100);
    await a.answerAll();
    await time.advance(100);
    a.down.onConnectionState('connected');
    expect(a.failures).toEqual([]);
    expect(a.forwarder.ready).toBe(1);
  });
});
