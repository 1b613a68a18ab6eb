// A room's connection qualities: each stats round (the page's getStats() of every connection, which telemetry
// reads too) becomes one window per participant, scored by its QualityScorer; the room sends the result when a
// quality changed or someone new is scored, as LiveKit's room does. Sans-IO: samples and time are passed in.
import type { PeerState, PeerStatsSample } from '../../src/shared/host-bridge';
import { type Quality, QualityScorer, type StreamWindow } from './quality-scorer';

/** A participant as quality scoring needs it. */
export interface QualityParticipant {
  sid: string;
  /** Its subscriber connection connected at least once (ACTIVE): before that there is nothing to score. */
  active: boolean;
  /** Dropped (a migration, a node failure) and not back yet. */
  gone: boolean;
}

export interface QualityReport {
  participantSid: string;
  quality: Quality;
  /** Mean opinion score, 1 to 4.5, as LiveKit sends. */
  score: number;
}

export interface QualityRound {
  /** Every scored participant's quality, in the order given. */
  reports: QualityReport[];
  /** Whether any quality differs from the last round's, or a participant was scored for the first time. */
  changed: boolean;
}

const GONE_STATES: ReadonlySet<PeerState> = new Set(['disconnected', 'failed', 'closed']);

interface Counted {
  packets: number;
  lost: number;
}

export class RoomQuality {
  private scorers = new Map<string, QualityScorer>();
  private lastQuality = new Map<string, Quality>();
  private counters = new Map<string, Counted>();
  private deficits = new Map<string, number>();
  private lastRoundAt: number | null = null;

  /**
   * How far below the video layers it wants a subscriber receives, 0..1 (simulcast's layer choice feeds this;
   * 0, none, until it does). Counts in every window until changed.
   */
  setLayerDeficit(participantSid: string, deficit: number): void {
    this.deficits.set(participantSid, deficit);
  }

  round(samples: PeerStatsSample[], participants: QualityParticipant[], now: number): QualityRound {
    const durationMs = this.lastRoundAt === null ? 0 : now - this.lastRoundAt;
    this.lastRoundAt = now;
    const bySide = new Map(samples.map((s) => [`${s.pid}/${s.side}`, s]));
    const seenCounters = new Set<string>();
    const reports: QualityReport[] = [];
    let changed = false;
    for (const p of participants) {
      if (!p.active) continue;
      const up = bySide.get(`${p.sid}/up`);
      const down = bySide.get(`${p.sid}/down`);
      let scorer = this.scorers.get(p.sid);
      if (!scorer) {
        scorer = new QualityScorer();
        this.scorers.set(p.sid, scorer);
      }
      // the page leaves closed connections out of its samples; an active participant always has a down one
      const gone = p.gone || !down || GONE_STATES.has(down.state) || (up !== undefined && GONE_STATES.has(up.state));
      if (gone) scorer.update({ kind: 'gone' });
      else {
        const streams = [...this.streams(up, 'up', seenCounters), ...this.streams(down, 'down', seenCounters)];
        scorer.update({ kind: 'measured', durationMs, streams, layerDeficit: this.deficits.get(p.sid) ?? 0 });
      }
      const quality = scorer.quality;
      if (this.lastQuality.get(p.sid) !== quality) changed = true;
      this.lastQuality.set(p.sid, quality);
      reports.push({ participantSid: p.sid, quality, score: scorer.mos });
    }
    this.forgetAllBut(new Set(participants.map((q) => q.sid)), seenCounters);
    return { reports, changed };
  }

  /** The latest reports, for someone who just joined; empty before the first round. */
  latest(participantSids: Iterable<string>): QualityReport[] {
    const out: QualityReport[] = [];
    for (const sid of participantSids) {
      const s = this.scorers.get(sid);
      if (s) out.push({ participantSid: sid, quality: s.quality, score: s.mos });
    }
    return out;
  }

  /** Each stream's packets and losses since the last round (counters are cumulative in getStats). */
  private *streams(sample: PeerStatsSample | undefined, direction: 'up' | 'down', seen: Set<string>): Iterable<StreamWindow> {
    if (!sample) return;
    const wanted = direction === 'up' ? 'in' : 'out';
    for (const rtp of sample.streams) {
      if (rtp.direction !== wanted) continue;
      const key = `${sample.pid}/${sample.side}/${rtp.mid}`;
      seen.add(key);
      const before = this.counters.get(key) ?? { packets: 0, lost: 0 };
      this.counters.set(key, { packets: rtp.packets, lost: rtp.packetsLost });
      // a counter that went backwards belongs to a new stream on that mid: count it from zero
      const fresh = rtp.packets < before.packets || rtp.packetsLost < before.lost;
      yield {
        kind: rtp.kind,
        direction,
        packets: fresh ? rtp.packets : rtp.packets - before.packets,
        lost: fresh ? rtp.packetsLost : rtp.packetsLost - before.lost,
        jitterMs: rtp.jitterMs,
        rttMs: sample.rttMs,
      };
    }
  }

  private forgetAllBut(participants: Set<string>, counters: Set<string>): void {
    for (const sid of this.scorers.keys()) {
      if (participants.has(sid)) continue;
      this.scorers.delete(sid);
      this.lastQuality.delete(sid);
      this.deficits.delete(sid);
    }
    for (const key of this.counters.keys()) if (!counters.has(key)) this.counters.delete(key);
  }
}
