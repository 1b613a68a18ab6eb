// Which simulcast layer a subscriber asked for, from what livekit-client sends in UpdateTrackSettings: the size
// of the element it shows the track in (adaptiveStream), or a quality (setVideoQuality).
import { VideoQuality, type UpdateTrackSettings, type VideoLayer } from '@livekit/protocol';

/** A layer whose shorter side is at least this share of the element's still counts as big enough (LiveKit's 0.9). */
const SIZE_TOLERANCE = 0.9;

/**
 * The highest layer index (0 = lowest) the subscriber needs: the smallest layer that fills its element, else
 * the one for the quality it asked for. `layers` are the publisher's announced layers; `count` the layers that
 * arrive. Without any setting the subscriber gets the top.
 */
export function wantedLayer(settings: Pick<UpdateTrackSettings, 'width' | 'height' | 'quality'>, layers: VideoLayer[], count: number): number {
  const top = count - 1;
  if (count < 2) return 0;
  if (settings.width > 0 && settings.height > 0) {
    const sizes = [...layers].sort((a, b) => a.width * a.height - b.width * b.height);
    if (sizes.length !== count) return top;
    const wanted = Math.min(settings.width, settings.height) * SIZE_TOLERANCE;
    const i = sizes.findIndex((l) => Math.min(l.width, l.height) >= wanted);
    return i < 0 ? top : i;
  }
  switch (settings.quality) {
    case VideoQuality.LOW: return 0;
    case VideoQuality.MEDIUM: return Math.min(1, top);
    default: return top;
  }
}
