// The host page's telemetry dashboard: what the store holds and how it is doing, each participant's stats worker,
// a chosen track's charts, the event timeline, and export and clear. It reads everything from the worker, which
// reads IndexedDB, so what it shows after a reload is what was written before it.
import type { Remote } from 'comlink';
import type { WorkerApi } from '../../shared/host-bridge';
import type { DownConnectionView, TelemetryStatus, TrackStatRecord, TrackSummary } from '../../shared/telemetry-records';
import { esc } from '../html';
import { Timeline } from './timeline';
import { TrackCharts } from './track-charts';

/** How often the dashboard reads the worker. Charts gain a point per stats interval (5 s by default). */
const REFRESH_MS = 2000;
/** A subscriber connection whose packets wait longer than this in the host's send queue is marked as queueing. */
const QUEUE_WARN_MS = 20;
const WINDOWS: [string, number][] = [['last 15 minutes', 15 * 60_000], ['last hour', 3600_000], ['last day', 24 * 3600_000], ['last week', 7 * 24 * 3600_000]];

export class Dashboard {
  private statusEl: HTMLElement;
  private workersEl: HTMLElement;
  private connectionsEl: HTMLElement;
  private trackSelect: HTMLSelectElement;
  private windowSelect: HTMLSelectElement;
  private charts: TrackCharts;
  private timeline: Timeline;
  private busy = false;
  /** The timeline shows events up to this count and for this filter; it is read again when either changes. */
  private timelineAt = { events: -1, filter: '' };
  /** The charted track's records in the window, kept between refreshes so that each reads only what is new. */
  private charted = { track: '', since: 0, records: [] as TrackStatRecord[] };

  constructor(root: HTMLElement, private readonly api: Remote<WorkerApi>) {
    root.innerHTML = `
      <h2>Telemetry</h2>
      <p class="telemetry-status" data-testid="telemetry-status">reading…</p>
      <p class="error" data-testid="telemetry-warning" hidden></p>
      <div class="data-controls">
        <button data-export="ndjson">Export NDJSON</button>
        <button data-export="json">Export JSON</button>
        <button data-testid="telemetry-clear">Clear data</button>
      </div>
      <h3>Subscriber connections</h3>
      <table class="connections" data-testid="down-connections" tabindex="0">
        <thead><tr><th>room</th><th>subscriber</th><th>forwarded, kbit/s</th><th>estimate, kbit/s</th><th>send delay, ms per packet</th></tr></thead>
        <tbody></tbody>
      </table>
      <details class="workers"><summary>Stats workers</summary><ul data-testid="stats-workers"></ul></details>
      <div class="chart-controls">
        <label>Track <select data-testid="chart-track"><option value="">choose a track</option></select></label>
        <label>Show <select data-testid="chart-window">${WINDOWS.map(([label, ms], i) => `<option value="${ms}"${i === 1 ? ' selected' : ''}>${label}</option>`).join('')}</select></label>
      </div>
      <div class="charts" data-testid="charts"></div>
      <h3>Events</h3>
      <div class="events"></div>`;
    this.statusEl = root.querySelector('[data-testid="telemetry-status"]')!;
    this.workersEl = root.querySelector('[data-testid="stats-workers"]')!;
    this.connectionsEl = root.querySelector('[data-testid="down-connections"] tbody')!;
    this.trackSelect = root.querySelector('[data-testid="chart-track"]')!;
    this.windowSelect = root.querySelector('[data-testid="chart-window"]')!;
    this.charts = new TrackCharts(root.querySelector('.charts')!);
    this.timeline = new Timeline(root.querySelector('.events')!, () => void this.refresh());
    this.trackSelect.addEventListener('change', () => void this.refresh());
    this.windowSelect.addEventListener('change', () => void this.refresh());
    for (const b of root.querySelectorAll<HTMLButtonElement>('[data-export]')) b.addEventListener('click', () => void this.download(b.dataset.export as 'ndjson' | 'json'));
    root.querySelector('[data-testid="telemetry-clear"]')!.addEventListener('click', () => void this.clear());
    void this.refresh();
    setInterval(() => void this.refresh(), REFRESH_MS);
  }

  async refresh(): Promise<void> {
    // a background host tab draws nothing, so it reads nothing either
    if (this.busy || document.hidden) return;
    this.busy = true;
    try {
      const status = await this.api.telemetryStatus();
      this.showStatus(status);
      if (!status.store) return;
      const since = Date.now() - Number(this.windowSelect.value);
      this.showTracks(await this.api.telemetryTracks(since));
      await this.showChart(since);
      const filter = JSON.stringify(this.timeline.filter);
      if (status.events !== this.timelineAt.events || filter !== this.timelineAt.filter) {
        const { room, participantSid } = this.timeline.filter;
        const events = await this.api.telemetryEvents({ room: room || undefined, participantSid: participantSid || undefined, limit: 300 });
        this.timeline.learn(events);
        this.timeline.show(events);
        this.timelineAt = { events: status.events, filter };
      }
    } catch (e) {
      this.statusEl.textContent = (e as Error).message;
    } finally {
      this.busy = false;
    }
  }

  private async showChart(since: number): Promise<void> {
    const track = this.trackSelect.value;
    if (!track) {
      this.charted = { track: '', since: 0, records: [] };
      this.charts.clear();
      return;
    }
    const c = this.charted;
    const fresh = c.track !== track || since < c.since;
    const from = fresh ? since : Math.max(since, (c.records.at(-1)?.at ?? since - 1) + 1);
    const added = await this.api.telemetryTrackStats(track, from);
    const records = fresh ? added : [...c.records.filter((r) => r.at >= since), ...added];
    this.charted = { track, since, records };
    this.charts.show(records);
  }

  private showStatus(s: TelemetryStatus): void {
    if (!s.enabled) {
      this.statusEl.textContent = 'Telemetry is off for this host (?telemetry=off).';
      return;
    }
    const store = s.store;
    const cost = s.rounds ? ` · stats round: ${(s.workerMs / s.rounds).toFixed(2)} ms in the worker, ${(s.pageMs / s.rounds).toFixed(1)} ms reading getStats()` : '';
    this.statusEl.textContent = store
      ? `${store.written} records written · ${store.pending} waiting · last write ${store.lastFlushMs.toFixed(1)} ms · ${mb(store.usageBytes)} of ${mb(store.quotaBytes)} used · ${s.webhooksSent} webhooks sent${cost}`
      : `Not stored: IndexedDB did not open. ${s.webhooksSent} webhooks sent.`;
    const warning = this.statusEl.nextElementSibling as HTMLElement;
    warning.hidden = !store?.lastError;
    if (store?.lastError) {
      warning.textContent = store.quotaExceeded
        ? `Storage is full: ${store.pending} records are held in memory and will be written when there is room (${store.lastError}).${store.droppedFromMemory ? ` ${store.droppedFromMemory} of the oldest were dropped from memory.` : ''}`
        : `Writing telemetry failed: ${store.lastError}. ${store.pending} records wait in memory.`;
    }
    this.showConnections(s.connections);
    this.workersEl.innerHTML = s.statsWorkers.length
      ? s.statsWorkers.map((w) => `<li data-participant="${esc(w.participantSid)}" data-references="${w.references}" data-closed="${w.closedAt !== null}">${esc(w.participantSid)}: ${w.closedAt === null ? `open, ${w.references} reference${w.references === 1 ? '' : 's'}` : `closed at ${new Date(w.closedAt).toLocaleTimeString([], { hour12: false })}, reaped later`}${w.connected ? ' · connected' : ''}</li>`).join('')
      : '<li class="none">none</li>';
  }

  /** The host's queue, per subscriber: what it forwards, what the connection's estimate allows, how long packets wait. */
  private showConnections(connections: DownConnectionView[]): void {
    this.connectionsEl.innerHTML = connections.length
      ? connections
          .map((c) => {
            const queueing = c.sendDelayMs > QUEUE_WARN_MS;
            return `<tr data-participant="${esc(c.participantSid)}" data-send-delay="${c.sendDelayMs.toFixed(1)}" data-at="${c.at}"${queueing ? ' class="queueing"' : ''}><td>${esc(c.room)}</td><td>${esc(c.identity)}</td>` +
              `<td>${c.forwardedKbps.toFixed(0)}</td><td>${c.estimateKbps ? c.estimateKbps.toFixed(0) : '–'}</td><td>${c.sendDelayMs.toFixed(1)}${queueing ? ' · queue building' : ''}</td></tr>`;
          })
          .join('')
      : '<tr class="none"><td colspan="5">none yet (a subscriber shows after its first stats round)</td></tr>';
  }

  private showTracks(tracks: TrackSummary[]): void {
    const chosen = this.trackSelect.value;
    const options = tracks.map((t) => `<option value="${esc(t.trackSid)}">${esc(t.room)} · ${esc(t.identity)} · ${t.kind} · ${esc(t.trackSid)}</option>`).join('');
    const html = `<option value="">choose a track</option>${options}`;
    if (this.trackSelect.dataset.html === html) return;
    this.trackSelect.dataset.html = html;
    this.trackSelect.innerHTML = html;
    // until someone picks, show the newest video track
    const keep = tracks.some((t) => t.trackSid === chosen);
    this.trackSelect.value = keep ? chosen : (tracks.find((t) => t.kind === 'video') ?? tracks[0])?.trackSid ?? '';
  }

  private async download(format: 'ndjson' | 'json'): Promise<void> {
    const text = await this.api.telemetryExport(format);
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([text], { type: format === 'json' ? 'application/json' : 'application/x-ndjson' }));
    a.download = `tabsfu-telemetry-${new Date().toISOString().replace(/[:.]/g, '-')}.${format}`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  }

  private async clear(): Promise<void> {
    if (!confirm('Delete every stored event and stats record?')) return;
    await this.api.telemetryClear();
    this.timeline.forget();
    this.timelineAt = { events: -1, filter: '' };
    this.charted = { track: '', since: 0, records: [] };
    this.charts.clear();
    await this.refresh();
  }
}

function mb(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${(bytes / 1e6).toFixed(1)} MB`;
}
