// Dynacast: publishers encode only the simulcast layers someone watches. After each change in what subscribers
// want, the publisher of a simulcast track is told which layers are needed (every layer up to the highest one
// wanted: lower layers stay on, because a subscriber's bandwidth may push it down to them). A layer is turned on
// at once and off only after nobody wanted it for `offDelayMs`, so that a tile that shrinks for a moment does not
// cost a keyframe when it grows back. livekit-client acts on this only with the room option `dynacast: true`.
import { SubscribedCodec, SubscribedQuality, SubscribedQualityUpdate } from '@livekit/protocol';
import { qualityOfRid } from './layer-choice';
import type { UpTrack } from './up-track';

export interface DynacastOptions {
  /** How long a layer nobody wants keeps being sent. Default 3000 ms. */
  offDelayMs: number;
}

export const DEFAULT_DYNACAST_OPTIONS: DynacastOptions = { offDelayMs: 3000 };

interface TrackState {
  /** The highest layer the publisher was last told to send; -1 = none. */
  sent: number;
  /** When the wanted layer first fell below `sent`. */
  lowerSinceMs: number | null;
}


export class Dynacast {
  private tracks = new Map<UpTrack, TrackState>();

  constructor(
    private readonly send: (track: UpTrack, update: SubscribedQualityUpdate) => void,
    private readonly options: DynacastOptions = DEFAULT_DYNACAST_OPTIONS,
  ) {}

  /** What subscribers want of a track now (`maxWanted`: the highest layer, -1 for none); sends an update when due. */
  update(track: UpTrack, maxWanted: number, nowMs: number): void {
    if (track.layerCount < 2) return;
    let state = this.tracks.get(track);
    if (!state) {
      // the publisher starts with every layer on
      state = { sent: track.layerCount - 1, lowerSinceMs: null };
      this.tracks.set(track, state);
    }
    if (maxWanted >= state.sent) {
      state.lowerSinceMs = null;
      if (maxWanted > state.sent) this.tell(track, state, maxWanted);
      return;
    }
    state.lowerSinceMs ??= nowMs;
    if (nowMs - state.lowerSinceMs >= this.options.offDelayMs) this.tell(track, state, maxWanted);
  }

  forget(track: UpTrack): void {
    this.tracks.delete(track);
  }

  private tell(track: UpTrack, state: TrackState, layer: number): void {
    state.sent = layer;
    state.lowerSinceMs = null;
    const qualities = track.layerRids.map((rid, i) => new SubscribedQuality({ quality: qualityOfRid(rid, i), enabled: i <= layer }));
    const codec = track.mimeType.split('/')[1]?.toLowerCase() ?? '';
    this.send(track, new SubscribedQualityUpdate({
      trackSid: track.sid,
      subscribedQualities: qualities,
      subscribedCodecs: [new SubscribedCodec({ codec, qualities })],
    }));
  }
}
