// What the host page shows of a room: its people, their tracks, and who gets each track, with the simulcast layer
// each subscriber gets now (what the host chose for its tile and its link).
import { VideoQuality } from '@livekit/protocol';
import type { RoomView, SubscriberView } from '../../src/shared/host-bridge';
import type { Forwarder } from '../media/forwarder';
import { qualityOfRid } from '../media/layer-choice';
import type { UpTrack } from '../media/up-track';
import { ParticipantInfo_State } from '../signal/proto';
import type { Participant } from './participant';

export interface ViewedRoom {
  sid: string;
  name: string;
  createdAtMs: number;
  participantList: Participant[];
  forwarder: Forwarder;
}

export function roomView(room: ViewedRoom): RoomView {
  return {
    sid: room.sid,
    name: room.name,
    createdAt: room.createdAtMs,
    participants: room.participantList.map((p) => ({
      sid: p.sid,
      identity: p.identity,
      name: p.name,
      state: ParticipantInfo_State[p.state],
      joinedAt: p.joinedAtMs,
      tracks: p.publishedTracks.map((t) => {
        const s = room.forwarder.trackStats(t);
        const subscribedBy = subscribersOf(t, room);
        return {
          sid: t.sid,
          kind: t.kind,
          source: sourceName(t.info.source),
          name: t.info.name,
          muted: t.info.muted,
          codec: t.mimeType,
          width: s?.width || t.info.width,
          height: s?.height || t.info.height,
          frames: s?.frames ?? 0,
          bytes: s?.bytes ?? 0,
          keyframes: s?.keyframes ?? 0,
          subscribers: subscribedBy.length,
          subscribedBy,
        };
      }),
    })),
  };
}

function subscribersOf(t: UpTrack, room: ViewedRoom): SubscriberView[] {
  const out: SubscriberView[] = [];
  for (const q of room.participantList) {
    const b = q.subscriptions.bindingOf(t.sid);
    if (!b) continue;
    const core = t.layerRids.length > 1 ? room.forwarder.downStats(b.forwarded) : null;
    out.push({ identity: q.identity, name: q.name, paused: b.paused, layer: core?.started ? layerName(t, core.currentLayer) : null });
  }
  return out;
}

/** A received simulcast layer by the size its publisher announced for it, else by its quality. */
function layerName(t: UpTrack, index: number): string {
  const quality = qualityOfRid(t.layerRids[index], index);
  const announced = t.info.layers.find((l) => l.quality === quality);
  return announced?.width ? `${announced.width}×${announced.height}` : (VideoQuality[quality] ?? `layer ${index}`).toLowerCase();
}

function sourceName(source: number): string {
  return ['unknown', 'camera', 'microphone', 'screen_share', 'screen_share_audio'][source] ?? 'unknown';
}
