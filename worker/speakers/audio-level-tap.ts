// Where the forwarder's audio levels go: each published audio track's frames feed its room's speaker detector.
// Host-wide, because the forwarder knows tracks, not rooms; rooms watch their tracks while published.
import type { UpTrack } from '../media/up-track';
import type { SpeakerDetector } from './speaker-detector';

/** What the forwarder calls for each audio frame it routes; it must not allocate or log. */
export interface AudioLevelSink {
  /** `linearLevel`: the frame's audioLevel metadata (0..1, from the publisher's ssrc-audio-level extension). */
  audioFrame(track: UpTrack, linearLevel: number, rtpTimestamp: number, now: number): void;
}

export class AudioLevelTap implements AudioLevelSink {
  private detectors = new Map<UpTrack, SpeakerDetector>();

  watch(track: UpTrack, detector: SpeakerDetector): void {
    this.detectors.set(track, detector);
  }

  unwatch(track: UpTrack): void {
    this.detectors.delete(track);
  }

  audioFrame(track: UpTrack, linearLevel: number, rtpTimestamp: number, now: number): void {
    this.detectors.get(track)?.observe(track.sid, linearLevel, rtpTimestamp, now);
  }
}
