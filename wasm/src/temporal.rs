//! Temporal layers: within one spatial layer of a stream coded L1T2 or L1T3,
//! a frame of temporal layer `t` refers only to frames of layers at or below
//! `t`. A down sent only the frames up to a ceiling decodes them all, at a
//! lower frame rate and bitrate. Lowering the ceiling is safe at any frame;
//! raising it is safe at a base-layer frame (layer 0), because no frame after
//! it refers to an upper-layer frame from before it.
//!
//! The caller passes each frame's temporal index (0 when the codec or the
//! browser gives none); a stream whose frames are all 0 has one layer and is
//! never thinned.

use crate::layers::UP_HEADROOM;

pub const MAX_TEMPORAL: usize = 4;
/// A down's ceiling when nothing limits it: every temporal layer, however many the stream has.
pub const ALL_TEMPORAL: u8 = u8::MAX;
/// A layer counts as sent while its smoothed rate is above this many frames a second.
const ACTIVE_FPS: f64 = 0.5;
/// The wanted frame rate is met by a rate at least this share of it (30 fps wanted, 29 delivered, is 30).
const FPS_TOLERANCE: f64 = 0.9;
/// A ceiling the down has is kept while it gives at least this share of the wanted rate: a layer's measured rate
/// wobbles from window to window (3 or 4 base frames in 500 ms of 30 fps L1T3), and a choice made at the edge of
/// `FPS_TOLERANCE` would flip between two layers.
const FPS_KEEP: f64 = 0.75;

/// Frame rate and bitrate of each temporal layer of one spatial layer, over rate windows.
#[derive(Clone, Copy, Debug)]
pub struct TemporalRates {
    window_frames: [u32; MAX_TEMPORAL],
    window_bytes: [f64; MAX_TEMPORAL],
    /// Each temporal layer alone, smoothed; 0 until measured.
    fps: [f64; MAX_TEMPORAL],
    bitrate_bps: [f64; MAX_TEMPORAL],
}

impl TemporalRates {
    pub const fn new() -> TemporalRates {
        TemporalRates { window_frames: [0; MAX_TEMPORAL], window_bytes: [0.0; MAX_TEMPORAL], fps: [0.0; MAX_TEMPORAL], bitrate_bps: [0.0; MAX_TEMPORAL] }
    }

    pub fn on_frame(&mut self, temporal: u8, len: u32) {
        let t = (temporal as usize).min(MAX_TEMPORAL - 1);
        self.window_frames[t] += 1;
        self.window_bytes[t] += f64::from(len);
    }

    pub fn close_window(&mut self, window_ms: f64) {
        for t in 0..MAX_TEMPORAL {
            let fps = f64::from(self.window_frames[t]) * 1000.0 / window_ms;
            let bps = self.window_bytes[t] * 8000.0 / window_ms;
            // smoothed like the layers' bitrates: a window holds only a few frames of an upper layer
            self.fps[t] = if self.fps[t] == 0.0 { fps } else { 0.6 * self.fps[t] + 0.4 * fps };
            self.bitrate_bps[t] = if self.bitrate_bps[t] == 0.0 { bps } else { 0.6 * self.bitrate_bps[t] + 0.4 * bps };
            self.window_frames[t] = 0;
            self.window_bytes[t] = 0.0;
        }
    }

    /// How many temporal layers are being sent (at least 1).
    pub fn count(&self) -> usize {
        (0..MAX_TEMPORAL).rev().find(|&t| self.fps[t] > ACTIVE_FPS).map_or(1, |t| t + 1)
    }

    /// The frame rate of the layers up to and including `t`.
    pub fn fps_upto(&self, t: usize) -> f64 {
        self.fps[..=t.min(MAX_TEMPORAL - 1)].iter().sum()
    }

    pub fn bitrate_upto(&self, t: usize) -> f64 {
        self.bitrate_bps[..=t.min(MAX_TEMPORAL - 1)].iter().sum()
    }
}

/// What limits a down's temporal ceiling besides the stream itself.
#[derive(Clone, Copy, Debug)]
pub struct TemporalLimits {
    /// The frame rate the subscriber asked for; 0 = any.
    pub max_fps: f64,
    /// While its connection is congested: the highest temporal layer it may have.
    pub cap: Option<u8>,
    pub budget_bps: f64,
    /// No raising before this (after congestion).
    pub hold_up_until_ms: f64,
}

/// The temporal ceiling a down should have on a spatial layer with these
/// rates: the fewest layers that give the frame rate it asked for, no more
/// than congestion allows, raised above `current` only outside a hold and
/// when the budget covers it. `ALL_TEMPORAL` when that is the top.
pub fn choose_temporal(rates: &TemporalRates, limits: &TemporalLimits, current: u8, now_ms: f64) -> u8 {
    let count = rates.count();
    if count < 2 {
        return ALL_TEMPORAL;
    }
    let top = count - 1;
    let current = (current as usize).min(top);
    let reaches = |t: usize, share: f64| rates.fps_upto(t) >= limits.max_fps * share;
    let wanted = if limits.max_fps > 0.0 {
        let fewest = (0..top).find(|&t| reaches(t, FPS_TOLERANCE)).unwrap_or(top);
        if current < fewest && reaches(current, FPS_KEEP) {
            current
        } else {
            fewest
        }
    } else {
        top
    };
    let ceiling = limits.cap.map_or(wanted, |c| wanted.min(c as usize));
    for t in (1..=ceiling).rev() {
        let up = t > current;
        if up && (now_ms < limits.hold_up_until_ms || rates.bitrate_upto(t) * UP_HEADROOM > limits.budget_bps) {
            continue;
        }
        return if t == top { ALL_TEMPORAL } else { t as u8 };
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 30 fps in an L1T3 pattern (0 2 1 2) for one second of 500 ms windows; base frames 3x the size of the others.
    fn l1t3(bytes: u32) -> TemporalRates {
        let mut r = TemporalRates::new();
        for _ in 0..2 {
            for i in 0..15 {
                let t = [0, 2, 1, 2][i % 4];
                r.on_frame(t, if t == 0 { bytes * 3 } else { bytes });
            }
            r.close_window(500.0);
        }
        r
    }

    fn free() -> TemporalLimits {
        TemporalLimits { max_fps: 0.0, cap: None, budget_bps: f64::INFINITY, hold_up_until_ms: f64::NEG_INFINITY }
    }

    #[test]
    fn a_stream_of_base_frames_only_has_one_layer_and_no_ceiling() {
        let mut r = TemporalRates::new();
        for _ in 0..15 {
            r.on_frame(0, 1000);
        }
        r.close_window(500.0);
        assert_eq!(r.count(), 1);
        assert_eq!(choose_temporal(&r, &TemporalLimits { max_fps: 5.0, ..free() }, ALL_TEMPORAL, 0.0), ALL_TEMPORAL);
    }

    #[test]
    fn three_layers_measure_as_a_quarter_a_half_and_the_full_rate() {
        let r = l1t3(1000);
        assert_eq!(r.count(), 3);
        assert!((r.fps_upto(0) - 8.0).abs() < 0.01, "{}", r.fps_upto(0));
        assert!((r.fps_upto(1) - 16.0).abs() < 0.01);
        assert!((r.fps_upto(2) - 30.0).abs() < 0.01);
    }

    #[test]
    fn the_wanted_frame_rate_picks_the_fewest_layers_that_reach_it() {
        let r = l1t3(1000);
        let at = |fps: f64| choose_temporal(&r, &TemporalLimits { max_fps: fps, ..free() }, ALL_TEMPORAL, 0.0);
        assert_eq!(at(0.0), ALL_TEMPORAL);
        assert_eq!(at(5.0), 0);
        assert_eq!(at(8.0), 0);
        assert_eq!(at(15.0), 1);
        assert_eq!(at(24.0), ALL_TEMPORAL);
        assert_eq!(at(60.0), ALL_TEMPORAL);
        // 10 fps wanted: the base layer's 8 is kept by a down that has it, not chosen by one that has more
        let keep = TemporalLimits { max_fps: 10.0, ..free() };
        assert_eq!(choose_temporal(&r, &keep, 0, 0.0), 0);
        assert_eq!(choose_temporal(&r, &keep, ALL_TEMPORAL, 0.0), 1);
    }

    #[test]
    fn congestion_caps_the_ceiling_and_raising_waits_for_the_hold_and_the_budget() {
        let r = l1t3(1000);
        assert_eq!(choose_temporal(&r, &TemporalLimits { cap: Some(0), ..free() }, ALL_TEMPORAL, 0.0), 0);
        // base layer: 8 fps x 3000 B = 192 kbit/s; up to layer 1: 256 kbit/s
        let held = TemporalLimits { hold_up_until_ms: 5000.0, ..free() };
        assert_eq!(choose_temporal(&r, &held, 0, 1000.0), 0);
        assert_eq!(choose_temporal(&r, &held, 0, 5000.0), ALL_TEMPORAL);
        let narrow = TemporalLimits { budget_bps: 300_000.0, ..free() };
        assert_eq!(choose_temporal(&r, &narrow, 0, 0.0), 1);
        // a low budget never takes away what the down has: only congestion does
        assert_eq!(choose_temporal(&r, &narrow, ALL_TEMPORAL, 0.0), ALL_TEMPORAL);
    }
}
