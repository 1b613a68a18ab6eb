// Which simulcast layer a subscriber asked for, from what livekit-client sends in UpdateTrackSettings: the size
// of the element it shows the track in (adaptiveStream), or a quality (setVideoQuality); and the frame rate it asked
// for (setVideoFPS), which temporal layers serve.
import { VideoQuality, type UpdateTrackSettings, type VideoLayer } from '@livekit/protocol';

/** What a subscriber asked for of a video track: its highest simulcast layer, and a frame rate (0 = any). */
export interface Wanted {
  layer: number;
  fps: number;
}

/** A layer whose shorter side is at least this share of the element's still counts as big enough (LiveKit's 0.9). */
const SIZE_TOLERANCE = 0.9;

/** livekit-client's rids and the qualities it gives them (publishUtils: videoRids, videoQualityForRid). */
const QUALITY_BY_RID: Readonly<Record<string, VideoQuality>> = { q: VideoQuality.LOW, h: VideoQuality.MEDIUM, f: VideoQuality.HIGH };

/** The quality a received layer stands for: by its rid, else by its place. */
export function qualityOfRid(rid: string | undefined, index: number): VideoQuality {
  return QUALITY_BY_RID[rid ?? ''] ?? (Math.min(index, VideoQuality.HIGH) as VideoQuality);
}

/**
 * The highest received layer (0 = lowest) the subscriber needs: the smallest one that fills its element, else the
 * highest one at or below the quality it asked for. `announced` are the publisher's layers (AddTrackRequest),
 * `rids` the ones the host receives, low to high. Without any setting the subscriber gets the top.
 */
export function wantedLayer(settings: Pick<UpdateTrackSettings, 'width' | 'height' | 'quality'>, announced: VideoLayer[], rids: string[]): number {
  const top = rids.length - 1;
  if (rids.length < 2) return 0;
  const qualities = rids.map((r, i) => qualityOfRid(r, i));
  if (settings.width > 0 && settings.height > 0) {
    const wanted = Math.min(settings.width, settings.height) * SIZE_TOLERANCE;
    const i = qualities.findIndex((q) => {
      const layer = announced.find((l) => l.quality === q);
      return !!layer && Math.min(layer.width, layer.height) >= wanted;
    });
    return i < 0 ? top : i;
  }
  const asked = settings.quality === VideoQuality.OFF ? VideoQuality.HIGH : settings.quality;
  let best = 0;
  qualities.forEach((q, i) => {
    if (q <= asked) best = i;
  });
  return best;
}
