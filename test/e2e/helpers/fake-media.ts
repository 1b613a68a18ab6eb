// Gives a peer a camera that shows one flat colour (with a moving block, so the encoder keeps sending) and
// a microphone that plays one tone. Each peer gets its own, so a test can tell who it sees and hears.

export interface FakeMedia {
  /** CSS colour of the picture, e.g. rgb(220,40,40) */
  color: string;
  /** Frequency of the tone in Hz. */
  tone: number;
  /**
   * Amplitude of the tone, 0..1. Default 0.5, which the publisher's level extension reads as -9 dBov (Chromium
   * 156); 0.05 reads -29 dBov, still speech for LiveKit's -35 dBov threshold; 0 is silence.
   */
  gain?: number;
  width?: number;
  height?: number;
  /** Leave out the moving block: a picture that stays the same, for screenshots (it costs almost no bits). */
  still?: boolean;
}

/** The colour of every fake screen: a slide's background, under lines of text-like detail along its top. */
export const SCREEN_COLOR = 'rgb(240,150,30)';

/**
 * Runs in the page before any script: replaces getUserMedia's devices, and the screen getDisplayMedia offers with a
 * 1280x720 slide at 5 fps (the colour above, text-like lines along its top, a moving pointer).
 */
export function installFakeMedia(media: FakeMedia & { width: number; height: number }): void {
  const md = navigator.mediaDevices;
  if (!md) return;
  md.getUserMedia = async (constraints?: MediaStreamConstraints) => {
    const tracks: MediaStreamTrack[] = [];
    if (constraints?.video) {
      const canvas = document.createElement('canvas');
      canvas.width = media.width;
      canvas.height = media.height;
      const g = canvas.getContext('2d')!;
      let i = 0;
      const draw = () => {
        g.fillStyle = media.color;
        g.fillRect(0, 0, media.width, media.height);
        if (media.still) return;
        g.fillStyle = '#ffffff';
        g.fillRect((i++ * 4) % media.width, media.height - 14, 12, 12);
      };
      draw();
      setInterval(draw, 33);
      tracks.push(canvas.captureStream(30).getVideoTracks()[0]);
    }
    if (constraints?.audio) {
      const ctx = new AudioContext();
      const osc = ctx.createOscillator();
      osc.frequency.value = media.tone;
      const gain = ctx.createGain();
      gain.gain.value = media.gain ?? 0.5;
      const dst = ctx.createMediaStreamDestination();
      osc.connect(gain).connect(dst);
      osc.start();
      void ctx.resume();
      tracks.push(dst.stream.getAudioTracks()[0]);
    }
    return new MediaStream(tracks);
  };
  md.getDisplayMedia = async () => {
    const canvas = document.createElement('canvas');
    canvas.width = 1280;
    canvas.height = 720;
    const g = canvas.getContext('2d')!;
    let frame = 0;
    const draw = () => {
      g.fillStyle = 'rgb(240,150,30)'; // SCREEN_COLOR: this function runs in the page, where the constant is not
      g.fillRect(0, 0, 1280, 720);
      g.fillStyle = '#222';
      for (let line = 0; line < 10; line++) for (let w = 0; w < 50; w++) if ((w * 7 + line * 3) % 5) g.fillRect(40 + w * 24, 30 + line * 18, 18, 7);
      g.fillRect(40 + ((frame++ * 23) % 1180), 680, 16, 16);
    };
    draw();
    setInterval(draw, 200);
    return canvas.captureStream(5);
  };
}
