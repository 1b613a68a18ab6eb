// The call's controls, from LiveKit's parts: microphone and camera (each with its device menu), screen share, chat,
// leave. Each has a name a screen reader says even where the bar shows icons only (narrow screens).
import { ChatIcon, ChatToggle, DisconnectButton, LeaveIcon, TrackToggle, useLocalParticipant } from '@livekit/components-react';
import { Track } from 'livekit-client';
import { useEffect, useState } from 'react';
import { DeviceToggle } from './device-toggle';

/** Whether the window is as narrow as a phone's, kept current. */
function useNarrow(): boolean {
  const query = '(max-width: 760px)';
  const [narrow, setNarrow] = useState(() => matchMedia(query).matches);
  useEffect(() => {
    const list = matchMedia(query);
    const update = () => setNarrow(list.matches);
    list.addEventListener('change', update);
    return () => list.removeEventListener('change', update);
  }, []);
  return narrow;
}

/** Phones' browsers mostly cannot share a screen: no button there. */
const canShareScreen = typeof navigator.mediaDevices?.getDisplayMedia === 'function';

export function Controls() {
  const { isMicrophoneEnabled, isCameraEnabled, isScreenShareEnabled } = useLocalParticipant();
  const narrow = useNarrow();
  const text = (s: string) => (narrow ? null : s);
  return (
    <nav className="lk-control-bar controls" aria-label="Call controls">
      <DeviceToggle kind="audioinput" testId="toggle-mic" label={isMicrophoneEnabled ? 'Mute microphone' : 'Unmute microphone'}>
        {text(isMicrophoneEnabled ? 'Mute' : 'Unmute')}
      </DeviceToggle>
      <DeviceToggle kind="videoinput" testId="toggle-camera" label={isCameraEnabled ? 'Stop camera' : 'Start camera'}>
        {text(isCameraEnabled ? 'Stop camera' : 'Start camera')}
      </DeviceToggle>
      {canShareScreen && <TrackToggle source={Track.Source.ScreenShare} data-testid="toggle-screen" aria-label={isScreenShareEnabled ? 'Stop sharing screen' : 'Share screen'} captureOptions={{ audio: true, selfBrowserSurface: 'include' }}>
        {text(isScreenShareEnabled ? 'Stop sharing' : 'Share screen')}
      </TrackToggle>}
      <ChatToggle data-testid="toggle-chat" aria-label="Chat"><ChatIcon />{text('Chat')}</ChatToggle>
      <DisconnectButton className="lk-disconnect-button leave" data-testid="leave" aria-label="Leave the call"><LeaveIcon />{text('Leave')}</DisconnectButton>
    </nav>
  );
}
