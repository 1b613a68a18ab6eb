// Takes every track's stats each stats round: the page reads its connections' getStats() (StatsRounds), the
// worker adds the forwarding core's counters and hands one record per track and direction to the telemetry
// service. None of it runs on the media path.
import type { PeerStatsSample } from '../../src/shared/host-bridge';
import type { DownConnectionView, TrackStatRecord } from '../../src/shared/telemetry-records';
import { ALL_TEMPORAL } from '../core/forwarding-core';
import type { Forwarder } from '../media/forwarder';
import type { Room } from '../rooms/room';
import { StatsDeltas } from './stats-records';
import type { TelemetryService } from './telemetry-service';

export interface CollectorCost {
  /** Rounds taken. */
  rounds: number;
  /** Worker time spent building records, ms, over all rounds. */
  workerMs: number;
  /** Wall time of the page's getStats() calls, ms, over all rounds. */
  pageMs: number;
}

export class StatsCollector {
  readonly cost: CollectorCost = { rounds: 0, workerMs: 0, pageMs: 0 };
  /** Each subscriber connection as of the latest round, for the dashboard. */
  connections: DownConnectionView[] = [];
  private deltas = new StatsDeltas();

  constructor(
    private readonly forwarder: Forwarder,
    private readonly rooms: () => Room[],
    private readonly telemetry: TelemetryService,
  ) {}

  /** One stats round's samples, which the page took `pageMs` to read. */
  take(samples: PeerStatsSample[], pageMs: number): void {
    const started = performance.now();
    this.cost.pageMs += pageMs;
    this.record(samples, Date.now());
    this.telemetry.flush();
    this.cost.workerMs += performance.now() - started;
    this.cost.rounds++;
  }

  private record(samples: PeerStatsSample[], now: number): void {
    const bySide = new Map(samples.map((s) => [`${s.pid}/${s.side}`, s]));
    const seen = new Set<string>();
    const connections: DownConnectionView[] = [];
    for (const room of this.rooms()) {
      for (const p of room.participantList) {
        const base = { roomSid: room.sid, room: room.name, participantSid: p.sid, identity: p.identity };
        const up = bySide.get(`${p.sid}/up`);
        for (const rtp of up?.streams ?? []) {
          const track = rtp.direction === 'in' ? p.up.trackByMid(rtp.mid) : undefined;
          if (!track) continue;
          const core = this.forwarder.trackStats(track);
          const key = `${p.sid}/up/${rtp.mid}/${track.sid}`;
          seen.add(key);
          const r = this.deltas.next(key, { at: now, rtp, coreFrames: core?.frames ?? 0, coreKeyframes: core?.keyframes ?? 0 }, { ...base, trackSid: track.sid, rttMs: up!.rttMs, estimateKbps: 0, width: core?.width ?? 0, height: core?.height ?? 0 });
          if (r) this.telemetry.trackStats(r);
        }
        const down = bySide.get(`${p.sid}/down`);
        const downRecords: TrackStatRecord[] = [];
        for (const rtp of down?.streams ?? []) {
          const binding = rtp.direction === 'out' ? p.down.bindingForMid(rtp.mid) : null;
          if (!binding) continue;
          const core = this.forwarder.downStats(binding.forwarded);
          const dims = this.forwarder.trackStats(binding.up);
          const key = `${p.sid}/down/${rtp.mid}/${binding.up.sid}`;
          seen.add(key);
          const r = this.deltas.next(key, { at: now, rtp, coreFrames: core?.frames ?? 0, coreKeyframes: core?.keyframes ?? 0 }, {
            ...base, trackSid: binding.up.sid, rttMs: down!.rttMs, estimateKbps: down!.outgoingEstimateKbps, width: dims?.width ?? 0, height: dims?.height ?? 0,
            ...(binding.up.layerCount > 1 && core?.started ? { layer: core.currentLayer } : {}),
            ...(core?.started && core.temporalLayer !== ALL_TEMPORAL ? { temporalLayer: core.temporalLayer } : {}),
          });
          if (r) {
            this.telemetry.trackStats(r);
            downRecords.push(r);
          }
        }
        if (down && downRecords.length) connections.push(connectionView(base, now, down.outgoingEstimateKbps, downRecords));
      }
    }
    this.deltas.keepOnly(seen);
    this.connections = connections;
  }
}

/** One subscriber connection from its streams' records of a round: the send delay is per video packet. */
export function connectionView(base: Omit<DownConnectionView, 'at' | 'estimateKbps' | 'forwardedKbps' | 'sendDelayMs'>, at: number, estimateKbps: number, records: TrackStatRecord[]): DownConnectionView {
  const video = records.filter((r) => r.kind === 'video' && r.packets > 0);
  const packets = video.reduce((a, r) => a + r.packets, 0);
  return {
    ...base,
    at,
    estimateKbps,
    forwardedKbps: records.reduce((a, r) => a + r.bitrateKbps, 0),
    sendDelayMs: packets ? video.reduce((a, r) => a + (r.sendDelayMs ?? 0) * r.packets, 0) / packets : 0,
  };
}
