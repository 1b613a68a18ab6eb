// Active speakers in fake time: publishers' audio frames (20 ms of Opus, 960 ticks of its 48 kHz clock) at
// chosen levels, and the room's update every 400 ms, as the host runs it.
import { describe, expect, it } from 'vitest';
import { AudioLevelMeter, dbovOfLinear, linearOfDbov } from '../../worker/speakers/audio-level-meter';
import { type Speaker, type SpeakerCandidate, SpeakerDetector } from '../../worker/speakers/speaker-detector';

/** Linear levels Chromium reports for a 440 Hz tone at these WebAudio gains (measured, Chromium 156). */
const LOUD = 0.3548; // gain 0.5: -9 dBov
const QUIET = 0.0355; // gain 0.05: -29 dBov
const WHISPER = 0.0071; // gain 0.01: -43 dBov, under the -35 dBov threshold
const SILENT = 0;

const FRAME_MS = 20;
const UPDATE_MS = 400;

interface Publisher {
  sid: string;
  track: string;
  /** The level of its frames now; null: it sends none. */
  level: number | null;
  muted: boolean;
  rtp: number;
  /** Frames between sends, for DTX (1: every frame). */
  every: number;
}

function room(...levels: [string, number | null][]) {
  const detector = new SpeakerDetector();
  const pubs: Publisher[] = levels.map(([sid, level]) => ({ sid, track: `TR_${sid}`, level, muted: false, rtp: 1234, every: 1 }));
  let now = 0;
  let frame = 0;
  const sent: Speaker[][] = [];
  /** What a livekit-client Room would show as activeSpeakers, applying each update as Room.handleSpeakersChanged does. */
  let clientView = new Map<string, number>();
  const candidates = (): SpeakerCandidate[] => pubs.map((p) => ({ sid: p.sid, audioTracks: [{ sid: p.track, muted: p.muted }] }));
  const run = (ms: number) => {
    for (let t = 0; t < ms; t += FRAME_MS) {
      now += FRAME_MS;
      frame++;
      for (const p of pubs) {
        p.rtp = (p.rtp + 960) >>> 0;
        if (p.level !== null && frame % p.every === 0) detector.observe(p.track, p.level, p.rtp, now);
      }
      if (now % UPDATE_MS === 0) {
        const changed = detector.update(candidates(), now);
        if (changed.length) {
          sent.push(changed);
          const next = new Map(clientView);
          for (const s of changed) {
            if (s.active) next.set(s.sid, s.level);
            else next.delete(s.sid);
          }
          clientView = next;
        }
      }
    }
  };
  const activeSpeakers = () => [...clientView.entries()].sort((a, b) => b[1] - a[1]).map(([sid]) => sid);
  const pub = (sid: string) => pubs.find((p) => p.sid === sid)!;
  return { detector, run, sent, activeSpeakers, pub, now: () => now };
}

describe('audio levels', () => {
  it('reads Chromium\'s linear levels as the extension\'s -dBov', () => {
    expect(dbovOfLinear(0.7079)).toBe(3);
    expect(dbovOfLinear(LOUD)).toBe(9);
    expect(dbovOfLinear(QUIET)).toBe(29);
    expect(dbovOfLinear(SILENT)).toBe(127);
    expect(linearOfDbov(35)).toBeCloseTo(0.0178, 4);
  });

  it('a meter fed nothing for two windows reads silent', () => {
    const meter = new AudioLevelMeter();
    let rtp = 0;
    for (let now = 0; now < 1000; now += 20) meter.observe(9, (rtp += 960), now);
    expect(meter.read(1000).active).toBe(true);
    expect(meter.read(1000 + 2 * UPDATE_MS).active).toBe(false);
  });
});

describe('active speakers', () => {
  it('lists the loud speaker before the quiet one, and never the silent one or one under the threshold', () => {
    const r = room(['loud', LOUD], ['quiet', QUIET], ['silent', SILENT], ['whisper', WHISPER]);
    r.run(3000);
    expect(r.activeSpeakers()).toEqual(['loud', 'quiet']);
    expect(r.sent.flat().some((s) => s.sid === 'silent' || s.sid === 'whisper')).toBe(false);
  });

  it('sends levels in eighths, from 0 to 1, and marks them active', () => {
    const r = room(['loud', LOUD]);
    r.run(3000);
    const last = r.sent.at(-1)!.find((s) => s.sid === 'loud')!;
    expect(last.active).toBe(true);
    expect(last.level * 8).toBe(Math.round(last.level * 8));
    // -9 dBov is 0.355 linear, sent as the eighth above it
    expect(last.level).toBe(0.375);
  });

  it('becomes a speaker within a second and, once its level settled, sends nothing while nothing changes', () => {
    const r = room(['loud', LOUD], ['quiet', QUIET]);
    r.run(1000);
    expect(r.activeSpeakers()).toEqual(['loud', 'quiet']);
    r.run(1000);
    const before = r.sent.length;
    r.run(5000);
    expect(r.sent.length).toBe(before);
  });

  it('a muted speaker stops being one at the next update, sent as level 0 and not active', () => {
    const r = room(['loud', LOUD], ['quiet', QUIET]);
    r.run(2000);
    r.pub('loud').muted = true;
    r.run(UPDATE_MS);
    expect(r.activeSpeakers()).toEqual(['quiet']);
    expect(r.sent.at(-1)).toEqual([{ sid: 'loud', level: 0, active: false }]);
  });

  it('a speaker who falls silent is dropped within a window or two, and one who stops sending likewise', () => {
    const r = room(['a', LOUD], ['b', LOUD]);
    r.run(2000);
    r.pub('a').level = SILENT;
    r.pub('b').level = null;
    r.run(2 * UPDATE_MS + FRAME_MS);
    r.run(UPDATE_MS);
    expect(r.activeSpeakers()).toEqual([]);
  });

  it('silence in DTX (one frame in 20) counts for the time it stands for, so it is not speech', () => {
    const r = room(['dtx', SILENT]);
    r.pub('dtx').every = 20;
    r.run(3000);
    expect(r.activeSpeakers()).toEqual([]);
  });

  it('does not flicker: a word with short pauses keeps its speaker through the pauses', () => {
    const r = room(['talker', LOUD]);
    r.run(1000);
    const updates = r.sent.length;
    // 300 ms of speech, 100 ms of pause, for 4 s: each 400 ms window is 75 % speech
    for (let i = 0; i < 10; i++) {
      r.pub('talker').level = LOUD;
      r.run(300);
      r.pub('talker').level = SILENT;
      r.run(100);
    }
    expect(r.activeSpeakers()).toEqual(['talker']);
    expect(r.sent.slice(updates).flat().some((s) => !s.active)).toBe(false);
  });

  it('a speaker who gets louder moves ahead of one who got quieter', () => {
    const r = room(['a', LOUD], ['b', QUIET]);
    r.run(2000);
    expect(r.activeSpeakers()).toEqual(['a', 'b']);
    r.pub('a').level = QUIET;
    r.pub('b').level = LOUD;
    r.run(2000);
    expect(r.activeSpeakers()).toEqual(['b', 'a']);
  });

  it('tells a late joiner who speaks now, loudest first', () => {
    const r = room(['a', QUIET], ['b', LOUD]);
    r.run(2000);
    expect(r.detector.current.map((s) => s.sid)).toEqual(['b', 'a']);
  });

  it('skips frames older than the last one (reordered), and survives the RTP timestamp wrapping', () => {
    const meter = new AudioLevelMeter();
    let rtp = 0xffff_ffff - 960 * 20;
    let now = 0;
    for (let i = 0; i < 60; i++) {
      now += 20;
      rtp = (rtp + 960) >>> 0;
      meter.observe(9, rtp, now);
      // a late copy of an earlier frame, silent
      meter.observe(127, (rtp - 960 * 3) >>> 0, now);
    }
    expect(meter.read(now)).toMatchObject({ active: true });
    expect(meter.read(now).level).toBeGreaterThan(0.3);
  });
});
