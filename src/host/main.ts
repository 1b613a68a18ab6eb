// The host page: starts the worker that runs the rooms, carries out its peer-connection commands, watches
// subscribers' keyframe requests, and renders what the worker reports.
import * as Comlink from 'comlink';
import { DEFAULT_HOST_SETTINGS, PUBLISH_CODECS, type HostAction, type HostSettings, type RouteName, type WorkerApi } from '../shared/host-bridge';
import { HOST_LINK_PATH } from '../shared/relay-protocol';
import { resumeDecoyAudio } from './decoy-audio';
import { watchDownConnections } from './down-watch';
import { PeerHost } from './peer-host';
import { Dashboard } from './dashboard/dashboard';
import { HostPage } from './view';
import './style.css';

/** Settings come from the page URL, e.g. /host?route=decoy&resumeWindowMs=5000 (see README, "Configuration"). */
function readSettings(search: string): HostSettings {
  const q = new URLSearchParams(search);
  const route = q.get('route');
  type Numeric = 'keyframePollMs' | 'resumeWindowMs' | 'dataPacketsPerSecond' | 'dataBytesPerSecond' | 'subscribeFailAfterMs' | 'emptyTimeout' | 'departureTimeout' | 'statsIntervalMs' | 'reapAfterMs' | 'retentionDays' | 'maxStatsRecords';
  const ms = (name: Numeric, min: number) => {
    const v = Number(q.get(name) ?? NaN);
    return Number.isFinite(v) && v >= min ? v : DEFAULT_HOST_SETTINGS[name];
  };
  return {
    route: route === 'decoy' || route === 'encoded-streams' ? (route as RouteName) : DEFAULT_HOST_SETTINGS.route,
    keyframePollMs: ms('keyframePollMs', 50),
    resumeWindowMs: ms('resumeWindowMs', 0),
    dataPacketsPerSecond: ms('dataPacketsPerSecond', 1),
    dataBytesPerSecond: ms('dataBytesPerSecond', 1024),
    subscribeFailAfterMs: ms('subscribeFailAfterMs', 0),
    emptyTimeout: ms('emptyTimeout', 0),
    departureTimeout: ms('departureTimeout', 0),
    telemetry: q.get('telemetry') !== 'off',
    statsIntervalMs: ms('statsIntervalMs', 250),
    reapAfterMs: ms('reapAfterMs', 0),
    retentionDays: ms('retentionDays', 0.00001),
    maxStatsRecords: ms('maxStatsRecords', 100),
    publishCodecs: codecList(q.get('publishCodecs')),
    iceTransportPolicy: q.get('iceTransportPolicy') === 'relay' ? 'relay' : 'all',
    singlePeerConnection: q.get('singlePeerConnection') !== 'off',
  };
}

/** `h264,vp8` → their mime types; unknown names are ignored, and an empty list means the default. */
function codecList(value: string | null): string[] {
  const mimes = (value ?? '').split(',').map((name) => PUBLISH_CODECS[name.trim().toLowerCase()]).filter((m): m is string => !!m);
  return mimes.length ? [...new Set(mimes)] : DEFAULT_HOST_SETTINGS.publishCodecs;
}

async function main(): Promise<void> {
  let act: (action: HostAction) => Promise<void> = async () => {
    throw new Error('the host is still starting');
  };
  const page = new HostPage(document.getElementById('app')!, (action) => act(action));
  if (typeof RTCRtpScriptTransform === 'undefined') {
    document.body.insertAdjacentHTML('afterbegin', '<p class="error">This browser cannot host: it lacks RTCRtpScriptTransform. Use a recent Chromium or Chrome.</p>');
    return;
  }
  const settings = readSettings(location.search);
  const worker = new Worker(new URL('../../worker/index.ts', import.meta.url), { type: 'module', name: 'tabsfu-host' });
  const api = Comlink.wrap<WorkerApi>(worker);
  const peers = new PeerHost(worker, api);
  const channel = new MessageChannel();
  Comlink.expose(peers, channel.port1);
  // the host key the server gave this page in its URL (/host?key=…) opens the link too
  const key = new URLSearchParams(location.search).get('key') ?? '';
  const linkUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${HOST_LINK_PATH}?key=${encodeURIComponent(key)}`;
  await api.start(Comlink.transfer(channel.port2, [channel.port2]), settings, linkUrl, Comlink.proxy((view) => page.render(view)));
  act = (action) => api.hostAction(action);
  const dashboard = document.createElement('section');
  dashboard.className = 'dashboard';
  dashboard.dataset.testid = 'dashboard';
  document.getElementById('app')!.append(dashboard);
  new Dashboard(dashboard, api);
  watchDownConnections(() => peers.downConnections(), {
    keyframes: (reports) => void api.keyframeRequests(reports),
    links: (reports) => void api.downLinks(reports),
  }, settings.keyframePollMs);
  document.addEventListener('click', resumeDecoyAudio);
  // closing or reloading this tab ends everyone's calls: the browser asks first while anyone is in one (Chromium
  // asks only on a page the person has clicked or typed in)
  addEventListener('beforeunload', (e) => {
    if (page.people > 0) e.preventDefault();
  });
  // telemetry is written every 2 s; a reload asks for what is buffered now (best effort: the tab may go first)
  addEventListener('pagehide', () => void api.telemetryFlush().catch(() => {}));
  // for people (and tests) inspecting the host from devtools
  Object.assign(window, { tabsfuHost: { peers, settings, api } });
}

main().catch((e) => {
  console.error(e);
  document.body.insertAdjacentHTML('afterbegin', `<p class="error">The host failed to start: ${String(e?.message ?? e)}</p>`);
});
