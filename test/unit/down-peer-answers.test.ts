// The client's answers to a subscriber connection's offers: livekit-client echoes each offer's id; LiveKit's Rust SDK
// (rtc-node, and the Python and Unity SDKs on it) answers every offer with id 0, which LiveKit's server takes for the
// answer to its offer in flight (PCTransport.handleRemoteAnswerReceived warns only about a non-zero id that differs).
import { describe, expect, it } from 'vitest';
import type { UpTrack } from '../../worker/media/up-track';
import { RoomTrackManager } from '../../worker/tracks/room-track-manager';
import { FakeTime } from './fake-time';
import { SubscriberHarness, videoTrack } from './subscriber-harness';

async function subscribed() {
  const time = new FakeTime();
  const tracks = new RoomTrackManager<UpTrack>();
  const a = new SubscriberHarness('PA_a', tracks, time);
  tracks.add(videoTrack('TR_b', 'cam'), 'pb', 'PA_b');
  a.subscriptions.subscribe('TR_b');
  await time.advance(100);
  a.down.onConnectionState('connected');
  return { time, tracks, a };
}

describe('answers to subscriber offers', () => {
  it('takes an answer with id 0 for the offer in flight, and forwards on the slot it answered', async () => {
    const { a } = await subscribed();
    expect(a.offers.map((o) => o.id)).toEqual([1]);
    await a.answerAll(() => 0);
    expect(a.commands.answersAccepted).toBe(1);
    expect(a.down.negotiating).toBe(false);
    expect(a.forwarder.ready).toBe(1);
  });

  it('sends the next offer after an answer with id 0, and takes the next answer with id 0 too', async () => {
    const { time, tracks, a } = await subscribed();
    tracks.add(videoTrack('TR_c', 'screen', 'PA_c'), 'pc', 'PA_c');
    a.subscriptions.subscribe('TR_c');
    await time.advance(100);
    await a.answerAll(() => 0);
    await time.advance(100);
    await a.answerAll(() => 0);
    expect(a.allOffers.map((o) => o.id)).toEqual([1, 2]);
    expect(a.commands.answersAccepted).toBe(2);
    expect(a.forwarder.ready).toBe(2);
  });

  it('ignores an answer that names another offer, and an answer with id 0 when no offer is in flight', async () => {
    const { a } = await subscribed();
    await a.answerAll(() => 7);
    expect(a.commands.answersAccepted).toBe(0);
    expect(a.down.negotiating).toBe(true);
    expect(a.forwarder.ready).toBe(0);
    await a.down.onAnswer('v=0\r\n', 1);
    await a.down.onAnswer('v=0\r\n', 0);
    expect(a.commands.answersAccepted).toBe(1);
  });
});
