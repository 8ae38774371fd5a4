//! Ticket printouts: the ESC/POS byte stream for thermal kiosk printers (58 or 80 mm paper)
//! and the raw TCP delivery to a network printer (`host:9100`).
//!
//! Text is encoded in code page PC858 (Western European with the euro sign), selected with
//! `ESC t 19`; characters outside it become `?`.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// Paper width of the kiosk printer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaperWidth {
    Mm58,
    Mm80,
}

impl PaperWidth {
    /// Characters per line in the normal font (font A).
    pub fn columns(self) -> usize {
        match self {
            PaperWidth::Mm58 => 32,
            PaperWidth::Mm80 => 48,
        }
    }
}

/// What a ticket printout says.
#[derive(Debug, Clone)]
pub struct TicketPrintout<'a> {
    pub office_name: &'a str,
    pub line_name: &'a str,
    pub code: &'a str,
    pub people_ahead: u32,
    pub estimate: &'a str,
    /// "23/11/2026 10:42".
    pub issued_at: &'a str,
}

const ESC: u8 = 0x1b;
const GS: u8 = 0x1d;

/// Builds the ESC/POS bytes of a ticket.
pub fn ticket_bytes(ticket: &TicketPrintout<'_>, width: PaperWidth) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(&[ESC, b'@']); // initialise
    out.extend_from_slice(&[ESC, b't', 19]); // code page PC858
    out.extend_from_slice(&[ESC, b'a', 1]); // centre
    out.extend_from_slice(&[ESC, b'E', 1]);
    push_line(&mut out, ticket.office_name, width);
    out.extend_from_slice(&[ESC, b'E', 0]);
    push_line(&mut out, ticket.line_name, width);
    out.push(b'\n');
    out.extend_from_slice(&[GS, b'!', 0x33]); // quadruple size
    push_line(&mut out, ticket.code, width);
    out.extend_from_slice(&[GS, b'!', 0x00]);
    out.push(b'\n');
    let ahead = match ticket.people_ahead {
        0 => "Nessuna persona prima di Lei".to_string(),
        1 => "1 persona prima di Lei".to_string(),
        n => format!("{n} persone prima di Lei"),
    };
    push_line(&mut out, &ahead, width);
    push_line(
        &mut out,
        &format!("Attesa stimata: {}", ticket.estimate),
        width,
    );
    push_line(&mut out, ticket.issued_at, width);
    push_line(&mut out, "Attenda la chiamata sul tabellone.", width);
    out.extend_from_slice(&[ESC, b'd', 4]); // feed 4 lines
    out.extend_from_slice(&[GS, b'V', 66, 0]); // partial cut
    out
}

/// Pushes text wrapped at the paper width, encoded in PC858.
fn push_line(out: &mut Vec<u8>, text: &str, width: PaperWidth) {
    let mut column = 0;
    for word in text.split_whitespace() {
        let len = word.chars().count();
        if column > 0 && column + 1 + len > width.columns() {
            out.push(b'\n');
            column = 0;
        } else if column > 0 {
            out.push(b' ');
            column += 1;
        }
        out.extend(word.chars().map(pc858));
        column += len;
    }
    out.push(b'\n');
}

/// One character in code page PC858.
fn pc858(c: char) -> u8 {
    match c {
        ' '..='~' => c as u8,
        'à' => 0x85,
        'è' => 0x8a,
        'é' => 0x82,
        'ì' => 0x8d,
        'ò' => 0x95,
        'ù' => 0x97,
        'À' => 0xb7,
        'È' => 0xd4,
        'É' => 0x90,
        'Ì' => 0xde,
        'Ò' => 0xe3,
        'Ù' => 0xeb,
        '€' => 0xd5,
        '°' => 0xf8,
        '’' => b'\'',
        _ => b'?',
    }
}

/// Why a printout did not reach the printer.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    #[error("printer {addr} unreachable: {source}")]
    Unreachable {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("printer {addr} did not answer within {timeout:?}")]
    Timeout { addr: SocketAddr, timeout: Duration },
}

/// A network ESC/POS printer (raw TCP, usually port 9100).
#[derive(Debug, Clone)]
pub struct EscPosPrinter {
    pub addr: SocketAddr,
    pub width: PaperWidth,
    pub timeout: Duration,
}

impl EscPosPrinter {
    /// Sends a ticket; the ticket exists whether or not it prints (the kiosk page also shows it).
    pub async fn print(&self, ticket: &TicketPrintout<'_>) -> Result<(), PrintError> {
        let bytes = ticket_bytes(ticket, self.width);
        let send = async {
            let mut stream = TcpStream::connect(self.addr).await?;
            stream.write_all(&bytes).await?;
            stream.shutdown().await
        };
        match tokio::time::timeout(self.timeout, send).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(source)) => Err(PrintError::Unreachable {
                addr: self.addr,
                source,
            }),
            Err(_) => Err(PrintError::Timeout {
                addr: self.addr,
                timeout: self.timeout,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    fn sample() -> TicketPrintout<'static> {
        TicketPrintout {
            office_name: "Comune di Esempio",
            line_name: "Anagrafe e stato civile",
            code: "A 12",
            people_ahead: 3,
            estimate: "circa 24 minuti",
            issued_at: "23/11/2026 10:42",
        }
    }

    #[test]
    fn ticket_bytes_have_init_codepage_code_and_cut() {
        let bytes = ticket_bytes(&sample(), PaperWidth::Mm80);
        assert_eq!(&bytes[..2], &[ESC, b'@']);
        assert_eq!(&bytes[2..5], &[ESC, b't', 19]);
        assert!(bytes.windows(4).any(|w| w == b"A 12"));
        assert!(bytes.windows(4).any(|w| w == [GS, b'V', 66, 0]));
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("3 persone prima di Lei"));
    }

    #[test]
    fn long_lines_wrap_at_paper_width_and_accents_use_pc858() {
        let mut out = Vec::new();
        push_line(
            &mut out,
            "Consegna documenti e protocollo: attenda la chiamata è già",
            PaperWidth::Mm58,
        );
        for line in out.split(|b| *b == b'\n') {
            assert!(line.len() <= 32, "{:?}", String::from_utf8_lossy(line));
        }
        assert!(out.contains(&0x8a) && out.contains(&0x85));
    }

    #[tokio::test]
    async fn prints_over_tcp() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let printer = EscPosPrinter {
            addr: listener.local_addr().unwrap(),
            width: PaperWidth::Mm58,
            timeout: Duration::from_secs(5),
        };
        let received = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut buf = Vec::new();
            socket.read_to_end(&mut buf).await.unwrap();
            buf
        });
        printer.print(&sample()).await.unwrap();
        let bytes = received.await.unwrap();
        assert_eq!(bytes, ticket_bytes(&sample(), PaperWidth::Mm58));
    }

    #[tokio::test]
    async fn unreachable_printer_is_an_error() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let printer = EscPosPrinter {
            addr,
            width: PaperWidth::Mm80,
            timeout: Duration::from_secs(2),
        };
        assert!(printer.print(&sample()).await.is_err());
    }
}
