// A room's active speakers: each published audio track's meter, the participants speaking now (loudest first),
// and what changed since the last update, which is what LiveKit sends (`SpeakersChanged`). Sans-IO: frames and
// updates come with the time; the room owns the timer and the sending.
import { AudioLevelMeter, type AudioLevelOptions, DEFAULT_AUDIO_LEVEL_OPTIONS, dbovOfLinear } from './audio-level-meter';

/** A participant as the detector needs it: its audio tracks and which of them are muted. */
export interface SpeakerCandidate {
  sid: string;
  audioTracks: { sid: string; muted: boolean }[];
}

/** LiveKit's SpeakerInfo, as a plain value. */
export interface Speaker {
  sid: string;
  /** 0..1, in steps of 1/8, so that small changes do not make an update. */
  level: number;
  active: boolean;
}

/** Levels are sent in eighths, as LiveKit's server does: the order flickers less and updates are rarer. */
const LEVEL_STEPS = 8;

export class SpeakerDetector {
  private meters = new Map<string, AudioLevelMeter>();
  /** Who was speaking at the last update, with the level sent. */
  private last = new Map<string, Speaker>();

  constructor(private readonly options: AudioLevelOptions = DEFAULT_AUDIO_LEVEL_OPTIONS) {}

  /** One audio frame of a published track: its linear level (0..1, as Chromium reports it) and RTP timestamp. */
  observe(trackSid: string, linearLevel: number, rtpTimestamp: number, now: number): void {
    let meter = this.meters.get(trackSid);
    if (!meter) {
      meter = new AudioLevelMeter(this.options);
      this.meters.set(trackSid, meter);
    }
    meter.observe(dbovOfLinear(linearLevel), rtpTimestamp, now);
  }

  /** The track is gone: its meter goes with it. */
  forget(trackSid: string): void {
    this.meters.delete(trackSid);
  }

  /** Who speaks now, loudest first: a participant's level is its loudest unmuted audio track's. */
  speakers(candidates: Iterable<SpeakerCandidate>, now: number): Speaker[] {
    const out: Speaker[] = [];
    for (const c of candidates) {
      let level = 0;
      for (const t of c.audioTracks) {
        const meter = this.meters.get(t.sid);
        if (!meter) continue;
        // read even when muted, so that a stale meter resets
        const read = meter.read(now);
        if (!t.muted && read.active && read.level > level) level = read.level;
      }
      if (level > 0) out.push({ sid: c.sid, level: Math.ceil(level * LEVEL_STEPS) / LEVEL_STEPS, active: true });
    }
    // ties keep the order of the candidates, so that equal speakers do not swap places between updates
    return out.sort((a, b) => b.level - a.level);
  }

  /**
   * The speakers whose level changed since the last update, loudest first, followed by those who stopped
   * (level 0, active false); empty when nothing changed. livekit-client keeps the speakers it knows and orders
   * them by level, so changed levels are enough to keep its order right.
   */
  update(candidates: Iterable<SpeakerCandidate>, now: number): Speaker[] {
    const current = this.speakers(candidates, now);
    const changed: Speaker[] = [];
    const next = new Map<string, Speaker>();
    for (const s of current) {
      if (this.last.get(s.sid)?.level !== s.level) changed.push(s);
      next.set(s.sid, s);
    }
    for (const sid of this.last.keys()) if (!next.has(sid)) changed.push({ sid, level: 0, active: false });
    this.last = next;
    return changed;
  }

  /** The speakers as of the last update, loudest first: what a participant joining now should be told. */
  get current(): Speaker[] {
    return [...this.last.values()];
  }
}
