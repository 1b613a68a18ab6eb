// Temporal layers in simulated time: an L1T3 stream (temporal pattern 0 2 1 2 at 30 fps) on one spatial layer.
use super::*;

const VIDEO: u32 = 1;
const H264_IDR: [u8; 5] = [0, 0, 0, 1, 0x65];
const H264_DELTA: [u8; 5] = [0, 0, 0, 1, 0x41];
const PATTERN: [u32; 4] = [0, 2, 1, 2];

struct Sim {
    c: Core,
    t: u32,
    now: f64,
    i: usize,
}

impl Sim {
    fn new() -> Sim {
        let mut c = Core::new();
        let t = c.track_open(VIDEO);
        Sim { c, t, now: 0.0, i: 0 }
    }

    fn down(&mut self) -> u32 {
        let d = self.c.down_open(self.t);
        self.c.down_set_ready(d, true);
        d
    }

    /// The next frame of the pattern (a keyframe every 4 s); returns its temporal layer and who got it.
    fn frame(&mut self) -> (u32, Vec<u32>) {
        let tid = PATTERN[self.i % 4];
        let key = self.i % 120 == 0;
        self.c.io[..5].copy_from_slice(if key { &H264_IDR } else { &H264_DELTA });
        let n = self.c.frame_in_layer(self.t, 0, tid, Codec::H264, if tid == 0 { 3000 } else { 1000 }, 5, key, self.now);
        while self.c.poll_keyframe_request(self.now) != NONE {}
        self.i += 1;
        self.now += 33.3;
        (tid, self.c.targets(n).to_vec())
    }

    /// Frames for `ms`; the temporal layers `down` got.
    fn run(&mut self, ms: f64, down: u32) -> Vec<u32> {
        let end = self.now + ms;
        let mut got = Vec::new();
        while self.now < end {
            let (tid, to) = self.frame();
            if to.contains(&down) {
                got.push(tid);
            }
        }
        got
    }

    /// `[ceiling in force, target]` (255: every layer).
    fn temporal(&mut self, down: u32) -> (f64, f64) {
        self.c.down_stats(down);
        (self.c.stats[13], self.c.stats[14])
    }
}

#[test]
fn a_subscriber_that_asks_for_a_lower_frame_rate_gets_only_the_temporal_layers_that_give_it() {
    let mut s = Sim::new();
    let slow = s.down();
    let full = s.down();
    s.run(2000.0, slow);
    s.c.down_set_max_fps(slow, 8.0, s.now);
    let got = s.run(2000.0, slow);
    assert!(got.iter().all(|&t| t == 0), "only base frames: {got:?}");
    assert!((14..=16).contains(&got.len()), "about 7.5 fps: {}", got.len());
    assert_eq!(s.temporal(slow), (0.0, 0.0));
    assert!(s.run(1000.0, full).len() >= 30, "the other subscriber keeps every frame");

    s.c.down_set_max_fps(slow, 15.0, s.now);
    let got = s.run(2000.0, slow);
    assert_eq!(got[0], 0, "a higher ceiling starts at a base frame");
    assert!(got.iter().all(|&t| t <= 1) && got.contains(&1), "{got:?}");

    s.c.down_set_max_fps(slow, 0.0, s.now);
    let got = s.run(1000.0, slow);
    let first = |t: u32| got.iter().position(|&x| x == t).unwrap();
    assert!(first(0) < first(2), "layer 2 starts after a base frame: {got:?}");
    assert!(got.len() >= 28, "every frame again from the next base frame: {}", got.len());
    assert_eq!(s.temporal(slow).1, 255.0);
}

#[test]
fn a_lower_ceiling_starts_at_the_next_frame_whatever_its_layer() {
    let mut s = Sim::new();
    let d = s.down();
    s.run(2000.0, d);
    // stop just after a layer-1 frame (pattern position 2): the next frames are 2, 0, 2, 1
    while s.i % 4 != 3 {
        s.frame();
    }
    s.c.down_set_max_fps(d, 1.0, s.now);
    let got = s.run(200.0, d);
    assert_eq!(got, vec![0, 0]);
}

#[test]
fn congestion_on_a_stream_without_simulcast_drops_temporal_layers_one_report_at_a_time_and_recovers_after_the_hold() {
    let mut s = Sim::new();
    let d = s.down();
    s.c.down_set_link(d, 5_000_000.0, 0.0, 0.0, s.now);
    s.run(2000.0, d);
    assert_eq!(s.temporal(d), (255.0, 255.0));
    // loss in two reports a second apart: 2 → 1 → 0
    s.c.down_set_link(d, 150_000.0, 0.0, 0.2, s.now);
    s.run(1000.0, d);
    assert_eq!(s.temporal(d), (1.0, 1.0));
    s.c.down_set_link(d, 150_000.0, 0.0, 0.2, s.now);
    let got = s.run(1000.0, d);
    assert!(got.iter().all(|&t| t == 0), "{got:?}");
    // a clean link whose budget covers only the base layer stays there
    s.c.down_set_link(d, 150_000.0, 0.0, 0.0, s.now);
    s.run(6000.0, d);
    s.c.down_set_link(d, 150_000.0, 0.0, 0.0, s.now);
    assert_eq!(s.temporal(d).1, 0.0);
    // a budget that covers everything, after the hold: back to every frame
    s.c.down_set_link(d, 5_000_000.0, 0.0, 0.0, s.now);
    let got = s.run(2000.0, d);
    assert!(got.contains(&2), "{got:?}");
    assert_eq!(s.temporal(d), (255.0, 255.0));
}

#[test]
fn a_stream_whose_frames_carry_no_temporal_index_is_never_thinned() {
    let mut s = Sim::new();
    let d = s.down();
    s.c.down_set_max_fps(d, 5.0, s.now);
    let mut n = 0;
    for i in 0..60 {
        s.c.io[..5].copy_from_slice(if i == 0 { &H264_IDR } else { &H264_DELTA });
        let k = s.c.frame_in_layer(s.t, 0, 0, Codec::H264, 1000, 5, i == 0, s.now);
        n += usize::from(s.c.targets(k).contains(&d));
        while s.c.poll_keyframe_request(s.now) != NONE {}
        s.now += 33.3;
    }
    assert_eq!(n, 60);
}
