//! Per-track keyframe request throttle.
//!
//! Many subscribers may ask for a keyframe at once (joins, PLIs, unpauses);
//! the publisher should see at most one request per window. A want that
//! arrives inside the window is remembered and becomes due when the window
//! ends, so nobody is left waiting for a request that was swallowed.

#[derive(Clone, Copy, Debug)]
pub struct KeyframeThrottle {
    wanted: bool,
    /// `-inf` until the first request, so the first want is due at once.
    last_request_ms: f64,
}

impl KeyframeThrottle {
    pub const fn new() -> Self {
        KeyframeThrottle { wanted: false, last_request_ms: f64::NEG_INFINITY }
    }

    pub fn want(&mut self) {
        self.wanted = true;
    }

    /// A keyframe reached the track: whatever was wanted has arrived.
    pub fn satisfied(&mut self) {
        self.wanted = false;
    }

    pub fn last_request_ms(&self) -> f64 {
        self.last_request_ms
    }

    /// When the window opens again; `-inf` if there never was a request.
    pub fn window_end(&self, throttle_ms: f64) -> f64 {
        self.last_request_ms + throttle_ms
    }

    /// When a pending want may be sent; `inf` when nothing is wanted.
    pub fn due_at(&self, throttle_ms: f64) -> f64 {
        if self.wanted {
            self.window_end(throttle_ms)
        } else {
            f64::INFINITY
        }
    }

    /// True if a request should go out now; it is then recorded as sent.
    pub fn poll(&mut self, now_ms: f64, throttle_ms: f64) -> bool {
        // Written as !(>=) so a NaN clock never fires and never becomes
        // `last_request_ms`, which would jam the throttle for good.
        if !(now_ms >= self.due_at(throttle_ms)) {
            return false;
        }
        self.wanted = false;
        self.last_request_ms = now_ms;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_want_is_due_immediately() {
        let mut t = KeyframeThrottle::new();
        t.want();
        assert!(t.poll(0.0, 500.0));
        assert!(!t.poll(0.0, 500.0), "a request clears the want");
    }

    #[test]
    fn nothing_is_due_without_a_want() {
        let mut t = KeyframeThrottle::new();
        assert_eq!(t.due_at(500.0), f64::INFINITY);
        assert!(!t.poll(1e9, 500.0));
    }

    #[test]
    fn a_want_inside_the_window_waits_for_its_end() {
        let mut t = KeyframeThrottle::new();
        t.want();
        assert!(t.poll(1000.0, 500.0));
        t.want();
        assert_eq!(t.due_at(500.0), 1500.0);
        assert!(!t.poll(1499.0, 500.0));
        assert!(t.poll(1500.0, 500.0));
    }

    #[test]
    fn a_nan_clock_neither_fires_nor_jams_the_throttle() {
        let mut t = KeyframeThrottle::new();
        t.want();
        assert!(!t.poll(f64::NAN, 500.0));
        assert!(t.poll(0.0, 500.0));
    }

    #[test]
    fn an_arriving_keyframe_cancels_a_deferred_want() {
        let mut t = KeyframeThrottle::new();
        t.want();
        assert!(t.poll(0.0, 500.0));
        t.want();
        t.satisfied();
        assert!(!t.poll(600.0, 500.0));
        assert_eq!(t.last_request_ms(), 0.0);
    }
}
