//! Handle table: u32 indices, freed slots reused most-recent first.
//!
//! Handles are plain numbers so they cross the ABI as-is; reuse keeps the
//! table (and the caller's per-handle arrays) as small as the live set.

pub const NONE: u32 = u32::MAX;

pub struct Slab<T> {
    slots: Vec<Option<T>>,
    free: Vec<u32>,
}

impl<T> Slab<T> {
    pub const fn new() -> Self {
        Slab { slots: Vec::new(), free: Vec::new() }
    }

    /// Returns `NONE` only if the handle space is exhausted.
    pub fn insert(&mut self, value: T) -> u32 {
        if let Some(h) = self.free.pop() {
            self.slots[h as usize] = Some(value);
            return h;
        }
        let h = self.slots.len();
        if h >= NONE as usize {
            return NONE;
        }
        self.slots.push(Some(value));
        h as u32
    }

    pub fn remove(&mut self, h: u32) -> Option<T> {
        let taken = self.slots.get_mut(h as usize)?.take()?;
        self.free.push(h);
        Some(taken)
    }

    pub fn get(&self, h: u32) -> Option<&T> {
        self.slots.get(h as usize)?.as_ref()
    }

    pub fn get_mut(&mut self, h: u32) -> Option<&mut T> {
        self.slots.get_mut(h as usize)?.as_mut()
    }

    pub fn clear(&mut self) {
        self.slots.clear();
        self.free.clear();
    }

    /// Live entries with their handles, in handle order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &T)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.as_ref().map(|v| (i as u32, v)))
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = (u32, &mut T)> {
        self.slots
            .iter_mut()
            .enumerate()
            .filter_map(|(i, s)| s.as_mut().map(|v| (i as u32, v)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freed_handles_are_reused_most_recent_first() {
        let mut s = Slab::new();
        let a = s.insert('a');
        let b = s.insert('b');
        let c = s.insert('c');
        assert_eq!((a, b, c), (0, 1, 2));
        assert_eq!(s.remove(a), Some('a'));
        assert_eq!(s.remove(b), Some('b'));
        assert_eq!(s.insert('d'), b);
        assert_eq!(s.insert('e'), a);
        assert_eq!(s.insert('f'), 3);
    }

    #[test]
    fn removing_twice_or_out_of_range_is_harmless() {
        let mut s = Slab::new();
        let a = s.insert(1);
        assert_eq!(s.remove(a), Some(1));
        assert_eq!(s.remove(a), None);
        assert_eq!(s.remove(NONE), None);
        assert!(s.get(a).is_none());
        assert_eq!(s.insert(2), a, "a double remove must not free the slot twice");
        assert_eq!(s.insert(3), 1);
    }
}
