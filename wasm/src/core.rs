//! Tracks, downs, the forwarding gate and the counters.
//!
//! A down receives a frame iff it is ready, not paused and started. Video
//! downs start on a frame that can begin decoding; everything before that is
//! dropped so a subscriber never sees deltas it cannot decode. All storage
//! (down lists, the out buffer) grows when downs are opened, so the per-frame
//! path only reads and writes what already exists.

use crate::codec::{classify, Codec, FrameClass};
use crate::layers::{budget_short_of, choose, Layer, Link, SwitchReason, MAX_LAYERS, RATE_WINDOW_MS};
use crate::slab::{Slab, NONE};
use crate::temporal::{choose_temporal, TemporalLimits, ALL_TEMPORAL};

pub const IO_CAPACITY: usize = 64;
pub const STATS_CAPACITY: usize = 17;
/// Set on an out-buffer handle when the down changed layers with this frame:
/// the caller tells the sink, whose timestamps must continue across the change.
pub const SWITCHED_FLAG: u32 = 0x8000_0000;
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
    /// Spatial layers (simulcast); one for audio and plain video. Each has its
    /// own keyframe throttle and count of downs waiting for its keyframe.
    layers: [Layer; MAX_LAYERS],
    layer_count: usize,
    frames: u64,
    bytes: u64,
    keyframes: u64,
    unknown_frames: u64,
    keyframe_requests: u64,
    width: u32,
    height: u32,
    /// A frame with a temporal index above 0 has arrived: the track's layers are measured and its downs' temporal
    /// ceilings chosen, like simulcast ones.
    temporal_seen: bool,
}

impl Track {
    fn layers(&self) -> &[Layer] {
        &self.layers[..self.layer_count]
    }

    /// Whether the downs' layers need choosing: simulcast, or temporal layers.
    fn adaptive(&self) -> bool {
        self.layer_count > 1 || self.temporal_seen
    }
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
    /// The highest layer the subscriber asked for (tile size, quality).
    max_layer: u8,
    /// The layer it should get now; it switches on that layer's keyframe.
    target: u8,
    /// The layer it gets, once `started`.
    current: u8,
    link: Link,
    switches: u64,
    last_reason: SwitchReason,
    /// The layer it had before its last switch.
    previous: u8,
    /// The frame rate the subscriber asked for; 0 = any.
    max_fps: f64,
    /// The highest temporal layer it should get, and the one in force (`ALL_TEMPORAL`: no ceiling). The ceiling
    /// follows the target down at once and up at a base-layer frame.
    temporal_target: u8,
    temporal: u8,
    dropped_temporal: u64,
    /// What its budget falls short of to move up a layer it wants (bit/s; 0 when nothing holds it): the connection
    /// should be probed for it.
    probe_bps: f64,
}

impl Down {
    /// The layer whose keyframe this down waits for, if any: to start, or to switch.
    fn waiting_on(&self) -> Option<u8> {
        if self.video && self.ready && !self.paused && (!self.started || self.current != self.target) {
            Some(self.target)
        } else {
            None
        }
    }

    fn current_layer(&self) -> Option<u8> {
        if self.started {
            Some(self.current)
        } else {
            None
        }
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
    /// The layer of the track the last `poll_keyframe_request` returned.
    last_request_layer: u8,
    /// When layer bitrates are next measured and targets re-chosen; `inf` before the first frame.
    next_layer_tick_ms: f64,
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
            last_request_layer: 0,
            next_layer_tick_ms: f64::INFINITY,
        }
    }

    /// Drops every track and down; buffers and config stay where they are so
    /// pointers the caller holds remain valid.
    pub fn reset(&mut self) {
        self.tracks.clear();
        self.downs.clear();
        self.last_class = FrameClass::Unknown;
        self.next_layer_tick_ms = f64::INFINITY;
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
            layers: [Layer::new(); MAX_LAYERS],
            layer_count: 1,
            frames: 0,
            bytes: 0,
            keyframes: 0,
            unknown_frames: 0,
            keyframe_requests: 0,
            width: 0,
            height: 0,
            temporal_seen: false,
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
            max_layer: (MAX_LAYERS - 1) as u8,
            target: (t.layer_count - 1) as u8,
            current: 0,
            link: Link::initial(),
            switches: 0,
            last_reason: SwitchReason::None,
            previous: 0,
            max_fps: 0.0,
            temporal_target: ALL_TEMPORAL,
            temporal: ALL_TEMPORAL,
            dropped_temporal: 0,
            probe_bps: 0.0,
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
            if let Some(l) = d.waiting_on() {
                t.layers[l as usize].waiting -= 1;
            }
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
        let before = d.waiting_on();
        change(d);
        if let Some(t) = self.tracks.get_mut(d.track) {
            moved_waiting(t, d, before);
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

    /// `frame_in_layer` for layer 0 at time 0: audio and single-layer video.
    #[cfg(test)]
    pub fn frame_in(&mut self, track: u32, codec: Codec, len: u32, prefix_len: u32, hint_key: bool) -> u32 {
        self.frame_in_layer(track, 0, 0, codec, len, prefix_len, hint_key, 0.0)
    }

    /// Classifies the frame of spatial `layer` and temporal layer `temporal`
    /// whose first `prefix_len` bytes are in `io`, writes the receiving downs
    /// to the out buffer (with `SWITCHED_FLAG` on those that changed layers
    /// with it) and returns their count.
    #[allow(clippy::too_many_arguments)]
    pub fn frame_in_layer(&mut self, track: u32, layer: u32, temporal: u32, codec: Codec, len: u32, prefix_len: u32, hint_key: bool, now_ms: f64) -> u32 {
        let t = match self.tracks.get_mut(track) {
            Some(t) if (layer as usize) < t.layer_count => t,
            _ => {
                self.last_class = FrameClass::Unknown;
                return 0;
            }
        };
        let lf = layer as u8;
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
        if parsed.width != 0 && parsed.height != 0 && lf as usize + 1 == t.layer_count {
            t.width = parsed.width;
            t.height = parsed.height;
        }
        let tid = temporal.min(u32::from(u8::MAX)) as u8;
        t.temporal_seen |= tid > 0 && t.kind == TrackKind::Video;
        if t.adaptive() && self.next_layer_tick_ms == f64::INFINITY && now_ms.is_finite() {
            self.next_layer_tick_ms = now_ms + RATE_WINDOW_MS;
        }
        let starts = t.kind == TrackKind::Audio || is_key;
        let lay = &mut t.layers[lf as usize];
        lay.on_frame(len, tid, now_ms);
        if is_key && t.kind == TrackKind::Video {
            lay.throttle.satisfied();
        }

        let mut count = 0usize;
        let mut satisfied = 0u32;
        for &h in &t.downs {
            let d = match self.downs.get_mut(h) {
                Some(d) => d,
                None => continue,
            };
            if !d.ready || d.paused {
                d.dropped_paused_or_not_ready += 1;
                continue;
            }
            let mut flag = 0;
            if d.waiting_on() == Some(lf) && starts {
                if d.started {
                    d.switches += 1;
                    d.previous = d.current;
                    flag = SWITCHED_FLAG;
                } else {
                    d.last_reason = SwitchReason::Start;
                }
                d.started = true;
                d.current = lf;
                satisfied += 1;
            }
            if !d.started {
                d.dropped_waiting += 1;
                continue;
            }
            if d.current != lf {
                continue;
            }
            // a keyframe or a base-layer frame is where a higher ceiling may start; a lower one starts at once
            if tid == 0 || d.temporal_target < d.temporal {
                d.temporal = d.temporal_target;
            }
            if tid > d.temporal {
                d.dropped_temporal += 1;
                continue;
            }
            let slot = match self.out.get_mut(count) {
                Some(s) => s,
                None => break, // unreachable: down_open keeps the buffer big enough
            };
            *slot = h | flag;
            count += 1;
            d.frames += 1;
            d.bytes += len64;
            d.keyframes += u64::from(is_key);
        }
        if t.kind == TrackKind::Video {
            t.layers[lf as usize].waiting -= satisfied;
        }
        count as u32
    }

    pub fn last_frame_class(&self) -> FrameClass {
        self.last_class
    }

    /// Returns one track whose publisher should be asked for a keyframe now
    /// (of layer `last_request_layer()`), or `NONE`. Each returned request is
    /// recorded as sent, so calling until `NONE` terminates. Also measures
    /// layer bitrates and re-chooses targets when their time has come.
    pub fn poll_keyframe_request(&mut self, now_ms: f64) -> u32 {
        if now_ms >= self.next_layer_tick_ms {
            self.layer_tick(now_ms);
        }
        let Config { keyframe_throttle_ms, keyframe_retry_ms } = self.config;
        for (h, t) in self.tracks.iter_mut() {
            if t.kind != TrackKind::Video {
                continue;
            }
            let count = t.layer_count;
            for (l, layer) in t.layers[..count].iter_mut().enumerate() {
                if layer.waiting > 0 && now_ms >= layer.throttle.last_request_ms() + keyframe_retry_ms {
                    layer.throttle.want();
                }
                if layer.throttle.poll(now_ms, keyframe_throttle_ms) {
                    t.keyframe_requests += 1;
                    self.last_request_layer = l as u8;
                    return h;
                }
            }
        }
        NONE
    }

    pub fn last_request_layer(&self) -> u32 {
        u32::from(self.last_request_layer)
    }

    /// Earliest time `poll_keyframe_request` may have something to say;
    /// `now_ms` if it already has, `inf` if nothing is pending.
    pub fn next_timeout(&self, now_ms: f64) -> f64 {
        let Config { keyframe_throttle_ms, keyframe_retry_ms } = self.config;
        let mut at = self.next_layer_tick_ms;
        for (_, t) in self.tracks.iter() {
            if t.kind != TrackKind::Video {
                continue;
            }
            for layer in t.layers() {
                at = at.min(layer.throttle.due_at(keyframe_throttle_ms));
                if layer.waiting > 0 {
                    let retry = layer.throttle.last_request_ms() + keyframe_retry_ms;
                    at = at.min(retry.max(layer.throttle.window_end(keyframe_throttle_ms)));
                }
            }
        }
        at.max(now_ms)
    }

    /// Closes the layers' rate windows and re-chooses every simulcast down's target.
    fn layer_tick(&mut self, now_ms: f64) {
        let mut any = false;
        for (_, t) in self.tracks.iter_mut() {
            if !t.adaptive() {
                continue;
            }
            any = true;
            let count = t.layer_count;
            for layer in t.layers[..count].iter_mut() {
                layer.close_window(RATE_WINDOW_MS);
            }
        }
        self.next_layer_tick_ms = if any { now_ms + RATE_WINDOW_MS } else { f64::INFINITY };
        for (_, d) in self.downs.iter_mut() {
            if !d.video {
                continue;
            }
            if let Some(t) = self.tracks.get_mut(d.track) {
                if t.adaptive() {
                    retarget(t, d, now_ms, None);
                }
            }
        }
    }

    /// The subscriber's wanted layer (from its tile size or quality); `MAX_LAYERS - 1` or more means the top.
    pub fn down_set_max_layer(&mut self, down: u32, max_layer: u32, now_ms: f64) {
        let d = match self.downs.get_mut(down) {
            Some(d) => d,
            None => return,
        };
        d.max_layer = max_layer.min(255) as u8;
        if let Some(t) = self.tracks.get_mut(d.track) {
            retarget(t, d, now_ms, Some(SwitchReason::Settings));
        }
    }

    /// The frame rate the subscriber asked for (0 = any): fewer temporal layers when the stream has them.
    pub fn down_set_max_fps(&mut self, down: u32, fps: f64, now_ms: f64) {
        let d = match self.downs.get_mut(down) {
            Some(d) => d,
            None => return,
        };
        d.max_fps = if fps.is_finite() && fps > 0.0 { fps } else { 0.0 };
        if let Some(t) = self.tracks.get_mut(d.track) {
            retarget(t, d, now_ms, None);
        }
    }

    /// What the subscriber's connection can take: this down's share of the
    /// connection's estimate (0 = unknown), the connection's send delay and loss.
    pub fn down_set_link(&mut self, down: u32, budget_bps: f64, send_delay_ms: f64, loss: f64, now_ms: f64) {
        let d = match self.downs.get_mut(down) {
            Some(d) => d,
            None => return,
        };
        d.link.update(budget_bps, send_delay_ms, loss, now_ms);
        d.link.note_layer(d.current_layer(), now_ms);
        // congestion takes the down one layer below the one it has (or is about to have), once per report; on the
        // lowest spatial layer, one temporal layer below the ceiling it has
        let layer = d.current_layer().unwrap_or(d.target);
        d.link.cap = if d.link.congested { Some(layer.saturating_sub(1)) } else { None };
        d.link.temporal_cap = None;
        if let Some(t) = self.tracks.get_mut(d.track) {
            if d.link.congested && layer == 0 {
                let top = t.layers[0].temporal.count() as u8 - 1;
                d.link.temporal_cap = Some(d.temporal.min(top).saturating_sub(1));
            }
            if t.adaptive() {
                retarget(t, d, now_ms, None);
            }
        }
    }

    /// Sets how many simulcast layers a track has (1 to `MAX_LAYERS`), low to high.
    pub fn track_set_layers(&mut self, track: u32, count: u32, now_ms: f64) -> bool {
        let t = match self.tracks.get_mut(track) {
            Some(t) if t.kind == TrackKind::Video && (1..=MAX_LAYERS as u32).contains(&count) => t,
            _ => return false,
        };
        t.layer_count = count as usize;
        for i in 0..t.downs.len() {
            if let Some(d) = self.downs.get_mut(t.downs[i]) {
                retarget(t, d, now_ms, None);
            }
        }
        true
    }

    /// The highest layer any unpaused down of the track wants (what the
    /// publisher must keep sending: dynacast), or -1 when none does.
    pub fn track_max_wanted_layer(&self, track: u32) -> i32 {
        let t = match self.tracks.get(track) {
            Some(t) => t,
            None => return -1,
        };
        let top = t.layer_count as i32 - 1;
        let mut max = -1;
        for &h in &t.downs {
            if let Some(d) = self.downs.get(h) {
                if !d.paused {
                    max = max.max(i32::from(d.max_layer).min(top));
                }
            }
        }
        max
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

    /// `[frames, bytes, keyframes, dropped_waiting, dropped_paused_or_not_ready, keyframe_wants, started,
    /// current layer, target layer, max layer, switches, last switch reason, layer before the last switch,
    /// temporal ceiling in force, temporal target (255: every temporal layer), frames above the ceiling not sent]`
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
            f64::from(d.current),
            f64::from(d.target),
            f64::from(d.max_layer),
            d.switches as f64,
            f64::from(d.last_reason as u32),
            f64::from(d.previous),
            f64::from(d.temporal),
            f64::from(d.temporal_target),
            d.dropped_temporal as f64,
            d.probe_bps,
        ];
        self.stats[..values.len()].copy_from_slice(&values);
        values.len() as u32
    }
}

/// Re-chooses a down's target layer; a new target that differs from the
/// current layer makes the down wait for (and ask for) its keyframe.
/// `reason` overrides the reason worked out from the direction of the move.
fn retarget(t: &mut Track, d: &mut Down, now_ms: f64, reason: Option<SwitchReason>) {
    if !d.video {
        return;
    }
    let next = if t.layer_count < 2 { 0 } else { choose(t.layers(), d.max_layer, d.current_layer(), &d.link, now_ms) };
    d.probe_bps = match d.current_layer() {
        Some(c) if c == next && t.layer_count > 1 => budget_short_of(t.layers(), d.max_layer, c, &d.link, now_ms),
        _ => 0.0,
    };
    // the temporal ceiling for the spatial layer it will have; a ceiling from another spatial layer's rates is
    // not a current one to protect
    let limits = TemporalLimits { max_fps: d.max_fps, cap: d.link.temporal_cap, budget_bps: d.link.budget_bps, hold_up_until_ms: d.link.hold_up_until_ms };
    let current = if d.current_layer() == Some(next) { d.temporal } else { ALL_TEMPORAL };
    d.temporal_target = choose_temporal(&t.layers[next as usize].temporal, &limits, current, now_ms);
    if next == d.target {
        return;
    }
    let before = d.waiting_on();
    let old = d.target;
    d.target = next;
    d.last_reason = reason.unwrap_or(if !t.layers[old as usize].is_active(now_ms) {
        SwitchReason::LayerStopped
    } else if next < old {
        SwitchReason::Bandwidth
    } else {
        SwitchReason::Recovered
    });
    moved_waiting(t, d, before);
}

/// Keeps the layers' waiting counts true after a down changed, from `before` (what it waited on) to what it
/// waits on now; a down that starts waiting on a layer makes that layer want a keyframe.
fn moved_waiting(t: &mut Track, d: &mut Down, before: Option<u8>) {
    let after = d.waiting_on();
    if before == after {
        return;
    }
    if let Some(l) = before {
        t.layers[l as usize].waiting -= 1;
    }
    if let Some(l) = after {
        let layer = &mut t.layers[l as usize];
        layer.waiting += 1;
        layer.throttle.want();
        d.keyframe_wants += 1;
    }
}

/// Asks for a keyframe of the layer the down waits for, else of the one it gets.
fn want(tracks: &mut Slab<Track>, d: &mut Down) {
    if let Some(t) = tracks.get_mut(d.track) {
        let l = d.waiting_on().unwrap_or(d.current) as usize;
        if let Some(layer) = t.layers[..t.layer_count].get_mut(l) {
            d.keyframe_wants += 1;
            layer.throttle.want();
        }
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod layer_tests;
#[cfg(test)]
mod temporal_tests;
