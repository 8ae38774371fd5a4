//! The receive jitter buffer (`telephony::media::jitter`) with arbitrary sequence numbers
//! (they come straight from the caller's RTP headers).
//!
//! Input: byte 0 sets the depth (1-8), then 16-bit sequence numbers. Checks that frames are
//! conserved (released + dropped as late + still buffered = pushed, with fewer than `depth`
//! buffered), that none is released twice in a row, and that the loss counter only grows.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sip_gateway::telephony::media::jitter::{Frame, JitterBuffer};
use sip_gateway_fuzz::Pieces;

fuzz_target!(|data: &[u8]| {
    let mut input = Pieces::new(data);
    let depth = usize::from(input.u8() % 8) + 1;
    let mut jb = JitterBuffer::new(depth);
    let (mut pushed, mut released) = (0u64, 0u64);
    let mut last: Option<u16> = None;
    let mut lost = 0;
    while !input.is_empty() {
        let sequence = input.u16();
        pushed += 1;
        let out = jb.push(Frame {
            sequence,
            timestamp: u32::from(sequence) * 160,
            payload: vec![sequence as u8],
        });
        for f in out {
            assert_ne!(Some(f.sequence), last, "frame released twice");
            assert_eq!(f.payload, vec![f.sequence as u8]);
            last = Some(f.sequence);
            released += 1;
        }
        assert!(jb.lost() >= lost);
        lost = jb.lost();
        let buffered = pushed - released - jb.late();
        assert!(
            buffered < depth as u64,
            "{buffered} frames held with depth {depth}"
        );
    }
});
