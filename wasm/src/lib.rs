//! tabsfu forwarding core: its exports, through wasm-bindgen.
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
use wasm_bindgen::prelude::wasm_bindgen;

struct Global(UnsafeCell<Core>);

// SAFETY: wasm32-unknown-unknown is built without threads; the host calls one
// export at a time, and each export takes the single `&mut` for its duration.
unsafe impl Sync for Global {}

static CORE: Global = Global(UnsafeCell::new(Core::new()));

/// A buffer's byte offset in the module's memory, where the loader makes its views (wasm32 addresses fit in a u32).
fn address<T>(ptr: *mut T) -> u32 {
    ptr as usize as u32
}

fn core() -> &'static mut Core {
    // SAFETY: see `Global`; no export holds this across another call.
    unsafe { &mut *CORE.0.get() }
}

#[wasm_bindgen]
pub fn io_buffer() -> u32 {
    address(core().io.as_mut_ptr())
}

#[wasm_bindgen]
pub fn io_capacity() -> u32 {
    IO_CAPACITY as u32
}

/// Moves when `down_open` grows it: re-read after every `down_open`.
#[wasm_bindgen]
pub fn out_buffer() -> u32 {
    address(core().out_ptr())
}

#[wasm_bindgen]
pub fn out_capacity() -> u32 {
    core().out_capacity()
}

#[wasm_bindgen]
pub fn stats_buffer() -> u32 {
    address(core().stats.as_mut_ptr())
}

#[wasm_bindgen]
pub fn stats_capacity() -> u32 {
    STATS_CAPACITY as u32
}

#[wasm_bindgen]
pub fn core_reset() {
    core().reset()
}

#[wasm_bindgen]
pub fn set_config(keyframe_throttle_ms: f64, keyframe_retry_ms: f64) {
    core().set_config(keyframe_throttle_ms, keyframe_retry_ms)
}

#[wasm_bindgen]
pub fn track_open(kind: u32) -> u32 {
    core().track_open(kind)
}

#[wasm_bindgen]
pub fn track_close(track: u32) -> u32 {
    u32::from(core().track_close(track))
}

// The `now_ms` parameters below are part of the ABI so the core can start
// using time for these events without a signature change; today only
// polling depends on time.

#[wasm_bindgen]
pub fn down_open(track: u32, _now_ms: f64) -> u32 {
    core().down_open(track)
}

#[wasm_bindgen]
pub fn down_close(down: u32) -> u32 {
    u32::from(core().down_close(down))
}

#[wasm_bindgen]
pub fn down_set_ready(down: u32, ready: u32, _now_ms: f64) {
    core().down_set_ready(down, ready != 0)
}

#[wasm_bindgen]
pub fn down_set_paused(down: u32, paused: u32, _now_ms: f64) {
    core().down_set_paused(down, paused != 0)
}

#[wasm_bindgen]
pub fn frame_in(track: u32, layer: u32, temporal: u32, codec: u32, len: u32, prefix_len: u32, hint_key: u32, now_ms: f64) -> u32 {
    core().frame_in_layer(track, layer, temporal, Codec::from_u32(codec), len, prefix_len, hint_key == 1, now_ms)
}

#[wasm_bindgen]
pub fn track_set_layers(track: u32, count: u32, now_ms: f64) -> u32 {
    u32::from(core().track_set_layers(track, count, now_ms))
}

#[wasm_bindgen]
pub fn track_max_wanted_layer(track: u32) -> i32 {
    core().track_max_wanted_layer(track)
}

#[wasm_bindgen]
pub fn down_set_max_layer(down: u32, max_layer: u32, now_ms: f64) {
    core().down_set_max_layer(down, max_layer, now_ms)
}

#[wasm_bindgen]
pub fn down_set_max_fps(down: u32, fps: f64, now_ms: f64) {
    core().down_set_max_fps(down, fps, now_ms)
}

#[wasm_bindgen]
pub fn down_set_link(down: u32, budget_bps: f64, send_delay_ms: f64, loss: f64, now_ms: f64) {
    core().down_set_link(down, budget_bps, send_delay_ms, loss, now_ms)
}

#[wasm_bindgen]
pub fn last_request_layer() -> u32 {
    core().last_request_layer()
}

#[wasm_bindgen]
pub fn last_frame_class() -> u32 {
    core().last_frame_class() as u32
}

#[wasm_bindgen]
pub fn keyframe_wanted(down: u32, _now_ms: f64) {
    core().keyframe_wanted(down)
}

#[wasm_bindgen]
pub fn poll_keyframe_request(now_ms: f64) -> u32 {
    core().poll_keyframe_request(now_ms)
}

#[wasm_bindgen]
pub fn next_timeout(now_ms: f64) -> f64 {
    core().next_timeout(now_ms)
}

#[wasm_bindgen]
pub fn track_stats(track: u32) -> u32 {
    core().track_stats(track)
}

#[wasm_bindgen]
pub fn down_stats(down: u32) -> u32 {
    core().down_stats(down)
}
