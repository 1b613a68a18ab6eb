// One published audio track's speech level, from the level each of its frames carries (the publisher's
// ssrc-audio-level header extension, RFC 6464). Sans-IO: the caller passes every frame's level and RTP
// timestamp and the time; nothing here reads a clock. After LiveKit's pkg/sfu/audio (see ARCHITECTURE.md,
// "Active speakers").

/** The extension's scale: 0 is the loudest (0 dBov), 127 silence (-127 dBov or quieter). */
export const SILENT_DBOV = 127;

export interface AudioLevelOptions {
  /** A frame at least this loud (in -dBov: lower is louder) counts as speech. Default 35, as LiveKit. */
  activeDbov: number;
  /** A window is speech when at least this share of it was speech. Default 0.4, as LiveKit. */
  minActiveShare: number;
  /** The length of a window, ms of audio. Default 400, LiveKit's update interval. */
  windowMs: number;
  /** The level is an exponential moving average over about this many windows. Default 2, as LiveKit. */
  smoothWindows: number;
  /** RTP clock of the codec, Hz; Opus's is 48000. */
  clockRate: number;
}

export const DEFAULT_AUDIO_LEVEL_OPTIONS: AudioLevelOptions = { activeDbov: 35, minActiveShare: 0.4, windowMs: 400, smoothWindows: 2, clockRate: 48_000 };

/** The longest gap between two frames that still counts as audio: a mute or a stall is not a long silence frame. */
const MAX_FRAME_GAP_MS = 1000;

export interface SpeechLevel {
  /** 0..1, linear (1 is 0 dBov). */
  level: number;
  /** Loud enough, long enough, recently enough. */
  active: boolean;
}

/** The linear level (0..1) Chromium reports in RTCEncodedAudioFrame metadata, as -dBov (0..127). */
export function dbovOfLinear(linear: number): number {
  if (!(linear > 0)) return SILENT_DBOV;
  return Math.min(SILENT_DBOV, Math.max(0, Math.round(-20 * Math.log10(linear))));
}

export function linearOfDbov(dbov: number): number {
  return 10 ** (-dbov / 20);
}

export class AudioLevelMeter {
  private readonly smoothing: number;
  private readonly activeThreshold: number;
  private smoothed = 0;
  private loudest = SILENT_DBOV;
  private activeMs = 0;
  private observedMs = 0;
  private lastFrameAt = -Infinity;
  private lastRtpTimestamp: number | null = null;

  constructor(private readonly options: AudioLevelOptions = DEFAULT_AUDIO_LEVEL_OPTIONS) {
    // an EMA whose centre of mass matches a moving average over `smoothWindows`
    this.smoothing = options.smoothWindows > 0 ? 2 / (options.smoothWindows + 1) : 1;
    this.activeThreshold = linearOfDbov(options.activeDbov);
  }

  /**
   * One frame: its level (-dBov) and RTP timestamp. A frame's duration is the timestamp step from the frame
   * before, so a DTX frame after silence weighs as the silence it stands for. Older (reordered) frames are skipped.
   */
  observe(dbov: number, rtpTimestamp: number, now: number): void {
    const last = this.lastRtpTimestamp;
    this.lastRtpTimestamp = rtpTimestamp;
    if (last === null) return;
    const step = (rtpTimestamp - last) >>> 0;
    // a wrapped subtraction this large means the frame is older than the last one
    if (step === 0 || step >= 0x8000_0000) {
      if (step !== 0) this.lastRtpTimestamp = last;
      return;
    }
    const durationMs = Math.min(MAX_FRAME_GAP_MS, (step * 1000) / this.options.clockRate);
    this.lastFrameAt = now;
    this.observedMs += durationMs;
    if (dbov <= this.options.activeDbov) {
      this.activeMs += durationMs;
      if (dbov < this.loudest) this.loudest = dbov;
    }
    if (this.observedMs >= this.options.windowMs) this.closeWindow();
  }

  /** The smoothed level now; a track that sent nothing for two windows is silent. */
  read(now: number): SpeechLevel {
    if (now - this.lastFrameAt >= 2 * this.options.windowMs) this.reset(0);
    return { level: this.smoothed, active: this.smoothed >= this.activeThreshold };
  }

  private closeWindow(): void {
    const { windowMs, minActiveShare } = this.options;
    let next = 0;
    if (this.activeMs >= minActiveShare * windowMs) {
      // the loudest frame, discounted by how little of the window was speech (0 dB when all of it was)
      const share = this.activeMs / this.observedMs;
      const adjusted = this.loudest - 20 * Math.log10(share);
      next = this.smoothed + (linearOfDbov(adjusted) - this.smoothed) * this.smoothing;
    }
    // a window without enough speech drops the level to 0 at once: a speaker stops being one within a window
    this.reset(next);
  }

  private reset(smoothed: number): void {
    this.smoothed = smoothed;
    this.loudest = SILENT_DBOV;
    this.activeMs = 0;
    this.observedMs = 0;
  }
}
