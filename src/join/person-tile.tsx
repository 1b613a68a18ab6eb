// LiveKit's ParticipantTile (video, name, muted microphone, connection quality, speaking highlight, pin), marked with
// who it shows and what they have turned off, for people reading the page with tools and for the tests.
import { ParticipantTile, useEnsureTrackRef, type TrackReferenceOrPlaceholder } from '@livekit/components-react';
import { Track, type Participant } from 'livekit-client';
import { useEffect, useState } from 'react';

/** In a layout's loop it shows the loop's track; the focus view passes the one it shows. */
export function PersonTile({ trackRef }: { trackRef?: TrackReferenceOrPlaceholder }) {
  const ref = useEnsureTrackRef(trackRef);
  const p = ref.participant;
  const off = useTurnedOff(p);
  const camera = ref.source === Track.Source.Camera;
  const who = camera ? `${p.name || p.identity}${p.isLocal ? ' (you)' : ''}` : `${p.name || p.identity}'s screen`;
  return (
    <ParticipantTile
      trackRef={ref}
      className={[camera ? 'tile' : 'screen', p.isLocal ? 'local' : ''].join(' ').trim()}
      data-identity={p.identity}
      data-mic-muted={String(off.mic)}
      data-camera-muted={String(off.camera)}
      aria-label={who}
    />
  );
}

/** Whether a participant's microphone and camera are off (not published, or muted), kept current. */
function useTurnedOff(p: Participant): { mic: boolean; camera: boolean } {
  const read = () => ({ mic: !p.isMicrophoneEnabled, camera: !p.isCameraEnabled });
  const [off, setOff] = useState(read);
  useEffect(() => {
    const update = () => setOff(read());
    const events = ['trackMuted', 'trackUnmuted', 'trackPublished', 'trackUnpublished', 'localTrackPublished', 'localTrackUnpublished', 'trackSubscribed'] as const;
    for (const e of events) p.on(e, update);
    update();
    return () => {
      for (const e of events) p.off(e, update);
    };
  }, [p]);
  return off;
}
