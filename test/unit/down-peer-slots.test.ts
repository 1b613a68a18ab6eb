// Slots of a subscriber connection while the page is still changing them. A slot's streams reach the worker before the
// page's reply to its creation; a subscription that binds in that gap (a retry of a track that was not published yet,
// as when LiveKit's Rust SDK joins right after another publishes) must not take the slot being created, or two tracks
// share one m-line and the subscriber never gets one of them. A slot being parked still sends until the page turns it
// inactive; an offer made meanwhile must not show it under the page's own msid, which LiveKit's SDKs cannot place.
import { describe, expect, it } from 'vitest';
import type { UpTrack } from '../../worker/media/up-track';
import { RoomTrackManager } from '../../worker/tracks/room-track-manager';
import { FakeTime } from './fake-time';
import { SubscriberHarness, duplicateTracks, sendingSections, videoTrack } from './subscriber-harness';

describe('slots created for concurrent subscriptions', () => {
  it('gives a track that binds while another track\'s slot is being created a slot of its own', async () => {
    const time = new FakeTime();
    const tracks = new RoomTrackManager<UpTrack>();
    const a = new SubscriberHarness('PA_a', tracks, time);
    tracks.add(videoTrack('TR_carol', 'carol-cam', 'PA_carol'), 'carol', 'PA_carol');
    // carol's slot: its streams are attached, the page's reply is still on its way
    const reply = a.commands.holdReplies();
    a.subscriptions.subscribe('TR_carol');
    await time.advance(1);
    // red's track is published in that gap and red's subscription binds
    tracks.add(videoTrack('TR_red', 'red-cam', 'PA_red'), 'red', 'PA_red');
    const redReply = a.commands.holdReplies();
    a.subscriptions.subscribe('TR_red');
    await time.advance(1);
    reply();
    redReply();
    await time.advance(100);
    a.down.onConnectionState('connected');
    await time.advance(100);
    const offer = a.allOffers.at(-1)!.sdp;
    expect(a.commands.slotsAdded).toBe(2);
    expect(duplicateTracks(offer)).toEqual([]);
    expect(sendingSections(offer).map((s) => s.msid?.track).sort()).toEqual(['TR_carol', 'TR_red']);
    expect(a.subscriptions.bindingOf('TR_carol')?.slot).not.toBe(a.subscriptions.bindingOf('TR_red')?.slot);
  });

  it('keeps a parked slot\'s msid in offers made before the page turned it inactive', async () => {
    const time = new FakeTime();
    const tracks = new RoomTrackManager<UpTrack>();
    const a = new SubscriberHarness('PA_a', tracks, time);
    tracks.add(videoTrack('TR_carol', 'carol-cam', 'PA_carol'), 'carol', 'PA_carol');
    a.subscriptions.subscribe('TR_carol');
    await time.advance(100);
    a.down.onConnectionState('connected');
    await a.answerAll();
    // carol's slot is parked, and while the page has not turned it inactive yet, the connection makes an offer (an
    // ICE restart after a resume, or another track's slot)
    const parked = a.commands.holdParking();
    a.subscriptions.unsubscribe('TR_carol');
    a.down.negotiate(true);
    await time.advance(100);
    parked();
    await time.advance(100);
    await a.answerAll();
    await time.advance(100);
    for (const o of a.allOffers) {
      expect(sendingSections(o.sdp).map((s) => s.msid?.stream).filter((m) => !m?.includes('|')), `offer ${o.id}`).toEqual([]);
    }
    expect(a.commands.parked).toHaveLength(1);
  });
});
