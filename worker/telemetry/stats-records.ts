// Per-track stats for each interval: the page's cumulative RTP counters and the forwarding core's counters,
// turned into rates and per-interval counts for one track in one direction.
import type { RtpStreamSample } from '../../src/shared/host-bridge';
import type { TrackStatRecord } from '../../src/shared/telemetry-records';

export type { TrackStatRecord };

/** Counters of one stream at one moment, RTP and core alike. */
export interface Sample {
  at: number;
  rtp: RtpStreamSample;
  /** The forwarding core's frame and keyframe counts for this track (up) or this subscriber's copy (down). */
  coreFrames: number;
  coreKeyframes: number;
}

export interface RecordContext {
  roomSid: string;
  room: string;
  participantSid: string;
  identity: string;
  trackSid: string;
  rttMs: number;
  /** The connection's outgoing estimate, kbit/s (for `down` records). */
  estimateKbps: number;
  /** The track's dimensions from its keyframes, when the stream itself does not say (forwarded video). */
  width: number;
  height: number;
  /** The simulcast layer a `down` record's subscriber gets; absent when the track has one layer. */
  layer?: number;
  /** The highest temporal layer a `down` record's subscriber gets, when it is not sent them all. */
  temporalLayer?: number;
}

/** Remembers each stream's last sample, so that the next one becomes a per-interval record. */
export class StatsDeltas {
  private last = new Map<string, Sample>();

  /** Returns a record for the interval since this key's last sample, or null for its first sample. */
  next(key: string, sample: Sample, ctx: RecordContext): TrackStatRecord | null {
    const before = this.last.get(key);
    this.last.set(key, sample);
    // a restarted stream (counters went back) starts over
    if (!before || sample.rtp.packets < before.rtp.packets || sample.at <= before.at) return null;
    const seconds = (sample.at - before.at) / 1000;
    const a = before.rtp;
    const b = sample.rtp;
    const packets = b.packets - a.packets;
    const packetsLost = Math.max(0, b.packetsLost - a.packetsLost);
    const up = b.direction === 'in';
    const frames = up ? b.framesDecoded - a.framesDecoded : sample.coreFrames - before.coreFrames;
    return {
      at: sample.at,
      roomSid: ctx.roomSid,
      room: ctx.room,
      participantSid: ctx.participantSid,
      identity: ctx.identity,
      trackSid: ctx.trackSid,
      kind: b.kind,
      direction: up ? 'up' : 'down',
      bitrateKbps: ((b.bytes - a.bytes) * 8) / seconds / 1000,
      packets,
      packetsLost,
      lossPercent: packets + packetsLost > 0 ? (packetsLost / (packets + packetsLost)) * 100 : 0,
      jitterMs: b.jitterMs,
      rttMs: ctx.rttMs,
      frames: Math.max(0, frames),
      fps: Math.max(0, frames) / seconds,
      // a subscriber slot's sender may carry the host's probe track, whose 16x16 frames are never sent: what the
      // subscriber gets is the publisher's picture
      width: up ? b.width || ctx.width : ctx.width || b.width,
      height: up ? b.height || ctx.height : ctx.height || b.height,
      keyframes: Math.max(0, up ? b.keyFramesDecoded - a.keyFramesDecoded : sample.coreKeyframes - before.coreKeyframes),
      plis: Math.max(0, b.pliCount + b.firCount - a.pliCount - a.firCount),
      nacks: Math.max(0, b.nackCount - a.nackCount),
      sendDelayMs: up || packets <= 0 ? 0 : (Math.max(0, b.sendDelaySeconds - a.sendDelaySeconds) * 1000) / packets,
      estimateKbps: up ? 0 : ctx.estimateKbps,
      ...(ctx.layer === undefined ? {} : { layer: ctx.layer }),
      ...(ctx.temporalLayer === undefined ? {} : { temporalLayer: ctx.temporalLayer }),
    };
  }

  /** Forgets streams not seen in the latest round. */
  keepOnly(keys: Set<string>): void {
    for (const k of this.last.keys()) if (!keys.has(k)) this.last.delete(k);
  }
}
