// Janus VideoRoom: the plain Janus JSON protocol over one WebSocket, as an app without janus.js would speak it.
// Every peer joins as a publisher (so it hears about feeds), publishers then publish, and one multistream
// subscriber handle receives every other feed, renegotiated by Janus as feeds come and go.
'use strict';

window.bench.janus = (() => {
  let ws = null;
  let session = 0;
  let keepalive = 0;
  let seq = 0;
  const pending = new Map(); // transaction -> { resolve, reject }
  const handlers = new Map(); // handle id -> event callback
  const pcs = [];

  function send(body, expectReply = true) {
    const transaction = `t${++seq}`;
    ws.send(JSON.stringify({ ...body, transaction, ...(session && { session_id: session }) }));
    if (!expectReply) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`janus: no reply to ${JSON.stringify(body).slice(0, 120)}`)), 15000);
      pending.set(transaction, {
        resolve: (m) => (clearTimeout(timer), resolve(m)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
    });
  }

  function onMessage(msg) {
    const waiter = msg.transaction && pending.get(msg.transaction);
    // A plugin request is acked first and answered by a later event carrying the same transaction.
    if (waiter && msg.janus !== 'ack') {
      pending.delete(msg.transaction);
      const failure = msg.janus === 'error' ? msg.error : msg.plugindata?.data?.error_code && msg.plugindata.data;
      if (failure) waiter.reject(new Error(`janus ${failure.code ?? failure.error_code}: ${failure.reason ?? failure.error}`));
      else waiter.resolve(msg);
    }
    if (msg.sender) handlers.get(msg.sender)?.(msg);
  }

  async function connect(url) {
    ws = new WebSocket(url, 'janus-protocol');
    ws.onmessage = (e) => onMessage(JSON.parse(e.data));
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = () => reject(new Error(`janus: cannot reach ${url}`));
    });
    session = (await send({ janus: 'create' })).data.id;
    // Janus drops sessions after 60 s without a request.
    keepalive = setInterval(() => send({ janus: 'keepalive' }, false), 25000);
  }

  async function attach(onEvent) {
    const id = (await send({ janus: 'attach', plugin: 'janus.plugin.videoroom' })).data.id;
    handlers.set(id, onEvent);
    return id;
  }

  function message(handle, body, jsep) {
    return send({ janus: 'message', handle_id: handle, body, ...(jsep && { jsep }) });
  }

  function newPc() {
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
    pcs.push(pc);
    window.bench.addPc(pc);
    return pc;
  }

  /** The SDP with every host candidate in it: we send whole descriptions rather than trickle. */
  async function gathered(pc) {
    if (pc.iceGatheringState !== 'complete') {
      await new Promise((resolve) => {
        pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
        setTimeout(resolve, 2000);
      });
    }
    return { type: pc.localDescription.type, sdp: pc.localDescription.sdp, trickle: false };
  }

  // Janus labels every m-line of a subscription with the same msid stream ("janus"), so Chrome puts all the
  // tracks in one MediaStream and lip-syncs them: each video then waits for the audio (~20 ms more glass-to-
  // glass) and feeds from different publishers are tied together. Giving each m-line a stream of its own
  // (<feed>-<mid>) lets every track play out as soon as it can, as it does with the other systems.
  function ownStreams(sdp, streams) {
    const feedOf = new Map(streams.map((s) => [String(s.mid), s.feed_id]));
    return sdp
      .split(/\r\n(?=m=)/)
      .map((section) => {
        const mid = /^a=mid:(\S+)/m.exec(section)?.[1];
        if (!mid || !section.startsWith('m=')) return section;
        const stream = `${feedOf.get(mid) ?? 'janus'}-${mid}`;
        return section.replace(/^a=msid:\S+/gm, `a=msid:${stream}`).replace(/^(a=ssrc:\d+ msid:)\S+/gm, `$1${stream}`);
      })
      .join('\r\n');
  }

  let room = 0;
  let privateId = 0;
  const feeds = new Set(); // feed ids already asked for
  const labelOfMid = new Map(); // subscription mid -> publisher's peer id
  let sub = null; // { handle, pc }
  let subscribing = Promise.resolve(); // subscription requests, one at a time
  let answering = Promise.resolve(); // Janus's offers, one at a time

  function fail(what) {
    return (e) => console.error(`janus ${what}:`, e);
  }

  function subscribeTo(publishers) {
    const fresh = (publishers ?? []).filter((p) => !p.dummy && !feeds.has(p.id));
    if (!fresh.length) return;
    for (const p of fresh) feeds.add(p.id);
    const streams = fresh.map((p) => ({ feed: p.id }));
    subscribing = subscribing
      .then(async () => {
        if (sub) return message(sub.handle, { request: 'subscribe', streams });
        const pc = newPc();
        pc.ontrack = (e) => window.bench.remote(labelOfMid.get(e.transceiver.mid) ?? 'unknown', e.track);
        sub = { handle: await attach(onSubscriberEvent), pc };
        return message(sub.handle, { request: 'join', ptype: 'subscriber', room, private_id: privateId, streams });
      })
      .catch(fail('subscribe'));
  }

  // The app's simulcast policy (`adapt: 'slowlink'`). Janus forwards the substream a subscriber asks for (the top one
  // by default) and ignores the subscriber's REMB; its core tells the app of a slow link (a `slowlink` event when the
  // subscriber reports at least `slowlink_threshold` lost packets in a second) and the VideoRoom leaves the policy to
  // the app. This one steps a video down one substream per slow link, then waits STEP_HOLD_MS for the switch to take
  // effect before stepping again; it never steps back up (the link here never gets better).
  const STEP_HOLD_MS = 3000;
  let adapt = 'none';
  const substreamOfMid = new Map(); // subscription mid -> substream asked for (2, the top one, until we ask)
  const steppedAt = new Map(); // mid -> when we last asked for a lower one
  /** Each substream change: [ms since joining, mid, substream], for the report. */
  const switches = [];

  function onSlowLink(msg) {
    if (adapt !== 'slowlink' || msg.media !== 'video' || !sub) return;
    const mid = String(msg.mid);
    const now = performance.now();
    if (now - (steppedAt.get(mid) ?? -Infinity) < STEP_HOLD_MS) return;
    const current = substreamOfMid.get(mid) ?? 2;
    if (current === 0) return;
    steppedAt.set(mid, now);
    substreamOfMid.set(mid, current - 1);
    switches.push([window.bench.sinceJoin(), mid, current - 1]);
    message(sub.handle, { request: 'configure', streams: [{ mid, substream: current - 1 }] }).catch(fail('configure'));
  }

  /** Janus offers (on join, subscribe, or when a feed goes away); we answer each with `start`. */
  function onSubscriberEvent(msg) {
    if (msg.janus === 'slowlink') return onSlowLink(msg);
    if (msg.jsep?.type !== 'offer') return;
    const streams = msg.plugindata?.data?.streams ?? [];
    answering = answering
      .then(async () => {
        for (const s of streams) labelOfMid.set(String(s.mid), s.feed_display ?? String(s.feed_id));
        await sub.pc.setRemoteDescription({ type: 'offer', sdp: ownStreams(msg.jsep.sdp, streams) });
        await sub.pc.setLocalDescription(await sub.pc.createAnswer());
        await message(sub.handle, { request: 'start' }, await gathered(sub.pc));
      })
      .catch(fail('answer'));
  }

  let pub = 0;
  let webrtcUp = null;

  function onPublisherEvent(msg) {
    if (msg.janus === 'webrtcup') webrtcUp?.();
    if (msg.janus === 'event') subscribeTo(msg.plugindata?.data?.publishers);
  }

  return {
    /**
     * opts: { url, room, id, publish, audioOnly, maxBitrate, fps, simulcast }. Resolves once our media reaches Janus.
     * `simulcast` sends three rid layers as livekit-client does by default for a 1280x720 camera (320x180 at 160 kbit/s
     * and 640x360 at 450 kbit/s, both at 20 fps, under the full layer); Janus forwards the top one to each subscriber.
     */
    async join({ url, room: roomId, id, publish, audioOnly, maxBitrate, fps, simulcast, maintainResolution = false, adapt: policy = 'none' }) {
      window.bench.markJoin();
      room = roomId;
      adapt = policy;
      await connect(url);
      const up = new Promise((resolve) => (webrtcUp = resolve));
      pub = await attach(onPublisherEvent);
      const joined = await message(pub, { request: 'join', ptype: 'publisher', room, display: id });
      privateId = joined.plugindata.data.private_id;
      if (!publish) return;
      const pc = newPc();
      const tracks = audioOnly ? [window.bench.audio] : [window.bench.audio, window.bench.video];
      const stream = new MediaStream(tracks);
      // highest first, with janus.js's rid names: Janus reads the order that way and forwards the top layer
      const layers = [
        { rid: 'h', scaleResolutionDownBy: 1, maxBitrate, maxFramerate: fps },
        { rid: 'm', scaleResolutionDownBy: 2, maxBitrate: 450_000, maxFramerate: 20 },
        { rid: 'l', scaleResolutionDownBy: 4, maxBitrate: 160_000, maxFramerate: 20 },
      ];
      const init = (t) => (simulcast && t.kind === 'video' ? { direction: 'sendonly', streams: [stream], sendEncodings: layers } : { direction: 'sendonly', streams: [stream] });
      const senders = tracks.map((t) => {
        const tr = pc.addTransceiver(t, init(t));
        if (t.kind === 'video') window.preferCodec(tr);
        return tr.sender;
      });
      await pc.setLocalDescription(await pc.createOffer());
      const configured = await message(pub, { request: 'publish', display: id }, await gathered(pc));
      await pc.setRemoteDescription(configured.jsep);
      for (const sender of senders.filter((s) => s.track.kind === 'video' && !simulcast)) {
        const params = sender.getParameters();
        params.encodings = params.encodings.map((e) => ({ ...e, maxBitrate, ...(fps && { maxFramerate: fps }) }));
        await sender.setParameters(params);
      }
      // as livekit-client's degradationPreference does (see the tabsfu join)
      for (const sender of senders.filter((s) => s.track.kind === 'video' && maintainResolution)) {
        await sender.setParameters({ ...sender.getParameters(), degradationPreference: 'maintain-resolution' });
      }
      await Promise.race([up, new Promise((_, reject) => setTimeout(() => reject(new Error('janus: publisher ICE/DTLS did not come up')), 15000))]);
    },

    /** The substream changes this subscriber asked for, [ms since joining, mid, substream]. */
    switches() {
      return switches;
    },

    async leave() {
      if (!ws) return;
      const handles = [...handlers.keys()];
      await Promise.allSettled(handles.map((h) => send({ janus: 'detach', handle_id: h })));
      await send({ janus: 'destroy' }).catch(() => {});
      clearInterval(keepalive);
      for (const pc of pcs) pc.close();
      ws.close();
      ws = null;
      session = 0;
      pcs.length = 0;
      handlers.clear();
      feeds.clear();
      labelOfMid.clear();
      substreamOfMid.clear();
      steppedAt.clear();
      switches.length = 0;
      sub = null;
      pub = 0;
    },
  };
})();
