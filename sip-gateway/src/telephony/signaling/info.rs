//! DTMF in SIP INFO bodies: `application/dtmf-relay` (`Signal=5\r\nDuration=160`) and
//! `application/dtmf` (`5`).

use ivr::Key;

/// The key carried by an INFO body. `Ok(None)` for a body without a key (e.g. an empty INFO
/// used as keep-alive), `Err(())` for a content type we do not take.
#[allow(clippy::result_unit_err)]
pub fn parse_dtmf_info(content_type: &str, body: &[u8]) -> Result<Option<Key>, ()> {
    let media = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let text = String::from_utf8_lossy(body);
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let signal = match media.as_str() {
        "application/dtmf-relay" => text.lines().find_map(|l| {
            let (k, v) = l.split_once('=')?;
            k.trim()
                .eq_ignore_ascii_case("signal")
                .then(|| v.trim().to_owned())
        }),
        "application/dtmf" => Some(text.trim().to_owned()),
        _ => return Err(()),
    };
    let Some(signal) = signal else {
        return Ok(None);
    };
    let mut chars = signal.chars();
    let key = match (chars.next(), chars.next()) {
        (Some(c), None) => Key::from_char(c),
        // Some phones send the RFC 4733 event number.
        _ => match signal.parse::<u8>() {
            Ok(10) => Some(Key::Star),
            Ok(11) => Some(Key::Hash),
            _ => None,
        },
    };
    Ok(key)
}

/// Answers an in-dialog INFO: 200 for a DTMF body (returning its key) or any body that is not
/// DTMF-shaped but acceptable, 415 with the accepted types otherwise.
pub async fn answer_info(
    request: &rsipstack::sip::Request,
    handle: rsipstack::dialog::dialog::TransactionHandle,
) -> Option<Key> {
    use rsipstack::sip::{Header, StatusCode};
    let content_type = request
        .headers
        .iter()
        .find_map(|h| match h {
            // `value()`: the type's Display writes "Content-Type: ...".
            Header::ContentType(c) => Some(c.value().to_owned()),
            _ => None,
        })
        .unwrap_or_default();
    match parse_dtmf_info(&content_type, &request.body) {
        Ok(key) => {
            handle.reply(StatusCode::OK).await.ok();
            key
        }
        Err(()) => {
            handle
                .respond(
                    StatusCode::UnsupportedMediaType,
                    Some(vec![Header::Other(
                        "Accept".into(),
                        "application/dtmf-relay, application/dtmf".into(),
                    )]),
                    None,
                )
                .await
                .ok();
            None
        }
    }
}

#[cfg(test)]
#[allow(clippy::type_complexity)] // data-driven test tables
mod tests {
    use super::*;

    #[test]
    fn table() {
        let cases: &[(&str, &str, Result<Option<char>, ()>)] = &[
            (
                "application/dtmf-relay",
                "Signal=5\r\nDuration=160\r\n",
                Ok(Some('5')),
            ),
            (
                "application/dtmf-relay",
                "signal= *\r\nduration=100",
                Ok(Some('*')),
            ),
            (
                "Application/DTMF-Relay; charset=x",
                "Signal=#\r\n",
                Ok(Some('#')),
            ),
            ("application/dtmf-relay", "Signal=11\r\n", Ok(Some('#'))),
            ("application/dtmf-relay", "Duration=160\r\n", Ok(None)),
            ("application/dtmf-relay", "Signal=A\r\n", Ok(None)),
            ("application/dtmf", "7", Ok(Some('7'))),
            ("application/dtmf", "", Ok(None)),
            ("text/plain", "5", Err(())),
        ];
        for (ct, body, expected) in cases {
            let got = parse_dtmf_info(ct, body.as_bytes()).map(|k| k.map(Key::as_char));
            assert_eq!(&got, expected, "{ct} {body:?}");
        }
    }
}
