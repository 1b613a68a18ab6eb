// A relay that re-encodes: it receives each peer's tracks and sends them on to the others with
// addTrack(remoteTrack), so the browser decodes and encodes every forwarded stream. It is the cost a
// forwarding unit avoids, measured on the same machine.
'use strict';

window.relay = {
  peers: new Map(),

  /** Creates or renegotiates the connection to `id`; returns the offer and which publisher each mid carries. */
  async offer(id, maxBitrate) {
    let p = this.peers.get(id);
    if (!p) {
      const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
      p = { pc, tracks: [], sent: new Set() };
      this.peers.set(id, p);
      pc.addTransceiver('audio', { direction: 'recvonly' });
      pc.addTransceiver('video', { direction: 'recvonly' });
      pc.ontrack = (e) => p.tracks.push(e.track);
    }
    const labels = {};
    for (const [other, q] of this.peers) {
      if (other === id) continue;
      for (const track of q.tracks) {
        if (p.sent.has(track)) continue;
        p.sent.add(track);
        const sender = p.pc.addTrack(track, new MediaStream([track]));
        if (track.kind === 'video') {
          const params = sender.getParameters();
          params.encodings = [{ maxBitrate }];
          await sender.setParameters(params).catch(() => {});
        }
        sender.label = other;
      }
    }
    await p.pc.setLocalDescription(await p.pc.createOffer());
    for (const t of p.pc.getTransceivers()) if (t.sender.label && t.mid) labels[t.mid] = t.sender.label;
    if (p.pc.iceGatheringState !== 'complete') {
      await new Promise((r) => {
        p.pc.addEventListener('icegatheringstatechange', () => p.pc.iceGatheringState === 'complete' && r());
        setTimeout(r, 2000);
      });
    }
    return { sdp: p.pc.localDescription.sdp, labels };
  },

  async accept(id, sdp) {
    await this.peers.get(id).pc.setRemoteDescription({ type: 'answer', sdp });
  },

  /** Tracks received from `id` so far. */
  received(id) {
    return this.peers.get(id)?.tracks.length ?? 0;
  },

  close() {
    for (const p of this.peers.values()) p.pc.close();
    this.peers.clear();
  },
};
