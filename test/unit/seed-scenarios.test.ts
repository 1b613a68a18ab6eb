// The two races from the commit message of LiveKit's roomtrackmanager.go ("Handle subscribe race with track close
// better"), replayed step by step on tabsfu's track manager, subscription manager and subscriber connection.
// pB's "remote" copy of a track is the one that closes when pB migrates; its "local" copy is the one pB
// publishes again afterwards, with the same track sid.
import { describe, expect, it } from 'vitest';
import type { UpTrack } from '../../worker/media/up-track';
import { RoomTrackManager } from '../../worker/tracks/room-track-manager';
import { FakeTime, settle } from './fake-time';
import { SubscriberHarness, duplicateTracks, sendingSections, videoTrack } from './subscriber-harness';

function setup() {
  const time = new FakeTime();
  const tracks = new RoomTrackManager<UpTrack>();
  const a = new SubscriberHarness('PA_a', tracks, time);
  return { time, tracks, a };
}

/** pA subscribes to pB's remote copy, and the copy starts closing while that subscribe is still setting up. */
async function subscribeWhileTheCopyCloses(expectedToResume: boolean) {
  const { time, tracks, a } = setup();
  const remote = videoTrack('TR_b', 'remote');
  tracks.add(remote, 'pb', 'PA_b');
  const release = a.commands.hold();
  a.subscriptions.subscribe('TR_b');
  await settle();
  remote.startClosing(expectedToResume);
  tracks.notifyChanged('TR_b');
  // the subscribe completes and finds the copy no longer open
  release();
  await time.advance(0);
  return { time, tracks, a, remote };
}

describe('scenario 1: the expected-to-resume state is cached when a copy starts closing', () => {
  it('keeps the transceiver of a subscribe that completes after the copy began closing, and reuses it for the next copy', async () => {
    // pB migrates too while pA's subscribe to its remote copy is setting up: that copy is expected to resume
    const { time, tracks, a, remote } = await subscribeWhileTheCopyCloses(true);

    // the subscribe lets go of the copy, keeping the slot
    await a.answerAll();
    expect(a.forwarder.open).toBe(0);
    expect(a.commands.parked).toEqual([]);

    // pB's local copy is published and the remote one removed: pA re-subscribes on the cached transceiver
    const offersBefore = a.allOffers.length;
    tracks.add(videoTrack('TR_b', 'local'), 'pb', 'PA_b');
    tracks.remove(remote);
    await time.advance(100);
    await a.answerAll();

    expect(a.forwarder.open).toBe(1);
    expect(a.commands.slotsAdded).toBe(1);
    expect(a.commands.parked).toEqual([]);
    expect(a.allOffers.length).toBe(offersBefore); // same codec, same msid: nothing to renegotiate
    for (const o of a.allOffers) expect(duplicateTracks(o.sdp)).toEqual([]);
    expect(sendingSections(a.allOffers[a.allOffers.length - 1].sdp).map((s) => s.msid)).toEqual([{ stream: 'PA_b|TR_b', track: 'TR_b' }]);
  });

  it('parks the transceiver instead when the copy closed for good', async () => {
    const { a } = await subscribeWhileTheCopyCloses(false);
    expect(a.commands.parked).toEqual([1]);
  });
});

describe('scenario 2: the earliest copy resolves until it is removed', () => {
  it('does not bind the new copy while the closing one is still in the track manager, so the offer never carries the track twice', async () => {
    const { time, tracks, a } = setup();
    const remote = videoTrack('TR_b', 'remote');
    tracks.add(remote, 'pb', 'PA_b');
    a.subscriptions.subscribe('TR_b');
    await time.advance(0);
    await a.answerAll();
    expect(a.forwarder.open).toBe(1);

    // pB migrates: its remote copy closes, and its local copy is published before the remote one is cleaned up
    remote.startClosing(true);
    tracks.notifyChanged('TR_b');
    const local = videoTrack('TR_b', 'local');
    tracks.add(local, 'pb', 'PA_b');
    await time.advance(200);
    await a.answerAll();
    expect(tracks.resolve('TR_b')).toBeNull();
    expect(a.forwarder.open).toBe(0); // subscriptions to the closing copy fail, and nothing binds the new one yet

    // the remote copy finishes closing: the track resolves to the local copy, on the same transceiver
    tracks.remove(remote);
    await time.advance(100);
    await a.answerAll();
    expect(tracks.resolve('TR_b')?.track).toBe(local);
    expect(a.forwarder.open).toBe(1);
    expect(a.commands.slotsAdded).toBe(1);
    for (const o of a.allOffers) expect(duplicateTracks(o.sdp)).toEqual([]);
  });

  it('would put the track on two m-lines if a second copy were bound while the first still held its transceiver', async () => {
    // the failure the FIFO rule prevents, produced directly, to show the check above can see it
    const { time, tracks, a } = setup();
    await a.down.bind(videoTrack('TR_b', 'remote'), time.now());
    await a.down.bind(videoTrack('TR_b', 'local'), time.now());
    await settle();
    await a.answerAll();
    const last = a.allOffers[a.allOffers.length - 1];
    expect(duplicateTracks(last.sdp)).toEqual(['TR_b']);
    void tracks;
  });
});
