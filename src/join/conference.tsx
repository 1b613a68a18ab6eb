// The call: LiveKit's layouts (a grid that adapts to the number of people; a focus view for a pinned tile or a
// screen share), tiles with the speaker highlighted and each one's connection quality, chat, a banner while the
// connection is being restored, and the room's audio.
import {
  CarouselLayout, Chat, ConnectionStateToast, FocusLayoutContainer, GridLayout, LayoutContextProvider,
  RoomAudioRenderer, RoomContext, useCreateLayoutContext, usePinnedTracks, useTracks,
  type TrackReferenceOrPlaceholder, type WidgetState,
} from '@livekit/components-react';
import { RoomEvent, Track, type Room } from 'livekit-client';
import { useEffect, useRef, useState } from 'react';
import { Controls } from './controls';
import { nameIconButtons } from './icon-button-names';
import { PersonTile } from './person-tile';
import { ReconnectingBanner } from './reconnecting-banner';

export function Conference({ room, roomName, notice }: { room: Room; roomName: string; notice: string | null }) {
  const call = useRef<HTMLDivElement>(null);
  useEffect(() => nameIconButtons(call.current!), []);
  return (
    <RoomContext.Provider value={room}>
      <div className="call" data-lk-theme="default" ref={call}>
        <header>
          <h1 className="room-name">{roomName}</h1>
          <ReconnectingBanner />
        </header>
        {notice && <p className="notice" role="status">{notice}</p>}
        <Stage />
        <RoomAudioRenderer />
        <ConnectionStateToast />
      </div>
    </RoomContext.Provider>
  );
}

function Stage() {
  const [widget, setWidget] = useState<WidgetState>({ showChat: false, unreadMessages: 0 });
  const layout = useCreateLayoutContext();
  const tracks = useTracks(
    [{ source: Track.Source.Camera, withPlaceholder: true }, { source: Track.Source.ScreenShare, withPlaceholder: false }],
    { updateOnlyOn: [RoomEvent.ActiveSpeakersChanged], onlySubscribed: false },
  );
  const focus = usePinnedTracks(layout)?.[0];
  const others = tracks.filter((t) => !sameTile(t, focus));
  useScreenShareFocus(layout, tracks);

  return (
    <LayoutContextProvider value={layout} onWidgetChange={setWidget}>
      <div className={widget.showChat ? 'stage with-chat' : 'stage'}>
        <section className="tiles" data-testid="grid" aria-label="People in the call">
          {!focus ? (
            <GridLayout tracks={tracks}><PersonTile /></GridLayout>
          ) : (
            <FocusLayoutContainer>
              <CarouselLayout tracks={others}><PersonTile /></CarouselLayout>
              <PersonTile trackRef={focus} />
            </FocusLayoutContainer>
          )}
        </section>
        <Chat style={{ display: widget.showChat ? 'grid' : 'none' }} aria-label="Chat" />
      </div>
      <Controls />
    </LayoutContextProvider>
  );
}

/** Whether two tiles show the same thing: one person's camera, or one person's screen. */
function sameTile(a: TrackReferenceOrPlaceholder, b: TrackReferenceOrPlaceholder | undefined): boolean {
  return !!b && a.participant.identity === b.participant.identity && a.source === b.source;
}

/** A screen share takes the focus view when it starts (as in LiveKit's VideoConference); the grid comes back when it stops. */
function useScreenShareFocus(layout: ReturnType<typeof useCreateLayoutContext>, tracks: ReturnType<typeof useTracks>) {
  const autoFocused = useRef<string | null>(null);
  const shares = tracks.flatMap((t) => (t.source === Track.Source.ScreenShare && t.publication?.isSubscribed ? [{ ref: t, sid: t.publication.trackSid }] : []));
  const key = shares.map((s) => s.sid).join();
  useEffect(() => {
    if (shares.length && autoFocused.current === null) {
      layout.pin.dispatch?.({ msg: 'set_pin', trackReference: shares[0].ref });
      autoFocused.current = shares[0].sid;
    } else if (autoFocused.current && !shares.some((s) => s.sid === autoFocused.current)) {
      layout.pin.dispatch?.({ msg: 'clear_pin' });
      autoFocused.current = null;
    }
  }, [key]);
}
