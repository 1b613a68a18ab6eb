// The core in simulated time: forwarding, keyframe requests, throttling, and no allocation per frame.
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
        match rng.below(16) {
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
            12 => {
                c.track_set_layers(handle, rng.below(6), now);
            }
            13 => c.down_set_max_layer(handle, rng.below(5), now),
            14 => c.down_set_link(handle, rng.below(3_000_000) as f64, rng.below(120) as f64, rng.below(10) as f64 / 100.0, now),
            15 => {
                let n = c.frame_in_layer(handle, rng.below(5), rng.below(6), Codec::from_u32(rng.below(7)), rng.below(200), rng.below(100), rng.below(2) == 1, now);
                assert!(n <= c.out_capacity());
            }
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
            for (l, layer) in t.layers.iter().enumerate() {
                let counted = t.downs.iter().filter(|&&h| c.downs.get(h).and_then(|d| d.waiting_on()) == Some(l as u8)).count();
                assert_eq!(layer.waiting as usize, counted, "a layer's waiting count matches its downs");
            }
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
