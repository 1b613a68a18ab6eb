// A microphone or camera button beside its device menu, as LiveKit's bars group them; each with its own name.
import { MediaDeviceMenu, TrackToggle } from '@livekit/components-react';
import { Track, type LocalAudioTrack, type LocalVideoTrack } from 'livekit-client';
import type { ReactNode } from 'react';

export interface DeviceToggleProps {
  kind: 'audioinput' | 'videoinput';
  /** What a screen reader says for the button. */
  label: string;
  children: ReactNode;
  testId?: string;
  /** In the lobby, before a room: the toggle's state is the caller's, and the menu switches the preview's track. */
  lobby?: {
    enabled: boolean;
    onEnabled(enabled: boolean): void;
    track: LocalAudioTrack | LocalVideoTrack | undefined;
    onDevice(deviceId: string): void;
  };
}

export function DeviceToggle({ kind, label, children, testId, lobby }: DeviceToggleProps) {
  const source = kind === 'audioinput' ? Track.Source.Microphone : Track.Source.Camera;
  return (
    <div className={`lk-button-group ${kind === 'audioinput' ? 'audio' : 'video'}`}>
      <TrackToggle source={source} data-testid={testId} aria-label={label} initialState={lobby?.enabled} onChange={lobby && ((on) => lobby.onEnabled(on))}>
        {children}
      </TrackToggle>
      <div className="lk-button-group-menu">
        <MediaDeviceMenu
          kind={kind}
          aria-label={kind === 'audioinput' ? 'Choose microphone' : 'Choose camera'}
          {...(lobby ? { disabled: !lobby.track, tracks: { [kind]: lobby.track }, onActiveDeviceChange: (_: MediaDeviceKind, id: string) => lobby.onDevice(id) } : {})}
        />
      </div>
    </div>
  );
}
