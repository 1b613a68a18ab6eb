// Says so while livekit-client restores a dropped connection (the host tab reloading, a network change): the call
// comes back on its own, and people should not leave meanwhile.
import { useConnectionState } from '@livekit/components-react';
import { ConnectionState } from 'livekit-client';

export function ReconnectingBanner() {
  const state = useConnectionState();
  const restoring = state === ConnectionState.Reconnecting || state === ConnectionState.SignalReconnecting;
  return (
    <p className={restoring ? 'banner reconnecting' : 'banner'} role="status" data-testid="connection-state" data-state={state} hidden={!restoring}>
      {restoring ? 'Reconnecting… the call comes back by itself.' : ''}
    </p>
  );
}
