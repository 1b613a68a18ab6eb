// The host page: starts the worker that runs the rooms, carries out its peer-connection commands, watches
// subscribers' keyframe requests, and renders what the worker reports.
import * as Comlink from 'comlink';
import { DEFAULT_HOST_SETTINGS, type HostSettings, type RouteName, type WorkerApi } from '../shared/host-bridge';
import { HOST_LINK_PATH } from '../shared/relay-protocol';
import { resumeDecoyAudio } from './decoy-audio';
import { watchKeyframeRequests } from './keyframe-watch';
import { PeerHost } from './peer-host';
import { HostPage } from './view';
import './style.css';

/** Settings come from the page URL, e.g. /host?route=decoy&keyframePollMs=500&resumeWindowMs=5000 */
function readSettings(search: string): HostSettings {
  const q = new URLSearchParams(search);
  const route = q.get('route');
  const ms = (name: 'keyframePollMs' | 'resumeWindowMs', min: number) => {
    const v = Number(q.get(name) ?? NaN);
    return Number.isFinite(v) && v >= min ? v : DEFAULT_HOST_SETTINGS[name];
  };
  return {
    route: route === 'decoy' || route === 'encoded-streams' ? (route as RouteName) : DEFAULT_HOST_SETTINGS.route,
    keyframePollMs: ms('keyframePollMs', 50),
    resumeWindowMs: ms('resumeWindowMs', 0),
  };
}

async function main(): Promise<void> {
  const page = new HostPage(document.getElementById('app')!);
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
  const linkUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${HOST_LINK_PATH}`;
  await api.start(Comlink.transfer(channel.port2, [channel.port2]), settings, linkUrl, Comlink.proxy((view) => page.render(view)));
  watchKeyframeRequests(() => peers.downConnections(), (reports) => void api.keyframeRequests(reports), settings.keyframePollMs);
  document.addEventListener('click', resumeDecoyAudio);
  // for people (and tests) inspecting the host from devtools
  Object.assign(window, { tabsfuHost: { peers, settings } });
}

main().catch((e) => {
  console.error(e);
  document.body.insertAdjacentHTML('afterbegin', `<p class="error">The host failed to start: ${String(e?.message ?? e)}</p>`);
});
