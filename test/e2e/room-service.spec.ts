// An app backend drives a call with livekit-server-sdk's RoomServiceClient, as it would against LiveKit's server;
// two livekit-client peers in Chromium show what each call did.
import { DisconnectReason } from '@livekit/protocol';
import { DataPacket_Kind, RoomServiceClient, TrackSource, type TwirpError } from 'livekit-server-sdk';
import { appEvents, inRoom } from './helpers/app';
import { COLORS } from './helpers/peer';
import { expect, test } from './fixtures';

const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('the call succeeded'); }, (e: TwirpError) => ({ status: e.status, code: e.code, message: e.message }));

test('an app backend creates, lists, mutes, messages, updates, removes and deletes through RoomServiceClient, and the peers see each', async ({ call, baseURL }) => {
  const api = new RoomServiceClient(baseURL!, 'devkey', 'secret');
  const { room } = call;

  await test.step('CreateRoom opens the room with its settings, and ListRooms shows it', async () => {
    const created = await api.createRoom({ name: room, emptyTimeout: 60, departureTimeout: 5, maxParticipants: 4, metadata: 'standup' });
    expect(created).toMatchObject({ name: room, emptyTimeout: 60, departureTimeout: 5, maxParticipants: 4, metadata: 'standup' });
    // as LiveKit: creating an open room again returns it as it is
    expect(await api.createRoom({ name: room, maxParticipants: 9 })).toMatchObject({ sid: created.sid, maxParticipants: 4 });
    const listed = await api.listRooms([room]);
    expect(listed.map((r) => [r.name, r.sid, r.metadata])).toEqual([[room, created.sid, 'standup']]);
  });

  const alice = await call.join('alice', { color: COLORS.red, tone: 440 });
  const bob = await call.join('bob', { color: COLORS.green, tone: 660, publish: false });
  expect(await inRoom(bob.page, (r) => r.metadata)).toBe('standup');

  const tracks = await test.step('ListParticipants and GetParticipant show the peers and their tracks', async () => {
    await expect.poll(async () => (await api.listParticipants(room)).map((p) => p.identity).sort()).toEqual(['alice', 'bob']);
    await expect.poll(async () => (await api.getParticipant(room, 'alice')).tracks.length).toBe(2);
    const alicesTracks = (await api.getParticipant(room, 'alice')).tracks;
    const sidOf = (source: TrackSource) => alicesTracks.find((t) => t.source === source)!.sid;
    return { camera: sidOf(TrackSource.CAMERA), microphone: sidOf(TrackSource.MICROPHONE) };
  });

  await test.step('MutePublishedTrack mutes alice\'s microphone at her client, and bob sees it muted', async () => {
    const muted = await api.mutePublishedTrack(room, 'alice', tracks.microphone, true);
    expect(muted).toMatchObject({ sid: tracks.microphone, muted: true });
    await expect.poll(async () => (await appEvents(bob.page, 'muted')).map((e) => e.trackSid)).toContain(tracks.microphone);
    await expect.poll(() => inRoom(alice.page, (r) => r.localParticipant.getTrackPublication('microphone').isMuted)).toBe(true);
    // LiveKit's default: the server may silence someone but not open their microphone
    expect(await failure(api.mutePublishedTrack(room, 'alice', tracks.microphone, false))).toMatchObject({ status: 412, code: 'failed_precondition' });
    expect(await failure(api.mutePublishedTrack(room, 'alice', 'TR_nothing', true))).toMatchObject({ status: 404, code: 'not_found' });
  });

  await test.step('SendData reaches everyone with its topic and no sender, or only the identities it names', async () => {
    await api.sendData(room, new TextEncoder().encode('for bob only'), DataPacket_Kind.RELIABLE, { topic: 'backend', destinationIdentities: ['bob'] });
    await api.sendData(room, new TextEncoder().encode('hello from the backend'), DataPacket_Kind.RELIABLE, { topic: 'backend' });
    const received = (page: typeof alice.page) => appEvents(page, 'data').then((es) => es.map((e) => [e.text, e.topic, e.identity ?? null]));
    await expect.poll(() => received(bob.page)).toEqual([['for bob only', 'backend', null], ['hello from the backend', 'backend', null]]);
    await expect.poll(() => received(alice.page)).toEqual([['hello from the backend', 'backend', null]]);
  });

  await test.step('UpdateRoomMetadata reaches every peer as RoomMetadataChanged', async () => {
    expect(await api.updateRoomMetadata(room, 'retro')).toMatchObject({ name: room, metadata: 'retro' });
    for (const p of [alice, bob]) await expect.poll(() => appEvents(p.page, 'room-metadata')).toMatchObject([{ metadata: 'retro' }]);
  });

  await test.step('UpdateParticipant changes alice\'s metadata, name and attributes for bob and for alice herself', async () => {
    const updated = await api.updateParticipant(room, 'alice', { metadata: 'role: host', name: 'Alice A.', attributes: { desk: '7' } });
    expect(updated).toMatchObject({ identity: 'alice', metadata: 'role: host', name: 'Alice A.', attributes: { desk: '7' } });
    await expect.poll(() => appEvents(bob.page, 'metadata')).toMatchObject([{ identity: 'alice', metadata: 'role: host' }]);
    await expect.poll(() => appEvents(bob.page, 'name')).toMatchObject([{ identity: 'alice', name: 'Alice A.' }]);
    await expect.poll(() => inRoom(alice.page, (r) => [r.localParticipant.metadata, r.localParticipant.name, r.localParticipant.attributes.desk])).toEqual(['role: host', 'Alice A.', '7']);
  });

  await test.step('UpdateParticipant\'s permission reaches the participant: bob may no longer publish data', async () => {
    const permission = { canSubscribe: true, canPublish: false, canPublishData: false, canUpdateMetadata: false, canPublishSources: [], hidden: false };
    expect((await api.updateParticipant(room, 'bob', { permission })).permission).toMatchObject({ canPublishData: false });
    await expect.poll(() => inRoom(bob.page, (r) => r.localParticipant.permissions?.canPublishData)).toBe(false);
  });

  await test.step('UpdateSubscriptions takes alice\'s camera from bob and gives it back', async () => {
    await api.updateSubscriptions(room, 'bob', [tracks.camera], false);
    await expect.poll(async () => (await appEvents(bob.page, 'unsubscribed')).map((e) => e.trackSid)).toContain(tracks.camera);
    await api.updateSubscriptions(room, 'bob', [tracks.camera], true);
    await expect.poll(async () => (await appEvents(bob.page, 'subscribed')).filter((e) => e.trackSid === tracks.camera).length).toBe(2);
  });

  await test.step('RemoveParticipant disconnects bob with PARTICIPANT_REMOVED; alice stays and sees him go', async () => {
    await api.removeParticipant(room, 'bob');
    await expect.poll(() => appEvents(bob.page, 'disconnected')).toMatchObject([{ reason: DisconnectReason.PARTICIPANT_REMOVED }]);
    await expect.poll(() => appEvents(alice.page, 'participant-disconnected')).toMatchObject([{ identity: 'bob', reason: DisconnectReason.PARTICIPANT_REMOVED }]);
    expect(await appEvents(alice.page, 'disconnected')).toEqual([]);
    expect((await api.listParticipants(room)).map((p) => p.identity)).toEqual(['alice']);
    expect(await failure(api.removeParticipant(room, 'bob'))).toMatchObject({ status: 404, code: 'not_found', message: `participant "bob" is not in room "${room}"` });
  });

  await test.step('DeleteRoom disconnects alice with ROOM_DELETED, and the room is gone', async () => {
    await api.deleteRoom(room);
    await expect.poll(() => appEvents(alice.page, 'disconnected')).toMatchObject([{ reason: DisconnectReason.ROOM_DELETED }]);
    await expect.poll(() => api.listRooms([room])).toEqual([]);
    expect(await failure(api.deleteRoom(room))).toMatchObject({ status: 404, code: 'not_found' });
  });
});
