//! tabsfu forwarding core: the C ABI.
//!
//! The worker copies a frame's first bytes into `io_buffer`, calls
//! `frame_in`, and reads the receiving downs from `out_buffer`. Everything is
//! sans-IO: time arrives as `now_ms`, nothing here reads a clock or logs.
//! Handles are u32; `u32::MAX` means none/failed. See `worker/core/forwarding-core.ts`
//! for the only caller.

mod codec;
mod core;
mod keyframes;
mod layers;
mod slab;
mod temporal;

#[cfg(test)]
mod alloc_probe;

use crate::codec::Codec;
use crate::core::{Core, IO_CAPACITY, STATS_CAPACITY};
use std::cell::UnsafeCell;

struct Global(UnsafeCell<Core>);

// SAFETY: wasm32-unknown-unknown is built without threads; the host calls one
// export at a time, and each export takes the single `&mut` for its duration.
unsafe impl Sync for Global {}

static CORE: Global = Global(UnsafeCell::new(Core::new()));

fn core() -> &'static mut Core {
    // SAFETY: see `Global`; no export holds this across another call.
    unsafe { &mut *CORE.0.get() }
}

#[no_mangle]
pub extern "C" fn io_buffer() -> *mut u8 {
    core().io.as_mut_ptr()
}

#[no_mangle]
pub extern "C" fn io_capacity() -> u32 {
    IO_CAPACITY as u32
}

/// Moves when `down_open` grows it: re-read after every `down_open`.
#[no_mangle]
pub extern "C" fn out_buffer() -> *mut u32 {
    core().out_ptr()
}

#[no_mangle]
pub extern "C" fn out_capacity() -> u32 {
    core().out_capacity()
}

#[no_mangle]
pub extern "C" fn stats_buffer() -> *mut f64 {
    core().stats.as_mut_ptr()
}

#[no_mangle]
pub extern "C" fn stats_capacity() -> u32 {
    STATS_CAPACITY as u32
}

#[no_mangle]
pub extern "C" fn core_reset() {
    core().reset()
}

#[no_mangle]
pub extern "C" fn set_config(keyframe_throttle_ms: f64, keyframe_retry_ms: f64) {
    core().set_config(keyframe_throttle_ms, keyframe_retry_ms)
}

#[no_mangle]
pub extern "C" fn track_open(kind: u32) -> u32 {
    core().track_open(kind)
}

#[no_mangle]
pub extern "C" fn track_close(track: u32) -> u32 {
    u32::from(core().track_close(track))
}

// The `now_ms` parameters below are part of the ABI so the core can start
// using time for these events without a signature change; today only
// polling depends on time.

#[no_mangle]
pub extern "C" fn down_open(track: u32, _now_ms: f64) -> u32 {
    core().down_open(track)
}

#[no_mangle]
pub extern "C" fn down_close(down: u32) -> u32 {
    u32::from(core().down_close(down))
}

#[no_mangle]
pub extern "C" fn down_set_ready(down: u32, ready: u32, _now_ms: f64) {
    core().down_set_ready(down, ready != 0)
}

#[no_mangle]
pub extern "C" fn down_set_paused(down: u32, paused: u32, _now_ms: f64) {
    core().down_set_paused(down, paused != 0)
}

#[no_mangle]
pub extern "C" fn frame_in(track: u32, layer: u32, temporal: u32, codec: u32, len: u32, prefix_len: u32, hint_key: u32, now_ms: f64) -> u32 {
    core().frame_in_layer(track, layer, temporal, Codec::from_u32(codec), len, prefix_len, hint_key == 1, now_ms)
}

#[no_mangle]
pub extern "C" fn track_set_layers(track: u32, count: u32, now_ms: f64) -> u32 {
    u32::from(core().track_set_layers(track, count, now_ms))
}

#[no_mangle]
pub extern "C" fn track_max_wanted_layer(track: u32) -> i32 {
    core().track_max_wanted_layer(track)
}

#[no_mangle]
pub extern "C" fn down_set_max_layer(down: u32, max_layer: u32, now_ms: f64) {
    core().down_set_max_layer(down, max_layer, now_ms)
}

#[no_mangle]
pub extern "C" fn down_set_max_fps(down: u32, fps: f64, now_ms: f64) {
    core().down_set_max_fps(down, fps, now_ms)
}

#[no_mangle]
pub extern "C" fn down_set_link(down: u32, budget_bps: f64, send_delay_ms: f64, loss: f64, now_ms: f64) {
    core().down_set_link(down, budget_bps, send_delay_ms, loss, now_ms)
}

#[no_mangle]
pub extern "C" fn last_request_layer() -> u32 {
    core().last_request_layer()
}

#[no_mangle]
pub extern "C" fn last_frame_class() -> u32 {
    core().last_frame_class() as u32
}

#[no_mangle]
pub extern "C" fn keyframe_wanted(down: u32, _now_ms: f64) {
    core().keyframe_wanted(down)
}

#[no_mangle]
pub extern "C" fn poll_keyframe_request(now_ms: f64) -> u32 {
    core().poll_keyframe_request(now_ms)
}

#[no_mangle]
pub extern "C" fn next_timeout(now_ms: f64) -> f64 {
    core().next_timeout(now_ms)
}

#[no_mangle]
pub extern "C" fn track_stats(track: u32) -> u32 {
    core().track_stats(track)
}

#[no_mangle]
pub extern "C" fn down_stats(down: u32) -> u32 {
    core().down_stats(down)
}
