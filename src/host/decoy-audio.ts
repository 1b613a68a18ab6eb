// Silent tracks for the decoy route's audio senders: their encoder's 20 ms frames carry forwarded payloads.
let context: AudioContext | null = null;
let source: ConstantSourceNode | null = null;

export function decoyAudioTrack(): MediaStreamTrack {
  if (!context || !source) {
    context = new AudioContext();
    source = context.createConstantSource();
    source.offset.value = 0;
    source.start();
    // a suspended context makes no frames; the host page resumes it on the first click as well
    void context.resume();
  }
  const destination = context.createMediaStreamDestination();
  source.connect(destination);
  return destination.stream.getAudioTracks()[0];
}

export function resumeDecoyAudio(): void {
  void context?.resume();
}
