// Simulcast in simulated time: which layer each subscriber gets, when it switches, and what the publisher is asked for.
use super::*;

const VIDEO: u32 = 1;
const H264_IDR: [u8; 5] = [0, 0, 0, 1, 0x65];
const H264_DELTA: [u8; 5] = [0, 0, 0, 1, 0x41];
/// Bytes per frame by layer at 30 fps: about 100 kbit/s, 300 kbit/s, 1.2 Mbit/s.
const SIZES: [u32; 3] = [420, 1250, 5000];
/// A keyframe costs this many delta frames, as a camera's do.
const KEYFRAME_COST: u32 = 4;

struct Sim {
    c: Core,
    t: u32,
    now: f64,
}

impl Sim {
    fn new() -> Sim {
        let mut c = Core::new();
        let t = c.track_open(VIDEO);
        assert!(c.track_set_layers(t, 3, 0.0));
        Sim { c, t, now: 0.0 }
    }

    fn down(&mut self, max: u32) -> u32 {
        let d = self.c.down_open(self.t);
        self.c.down_set_link(d, 10_000_000.0, 0.0, 0.0, self.now);
        self.c.down_set_max_layer(d, max, self.now);
        self.c.down_set_ready(d, true);
        d
    }

    /// A down opened now, after the others, wanting `max`, on a connection whose estimate gives it `budget` (None:
    /// no estimate yet).
    fn late_down(&mut self, budget: Option<f64>, max: u32) -> u32 {
        let d = self.c.down_open(self.t);
        if let Some(b) = budget {
            self.c.down_set_link(d, b, 0.0, 0.0, self.now);
        }
        self.c.down_set_max_layer(d, max, self.now);
        self.c.down_set_ready(d, true);
        d
    }

    /// One frame of `layer`; returns the receiving downs (flags kept).
    fn frame(&mut self, layer: u32, key: bool) -> Vec<u32> {
        let bytes = if key { H264_IDR } else { H264_DELTA };
        self.c.io[..5].copy_from_slice(&bytes);
        let size = SIZES[layer as usize] * if key { KEYFRAME_COST } else { 1 };
        let n = self.c.frame_in_layer(self.t, layer, 0, Codec::H264, size, 5, key, self.now);
        self.c.targets(n).to_vec()
    }

    /// One capture instant: a frame on every layer, keyframes on those listed. Returns who got which layer.
    fn tick(&mut self, keys: &[u32]) -> Vec<(u32, Vec<u32>)> {
        let out = (0..3).map(|l| (l, self.frame(l, keys.contains(&l)))).collect();
        self.now += 33.0;
        out
    }

    /// Frames on every layer for `ms`, answering keyframe requests at the next frame as a publisher would.
    fn run(&mut self, ms: f64) -> Vec<u32> {
        self.run_layers(ms, 3)
    }

    /// Frames on the lowest `sent` layers only for `ms` (the others are not being sent), answering keyframe requests.
    fn run_layers(&mut self, ms: f64, sent: u32) -> Vec<u32> {
        let mut asked: Vec<u32> = Vec::new();
        let mut pending: Vec<u32> = Vec::new();
        let end = self.now + ms;
        while self.now < end {
            let keys = std::mem::take(&mut pending);
            for l in 0..sent {
                self.frame(l, keys.contains(&l));
            }
            self.now += 33.0;
            while self.c.poll_keyframe_request(self.now) != NONE {
                let l = self.c.last_request_layer();
                asked.push(l);
                pending.push(l);
            }
        }
        asked
    }

    fn layer_of(&mut self, down: u32) -> (f64, f64) {
        let n = self.c.down_stats(down) as usize;
        let s = self.c.stats[..n].to_vec();
        (s[7], s[8]) // current, target
    }
}

fn receivers(of: &[(u32, Vec<u32>)], layer: u32) -> Vec<u32> {
    of.iter().find(|(l, _)| *l == layer).map(|(_, d)| d.clone()).unwrap_or_default()
}

#[test]
fn each_subscriber_starts_on_the_keyframe_of_the_layer_it_asked_for() {
    let mut s = Sim::new();
    let small = s.down(0);
    let large = s.down(2);
    let asked = s.run(100.0);
    assert!(asked.contains(&0) && asked.contains(&2) && !asked.contains(&1), "keyframes asked of layers 0 and 2: {asked:?}");
    let got = s.tick(&[]);
    assert_eq!(receivers(&got, 0), [small]);
    assert_eq!(receivers(&got, 1), Vec::<u32>::new());
    assert_eq!(receivers(&got, 2), [large]);
}

#[test]
fn a_subscriber_that_asks_for_more_keeps_its_layer_until_the_new_one_sends_a_keyframe() {
    let mut s = Sim::new();
    let d = s.down(0);
    s.run(1000.0);
    s.c.down_set_max_layer(d, 2, s.now);
    assert_eq!(s.layer_of(d), (0.0, 2.0), "target moves at once, current waits");
    for _ in 0..5 {
        let got = s.tick(&[]);
        assert_eq!(receivers(&got, 0), [d], "the old layer keeps flowing: no freeze");
        assert!(receivers(&got, 2).is_empty());
    }
    let r = s.c.poll_keyframe_request(s.now);
    assert_eq!((r, s.c.last_request_layer(), s.layer_of(d)), (s.t, 2, (0.0, 2.0)));
    assert_eq!(s.c.last_request_layer(), 2);
    let got = s.tick(&[2]);
    assert_eq!(receivers(&got, 2), [d | SWITCHED_FLAG], "the switch is flagged for the sink");
    assert!(s.c.down_stats(d) > 12);
    assert_eq!((s.c.stats[11], s.c.stats[12]), (SwitchReason::Settings as u32 as f64, 0.0), "why, and from which layer");
    let got = s.tick(&[]);
    assert!(receivers(&got, 0).is_empty(), "nothing from the old layer once switched");
    assert_eq!(receivers(&got, 2), [d], "flagged once");
    assert_eq!(s.layer_of(d), (2.0, 2.0));
}

#[test]
fn a_subscriber_whose_budget_is_below_a_layer_starts_on_the_highest_one_it_can_carry_and_stays_until_it_queues() {
    let mut s = Sim::new();
    let rich = s.down(2);
    s.run(1000.0);
    let d = s.c.down_open(s.t);
    s.c.down_set_link(d, 400_000.0, 0.0, 0.0, s.now);
    s.c.down_set_ready(d, true);
    s.run(1000.0);
    assert_eq!(s.layer_of(d), (1.0, 1.0), "300 kbit/s fits in 400, 1.2 Mbit/s does not");
    assert_eq!(s.layer_of(rich), (2.0, 2.0));
    // a low estimate alone does not move a down that has its layer: a queue does
    s.c.down_set_link(rich, 400_000.0, 0.0, 0.0, s.now);
    s.run(1000.0);
    assert_eq!(s.layer_of(rich), (2.0, 2.0), "no queue, no loss: stays");
    s.c.down_set_link(rich, 400_000.0, 80.0, 0.0, s.now);
    s.c.down_set_link(rich, 400_000.0, 80.0, 0.0, s.now + 1000.0);
    s.run(1000.0);
    assert_eq!(s.layer_of(rich).0, 1.0, "a queue in two reports: one layer down");
    assert!(s.c.down_stats(rich) > 12);
    assert_eq!(s.c.stats[11], SwitchReason::Bandwidth as u32 as f64);
}

#[test]
fn a_congested_connection_steps_down_and_waits_before_it_climbs_again() {
    let mut s = Sim::new();
    let d = s.down(2);
    s.run(1000.0);
    s.c.down_set_link(d, 5_000_000.0, 120.0, 0.0, s.now);
    s.run(500.0);
    assert_eq!(s.layer_of(d).0, 2.0, "one report of queueing is a burst, not a slow link");
    s.c.down_set_link(d, 5_000_000.0, 120.0, 0.0, s.now);
    s.run(500.0);
    assert_eq!(s.layer_of(d).0, 1.0, "one layer down on a send delay of 120 ms in two reports running");
    s.c.down_set_link(d, 5_000_000.0, 0.0, 0.0, s.now);
    s.run(2000.0);
    assert_eq!(s.layer_of(d).0, 1.0, "held for a while after the congestion");
    s.run(3000.0);
    assert_eq!(s.layer_of(d).0, 2.0, "and back up once the hold is over");
}

#[test]
fn a_layer_the_publisher_stops_sending_moves_its_subscribers_to_one_that_runs() {
    let mut s = Sim::new();
    let d = s.down(2);
    s.run(1000.0);
    // the top layer stops (dynacast or the publisher's own bandwidth); the others go on
    s.run_layers(2000.0, 2);
    assert_eq!(s.layer_of(d), (1.0, 1.0));
    assert!(s.c.down_stats(d) > 12);
    assert_eq!(s.c.stats[11], SwitchReason::LayerStopped as u32 as f64);
}

#[test]
fn a_subscriber_held_below_a_layer_by_its_budget_moves_up_only_when_the_estimate_covers_it() {
    let mut s = Sim::new();
    s.down(2);
    s.run(1000.0);
    let d = s.late_down(Some(360_000.0), 2);
    s.run(2000.0);
    assert_eq!(s.layer_of(d), (1.0, 1.0), "started within its budget");
    s.c.down_set_link(d, 360_000.0, 0.0, 0.0, s.now);
    s.run(2000.0);
    assert_eq!(s.layer_of(d), (1.0, 1.0), "no move up beyond it");
    s.c.down_set_link(d, 2_000_000.0, 0.0, 0.0, s.now);
    s.run(1000.0);
    assert_eq!(s.layer_of(d), (2.0, 2.0), "up once the estimate covers the top with headroom");
}

#[test]
fn a_subscriber_held_below_a_layer_by_its_budget_alone_asks_for_a_probe_of_what_that_layer_needs() {
    let mut s = Sim::new();
    s.down(2);
    s.run(1000.0);
    let d = s.late_down(Some(360_000.0), 2);
    s.run(2000.0);
    let probe = |s: &mut Sim| {
        s.c.down_stats(d);
        s.c.stats[16]
    };
    assert_eq!(s.layer_of(d), (1.0, 1.0));
    let need = probe(&mut s);
    assert!(need > 1_200_000.0 * 1.1 && need < 1_200_000.0 * 1.4, "the top layer's rate with headroom: {need}");
    queue(&mut s, d, 360_000.0);
    assert_eq!(s.layer_of(d).0, 0.0);
    // a clean report lifts the congestion's cap; its hold goes on, and the estimate is short of layer 1 now
    s.c.down_set_link(d, 300_000.0, 0.0, 0.0, s.now);
    s.run(500.0);
    assert_eq!(probe(&mut s), 0.0, "no probe while a congestion's hold lasts");
    clean_reports(&mut s, d, 420_000.0, 4000.0);
    assert_eq!(s.layer_of(d).0, 1.0, "after the hold, the layer its budget covers with headroom");
    assert!(probe(&mut s) > 1_200_000.0, "and a probe for the one above");
    s.c.down_set_link(d, 2_000_000.0, 0.0, 0.0, s.now);
    s.run(1000.0);
    assert_eq!(s.layer_of(d), (2.0, 2.0), "the probe raised the estimate: up");
    assert_eq!(probe(&mut s), 0.0, "nothing above to probe for");
}

/// Reports once a second for `ms`, with `budget` and no queue or loss.
fn clean_reports(s: &mut Sim, d: u32, budget: f64, ms: f64) {
    let end = s.now + ms;
    while s.now < end {
        s.c.down_set_link(d, budget, 0.0, 0.0, s.now);
        s.run(1000.0);
    }
}

/// Two reports of a queue: congestion.
fn queue(s: &mut Sim, d: u32, budget: f64) {
    s.c.down_set_link(d, budget, 120.0, 0.0, s.now);
    s.run(1000.0);
    s.c.down_set_link(d, budget, 120.0, 0.0, s.now);
    s.run(1000.0);
}

#[test]
fn a_layer_its_link_carried_is_tried_again_after_a_congestion_even_though_the_estimate_stays_low() {
    let mut s = Sim::new();
    let d = s.down(2);
    s.run(1000.0);
    clean_reports(&mut s, d, 5_000_000.0, 6000.0);
    // a queue on a fast link (a busy host machine): down, and GoogCC's estimate falls to what the lower layer allows
    queue(&mut s, d, 400_000.0);
    assert_eq!(s.layer_of(d).0, 1.0);
    clean_reports(&mut s, d, 400_000.0, 6000.0);
    assert_eq!(s.layer_of(d).0, 2.0, "after the hold, the layer it carried for seconds, estimate or not");
}

#[test]
fn a_layer_its_link_never_carried_for_long_is_not_tried_again_on_a_low_estimate() {
    let mut s = Sim::new();
    s.down(2);
    s.run(1000.0);
    // a slow link: the down starts on the top layer before its connection has an estimate, and the estimate its
    // reports give is the link's 400 kbit/s; the layer lasts a few clean seconds (less than CARRIED_MS), then queues
    let d = s.late_down(None, 2);
    s.run(1000.0);
    assert_eq!(s.layer_of(d).0, 2.0);
    clean_reports(&mut s, d, 400_000.0, 3000.0);
    queue(&mut s, d, 400_000.0);
    assert_eq!(s.layer_of(d).0, 1.0);
    clean_reports(&mut s, d, 400_000.0, 20_000.0);
    assert_eq!(s.layer_of(d).0, 1.0, "no try without an estimate that covers it");
}

#[test]
fn the_publisher_must_keep_the_highest_layer_an_unpaused_subscriber_wants() {
    let mut s = Sim::new();
    assert_eq!(s.c.track_max_wanted_layer(s.t), -1, "nobody watches");
    let small = s.down(0);
    let large = s.down(7);
    assert_eq!(s.c.track_max_wanted_layer(s.t), 2, "a want above the top is the top");
    s.c.down_set_paused(large, true);
    assert_eq!(s.c.track_max_wanted_layer(s.t), 0);
    s.c.down_close(small);
    assert_eq!(s.c.track_max_wanted_layer(s.t), -1);
}

#[test]
fn keyframe_requests_are_throttled_per_layer() {
    let mut s = Sim::new();
    s.down(0);
    s.down(2);
    let mut layers = Vec::new();
    while s.c.poll_keyframe_request(0.0) != NONE {
        layers.push(s.c.last_request_layer());
    }
    layers.sort();
    assert_eq!(layers, [0, 2], "one request per wanted layer, at once");
    assert_eq!(s.c.poll_keyframe_request(100.0), NONE, "then the window");
}

#[test]
fn a_subscriber_whose_connection_has_no_estimate_yet_starts_on_the_layer_it_wants_and_steps_down_on_loss() {
    let mut s = Sim::new();
    let first = s.down(2);
    s.run(1000.0);
    let d = s.c.down_open(s.t);
    s.c.down_set_ready(d, true);
    s.run(1000.0);
    assert_eq!(s.layer_of(d), (2.0, 2.0), "optimistic: a fast link's estimate would never grow on the lowest layer");
    s.c.down_set_link(d, 200_000.0, 300.0, 0.4, s.now);
    s.run(1000.0);
    assert_eq!(s.layer_of(d), (1.0, 1.0), "loss: one layer down at once");
    assert_eq!(s.layer_of(first), (2.0, 2.0));
}

#[test]
fn a_link_that_keeps_failing_at_the_next_layer_is_tried_less_and_less_often() {
    let mut s = Sim::new();
    let d = s.down(2);
    s.run(1000.0);
    let mut holds = Vec::new();
    for _ in 0..3 {
        // congestion at the top layer (loss): down; then a clean link: how long until it is back up
        s.c.down_set_link(d, 5_000_000.0, 0.0, 0.2, s.now);
        s.run(500.0);
        assert_eq!(s.layer_of(d).0, 1.0);
        s.c.down_set_link(d, 5_000_000.0, 0.0, 0.0, s.now);
        let from = s.now;
        while s.layer_of(d).0 != 2.0 {
            s.run(500.0);
        }
        holds.push(s.now - from);
    }
    assert!(holds[0] < holds[1] && holds[1] < holds[2], "holds grow: {holds:?}");
}

#[test]
fn simulcast_frames_layer_choices_and_polling_never_allocate() {
    let mut s = Sim::new();
    let downs: Vec<u32> = (0..60).map(|i| s.down(i % 3)).collect();
    s.run(1000.0);
    let before = crate::alloc_probe::allocations();
    for i in 0..2000u32 {
        let d = downs[(i % 60) as usize];
        match i % 7 {
            0 => s.c.down_set_link(d, f64::from(i % 5) * 400_000.0, f64::from(i % 90), 0.0, s.now),
            1 => s.c.down_set_max_layer(d, i % 3, s.now),
            2 => s.c.keyframe_wanted(d),
            _ => {}
        }
        let layer = i % 3;
        let bytes = if i % 50 == 0 { H264_IDR } else { H264_DELTA };
        s.c.io[..5].copy_from_slice(&bytes);
        s.c.frame_in_layer(s.t, layer, 0, Codec::H264, SIZES[layer as usize], 5, i % 50 == 0, s.now);
        while s.c.poll_keyframe_request(s.now) != NONE {}
        s.c.next_timeout(s.now);
        s.c.track_max_wanted_layer(s.t);
        s.now += 11.0;
    }
    assert_eq!(crate::alloc_probe::allocations(), before);
}
