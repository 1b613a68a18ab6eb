//! Tracks, downs, the forwarding gate and the counters.
//!
//! A down receives a frame iff it is ready, not paused and started. Video
//! downs start on a frame that can begin decoding; everything before that is
//! dropped so a subscriber never sees deltas it cannot decode. All storage
//! (down lists, the out buffer) grows when downs are opened, so the per-frame
//! path only reads and writes what already exists.

use crate::codec::{classify, Codec, FrameClass};
use crate::keyframes::KeyframeThrottle;
use crate::slab::{Slab, NONE};

pub const IO_CAPACITY: usize = 64;
pub const STATS_CAPACITY: usize = 16;
const MIN_OUT_CAPACITY: usize = 16;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrackKind {
    Audio,
    Video,
}

impl TrackKind {
    pub fn from_u32(v: u32) -> Option<TrackKind> {
        match v {
            0 => Some(TrackKind::Audio),
            1 => Some(TrackKind::Video),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Config {
    keyframe_throttle_ms: f64,
    keyframe_retry_ms: f64,
}

const DEFAULT_CONFIG: Config = Config { keyframe_throttle_ms: 500.0, keyframe_retry_ms: 1000.0 };

struct Track {
    kind: TrackKind,
    /// Open downs in opening order, which is also forwarding order.
    downs: Vec<u32>,
    throttle: KeyframeThrottle,
    frames: u64,
    bytes: u64,
    keyframes: u64,
    unknown_frames: u64,
    keyframe_requests: u64,
    width: u32,
    height: u32,
    /// How many of its downs are `waiting()`, kept so that polling never scans every down per frame.
    waiting: u32,
}

struct Down {
    track: u32,
    video: bool,
    ready: bool,
    paused: bool,
    started: bool,
    frames: u64,
    bytes: u64,
    keyframes: u64,
    dropped_waiting: u64,
    dropped_paused_or_not_ready: u64,
    keyframe_wants: u64,
}

impl Down {
    /// Could take frames right now but for the missing keyframe.
    fn waiting(&self) -> bool {
        self.video && self.ready && !self.paused && !self.started
    }
}

pub struct Core {
    /// The caller writes each frame's prefix here before `frame_in`.
    pub io: [u8; IO_CAPACITY],
    /// Stats calls write here.
    pub stats: [f64; STATS_CAPACITY],
    /// `frame_in` writes target down handles here; never shorter than the
    /// largest down list, so a frame always fits.
    out: Vec<u32>,
    tracks: Slab<Track>,
    downs: Slab<Down>,
    config: Config,
    last_class: FrameClass,
}

impl Core {
    pub const fn new() -> Core {
        Core {
            io: [0; IO_CAPACITY],
            stats: [0.0; STATS_CAPACITY],
            out: Vec::new(),
            tracks: Slab::new(),
            downs: Slab::new(),
            config: DEFAULT_CONFIG,
            last_class: FrameClass::Unknown,
        }
    }

    /// Drops every track and down; buffers and config stay where they are so
    /// pointers the caller holds remain valid.
    pub fn reset(&mut self) {
        self.tracks.clear();
        self.downs.clear();
        self.last_class = FrameClass::Unknown;
    }

    /// Negative or NaN values fall back to the defaults; `inf` disables.
    pub fn set_config(&mut self, keyframe_throttle_ms: f64, keyframe_retry_ms: f64) {
        fn or(v: f64, default: f64) -> f64 {
            if v >= 0.0 {
                v
            } else {
                default
            }
        }
        self.config = Config {
            keyframe_throttle_ms: or(keyframe_throttle_ms, DEFAULT_CONFIG.keyframe_throttle_ms),
            keyframe_retry_ms: or(keyframe_retry_ms, DEFAULT_CONFIG.keyframe_retry_ms),
        };
    }

    pub fn out_ptr(&mut self) -> *mut u32 {
        self.out.as_mut_ptr()
    }

    pub fn out_capacity(&self) -> u32 {
        self.out.len() as u32
    }

    #[cfg(test)]
    pub fn targets(&self, n: u32) -> &[u32] {
        &self.out[..n as usize]
    }

    pub fn track_open(&mut self, kind: u32) -> u32 {
        let kind = match TrackKind::from_u32(kind) {
            Some(k) => k,
            None => return NONE,
        };
        self.tracks.insert(Track {
            kind,
            downs: Vec::new(),
            throttle: KeyframeThrottle::new(),
            frames: 0,
            bytes: 0,
            keyframes: 0,
            unknown_frames: 0,
            keyframe_requests: 0,
            width: 0,
            height: 0,
            waiting: 0,
        })
    }

    pub fn track_close(&mut self, track: u32) -> bool {
        let t = match self.tracks.remove(track) {
            Some(t) => t,
            None => return false,
        };
        for &d in &t.downs {
            self.downs.remove(d);
        }
        true
    }

    pub fn down_open(&mut self, track: u32) -> u32 {
        let t = match self.tracks.get_mut(track) {
            Some(t) => t,
            None => return NONE,
        };
        let down = self.downs.insert(Down {
            track,
            video: t.kind == TrackKind::Video,
            ready: false,
            paused: false,
            started: false,
            frames: 0,
            bytes: 0,
            keyframes: 0,
            dropped_waiting: 0,
            dropped_paused_or_not_ready: 0,
            keyframe_wants: 0,
        });
        if down == NONE {
            return NONE;
        }
        t.downs.push(down);
        let needed = t.downs.len();
        if needed > self.out.len() {
            self.out.resize(needed.next_power_of_two().max(MIN_OUT_CAPACITY), 0);
        }
        down
    }

    pub fn down_close(&mut self, down: u32) -> bool {
        let d = match self.downs.remove(down) {
            Some(d) => d,
            None => return false,
        };
        if let Some(t) = self.tracks.get_mut(d.track) {
            if let Some(i) = t.downs.iter().position(|&x| x == down) {
                t.downs.remove(i);
            }
            t.waiting -= u32::from(d.waiting());
        }
        true
    }

    /// Changes a down and keeps its track's `waiting` count true; a down that
    /// starts waiting makes its track want a keyframe.
    fn change_down(&mut self, down: u32, change: impl FnOnce(&mut Down)) {
        let d = match self.downs.get_mut(down) {
            Some(d) => d,
            None => return,
        };
        let before = d.waiting();
        change(d);
        let after = d.waiting();
        if before == after {
            return;
        }
        if let Some(t) = self.tracks.get_mut(d.track) {
            if after {
                t.waiting += 1;
                d.keyframe_wants += 1;
                t.throttle.want();
            } else {
                t.waiting -= 1;
            }
        }
    }

    pub fn down_set_ready(&mut self, down: u32, ready: bool) {
        self.change_down(down, |d| {
            if d.ready == ready {
                return;
            }
            d.ready = ready;
            if !d.video {
                // Opus packets stand alone: nothing to wait for.
                d.started |= ready;
            } else if !ready {
                // Frames are about to be skipped, so the decoder will need a
                // fresh keyframe when the transport comes back.
                d.started = false;
            }
        });
    }

    pub fn down_set_paused(&mut self, down: u32, paused: bool) {
        self.change_down(down, |d| {
            if d.paused == paused {
                return;
            }
            d.paused = paused;
            if d.video && paused {
                d.started = false;
            }
        });
    }

    /// A subscriber reported loss (PLI/FIR). Ignored while it cannot receive:
    /// becoming ready or unpaused asks on its own.
    pub fn keyframe_wanted(&mut self, down: u32) {
        if let Some(d) = self.downs.get_mut(down) {
            if d.video && d.ready && !d.paused {
                want(&mut self.tracks, d);
            }
        }
    }

    /// Classifies the frame whose first `prefix_len` bytes are in `io`,
    /// writes the receiving downs to the out buffer and returns their count.
    pub fn frame_in(&mut self, track: u32, codec: Codec, len: u32, prefix_len: u32, hint_key: bool) -> u32 {
        let t = match self.tracks.get_mut(track) {
            Some(t) => t,
            None => {
                self.last_class = FrameClass::Unknown;
                return 0;
            }
        };
        let n = (prefix_len.min(len) as usize).min(IO_CAPACITY);
        let parsed = classify(codec, &self.io[..n]);
        self.last_class = parsed.class;

        // The browser's flag is only trusted when the bytes cannot speak:
        // a readable delta flagged "key" (e.g. by a confused encoder
        // wrapper) must not start a decoder.
        let is_key = match parsed.class {
            FrameClass::Key => true,
            FrameClass::Delta => false,
            FrameClass::Unknown => hint_key,
        };
        let len64 = u64::from(len);
        t.frames += 1;
        t.bytes += len64;
        t.keyframes += u64::from(is_key);
        t.unknown_frames += u64::from(parsed.class == FrameClass::Unknown);
        if parsed.width != 0 && parsed.height != 0 {
            t.width = parsed.width;
            t.height = parsed.height;
        }
        let starts = t.kind == TrackKind::Audio || is_key;
        if is_key && t.kind == TrackKind::Video {
            t.throttle.satisfied();
        }

        let mut count = 0usize;
        let mut started_now = 0u32;
        for &h in &t.downs {
            let d = match self.downs.get_mut(h) {
                Some(d) => d,
                None => continue,
            };
            if !d.ready || d.paused {
                d.dropped_paused_or_not_ready += 1;
                continue;
            }
            if !d.started {
                if !starts {
                    d.dropped_waiting += 1;
                    continue;
                }
                d.started = true;
                started_now += u32::from(d.video);
            }
            let slot = match self.out.get_mut(count) {
                Some(s) => s,
                None => break, // unreachable: down_open keeps the buffer big enough
            };
            *slot = h;
            count += 1;
            d.frames += 1;
            d.bytes += len64;
            d.keyframes += u64::from(is_key);
        }
        t.waiting -= started_now;
        count as u32
    }

    pub fn last_frame_class(&self) -> FrameClass {
        self.last_class
    }

    /// Returns one track whose publisher should be asked for a keyframe now,
    /// or `NONE`. Each returned track is recorded as requested, so calling
    /// until `NONE` terminates.
    pub fn poll_keyframe_request(&mut self, now_ms: f64) -> u32 {
        let Config { keyframe_throttle_ms, keyframe_retry_ms } = self.config;
        for (h, t) in self.tracks.iter_mut() {
            if t.kind != TrackKind::Video {
                continue;
            }
            if t.waiting > 0 && now_ms >= t.throttle.last_request_ms() + keyframe_retry_ms {
                t.throttle.want();
            }
            if t.throttle.poll(now_ms, keyframe_throttle_ms) {
                t.keyframe_requests += 1;
                return h;
            }
        }
        NONE
    }

    /// Earliest time `poll_keyframe_request` may have something to say;
    /// `now_ms` if it already has, `inf` if nothing is pending.
    pub fn next_timeout(&self, now_ms: f64) -> f64 {
        let Config { keyframe_throttle_ms, keyframe_retry_ms } = self.config;
        let mut at = f64::INFINITY;
        for (_, t) in self.tracks.iter() {
            if t.kind != TrackKind::Video {
                continue;
            }
            at = at.min(t.throttle.due_at(keyframe_throttle_ms));
            if t.waiting > 0 {
                let retry = t.throttle.last_request_ms() + keyframe_retry_ms;
                at = at.min(retry.max(t.throttle.window_end(keyframe_throttle_ms)));
            }
        }
        at.max(now_ms)
    }

    /// `[frames, bytes, keyframes, unknown_frames, keyframe_requests, width, height]`
    pub fn track_stats(&mut self, track: u32) -> u32 {
        let t = match self.tracks.get(track) {
            Some(t) => t,
            None => return 0,
        };
        let values = [
            t.frames as f64,
            t.bytes as f64,
            t.keyframes as f64,
            t.unknown_frames as f64,
            t.keyframe_requests as f64,
            f64::from(t.width),
            f64::from(t.height),
        ];
        self.stats[..values.len()].copy_from_slice(&values);
        values.len() as u32
    }

    /// `[frames, bytes, keyframes, dropped_waiting, dropped_paused_or_not_ready, keyframe_wants, started]`
    pub fn down_stats(&mut self, down: u32) -> u32 {
        let d = match self.downs.get(down) {
            Some(d) => d,
            None => return 0,
        };
        let values = [
            d.frames as f64,
            d.bytes as f64,
            d.keyframes as f64,
            d.dropped_waiting as f64,
            d.dropped_paused_or_not_ready as f64,
            d.keyframe_wants as f64,
            f64::from(u8::from(d.started)),
        ];
        self.stats[..values.len()].copy_from_slice(&values);
        values.len() as u32
    }
}

fn want(tracks: &mut Slab<Track>, d: &mut Down) {
    if let Some(t) = tracks.get_mut(d.track) {
        d.keyframe_wants += 1;
        t.throttle.want();
    }
}


#[cfg(test)]
mod tests {
    use super::*;
    use crate::alloc_probe;

    const AUDIO: u32 = 0;
    const VIDEO: u32 = 1;
    const VP8_KEY: [u8; 10] = [0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01];
    const VP8_DELTA: [u8; 3] = [0x31, 0x02, 0x00];
    /// A key flag with scrambled bytes where the start code should be.
    const VP8_ENCRYPTED_KEY: [u8; 10] = [0x10, 0x02, 0x00, 0x5a, 0xc3, 0x11, 0x80, 0x02, 0xe0, 0x01];
    const OPUS: [u8; 1] = [0x78];

    fn frame(core: &mut Core, track: u32, codec: Codec, bytes: &[u8], hint_key: bool) -> Vec<u32> {
        let n = bytes.len().min(IO_CAPACITY);
        core.io[..n].copy_from_slice(&bytes[..n]);
        let count = core.frame_in(track, codec, bytes.len() as u32 + 1000, n as u32, hint_key);
        core.targets(count).to_vec()
    }

    fn key(core: &mut Core, track: u32) -> Vec<u32> {
        frame(core, track, Codec::Vp8, &VP8_KEY, true)
    }

    fn delta(core: &mut Core, track: u32) -> Vec<u32> {
        frame(core, track, Codec::Vp8, &VP8_DELTA, false)
    }

    fn ready_down(core: &mut Core, track: u32) -> u32 {
        let d = core.down_open(track);
        core.down_set_ready(d, true);
        d
    }

    fn down_stats(core: &mut Core, down: u32) -> Vec<f64> {
        let n = core.down_stats(down) as usize;
        core.stats[..n].to_vec()
    }

    fn track_stats(core: &mut Core, track: u32) -> Vec<f64> {
        let n = core.track_stats(track) as usize;
        core.stats[..n].to_vec()
    }

    fn requests_until_none(core: &mut Core, now_ms: f64) -> Vec<u32> {
        let mut out = Vec::new();
        loop {
            let t = core.poll_keyframe_request(now_ms);
            if t == NONE {
                return out;
            }
            out.push(t);
        }
    }

    #[test]
    fn a_late_subscriber_starts_on_a_keyframe() {
        let mut c = Core::new();
        let t = c.track_open(VIDEO);
        let early = ready_down(&mut c, t);
        assert_eq!(key(&mut c, t), [early]);
        assert_eq!(delta(&mut c, t), [early]);

        let late = ready_down(&mut c, t);
        assert_eq!(delta(&mut c, t), [early], "the late down waits");
        assert_eq!(delta(&mut c, t), [early]);
        assert_eq!(key(&mut c, t), [early, late]);
        assert_eq!(delta(&mut c, t), [early, late]);

        let s = down_stats(&mut c, late);
        assert_eq!(s[0], 2.0, "frames");
        assert_eq!(s[2], 1.0, "keyframes");
        assert_eq!(s[3], 2.0, "dropped while waiting");
        assert_eq!(s[6], 1.0, "started");
    }

    #[test]
    fn a_new_ready_down_makes_its_track_want_a_keyframe() {
        let mut c = Core::new();
        let t = c.track_open(VIDEO);
        let d = c.down_open(t);
        assert_eq!(c.poll_keyframe_request(0.0), NONE, "not ready yet");
        assert_eq!(c.next_timeout(0.0), f64::INFINITY);
        c.down_set_ready(d, true);
        assert_eq!(c.next_timeout(10.0), 10.0);
        assert_eq!(requests_until_none(&mut c, 10.0), [t]);
        assert_eq!(track_stats(&mut c, t)[4], 1.0, "keyframe_requests");
        assert_eq!(down_stats(&mut c, d)[5], 1.0, "keyframe_wants");
    }

    #[test]
    fn two_wants_within_the_throttle_window_give_one_request_and_the_second_is_deferred() {
        let mut c = Core::new();
        let t = c.track_open(VIDEO);
        let a = ready_down(&mut c, t);
        key(&mut c, t);
        c.keyframe_wanted(a);
        assert_eq!(requests_until_none(&mut c, 1000.0), [t]);
        c.keyframe_wanted(a);
        assert_eq!(requests_until_none(&mut c, 1200.0), []);
        assert_eq!(c.next_timeout(1200.0), 1500.0);
        assert_eq!(requests_until_none(&mut c, 1499.0), []);
        assert_eq!(requests_until_none(&mut c, 1500.0), [t], "deferred, not lost");
        assert_eq!(c.next_timeout(1500.0), f64::INFINITY);
        assert_eq!(track_stats(&mut c, t)[4], 2.0);
    }

    #[test]
    fn wants_from_many_downs_at_once_make_one_request() {
        let mut c = Core::new();
        let t = c.track_open(VIDEO);
        for _ in 0..10 {
            ready_down(&mut c, t);
        }
        assert_eq!(requests_until_none(&mut c, 0.0), [t]);
    }

    #[test]
    fn a_down_still_waiting_after_the_retry_interval_asks_again() {
        let mut c = Core::new();
        let t = c.track_open(VIDEO);
        ready_down(&mut c, t);
        assert_eq!(requests_until_none(&mut c, 0.0), [t]);
        delta(&mut c, t);
        assert_eq!(c.next_timeout(1.0), 1000.0);
        assert_eq!(requests_until_none(&mut c, 999.0), []);
        assert_eq!(requests_until_none(&mut c, 1000.0), [t]);
        assert_eq!(c.next_timeout(1000.0), 2000.0);

        key(&mut c, t);
        assert_eq!(c.next_timeout(1001.0), f64::INFINITY, "started: nothing to retry");
        assert_eq!(requests_until_none(&mut c, 5000.0), []);
    }

    #[test]
    fn paused_and_not_ready_downs_get_nothing() {
        let mut c = Core::new();
        let t = c.track_open(VIDEO);
        let not_ready = c.down_open(t);
        let paused = ready_down(&mut c, t);
        c.down_set_paused(paused, true);
        assert_eq!(key(&mut c, t), []);
        assert_eq!(delta(&mut c, t), []);
        assert_eq!(down_stats(&mut c, not_ready)[4], 2.0);
        assert_eq!(down_stats(&mut c, paused)[4], 2.0);
        assert_eq!(down_stats(&mut c, paused)[0], 0.0);

        let a = c.track_open(AUDIO);
        let muted = ready_down(&mut c, a);
        c.down_set_paused(muted, true);
        assert_eq!(frame(&mut c, a, Codec::Opus, &OPUS, false), []);
    }

    #[test]
    fn an_unpaused_video_down_waits_for_a_keyframe_again_and_wants_one() {
        let mut c = Core::new();
        let t = c.track_open(VIDEO);
        let d = ready_down(&mut c, t);
        key(&mut c, t);
        requests_until_none(&mut c, 0.0);
        c.down_set_paused(d, true);
        assert_eq!(requests_until_none(&mut c, 5000.0), [], "pausing asks for nothing");
        c.down_set_paused(d, false);
        assert_eq!(delta(&mut c, t), []);
        assert_eq!(requests_until_none(&mut c, 5000.0), [t]);
        assert_eq!(key(&mut c, t), [d]);
    }

    #[test]
    fn a_video_down_that_loses_its_transport_waits_for_a_keyframe_again() {
        let mut c = Core::new();
        let t = c.track_open(VIDEO);
        let d = ready_down(&mut c, t);
        key(&mut c, t);
        requests_until_none(&mut c, 0.0);
        c.down_set_ready(d, false);
        delta(&mut c, t);
        c.down_set_ready(d, true);
        assert_eq!(delta(&mut c, t), []);
        assert_eq!(requests_until_none(&mut c, 5000.0), [t]);
        assert_eq!(key(&mut c, t), [d]);
    }

    #[test]
    fn audio_downs_start_as_soon_as_they_are_ready_and_never_want_keyframes() {
        let mut c = Core::new();
        let a = c.track_open(AUDIO);
        let d = c.down_open(a);
        assert_eq!(down_stats(&mut c, d)[6], 0.0);
        c.down_set_ready(d, true);
        assert_eq!(down_stats(&mut c, d)[6], 1.0);
        assert_eq!(frame(&mut c, a, Codec::Opus, &OPUS, false), [d]);
        assert_eq!(frame(&mut c, a, Codec::Opus, &[], false), [d], "even unreadable audio flows");
        c.keyframe_wanted(d);
        c.down_set_paused(d, true);
        c.down_set_paused(d, false);
        assert_eq!(requests_until_none(&mut c, 0.0), []);
        assert_eq!(c.next_timeout(0.0), f64::INFINITY);
        assert_eq!(c.last_frame_class(), FrameClass::Unknown);
    }

    #[test]
    fn an_unreadable_frame_starts_a_down_only_when_the_browser_says_key() {
        let mut c = Core::new();
        let t = c.track_open(VIDEO);
        let d = ready_down(&mut c, t);
        assert_eq!(frame(&mut c, t, Codec::Vp8, &VP8_ENCRYPTED_KEY, false), []);
        assert_eq!(c.last_frame_class(), FrameClass::Unknown);
        assert_eq!(frame(&mut c, t, Codec::Vp8, &VP8_ENCRYPTED_KEY, true), [d]);
        assert_eq!(c.last_frame_class(), FrameClass::Unknown);
        let s = track_stats(&mut c, t);
        assert_eq!(s[3], 2.0, "unknown_frames");
        assert_eq!(s[2], 1.0, "keyframes");
        assert_eq!((s[5], s[6]), (0.0, 0.0), "no size from an unreadable header");

        let av1 = c.track_open(VIDEO);
        let d2 = ready_down(&mut c, av1);
        assert_eq!(frame(&mut c, av1, Codec::Av1, &[0x12, 0x00], false), []);
        assert_eq!(frame(&mut c, av1, Codec::Av1, &[0x12, 0x00], true), [d2]);
    }

    #[test]
    fn a_readable_delta_never_starts_a_down_even_if_the_browser_says_key() {
        let mut c = Core::new();
        let t = c.track_open(VIDEO);
        ready_down(&mut c, t);
        assert_eq!(frame(&mut c, t, Codec::Vp8, &VP8_DELTA, true), []);
        assert_eq!(c.last_frame_class(), FrameClass::Delta);
    }

    #[test]
    fn an_arriving_keyframe_cancels_a_deferred_request() {
        let mut c = Core::new();
        let t = c.track_open(VIDEO);
        let d = ready_down(&mut c, t);
        assert_eq!(requests_until_none(&mut c, 0.0), [t]);
        c.keyframe_wanted(d);
        key(&mut c, t);
        assert_eq!(c.next_timeout(100.0), f64::INFINITY);
        assert_eq!(requests_until_none(&mut c, 600.0), []);
    }

    #[test]
    fn track_stats_count_frames_bytes_and_the_key_frame_size() {
        let mut c = Core::new();
        let t = c.track_open(VIDEO);
        key(&mut c, t);
        delta(&mut c, t);
        let s = track_stats(&mut c, t);
        assert_eq!(s, [2.0, 2013.0, 1.0, 0.0, 0.0, 640.0, 480.0]);
        assert_eq!(c.track_stats(NONE), 0);
        assert_eq!(c.down_stats(12345), 0);
    }

    #[test]
    fn closing_a_track_closes_its_downs_and_handles_are_reused() {
        let mut c = Core::new();
        let t = c.track_open(VIDEO);
        let d1 = c.down_open(t);
        let d2 = c.down_open(t);
        assert!(c.track_close(t));
        assert!(!c.track_close(t));
        assert!(!c.down_close(d1), "already closed with its track");
        assert_eq!(c.down_stats(d2), 0);

        let t2 = c.track_open(AUDIO);
        assert_eq!(t2, t);
        let mut reused = [c.down_open(t2), c.down_open(t2)];
        reused.sort_unstable();
        assert_eq!(reused, [d1, d2]);
        assert_eq!(c.down_open(99), NONE);
        assert_eq!(c.track_open(7), NONE);
    }

    #[test]
    fn a_closed_down_leaves_the_others_in_order() {
        let mut c = Core::new();
        let t = c.track_open(AUDIO);
        let ds: Vec<u32> = (0..4).map(|_| ready_down(&mut c, t)).collect();
        assert!(c.down_close(ds[1]));
        assert_eq!(frame(&mut c, t, Codec::Opus, &OPUS, false), [ds[0], ds[2], ds[3]]);
    }

    #[test]
    fn frame_in_on_an_unknown_handle_returns_zero() {
        let mut c = Core::new();
        c.io[..10].copy_from_slice(&VP8_KEY);
        assert_eq!(c.frame_in(0, Codec::Vp8, 10, 10, true), 0);
        assert_eq!(c.frame_in(NONE, Codec::Vp8, 10, 10, true), 0);
        assert_eq!(c.last_frame_class(), FrameClass::Unknown);
    }

    #[test]
    fn the_prefix_is_clamped_to_the_io_buffer_and_the_frame_length() {
        let mut c = Core::new();
        let t = c.track_open(VIDEO);
        c.io[..10].copy_from_slice(&VP8_KEY);
        c.frame_in(t, Codec::Vp8, 9, 10, false);
        assert_eq!(c.last_frame_class(), FrameClass::Unknown, "only 9 real bytes");
        c.frame_in(t, Codec::Vp8, 100_000, 1_000_000, false);
        assert_eq!(c.last_frame_class(), FrameClass::Key);
    }

    #[test]
    fn the_out_buffer_grows_with_the_largest_track_and_survives_reset() {
        let mut c = Core::new();
        let t = c.track_open(AUDIO);
        let downs: Vec<u32> = (0..100).map(|_| ready_down(&mut c, t)).collect();
        assert!(c.out_capacity() >= 100);
        assert_eq!(frame(&mut c, t, Codec::Opus, &OPUS, false), downs);
        let (ptr, cap) = (c.out_ptr(), c.out_capacity());
        c.reset();
        assert_eq!((c.out_ptr(), c.out_capacity()), (ptr, cap));
        assert_eq!(c.track_stats(t), 0);
    }

    #[test]
    fn config_changes_the_windows_and_rejects_nonsense() {
        let mut c = Core::new();
        c.set_config(100.0, f64::INFINITY);
        let t = c.track_open(VIDEO);
        let d = ready_down(&mut c, t);
        assert_eq!(requests_until_none(&mut c, 0.0), [t]);
        c.keyframe_wanted(d);
        assert_eq!(c.next_timeout(0.0), 100.0);
        assert_eq!(requests_until_none(&mut c, 100.0), [t]);
        assert_eq!(c.next_timeout(100.0), f64::INFINITY, "retries disabled");

        c.set_config(-1.0, f64::NAN);
        c.keyframe_wanted(d);
        assert_eq!(c.next_timeout(100.0), 600.0, "back to the 500 ms default");
    }

    #[test]
    fn frame_in_and_keyframe_polling_never_allocate() {
        let mut c = Core::new();
        let v = c.track_open(VIDEO);
        let a = c.track_open(AUDIO);
        for _ in 0..50 {
            ready_down(&mut c, v);
            ready_down(&mut c, a);
        }
        let paused = c.down_open(v);
        c.down_set_ready(paused, true);
        c.down_set_paused(paused, true);
        let frames: [(u32, Codec, &[u8], bool); 5] = [
            (v, Codec::Vp8, &VP8_DELTA, false),
            (v, Codec::Vp8, &VP8_KEY, true),
            (v, Codec::Vp8, &VP8_ENCRYPTED_KEY, true),
            (v, Codec::Vp9, &[0x82, 0x49, 0x83, 0x42, 0x00, 0x4f, 0xf0, 0x2c, 0xf0, 0x00], false),
            (a, Codec::Opus, &OPUS, false),
        ];
        let before = alloc_probe::allocations();
        for i in 0..1000 {
            let (t, codec, bytes, hint) = frames[i % frames.len()];
            c.io[..bytes.len()].copy_from_slice(bytes);
            c.frame_in(t, codec, 1200, bytes.len() as u32, hint);
            c.keyframe_wanted(1 + (i as u32 % 100));
            while c.poll_keyframe_request(i as f64 * 10.0) != NONE {}
            c.next_timeout(i as f64 * 10.0);
        }
        assert_eq!(alloc_probe::allocations(), before);
    }

    /// xorshift64: deterministic, dependency-free noise.
    struct Noise(u64);

    impl Noise {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: u64) -> u32 {
            (self.next() % n) as u32
        }
    }

    #[test]
    fn random_calls_and_random_bytes_never_panic() {
        let mut c = Core::new();
        let mut rng = Noise(0x2545_f491_4f6c_dd1d);
        let mut now = 0.0;
        for _ in 0..200_000 {
            now += f64::from(rng.below(50));
            let handle = rng.below(40).wrapping_sub(2); // includes NONE and u32::MAX - 1
            match rng.below(12) {
                0 => {
                    c.track_open(rng.below(3));
                }
                1 => {
                    c.track_close(handle);
                }
                2 | 3 => {
                    c.down_open(handle);
                }
                4 => {
                    c.down_close(handle);
                }
                5 => c.down_set_ready(handle, rng.below(2) == 1),
                6 => c.down_set_paused(handle, rng.below(2) == 1),
                7 => c.keyframe_wanted(handle),
                8 => while c.poll_keyframe_request(now) != NONE {},
                9 => assert!(c.next_timeout(now) >= now),
                _ => {
                    for b in c.io.iter_mut() {
                        *b = rng.next() as u8;
                    }
                    let len = rng.below(200);
                    let prefix = rng.below(100);
                    let n = c.frame_in(handle, Codec::from_u32(rng.below(7)), len, prefix, rng.below(2) == 1);
                    assert!(n <= c.out_capacity());
                    c.track_stats(handle);
                }
            }
            for (_, t) in c.tracks.iter() {
                let counted = t.downs.iter().filter(|&&h| c.downs.get(h).map_or(false, Down::waiting)).count();
                assert_eq!(t.waiting as usize, counted, "a track's waiting count matches its downs");
            }
        }
    }

    #[test]
    fn random_bytes_never_panic_any_parser() {
        let mut rng = Noise(0x9e37_79b9_7f4a_7c15);
        let mut buf = [0u8; IO_CAPACITY];
        for _ in 0..200_000 {
            let n = rng.below(IO_CAPACITY as u64 + 1) as usize;
            for b in buf[..n].iter_mut() {
                // Bias towards zeros so H.264 start codes actually occur.
                *b = if rng.below(3) == 0 { 0 } else { rng.next() as u8 };
            }
            for codec in 0..7 {
                let p = classify(Codec::from_u32(codec), &buf[..n]);
                assert!(p.width <= 65_536 && p.height <= 65_536);
            }
        }
    }
}
