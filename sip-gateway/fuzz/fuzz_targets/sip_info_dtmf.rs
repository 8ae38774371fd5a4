//! DTMF in SIP INFO bodies (`telephony::signaling::info::parse_dtmf_info`). Input: the
//! Content-Type value (1-byte length), then the body. A key is only ever one of `0-9 * #`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sip_gateway::telephony::signaling::info::parse_dtmf_info;
use sip_gateway_fuzz::Pieces;

fuzz_target!(|data: &[u8]| {
    let mut input = Pieces::new(data);
    let content_type = String::from_utf8_lossy(input.short()).into_owned();
    let body = input.rest();
    if let Ok(Some(key)) = parse_dtmf_info(&content_type, body) {
        assert!("0123456789*#".contains(key.as_char()), "{key:?}");
    }
});
