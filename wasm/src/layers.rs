//! Simulcast layers: what each layer of a track is doing, and which layer a
//! subscriber should get.
//!
//! A track has 1 to `MAX_LAYERS` spatial layers, each an independent stream
//! (its own SSRC on the publisher's side, its own keyframes). A down keeps
//! three layers in the Galène/mediasoup way: `max` (what the subscriber asked
//! for: its tile size or quality), `target` (what it should get now, given
//! its bandwidth and what is being sent) and `current` (what it gets). A
//! switch from `current` to `target` happens only on a keyframe of `target`,
//! because simulcast layers share no reference frames; until then `current`
//! keeps flowing, so a switch never freezes the picture.

use crate::keyframes::KeyframeThrottle;
use crate::temporal::TemporalRates;

pub const MAX_LAYERS: usize = 4;

/// A layer with no frame for this long is not being sent (the publisher
/// dropped it for bandwidth, or dynacast turned it off).
pub const LAYER_IDLE_MS: f64 = 1500.0;
/// Bitrates are measured over windows of this length.
pub const RATE_WINDOW_MS: f64 = 500.0;
/// A down moves up (a spatial layer, or a temporal ceiling) only when its budget covers the new bitrate times this.
pub const UP_HEADROOM: f64 = 1.15;
/// After congestion, no move up for this long; doubled for each congestion
/// that follows within `HOLD_RESET_MS` of the last (a link that cannot carry
/// the next layer up should not be tried every few seconds), up to `HOLD_MAX_MS`.
const HOLD_MIN_MS: f64 = 4000.0;
const HOLD_MAX_MS: f64 = 64_000.0;
const HOLD_RESET_MS: f64 = 30_000.0;
/// A layer a down has had this long without congestion is one its link has carried: after a later congestion it
/// is tried again once the hold is over, whatever the estimate says (see `Link::carried`).
pub const CARRIED_MS: f64 = 5000.0;

#[derive(Clone, Copy, Debug)]
pub struct Layer {
    pub throttle: KeyframeThrottle,
    /// Downs waiting for this layer's keyframe to start or switch.
    pub waiting: u32,
    /// `-inf` until the first frame.
    pub last_frame_ms: f64,
    window_bytes: f64,
    /// Bits per second over the last windows; 0 until measured.
    pub bitrate_bps: f64,
    pub frames: u64,
    pub bytes: u64,
    /// The layer's temporal layers, when its frames carry temporal indices.
    pub temporal: TemporalRates,
}

impl Layer {
    pub const fn new() -> Layer {
        Layer {
            throttle: KeyframeThrottle::new(),
            waiting: 0,
            last_frame_ms: f64::NEG_INFINITY,
            window_bytes: 0.0,
            bitrate_bps: 0.0,
            frames: 0,
            bytes: 0,
            temporal: TemporalRates::new(),
        }
    }

    pub fn on_frame(&mut self, len: u32, temporal: u8, now_ms: f64) {
        self.frames += 1;
        self.temporal.on_frame(temporal, len);
        self.bytes += u64::from(len);
        self.window_bytes += f64::from(len);
        if now_ms.is_finite() {
            self.last_frame_ms = now_ms;
        }
    }

    pub fn is_active(&self, now_ms: f64) -> bool {
        now_ms - self.last_frame_ms < LAYER_IDLE_MS
    }

    /// Closes a rate window of `window_ms`.
    pub fn close_window(&mut self, window_ms: f64) {
        let rate = self.window_bytes * 8000.0 / window_ms;
        // a smoothed rate: keyframes make single windows jump
        self.bitrate_bps = if self.bitrate_bps == 0.0 { rate } else { 0.6 * self.bitrate_bps + 0.4 * rate };
        self.window_bytes = 0.0;
        self.temporal.close_window(window_ms);
    }
}

/// Why a down's layer changed; kept for telemetry (the numbers are the ABI).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum SwitchReason {
    None = 0,
    /// The first layer a down started on.
    Start = 1,
    /// The subscriber's tile or quality changed.
    Settings = 2,
    /// Its connection cannot carry more (estimate, send delay, loss).
    Bandwidth = 3,
    /// Its bandwidth allows more again.
    Recovered = 4,
    /// The layer it had stopped arriving from the publisher.
    LayerStopped = 5,
}

/// What a subscriber's connection can take, as the caller last said.
#[derive(Clone, Copy, Debug)]
pub struct Link {
    /// This down's share of its connection's estimate; `inf` when unknown.
    pub budget_bps: f64,
    /// Set when the connection showed queueing or loss: no move up before this.
    pub hold_up_until_ms: f64,
    /// The connection is congested now (the latest report).
    pub congested: bool,
    /// While the latest report is congested: the highest layer the down may
    /// have, one below the layer it had when the congestion was reported. Set
    /// once per report, so that a switch between reports is not taken for
    /// more congestion.
    pub cap: Option<u8>,
    /// Likewise for the temporal ceiling, when the down already has the lowest spatial layer.
    pub temporal_cap: Option<u8>,
    /// The hold the next congestion sets, and when the last one was.
    hold_ms: f64,
    last_congestion_ms: f64,
    /// The previous report's send delay was over the threshold.
    queued_before: bool,
    /// The highest layer the link has carried for `CARRIED_MS` without congestion. GoogCC's estimate falls after a
    /// queue (a busy host machine, a moment of cross traffic) and cannot climb back above 1.5 times what the
    /// connection then carries, so until a probe it would not cover this layer again; having carried it is
    /// the evidence instead, and a try that fails is another congestion with a longer hold.
    pub carried: Option<u8>,
    /// The layer the down has had since when, without congestion.
    clean: Option<(u8, f64)>,
}

impl Link {
    pub const fn initial() -> Link {
        Link {
            budget_bps: f64::INFINITY,
            hold_up_until_ms: f64::NEG_INFINITY,
            congested: false,
            cap: None,
            temporal_cap: None,
            hold_ms: HOLD_MIN_MS,
            last_congestion_ms: f64::NEG_INFINITY,
            queued_before: false,
            carried: None,
            clean: None,
        }
    }
}

/// Send delay above this in two reports running, or loss above
/// `LOSS_CONGESTED`, means the connection cannot carry what it gets
/// (real-time forwarding keeps the send delay near 0 when it can).
pub const SEND_DELAY_CONGESTED_MS: f64 = 50.0;
pub const LOSS_CONGESTED: f64 = 0.05;

impl Link {
    /// After a report: the down has had `layer` (if it has started), clean or not as `update` found.
    pub fn note_layer(&mut self, layer: Option<u8>, now_ms: f64) {
        self.clean = match (layer, self.clean) {
            (Some(_), _) if self.congested => None,
            (Some(l), Some((c, since))) if c == l => {
                if now_ms - since >= CARRIED_MS && self.carried.map_or(true, |p| l > p) {
                    self.carried = Some(l);
                }
                Some((c, since))
            }
            (Some(l), _) => Some((l, now_ms)),
            (None, _) => None,
        };
    }

    pub fn update(&mut self, budget_bps: f64, send_delay_ms: f64, loss: f64, now_ms: f64) {
        self.budget_bps = if budget_bps > 0.0 { budget_bps } else { f64::INFINITY };
        // A queue counts when it lasts two reports (about 2 s): the keyframe that starts a move up is a burst that
        // the pacer spreads over a few hundred ms, and must not read as a link that cannot carry the layer.
        let queued = send_delay_ms > SEND_DELAY_CONGESTED_MS;
        self.congested = (queued && self.queued_before) || loss > LOSS_CONGESTED;
        self.queued_before = queued;
        if self.congested {
            // "recent" counts from the end of the last hold, so that a long hold does not reset itself
            let recent = now_ms - self.last_congestion_ms < self.hold_ms + HOLD_RESET_MS;
            // one episode of congestion spans several reports: back off once per episode
            let new_episode = now_ms >= self.hold_up_until_ms;
            if !recent {
                self.hold_ms = HOLD_MIN_MS;
            } else if new_episode {
                self.hold_ms = (self.hold_ms * 2.0).min(HOLD_MAX_MS);
            }
            self.last_congestion_ms = now_ms;
            self.hold_up_until_ms = now_ms + self.hold_ms;
        }
    }
}

/// The layer a down should get: the highest layer at or below `max` that is
/// being sent and that its budget covers. `current` is the layer it has
/// (`None` before it started). The budget is checked for a start and for a
/// move up (with headroom, and not during a hold), never to move down: an
/// estimate below the current layer's rate is often an estimate that had no
/// reason to grow (GoogCC's stays near what was sent while the sender is
/// application-limited), and a link that truly cannot carry the layer shows
/// it as a queue or loss, which is congestion and steps below `current`. So
/// a subscriber on a fast link is not held on a low layer by a low first
/// estimate that nothing would raise again. Nor by the estimate it has after
/// a congestion took it off a layer its link had carried: that layer is tried
/// again once the hold is over, budget or not (`Link::carried`).
pub fn choose(layers: &[Layer], max: u8, current: Option<u8>, link: &Link, now_ms: f64) -> u8 {
    let top = (max as usize).min(layers.len().saturating_sub(1));
    let active = |l: usize| layers[l].is_active(now_ms);
    if !(0..layers.len()).any(active) {
        // nothing sent yet (start-up): wait on the preferred layer
        return top as u8;
    }
    let ceiling = link.cap.map_or(top, |c| top.min(c as usize));
    for l in (0..=ceiling).rev() {
        if !active(l) {
            continue;
        }
        let up = current.map_or(false, |c| l > c as usize);
        if up && now_ms < link.hold_up_until_ms {
            continue;
        }
        let need = if up { layers[l].bitrate_bps * UP_HEADROOM } else { layers[l].bitrate_bps };
        let carried = link.carried.map_or(false, |c| l <= c as usize);
        let checked = current.is_none() || (up && !carried);
        if l == 0 || !checked || need <= link.budget_bps {
            return l as u8;
        }
    }
    // every layer at or below the ceiling stopped: the lowest one that runs
    (0..layers.len()).find(|&l| active(l)).unwrap_or(top) as u8
}

/// What a down that has `current` would need as its budget to move up to the next running layer it wants, when
/// its budget alone keeps it below (no hold, no congestion cap, nothing carried); 0 when nothing does. The caller
/// probes the connection for it: an estimate that has no reason to grow (GoogCC's, while the connection carries
/// less than it could) grows only when probed.
pub fn budget_short_of(layers: &[Layer], max: u8, current: u8, link: &Link, now_ms: f64) -> f64 {
    let top = (max as usize).min(layers.len().saturating_sub(1));
    let ceiling = link.cap.map_or(top, |c| top.min(c as usize));
    if now_ms < link.hold_up_until_ms {
        return 0.0;
    }
    let next = (current as usize + 1..=ceiling).find(|&l| layers[l].is_active(now_ms));
    match next {
        Some(l) if link.carried.map_or(true, |c| l > c as usize) => {
            let need = layers[l].bitrate_bps * UP_HEADROOM;
            if need > link.budget_bps { need } else { 0.0 }
        }
        _ => 0.0,
    }
}
