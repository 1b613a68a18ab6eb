// The host's probe track: a live 16x16 picture that one video sender of each subscriber connection carries, so that
// the connection has an encoder in libwebrtc's bitrate allocator. Forwarded frames bypass the encoder, and a sender
// with no encoder output leaves the allocator within 2 s (video_send_stream_impl.cc, kEncoderTimeOut); with the
// allocator empty, GoogCC never probes again after the connection's start, and an estimate that fell in a queue
// stays low while the connection carries a low layer. With this track in it, raising the sender's `maxBitrate`
// makes GoogCC probe towards that rate (probe_controller.cc, OnMaxTotalAllocatedBitrate, while the connection is
// application-limited). The track's own encoded frames are dropped in the worker (its encoded-streams readable is
// cancelled), so the subscriber never sees them; its cost is one 16x16 encode a few times a second per connection.

/** Frames a second of the probe picture: enough to keep its encoder alive (it must produce within 2 s). */
const PROBE_FPS = 4;

let track: MediaStreamTrack | null = null;

export function probeTrack(): MediaStreamTrack {
  if (track && track.readyState === 'live') return track;
  const canvas = document.createElement('canvas');
  canvas.width = 16;
  canvas.height = 16;
  const g = canvas.getContext('2d')!;
  let n = 0;
  // a picture that changes, or the capture sends no frames and the encoder goes quiet
  setInterval(() => {
    g.fillStyle = n++ % 2 ? '#000' : '#111';
    g.fillRect(0, 0, 16, 16);
  }, 1000 / PROBE_FPS);
  track = canvas.captureStream(PROBE_FPS).getVideoTracks()[0];
  return track;
}
