// The host worker's entry: exposes the WorkerApi to the page over comlink, loads the forwarding core, and
// receives the page's RTCRtpScriptTransforms. Frames stay in this worker from receiver to sender.
import * as Comlink from 'comlink';
import wasmUrl from '../wasm/pkg/tabsfu_core_bg.wasm?url';
import type { HostSettings, HostView, PeerCommands, TransformOptions, WorkerApi } from '../src/shared/host-bridge';
import { ForwardingCore } from './core/forwarding-core';
import { logger } from './log';
import { EncodedStreamsSink } from './media/down-sink';
import { DecoySink, runDecoySender } from './media/decoy-route';
import { Forwarder } from './media/forwarder';
import { Sfu } from './sfu';
import { AudioLevelTap } from './speakers/audio-level-tap';
import { StatsRounds } from './stats-rounds';
import { Telemetry } from './telemetry/telemetry';

const log = logger('worker');
let sfu: Sfu | null = null;
let forwarder: Forwarder | null = null;
let telemetry: Telemetry | null = null;

function telemetryOrThrow(): Telemetry {
  if (!telemetry) throw new Error('the host worker is not started');
  return telemetry;
}

const api: WorkerApi = {
  async start(port: MessagePort, settings: HostSettings, linkUrl: string, onView: (view: HostView) => void) {
    if (sfu) throw new Error('the host worker is already started');
    const commands = Comlink.wrap<PeerCommands>(port);
    const core = await ForwardingCore.load(fetch(wasmUrl));
    forwarder = new Forwarder(core);
    const audioLevels = new AudioLevelTap();
    forwarder.audioLevels = audioLevels;
    telemetry = await Telemetry.start({
      forwarder,
      settings,
      rooms: () => sfu?.roomList ?? [],
      sendWebhook: (body) => sfu?.sendWebhook(body),
    });
    // the single-connection path needs encoded-streams slots (the client makes the sections, the host cannot add tracks)
    const numbering = settings.singlePeerConnection && settings.route === 'encoded-streams' ? await commands.payloadNumbering() : null;
    sfu = new Sfu(linkUrl, { commands, forwarder, settings, observer: telemetry.observer, audioLevels, numbering }, onView);
    const t = telemetry;
    // one getStats() loop for telemetry's records and the rooms' connection quality
    new StatsRounds(commands, [(samples, pageMs) => t.statsRound(samples, pageMs), (samples) => sfu?.qualityRound(samples)]).start(settings.statsIntervalMs);
    log.info(`host worker started (route: ${settings.route})`);
  },

  attachDownStreams(pid, slot, readable, writable) {
    const p = sfu?.participant(pid);
    const sink = new EncodedStreamsSink(readable, writable);
    if (p) p.down.attachSink(slot, sink);
    else sink.close();
  },

  attachDecoyGenerator(pid, slot, writable) {
    const p = sfu?.participant(pid);
    const sink = new DecoySink(writable);
    if (p) p.down.attachSink(slot, sink);
    else sink.close();
  },

  localCandidate(pid, side, candidate) {
    sfu?.participant(pid)?.sendCandidate(side, candidate);
  },

  peerState(pid, side, state) {
    const p = sfu?.participant(pid);
    if (!p) return;
    if (side === 'down') p.onDownConnectionState(state);
    else if (state === 'failed') log.warn(`${p.identity}: publisher connection failed`);
    sfu?.viewChanged();
  },

  dataIn(pid, label, payload) {
    sfu?.participant(pid)?.onData(label, new Uint8Array(payload));
  },

  async hostAction(action) {
    if (!sfu) throw new Error('the host worker is not started');
    sfu.hostAction(action);
  },

  telemetryStatus: () => telemetryOrThrow().status(),
  telemetryEvents: (q) => telemetryOrThrow().events(q),
  telemetryTrackStats: (trackSid, since) => telemetryOrThrow().trackStats(trackSid, since),
  telemetryTracks: (since) => telemetryOrThrow().tracks(since),
  telemetryExport: (format) => telemetryOrThrow().exportAll(format),
  telemetryClear: () => telemetryOrThrow().clear(),
  telemetryFlush: () => telemetryOrThrow().flush(),

  keyframeRequests(reports) {
    for (const r of reports) {
      const b = sfu?.participant(r.pid)?.down.bindingForMid(r.mid);
      if (b) forwarder?.keyframeWanted(b.forwarded);
    }
  },

  downLinks(reports) {
    for (const r of reports) sfu?.participant(r.pid)?.down.setLink(r.estimateBps, r.sendDelayMs, r.loss, r.audioBps);
  },
};

Comlink.expose(api);

// The page attaches an RTCRtpScriptTransform to every publisher receiver and, on the decoy route, to every
// subscriber sender; their options say which.
(self as unknown as { onrtctransform: (e: RTCTransformEvent) => void }).onrtctransform = (event) => {
  const t = event.transformer;
  const options = t.options as TransformOptions;
  if (options.role === 'up') {
    forwarder?.attachUpTransformer(options.trackSid, options.layer ?? 0, t);
    return;
  }
  const slot = sfu?.participant(options.pid)?.down.slot(options.slot);
  if (slot?.sink instanceof DecoySink && forwarder) runDecoySender(t, slot.sink, () => slot.binding && forwarder!.keyframeWanted(slot.binding.forwarded));
};
