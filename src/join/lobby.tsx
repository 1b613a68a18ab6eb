// The lobby, from LiveKit's parts as its PreJoin is: the camera's preview, microphone and camera toggles with their
// device menus, a name; unlike PreJoin, every control has a name a screen reader says, and the name field a label.
import { ParticipantPlaceholder, usePreviewTracks, type LocalUserChoices } from '@livekit/components-react';
import { Track, type LocalAudioTrack, type LocalVideoTrack } from 'livekit-client';
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { canCapture } from './connect';
import { DeviceToggle } from './device-toggle';

export interface LobbyProps {
  roomName: string;
  joining: boolean;
  error: string | null;
  onJoin(choices: LocalUserChoices): void;
}

export function Lobby({ roomName, joining, error, onJoin }: LobbyProps) {
  const capture = canCapture();
  const [username, setUsername] = useState(() => localStorage.getItem('tabsfu-name') ?? '');
  const [audioEnabled, setAudioEnabled] = useState(capture);
  const [videoEnabled, setVideoEnabled] = useState(capture);
  const [audioDeviceId, setAudioDeviceId] = useState('');
  const [videoDeviceId, setVideoDeviceId] = useState('');
  const [previewError, setPreviewError] = useState<string | null>(null);
  // (a stable callback: the hook opens the devices again whenever its arguments change)
  const previewFailed = useCallback((e: Error) => setPreviewError(`No preview: ${e.message}. You can still join.`), []);
  // the preview opens each device once; a device picked later switches the preview's track in place
  const tracks = usePreviewTracks({ audio: audioEnabled, video: videoEnabled }, previewFailed);
  const videoTrack = tracks?.find((t) => t.kind === Track.Kind.Video) as LocalVideoTrack | undefined;
  const audioTrack = tracks?.find((t) => t.kind === Track.Kind.Audio) as LocalAudioTrack | undefined;
  const preview = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    if (!preview.current || !videoTrack) return;
    videoTrack.attach(preview.current);
    return () => void videoTrack.detach();
  }, [videoTrack]);

  const valid = username.trim() !== '' && !joining;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (valid) onJoin({ username: username.trim(), audioEnabled, videoEnabled, audioDeviceId, videoDeviceId });
  };

  return (
    <main className="lobby" data-testid="lobby" data-lk-theme="default">
      <h1>Join <span className="room-name">{roomName}</span></h1>
      {!capture && <p className="notice" role="status">This page is not a secure origin, so the browser offers no camera or microphone here. You can still join, see and hear the others.</p>}
      <div className="lk-prejoin">
        <div className="lk-video-container">
          {videoTrack && videoEnabled && <video ref={preview} muted playsInline aria-label="Your camera's preview" />}
          {(!videoTrack || !videoEnabled) && <div className="lk-camera-off-note"><ParticipantPlaceholder /></div>}
        </div>
        {capture && (
          <div className="lk-button-group-container">
            <DeviceToggle kind="audioinput" label={audioEnabled ? 'Join with the microphone off' : 'Join with the microphone on'} lobby={{ enabled: audioEnabled, onEnabled: setAudioEnabled, track: audioTrack, onDevice: setAudioDeviceId }}>
              Microphone
            </DeviceToggle>
            <DeviceToggle kind="videoinput" label={videoEnabled ? 'Join with the camera off' : 'Join with the camera on'} lobby={{ enabled: videoEnabled, onEnabled: setVideoEnabled, track: videoTrack, onDevice: setVideoDeviceId }}>
              Camera
            </DeviceToggle>
          </div>
        )}
        <form className="lk-username-container" onSubmit={submit}>
          <label className="name-label" htmlFor="name">Your name</label>
          <input className="lk-form-control" id="name" name="name" required maxLength={64} autoComplete="name" value={username} onChange={(e) => setUsername(e.target.value)} />
          <button className="lk-button lk-join-button" type="submit" disabled={!valid}>{joining ? 'Joining…' : 'Join the call'}</button>
        </form>
      </div>
      {previewError && <p className="notice" role="status">{previewError}</p>}
      {error && <p className="error" role="alert">{error}</p>}
    </main>
  );
}
