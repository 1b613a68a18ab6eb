// One track's bitrate, frame rate and loss over time, drawn with uPlot: a line for what its publisher sent the
// host, and one per subscriber for what the host forwarded to it. Records of one stats round share a timestamp.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { TrackStatRecord } from '../../shared/telemetry-records';

type Metric = 'bitrateKbps' | 'fps' | 'lossPercent' | 'sendDelayMs' | 'layer';

const CHARTS: { metric: Metric; title: string; unit: string }[] = [
  { metric: 'bitrateKbps', title: 'Bitrate', unit: 'kbit/s' },
  { metric: 'fps', title: 'Frame rate', unit: 'fps' },
  { metric: 'lossPercent', title: 'Loss', unit: '%' },
  // only the host's sends have a send queue: the publisher's line stays empty
  { metric: 'sendDelayMs', title: 'Host send delay', unit: 'ms per packet' },
  // simulcast tracks only: which layer each subscriber gets (its switches show as steps; the event list says why)
  { metric: 'layer', title: 'Simulcast layer', unit: '0 = lowest' },
];

const COLOURS = ['#1f5fbf', '#c2410c', '#15803d', '#7e22ce', '#b91c1c', '#0e7490', '#a16207'];

/** The chart's lines: the publisher's up stream first, then each subscriber's down stream. */
function lineNames(records: TrackStatRecord[]): { key: string; label: string }[] {
  const lines = new Map<string, string>();
  for (const r of records) {
    const key = `${r.direction}/${r.participantSid}`;
    if (!lines.has(key)) lines.set(key, r.direction === 'up' ? `from ${r.identity}` : `to ${r.identity}`);
  }
  return [...lines].map(([key, label]) => ({ key, label })).sort((a, b) => Number(b.key.startsWith('up/')) - Number(a.key.startsWith('up/')));
}

export function chartData(records: TrackStatRecord[], metric: Metric): { labels: string[]; data: uPlot.AlignedData } {
  const lines = lineNames(records);
  const times = [...new Set(records.map((r) => r.at))].sort((a, b) => a - b);
  const row = new Map(times.map((t, i) => [t, i]));
  const ys = lines.map(() => new Array<number | null>(times.length).fill(null));
  const column = new Map(lines.map((l, i) => [l.key, i]));
  for (const r of records) {
    const v = r[metric];
    if (v === undefined || (metric === 'sendDelayMs' && r.direction === 'up')) continue;
    ys[column.get(`${r.direction}/${r.participantSid}`)!][row.get(r.at)!] = Math.round(v * 100) / 100;
  }
  return { labels: lines.map((l) => l.label), data: [times.map((t) => t / 1000), ...ys] as uPlot.AlignedData };
}

export class TrackCharts {
  private plots: uPlot[] = [];
  private shape = '';

  constructor(private readonly root: HTMLElement) {}

  show(records: TrackStatRecord[]): void {
    const width = Math.max(280, Math.floor((this.root.clientWidth || 900) / CHARTS.length) - 12);
    const sets = CHARTS.map((c) => chartData(records, c.metric));
    const shape = `${width}|${sets[0].labels.join(',')}`;
    // a new subscriber or a resize rebuilds the charts; otherwise only their data changes
    if (shape !== this.shape) this.rebuild(width, sets[0].labels, shape);
    sets.forEach((s, i) => this.plots[i].setData(s.data));
    // a track without simulcast has no layers to chart
    const layers = this.root.querySelector<HTMLElement>('[data-metric="layer"]');
    if (layers) layers.hidden = !records.some((r) => r.layer !== undefined);
    this.root.dataset.points = String(sets[0].data[0].length);
  }

  clear(): void {
    for (const p of this.plots) p.destroy();
    this.plots = [];
    this.shape = '';
    this.root.replaceChildren();
    this.root.dataset.points = '0';
  }

  private rebuild(width: number, labels: string[], shape: string): void {
    this.clear();
    this.shape = shape;
    for (const c of CHARTS) {
      const box = document.createElement('div');
      box.className = 'chart';
      box.dataset.metric = c.metric;
      this.root.append(box);
      const series: uPlot.Series[] = [{}, ...labels.map((label, i) => ({ label, stroke: COLOURS[i % COLOURS.length], width: 1.5, spanGaps: false }))];
      this.plots.push(new uPlot({ title: `${c.title} (${c.unit})`, width, height: 180, series, axes: [{}, { size: 48 }], legend: { live: false } }, [[], ...labels.map(() => [])], box));
    }
  }
}
