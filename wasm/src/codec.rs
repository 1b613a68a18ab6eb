//! Frame classification from the first bytes of an encoded frame.
//!
//! Only the payload decides. When the bytes cannot be read with confidence
//! (too short, encrypted, unsupported codec) the answer is `Unknown`, never a
//! guess: a wrong "delta" would stall a waiting subscriber and a wrong "key"
//! would start one on garbage.

/// The `codec` argument of `frame_in`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Codec {
    Unknown,
    Vp8,
    H264,
    Vp9,
    Av1,
    Opus,
}

impl Codec {
    pub fn from_u32(v: u32) -> Codec {
        match v {
            1 => Codec::Vp8,
            2 => Codec::H264,
            3 => Codec::Vp9,
            4 => Codec::Av1,
            5 => Codec::Opus,
            _ => Codec::Unknown,
        }
    }
}

/// What the bytes say about a frame. The discriminants are the ABI values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum FrameClass {
    Unknown = 0,
    Delta = 1,
    Key = 2,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Parsed {
    pub class: FrameClass,
    /// Coded size from a key frame header; 0 when not read.
    pub width: u32,
    pub height: u32,
}

impl Parsed {
    const UNKNOWN: Parsed = Parsed::of(FrameClass::Unknown);
    const DELTA: Parsed = Parsed::of(FrameClass::Delta);
    const KEY: Parsed = Parsed::of(FrameClass::Key);

    const fn of(class: FrameClass) -> Parsed {
        Parsed { class, width: 0, height: 0 }
    }
}

pub fn classify(codec: Codec, bytes: &[u8]) -> Parsed {
    match codec {
        Codec::Vp8 => vp8(bytes),
        Codec::H264 => h264(bytes),
        Codec::Vp9 => vp9(bytes),
        Codec::Opus => opus(bytes),
        // AV1 needs OBU parsing past the sequence header to be sure; the
        // browser's own metadata decides instead.
        Codec::Av1 | Codec::Unknown => Parsed::UNKNOWN,
    }
}

/// RFC 6386 §9.1 frame tag.
fn vp8(b: &[u8]) -> Parsed {
    let first = match b.first() {
        Some(&v) => v,
        None => return Parsed::UNKNOWN,
    };
    if first & 1 == 1 {
        return if b.len() >= 3 { Parsed::DELTA } else { Parsed::UNKNOWN };
    }
    // A cleared bit alone is a coin toss on encrypted bytes; the start code
    // makes it trustworthy.
    if b.len() < 10 || b[3..6] != [0x9d, 0x01, 0x2a] {
        return Parsed::UNKNOWN;
    }
    Parsed {
        class: FrameClass::Key,
        width: u32::from(u16::from_le_bytes([b[6], b[7]]) & 0x3fff),
        height: u32::from(u16::from_le_bytes([b[8], b[9]]) & 0x3fff),
    }
}

/// Annex B byte stream: the first slice NAL in the prefix decides.
fn h264(b: &[u8]) -> Parsed {
    if !(b.starts_with(&[0, 0, 1]) || b.starts_with(&[0, 0, 0, 1])) {
        return Parsed::UNKNOWN;
    }
    let mut i = 0;
    while i + 3 < b.len() {
        if b[i] != 0 || b[i + 1] != 0 || b[i + 2] != 1 {
            i += 1;
            continue;
        }
        let header = b[i + 3];
        // forbidden_zero_bit set: not a real NAL unit (garbage or encrypted).
        if header & 0x80 != 0 {
            return Parsed::UNKNOWN;
        }
        match header & 0x1f {
            5 => return Parsed::KEY,
            1 => return Parsed::DELTA,
            // SPS, PPS, SEI, AUD and anything else: the slice comes later.
            _ => i += 4,
        }
    }
    Parsed::UNKNOWN
}

/// VP9 uncompressed header (VP9 bitstream spec §6.2), MSB-first bits.
fn vp9(b: &[u8]) -> Parsed {
    vp9_header(&mut Bits::new(b)).unwrap_or(Parsed::UNKNOWN)
}

fn vp9_header(r: &mut Bits) -> Option<Parsed> {
    if r.read(2)? != 2 {
        return Some(Parsed::UNKNOWN);
    }
    let profile_low = r.read(1)?;
    let profile = (r.read(1)? << 1) | profile_low;
    if profile == 3 {
        r.read(1)?; // reserved_zero
    }
    if r.read(1)? == 1 {
        // show_existing_frame repeats an already decoded frame: it cannot
        // start a decoder, so it is no better than a delta.
        return Some(Parsed::DELTA);
    }
    if r.read(1)? == 1 {
        return Some(Parsed::DELTA); // frame_type NON_KEY_FRAME
    }
    r.read(2)?; // show_frame, error_resilient_mode
    if r.read(24)? != 0x49_83_42 {
        return Some(Parsed::UNKNOWN);
    }
    // The sync code already proved it is a key frame; the size is a bonus.
    let (width, height) = vp9_size(r, profile).unwrap_or((0, 0));
    Some(Parsed { class: FrameClass::Key, width, height })
}

/// color_config() then frame_size() of a VP9 key frame.
fn vp9_size(r: &mut Bits, profile: u32) -> Option<(u32, u32)> {
    if profile >= 2 {
        r.read(1)?; // ten_or_twelve_bit
    }
    let color_space = r.read(3)?;
    let odd_profile = profile == 1 || profile == 3;
    if color_space != 7 {
        r.read(1)?; // color_range
        if odd_profile {
            r.read(3)?; // subsampling_x, subsampling_y, reserved_zero
        }
    } else if odd_profile {
        r.read(1)?; // reserved_zero
    }
    let w = r.read(16)? + 1;
    let h = r.read(16)? + 1;
    Some((w, h))
}

/// RFC 6716 §3.1: every packet stands alone, so a readable TOC means "key".
fn opus(b: &[u8]) -> Parsed {
    let toc = match b.first() {
        Some(&v) => v,
        None => return Parsed::UNKNOWN,
    };
    if toc & 3 != 3 {
        return Parsed::KEY;
    }
    match b.get(1) {
        Some(&count) if count & 0x3f >= 1 => Parsed::KEY,
        _ => Parsed::UNKNOWN,
    }
}

/// Big-endian bit reader that reports running out instead of panicking.
struct Bits<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Bits<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Bits { bytes, pos: 0 }
    }

    fn read(&mut self, n: u32) -> Option<u32> {
        let mut v = 0u32;
        for _ in 0..n {
            let byte = *self.bytes.get(self.pos / 8)?;
            let bit = (byte >> (7 - self.pos % 8)) & 1;
            v = (v << 1) | u32::from(bit);
            self.pos += 1;
        }
        Some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(codec: Codec, b: &[u8]) -> FrameClass {
        classify(codec, b).class
    }

    fn vp8_key(w: u16, h: u16) -> [u8; 10] {
        let [w0, w1] = w.to_le_bytes();
        let [h0, h1] = h.to_le_bytes();
        [0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, w0, w1, h0, h1]
    }

    #[test]
    fn a_vp8_key_frame_with_a_start_code_is_key_and_carries_its_size() {
        let p = classify(Codec::Vp8, &vp8_key(640, 480));
        assert_eq!(p, Parsed { class: FrameClass::Key, width: 640, height: 480 });
    }

    #[test]
    fn vp8_size_ignores_the_scaling_bits() {
        let p = classify(Codec::Vp8, &vp8_key(0xc000 | 1280, 0x4000 | 720));
        assert_eq!((p.width, p.height), (1280, 720));
    }

    #[test]
    fn a_vp8_key_flag_without_the_start_code_is_unknown() {
        // What an end-to-end encrypted key frame looks like to us.
        let b = [0x10, 0x02, 0x00, 0x12, 0x34, 0x56, 0x80, 0x02, 0xe0, 0x01];
        assert_eq!(class(Codec::Vp8, &b), FrameClass::Unknown);
    }

    #[test]
    fn a_vp8_key_frame_shorter_than_ten_bytes_is_unknown() {
        assert_eq!(class(Codec::Vp8, &vp8_key(640, 480)[..9]), FrameClass::Unknown);
    }

    #[test]
    fn a_vp8_inter_frame_is_delta_once_three_bytes_are_there() {
        assert_eq!(class(Codec::Vp8, &[0x31, 0x02, 0x00]), FrameClass::Delta);
        assert_eq!(class(Codec::Vp8, &[0x31, 0x02]), FrameClass::Unknown);
        assert_eq!(class(Codec::Vp8, &[]), FrameClass::Unknown);
    }

    #[test]
    fn an_h264_idr_after_sps_pps_is_key() {
        let b = [
            0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1f, // SPS
            0, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80, // PPS
            0, 0, 1, 0x65, 0x88, 0x84, // IDR slice
        ];
        assert_eq!(class(Codec::H264, &b), FrameClass::Key);
    }

    #[test]
    fn an_h264_non_idr_slice_is_delta_even_after_an_aud_and_sei() {
        let b = [0, 0, 0, 1, 0x09, 0xf0, 0, 0, 1, 0x06, 0x05, 0x01, 0, 0, 1, 0x41, 0x9a];
        assert_eq!(class(Codec::H264, &b), FrameClass::Delta);
    }

    #[test]
    fn h264_without_a_leading_start_code_is_unknown() {
        assert_eq!(class(Codec::H264, &[0x65, 0, 0, 1, 0x65]), FrameClass::Unknown);
        assert_eq!(class(Codec::H264, &[0, 0, 2, 0x65]), FrameClass::Unknown);
        assert_eq!(class(Codec::H264, &[]), FrameClass::Unknown);
    }

    #[test]
    fn h264_is_unknown_when_the_prefix_ends_before_a_slice() {
        assert_eq!(class(Codec::H264, &[0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1f]), FrameClass::Unknown);
        assert_eq!(class(Codec::H264, &[0, 0, 0, 1]), FrameClass::Unknown);
    }

    #[test]
    fn h264_with_the_forbidden_bit_set_is_unknown() {
        assert_eq!(class(Codec::H264, &[0, 0, 1, 0xe5, 0x88]), FrameClass::Unknown);
    }

    /// Profile 0 key frame, 8-bit BT.601, 1280x720.
    const VP9_KEY: [u8; 10] = [0x82, 0x49, 0x83, 0x42, 0x00, 0x4f, 0xf0, 0x2c, 0xf0, 0x00];

    #[test]
    fn a_vp9_key_frame_with_its_sync_code_is_key_and_carries_its_size() {
        let p = classify(Codec::Vp9, &VP9_KEY);
        assert_eq!(p, Parsed { class: FrameClass::Key, width: 1280, height: 720 });
    }

    #[test]
    fn a_vp9_key_frame_cut_before_its_size_is_still_key() {
        let p = classify(Codec::Vp9, &VP9_KEY[..5]);
        assert_eq!(p, Parsed { class: FrameClass::Key, width: 0, height: 0 });
    }

    #[test]
    fn a_vp9_key_frame_without_its_sync_code_is_unknown() {
        assert_eq!(class(Codec::Vp9, &[0x82, 0x12, 0x34, 0x56, 0x00]), FrameClass::Unknown);
        assert_eq!(class(Codec::Vp9, &VP9_KEY[..3]), FrameClass::Unknown);
    }

    #[test]
    fn a_vp9_inter_frame_is_delta() {
        // marker 10, profile 0, show_existing 0, frame_type 1, show 1
        assert_eq!(class(Codec::Vp9, &[0b1000_0110]), FrameClass::Delta);
    }

    #[test]
    fn a_vp9_shown_existing_frame_counts_as_delta() {
        assert_eq!(class(Codec::Vp9, &[0b1000_1000]), FrameClass::Delta);
    }

    #[test]
    fn vp9_profile_3_skips_its_reserved_bit() {
        // marker 10, profile bits 1 1, reserved 0, show_existing 0, frame_type 1
        assert_eq!(class(Codec::Vp9, &[0b1011_0010]), FrameClass::Delta);
        // same but key, then sync code shifted by the extra bit
        let b = [0b1011_0000, 0x24, 0xc1, 0xa1, 0x00];
        assert_eq!(class(Codec::Vp9, &b), FrameClass::Key);
    }

    #[test]
    fn a_bad_vp9_frame_marker_is_unknown() {
        assert_eq!(class(Codec::Vp9, &[0x42, 0x49, 0x83, 0x42]), FrameClass::Unknown);
        assert_eq!(class(Codec::Vp9, &[]), FrameClass::Unknown);
    }

    #[test]
    fn av1_and_unknown_codecs_are_always_unknown() {
        assert_eq!(class(Codec::Av1, &[0x12, 0x00, 0x0a, 0x0b]), FrameClass::Unknown);
        assert_eq!(class(Codec::Unknown, &VP9_KEY), FrameClass::Unknown);
        assert_eq!(Codec::from_u32(99), Codec::Unknown);
    }

    #[test]
    fn any_opus_toc_byte_is_key_except_an_empty_code_3_packet() {
        assert_eq!(class(Codec::Opus, &[0x78]), FrameClass::Key);
        assert_eq!(class(Codec::Opus, &[0x7a, 0x01]), FrameClass::Key);
        assert_eq!(class(Codec::Opus, &[0x7b, 0x03]), FrameClass::Key);
        assert_eq!(class(Codec::Opus, &[0x7b, 0x80]), FrameClass::Unknown);
        assert_eq!(class(Codec::Opus, &[0x7b]), FrameClass::Unknown);
        assert_eq!(class(Codec::Opus, &[]), FrameClass::Unknown);
    }
}
