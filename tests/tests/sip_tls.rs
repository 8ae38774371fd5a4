//! SIP over TLS against the real binary: with a certificate configured the gateway answers on
//! its TLS port, through the same shield and stack as TCP; without it, no TLS port is opened.

use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use sportello_e2e::{AppOptions, SpawnedApp, require_tool};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls;

fn options_request(port: u16) -> String {
    format!(
        "OPTIONS sip:sportello@127.0.0.1:{port};transport=tls SIP/2.0\r\n\
         Via: SIP/2.0/TLS 127.0.0.1:5099;branch=z9hG4bK-tls-1\r\n\
         Max-Forwards: 70\r\n\
         From: <sips:monitor@127.0.0.1>;tag=tls1\r\n\
         To: <sips:sportello@127.0.0.1>\r\n\
         Call-ID: tls-options-1@127.0.0.1\r\n\
         CSeq: 1 OPTIONS\r\n\
         User-Agent: sportello-tests\r\n\
         Content-Length: 0\r\n\r\n"
    )
}

fn openssl(args: &[&str], dir: &std::path::Path) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A test CA and a server certificate for localhost / 127.0.0.1 signed by it (a self-signed
/// certificate is a CA, which TLS clients refuse as a server certificate). Returns the CA.
fn make_certificates(dir: &std::path::Path) -> std::path::PathBuf {
    openssl(
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-subj",
            "/CN=Sportello test CA",
        ],
        dir,
    );
    openssl(
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "key.pem",
            "-out",
            "server.csr",
            "-subj",
            "/CN=localhost",
        ],
        dir,
    );
    std::fs::write(
        dir.join("server.ext"),
        "basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n",
    )
    .unwrap();
    openssl(
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-out",
            "cert.pem",
            "-extfile",
            "server.ext",
        ],
        dir,
    );
    dir.join("ca.pem")
}

#[tokio::test]
async fn options_over_tls_get_200() {
    if !require_tool("openssl", "makes the test certificate") {
        return;
    }
    let mut options = AppOptions::new("sip-tls");
    let dir = options.data_dir.clone();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let ca = make_certificates(&dir);
    options.env.extend([
        ("SPORTELLO_SIP_TLS_PORT".into(), "0".into()),
        (
            "SPORTELLO_SIP_TLS_CERTIFICATE".into(),
            cert.display().to_string(),
        ),
        (
            "SPORTELLO_SIP_TLS_PRIVATE_KEY".into(),
            key.display().to_string(),
        ),
    ]);
    let app = SpawnedApp::start(options);
    let ready: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(app.options.data_dir.join("ready.sip.json")).unwrap(),
    )
    .unwrap();
    let tls: std::net::SocketAddr = ready["sip_tls"].as_str().unwrap().parse().unwrap();

    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(&ca).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(tls).await.unwrap();
    let mut stream = connector
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .expect("TLS handshake with the gateway's certificate");
    stream
        .write_all(options_request(tls.port()).as_bytes())
        .await
        .unwrap();
    let mut answer = Vec::new();
    let mut chunk = [0u8; 2048];
    let read = async {
        loop {
            let n = stream.read(&mut chunk).await.unwrap();
            assert!(n > 0, "connection closed before the answer");
            answer.extend_from_slice(&chunk[..n]);
            if answer.windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .expect("an answer within 10 s");
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("SIP/2.0 200"), "{text}");
    assert!(text.contains("tls-options-1@127.0.0.1"), "{text}");
}

#[test]
fn no_tls_port_without_a_certificate() {
    let app = SpawnedApp::start(AppOptions::new("sip-no-tls"));
    let ready: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(app.options.data_dir.join("ready.sip.json")).unwrap(),
    )
    .unwrap();
    assert!(ready["sip_tls"].is_null(), "{ready}");
}
