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
mod tests;
