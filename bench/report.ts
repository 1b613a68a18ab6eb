// The benchmark's outputs for people: a table side by side, the targets met or missed, a chart, and the README.
import fs from 'node:fs';
import type { CoreMicroResult } from './core-micro.js';
import type { CaseResult } from './stats.js';

/** The host's default stats interval (DEFAULT_HOST_SETTINGS.statsIntervalMs); the benchmark does not change it. */
const STATS_INTERVAL_MS = 5000;

const f = (x: number | null | undefined, digits = 1) => (x === null || x === undefined || Number.isNaN(x) ? '–' : x.toFixed(digits));

/** The realistic scenarios (pictures that cost real bits): what the forwarding path adds, side by side. */
function realisticTable(results: CaseResult[]): string[] {
  const real = results.filter((r) => r.scenario.texture && !r.scenario.limitedDownKbit);
  if (!real.length) return [];
  const rows = [
    '| scenario | system | draw → arrival p50 / p95 / max, ms | glass to glass mean / p95, ms | subscriber jitter buffer, ms | host send delay per packet, ms | subscriber estimate min / mean, kbit/s | fps min / mean | loss, % | SFU CPU per forwarded stream, % of a core | host decode, % of a core | machine busy, % |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of real) {
    if (r.skipped) {
      rows.push(`| ${r.scenario.name} | ${r.system} | skipped: ${r.skipped.replace(/\|/g, '/').slice(0, 120)} |||||||||| |`);
      continue;
    }
    const e = r.extras;
    rows.push(
      `| ${r.scenario.name} | ${r.system} | ${f(r.arrival.p50)} / ${f(r.arrival.p95)} / ${f(r.arrival.max, 0)} | ${f(r.g2g.mean, 0)} / ${f(r.g2g.p95, 0)} | ${f(r.jitterBufferMs, 0)} | ` +
        `${f(e.sendDelayMs, 1)} | ${f(e.estimateKbpsMin, 0)} / ${f(e.estimateKbpsMean, 0)} | ${f(r.fps.min)} / ${f(r.fps.mean)} | ${f(r.lossPercent, 2)} | ${f(r.sfu?.perStreamPercent, 2)} | ${f(e.hostDecodePercent, 1)} | ${f(r.machinePercent, 0)} |`,
    );
  }
  const long = real.filter((r) => !r.skipped && r.arrivalByMinute.length > 1);
  if (long.length) {
    rows.push('', '| scenario | system | draw → arrival p95 per minute, ms |', '|---|---|---|');
    for (const r of long) rows.push(`| ${r.scenario.name} | ${r.system} | ${r.arrivalByMinute.map((m) => f(m)).join(' / ')} |`);
  }
  return [...rows, ''];
}

/** The limited-subscriber case: what each subscriber got once its layer settled, system beside system. */
function limitedTable(results: CaseResult[]): string[] {
  const cases = results.filter((r) => r.scenario.limitedDownKbit);
  if (!cases.length) return [];
  const rows = [
    '| scenario | system | subscriber | layer at the end (decoded width) | widths it went through | switch time: join → settled on that layer, s | stalled before, s | layer changes in the window | draw → arrival p50 / p95, ms | freezes: count / s | longest gap, ms | decoded fps | SFU / peers CPU, % of a core | machine busy, % |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of cases) {
    if (r.skipped || !r.subscribers) {
      rows.push(`| ${r.scenario.name} | ${r.system} | skipped: ${(r.skipped ?? 'no subscriber figures').replace(/\|/g, '/').slice(0, 120)} ||||||||||| |`);
      continue;
    }
    for (const s of r.subscribers) {
      // a picture that stopped: the last width it showed is not a layer it receives
      const layer = s.fps > 0 ? String(s.width) : s.width ? `none: frozen on ${s.width}` : 'none';
      rows.push(
        `| ${r.scenario.name} | ${r.system} | ${s.limited ? `limited, ${r.scenario.limitedDownKbit} kbit/s` : 'unlimited'} | ${layer} | ${s.path.join(' → ') || '–'} | ` +
          `${f(s.settledMs === null || !(s.fps > 0) ? NaN : s.settledMs / 1000)} | ${f(s.stalledBeforeSeconds)} | ${s.changesInWindow} | ${f(s.arrival.p50)} / ${f(s.arrival.p95)} | ${f(s.freezes, 0)} / ${f(s.freezeSeconds, 2)} | ${s.fps > 0 ? f(s.maxGapMs, 0) : 'the whole window'} | ${f(s.fps)} | ${f(r.sfu?.cpuPercent, 0)} / ${f(r.peersCpuPercent, 0)} | ${f(r.machinePercent, 0)} |`,
      );
    }
  }
  return [...rows, ''];
}

/** Systems in the side-by-side table, in its column order; others (variants, baselines) only in the detailed tables. */
const SIDE_BY_SIDE = ['tabsfu', 'livekit', 'janus', 'mesh'];

/** One row per scenario, one column per system: the figures a user compares first. */
function sideBySide(results: CaseResult[]): string[] {
  const shown = results.filter((r) => SIDE_BY_SIDE.includes(r.system) && !r.scenario.limitedDownKbit);
  const systems = SIDE_BY_SIDE.filter((s) => shown.some((r) => r.system === s));
  if (systems.length < 2) return [];
  const rows = [
    'Side by side (draw → arrival p95 ms · glass to glass mean ms · SFU CPU per forwarded stream, % of a core · fps mean):',
    '',
    `| scenario | ${systems.join(' | ')} |`,
    `|---|${systems.map(() => '---').join('|')}|`,
  ];
  for (const name of [...new Set(shown.map((r) => r.scenario.name))]) {
    const cells = systems.map((sys) => {
      const r = shown.find((x) => x.system === sys && x.scenario.name === name);
      if (!r) return '';
      if (r.skipped) return 'skipped';
      return `${f(r.arrival.p95)} · ${f(r.g2g.mean, 0)} · ${r.sfu ? f(r.sfu.perStreamPercent, 2) : '–'} · ${f(r.fps.mean)}`;
    });
    rows.push(`| ${name} | ${cells.join(' | ')} |`);
  }
  return [...rows, ''];
}

export function renderTable(results: CaseResult[], micro: CoreMicroResult[]): string {
  const classic = results.filter((r) => !r.scenario.texture);
  const rows = [
    ...sideBySide(results),
    ...realisticTable(results),
    ...limitedTable(results),
    '| scenario | system | SFU CPU, % of a core | per forwarded stream | SFU memory (PSS), MB | glass-to-glass p50 / p95 / max (mean), ms | draw → arrival p50 / p95, ms | fps min / mean | loss, % | upload, kbps | join, first / all frames, ms | machine busy, % |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of classic) {
    if (r.skipped) {
      rows.push(`| ${r.scenario.name} | ${r.system} | skipped: ${r.skipped.replace(/\|/g, '/').slice(0, 120)} |||||||||| |`);
      continue;
    }
    rows.push(
      `| ${r.scenario.name} | ${r.system} | ${f(r.sfu?.cpuPercent)} | ${f(r.sfu?.perStreamPercent, 2)} | ${f(r.sfu?.memoryMB, 0)} | ` +
        `${f(r.g2g.p50, 0)} / ${f(r.g2g.p95, 0)} / ${f(r.g2g.max, 0)} (${f(r.g2g.mean, 1)}) | ${f(r.arrival.p50)} / ${f(r.arrival.p95)} | ` +
        `${f(r.fps.min)} / ${f(r.fps.mean)} | ${f(r.lossPercent, 2)} | ${f(r.uploadKbps, 0)} | ${f(r.joinMs.first, 0)} / ${f(r.joinMs.all, 0)} | ${f(r.machinePercent, 0)} |`,
    );
  }
  const withTelemetry = classic.filter((r) => !r.skipped && r.extras.telemetryRecordsPerRound !== undefined);
  if (withTelemetry.length) {
    rows.push('', '| scenario | system | stats round: worker / getStats(), ms | records per round | last write, ms | bytes per record: disk / NDJSON |', '|---|---|---|---|---|---|');
    for (const r of withTelemetry) {
      const e = r.extras;
      rows.push(`| ${r.scenario.name} | ${r.system} | ${f(e.telemetryRoundWorkerMs, 2)} / ${f(e.telemetryRoundGetStatsMs, 1)} | ${f(e.telemetryRecordsPerRound)} | ${f(e.telemetryFlushMs, 1)} | ${f(e.telemetryDiskBytesPerRecord, 0)} / ${f(e.telemetryNdjsonBytesPerRecord, 0)} |`);
    }
  }
  const extras = classic.filter((r) => !r.skipped && Object.keys(r.extras).length);
  if (extras.length) {
    rows.push('', '| scenario | system | keyframe requests to publishers, per minute | forwarded video, kbps per stream |', '|---|---|---|---|');
    for (const r of extras) rows.push(`| ${r.scenario.name} | ${r.system} | ${f(r.extras.keyframeRequestsPerMinute)} | ${f(r.extras.forwardedKbpsPerStream, 0)} |`);
  }
  if (micro.length) {
    rows.push('', '| forwarding decision, subscribers | WASM core, ns per frame | plain TypeScript, ns per frame | TypeScript ÷ WASM |', '|---|---|---|---|');
    for (const n of [...new Set(micro.map((m) => m.subscribers))]) {
      const w = micro.find((m) => m.subscribers === n && m.impl === 'wasm')?.nsPerFrame;
      const t = micro.find((m) => m.subscribers === n && m.impl === 'ts')?.nsPerFrame;
      rows.push(`| ${n} | ${f(w, 0)} | ${f(t, 0)} | ${w && t ? (t / w).toFixed(2) : '–'} |`);
    }
  }
  return rows.join('\n');
}

function find(results: CaseResult[], system: string, scenario: string): CaseResult | undefined {
  return results.find((r) => r.system === system && r.scenario.name === scenario && !r.skipped);
}

/** The issue's targets, each met or missed, with the figures that decide it. */
/** The real-time forwarding targets, on the realistic scenarios: each against Janus in the same run. */
function realisticTargets(results: CaseResult[]): string[] {
  const lines: string[] = [];
  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
  const names = [...new Set(results.filter((r) => r.scenario.texture && !r.scenario.limitedDownKbit && r.system === 'tabsfu').map((r) => r.scenario.name))];
  for (const s of names) {
    const t = find(results, 'tabsfu', s);
    const j = find(results, 'janus', s);
    if (!t) continue;
    if (j) {
      lines.push(`real time ${s}: draw→arrival p95 ${f(t.arrival.p95)} ms vs Janus ${f(j.arrival.p95)} + 10 ms: ${verdict(t.arrival.p95 <= j.arrival.p95 + 10)}`);
      lines.push(`real time ${s}: mean glass-to-glass ${f(t.g2g.mean)} ms vs Janus ${f(j.g2g.mean)} + 33 ms: ${verdict(t.g2g.mean <= j.g2g.mean + 33)}`);
      if (t.sfu && j.sfu) lines.push(`real time ${s}: CPU per forwarded stream ${f(t.sfu.perStreamPercent, 2)} % vs Janus ${f(j.sfu.perStreamPercent, 2)} % (${(t.sfu.perStreamPercent / j.sfu.perStreamPercent).toFixed(1)}×); the host's write-back decode ${f(t.extras.hostDecodePercent, 1)} % of a core`);
    }
    const l = find(results, 'livekit', s);
    if (l) lines.push(`beside LiveKit ${s}: draw→arrival p95 ${f(t.arrival.p95)} ms vs livekit-server ${f(l.arrival.p95)} ms; glass to glass ${f(t.g2g.mean, 0)} vs ${f(l.g2g.mean, 0)} ms` +
      (t.sfu && l.sfu ? `; CPU per forwarded stream ${f(t.sfu.perStreamPercent, 2)} % vs ${f(l.sfu.perStreamPercent, 2)} % (${(t.sfu.perStreamPercent / l.sfu.perStreamPercent).toFixed(1)}×)` : ''));
    if (t.extras.sendDelayMs !== undefined) lines.push(`real time ${s}: host send delay ${f(t.extras.sendDelayMs, 2)} ms per packet (target ≤ 5): ${verdict(t.extras.sendDelayMs <= 5)}`);
    const m = t.arrivalByMinute;
    if (m.length > 1) lines.push(`real time ${s}: arrival p95 first minute ${f(m[0])} ms, last minute ${f(m[m.length - 1])} ms (no growth: last ≤ first + 2 ms): ${verdict(m[m.length - 1] <= m[0] + 2)}`);
  }
  return lines;
}

/** The limited-subscriber case against the issue's bar: a lower layer, real time (arrival p95 under 150 ms, no freeze). */
function limitedTargets(results: CaseResult[]): string[] {
  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
  return results.filter((r) => r.scenario.limitedDownKbit && !r.skipped && r.subscribers).map((r) => {
    const slow = r.subscribers!.find((s) => s.limited);
    const fast = r.subscribers!.find((s) => !s.limited);
    const ok = !!slow && !!fast && slow.fps > 0 && slow.width > 0 && slow.width < fast.width && fast.width === r.scenario.width && slow.arrival.p95 < 150 && slow.maxGapMs < 1000;
    return `limited subscriber (${r.system}): it decodes ${slow?.fps ? slow.width : 'nothing'} wide, arrival p95 ${f(slow?.arrival.p95)} ms, longest gap ${f(slow?.maxGapMs, 0)} ms; ` +
      `the other ${fast?.width || 'nothing'} wide (target: a lower layer, p95 < 150 ms, no freeze over 1 s; the other the full ${r.scenario.width}): ${verdict(ok)}`;
  });
}

export function targetLines(results: CaseResult[]): string[] {
  const lines: string[] = [...realisticTargets(results), ...limitedTargets(results)];
  const floor = find(results, 'mesh', '2 × 320x180@30');
  const scenarios = [...new Set(results.filter((r) => r.system === 'tabsfu' && !r.scenario.audioOnly && !r.scenario.texture).map((r) => r.scenario.name))];
  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
  for (const s of scenarios) {
    const t = find(results, 'tabsfu', s);
    const j = find(results, 'janus', s);
    if (!t) continue;
    if (floor) lines.push(`latency ${s}: draw→arrival p95 ${f(t.arrival.p95)} ms vs direct P2P floor ${f(floor.arrival.p95)} + 10 ms: ${verdict(t.arrival.p95 <= floor.arrival.p95 + 10)}`);
    if (j) lines.push(`latency ${s}: mean glass-to-glass ${f(t.g2g.mean)} ms vs Janus ${f(j.g2g.mean)} + 33 ms: ${verdict(t.g2g.mean <= j.g2g.mean + 33)}`);
    if (j?.sfu && t.sfu) {
      const ratio = t.sfu.perStreamPercent / j.sfu.perStreamPercent;
      lines.push(`CPU ${s}: ${f(t.sfu.perStreamPercent, 2)} % of a core per forwarded stream vs Janus ${f(j.sfu.perStreamPercent, 2)} % (${ratio.toFixed(1)}×, target ≤ 1.5×): ${verdict(ratio <= 1.5)}`);
    }
    const re = find(results, 'reencode', s);
    if (re?.sfu && t.sfu) {
      const ratio = re.sfu.perStreamPercent / t.sfu.perStreamPercent;
      lines.push(`CPU ${s}: re-encoding relay ${f(re.sfu.perStreamPercent, 2)} % per stream, ${ratio.toFixed(1)}× tabsfu (target ≥ 5×): ${verdict(ratio >= 5)}`);
    }
    if (t.joinMs.all !== null) lines.push(`join ${s}: last joiner sees everyone ${f(t.joinMs.all, 0)} ms after connecting (target ≤ 1000): ${verdict(t.joinMs.all <= 1000)}`);
  }
  for (const s of scenarios) {
    const on = find(results, 'tabsfu', s);
    const off = find(results, 'tabsfu-no-telemetry', s);
    if (on?.sfu && off?.sfu) lines.push(`telemetry ${s}: host CPU ${f(on.sfu.cpuPercent)} % with it, ${f(off.sfu.cpuPercent)} % without (${f(on.sfu.cpuPercent - off.sfu.cpuPercent)} points); arrival p95 ${f(on.arrival.p95)} vs ${f(off.arrival.p95)} ms`);
    const e = on?.extras;
    if (on && e?.telemetryRecordsPerRound !== undefined) {
      const perHour = (e.telemetryRecordsPerRound * (3600_000 / STATS_INTERVAL_MS)) / on.scenario.participants;
      lines.push(`telemetry ${s}: ${f(perHour, 0)} records per participant-hour at the default ${STATS_INTERVAL_MS / 1000} s interval, about ${f((perHour * e.telemetryDiskBytesPerRecord) / 1e6, 2)} MB on disk (${f((perHour * e.telemetryNdjsonBytesPerRecord) / 1e6, 2)} MB as NDJSON)`);
    }
  }
  for (const system of ['tabsfu', 'janus']) {
    const c = find(results, system, '4 × 320x180@30');
    if (c) lines.push(`capacity ${system} 4 × 320x180@30: min ${f(c.fps.min)} fps (≥ 29), loss ${f(c.lossPercent, 2)} % (< 0.5): ${verdict(c.fps.min >= 29 && c.lossPercent < 0.5)}`);
  }
  return lines;
}

/** Bars per scenario and system for the two figures people compare first: CPU per stream and latency. */
export function renderChart(results: CaseResult[], micro: CoreMicroResult[], date: string, machine: string): string {
  // the limited-subscriber case mixes two subscribers in its overall figures: it has its own table instead
  const ok = results.filter((r) => !r.skipped && !r.scenario.limitedDownKbit);
  const systems = [...new Set(ok.map((r) => r.system))];
  const scenarios = [...new Set(ok.map((r) => r.scenario.name))];
  const palette = ['#3b6fd8', '#e07b39', '#5aa55a', '#a05ad0', '#c8463c', '#777'];
  const chart = (title: string, unit: string, value: (r: CaseResult) => number | undefined) => {
    const vals = ok.map(value).filter((v): v is number => v !== undefined && Number.isFinite(v));
    const max = Math.max(1e-9, ...vals);
    const bar = 14;
    const groupH = systems.length * bar + 14;
    const h = scenarios.length * groupH + 40;
    let svg = `<svg width="1040" height="${h}" font-family="system-ui" font-size="12"><text x="0" y="16" font-size="14" font-weight="600">${title}</text>`;
    scenarios.forEach((s, i) => {
      const y0 = 30 + i * groupH;
      svg += `<text x="0" y="${y0 + groupH / 2}">${s}</text>`;
      systems.forEach((sys, k) => {
        const r = ok.find((x) => x.system === sys && x.scenario.name === s);
        const v = r ? value(r) : undefined;
        if (v === undefined || !Number.isFinite(v)) return;
        const w = (v / max) * 700;
        svg += `<rect x="230" y="${y0 + k * bar}" width="${w}" height="${bar - 3}" fill="${palette[k % palette.length]}"/><text x="${236 + w}" y="${y0 + k * bar + 10}">${sys} ${v.toFixed(2)} ${unit}</text>`;
      });
    });
    return `${svg}</svg>`;
  };
  const microRows = micro.map((m) => `<tr><td>${m.subscribers}</td><td>${m.impl}</td><td>${m.nsPerFrame.toFixed(0)}</td></tr>`).join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>tabsfu benchmark ${date}</title></head>
<body style="font-family:system-ui;margin:20px;max-width:1060px">
<h1 style="font-size:18px">tabsfu benchmark, ${date}</h1><p style="color:#555">${machine}</p>
${chart('SFU CPU per forwarded stream (% of one core, lower is better)', '%', (r) => r.sfu?.perStreamPercent)}
${chart('draw → last packet arrival, p95 (ms, lower is better)', 'ms', (r) => r.arrival.p95)}
${chart('glass to glass, mean (ms, lower is better)', 'ms', (r) => r.g2g.mean)}
<h2 style="font-size:14px">forwarding decision, ns per frame</h2><table border="1" cellpadding="4" style="border-collapse:collapse"><tr><th>subscribers</th><th>implementation</th><th>ns/frame</th></tr>${microRows}</table>
</body></html>`;
}

/** Replaces the README's benchmark section (between its markers) with this run's table. */
export function updateReadme(file: string, table: string, targets: string[], date: string, machine: string): void {
  const text = fs.readFileSync(file, 'utf8');
  const begin = '<!-- bench:begin -->';
  const end = '<!-- bench:end -->';
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a < 0 || b < a) return;
  const body = `${begin}\nRun on ${date}: ${machine}.\n\n${table}\n\nTargets:\n${targets.map((t) => `- ${t}`).join('\n')}\n`;
  fs.writeFileSync(file, text.slice(0, a) + body + text.slice(b));
}
