//! A small receive jitter buffer: puts RTP frames back in sequence order.
//!
//! Holds at most `depth` frames. Frames come out in order as soon as the next expected one is
//! present; when the buffer is full the gap is skipped (the missing frames count as lost).
//! Late frames (behind what was already released) and duplicates are dropped.

use std::collections::BTreeMap;

/// One buffered frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub sequence: u16,
    pub timestamp: u32,
    pub payload: Vec<u8>,
}

#[derive(Debug)]
pub struct JitterBuffer {
    depth: usize,
    /// Extended sequence number (with wrap count) of the next frame to release.
    next: Option<u64>,
    /// Highest extended sequence seen, to extend 16-bit numbers across wraps.
    highest: Option<u64>,
    frames: BTreeMap<u64, Frame>,
    lost: u64,
    late: u64,
}

impl JitterBuffer {
    pub fn new(depth: usize) -> Self {
        JitterBuffer {
            depth: depth.max(1),
            next: None,
            highest: None,
            frames: BTreeMap::new(),
            lost: 0,
            late: 0,
        }
    }

    /// Frames skipped as lost so far.
    pub fn lost(&self) -> u64 {
        self.lost
    }

    /// Frames dropped because they came too late or twice.
    pub fn late(&self) -> u64 {
        self.late
    }

    fn extend(&self, seq: u16) -> u64 {
        let Some(h) = self.highest else {
            return u64::from(seq) + (1 << 16);
        };
        // Pick the candidate closest to the highest sequence seen.
        let base = h & !0xFFFF;
        [base.wrapping_sub(1 << 16), base, base + (1 << 16)]
            .into_iter()
            .map(|b| b + u64::from(seq))
            .min_by_key(|c| c.abs_diff(h))
            .unwrap_or(base + u64::from(seq))
    }

    /// Adds a frame; returns the frames now ready, in order.
    pub fn push(&mut self, frame: Frame) -> Vec<Frame> {
        let ext = self.extend(frame.sequence);
        if self.next.is_some_and(|n| ext < n) || self.frames.contains_key(&ext) {
            self.late += 1;
            return Vec::new();
        }
        self.highest = Some(self.highest.map_or(ext, |h| h.max(ext)));
        let next = *self.next.get_or_insert(ext);
        self.frames.insert(ext, frame);
        let mut out = Vec::new();
        let mut next = next;
        loop {
            if let Some(f) = self.frames.remove(&next) {
                out.push(f);
                next += 1;
            } else if self.frames.len() >= self.depth {
                // Give up on the gap: jump to the oldest buffered frame.
                let (&oldest, _) = self.frames.iter().next().expect("non-empty");
                self.lost += oldest - next;
                next = oldest;
            } else {
                break;
            }
        }
        self.next = Some(next);
        out
    }
}

#[cfg(test)]
#[allow(clippy::type_complexity)] // data-driven test tables
mod tests {
    use super::*;

    fn f(seq: u16) -> Frame {
        Frame {
            sequence: seq,
            timestamp: u32::from(seq) * 160,
            payload: vec![seq as u8],
        }
    }

    fn run(depth: usize, seqs: &[u16]) -> (Vec<u16>, u64, u64) {
        let mut jb = JitterBuffer::new(depth);
        let out = seqs
            .iter()
            .flat_map(|&s| jb.push(f(s)))
            .map(|fr| fr.sequence)
            .collect();
        (out, jb.lost(), jb.late())
    }

    #[test]
    fn table() {
        let cases: &[(&str, usize, &[u16], &[u16], u64, u64)] = &[
            ("in order", 3, &[1, 2, 3], &[1, 2, 3], 0, 0),
            ("swap", 3, &[1, 3, 2, 4], &[1, 2, 3, 4], 0, 0),
            ("duplicate", 3, &[1, 2, 2, 3], &[1, 2, 3], 0, 1),
            ("late after release", 3, &[1, 2, 3, 1], &[1, 2, 3], 0, 1),
            (
                "loss skipped when full",
                2,
                &[1, 3, 4, 5],
                &[1, 3, 4, 5],
                1,
                0,
            ),
            (
                "wrap",
                3,
                &[65534, 65535, 0, 1],
                &[65534, 65535, 0, 1],
                0,
                0,
            ),
            (
                "reorder across wrap",
                3,
                &[65535, 1, 0, 2],
                &[65535, 0, 1, 2],
                0,
                0,
            ),
            ("depth one passes through", 1, &[5, 7, 6], &[5, 7], 1, 1),
        ];
        for (name, depth, input, out, lost, late) in cases {
            assert_eq!(run(*depth, input), (out.to_vec(), *lost, *late), "{name}");
        }
    }
}
