//! baresip (Debian package `baresip-core`/`baresip`) as a real softphone: headless, with its
//! own configuration directory, auto-answer off, the microphone read from a WAV file
//! (`aufile`), the speaker on ALSA's null device, and what it hears recorded by the `sndfile`
//! filter (`dump-*-dec.wav`). Keys are typed on its UDP console (`cons`) and sent as RFC 4733
//! events.

use std::net::{SocketAddr, UdpSocket};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sportello_e2e::require_tool;

pub fn available() -> bool {
    require_tool(
        "baresip",
        "the softphone test places a real call (Debian package baresip)",
    ) && require_tool(
        "sox",
        "sox makes the softphone's microphone file (Debian package sox)",
    )
}

/// A running baresip with one call placed.
pub struct Softphone {
    child: Child,
    dir: PathBuf,
    console: SocketAddr,
    log: PathBuf,
}

fn free_udp_port() -> SocketAddr {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

impl Softphone {
    /// Starts baresip in `dir` and dials `uri`.
    pub fn dial(dir: PathBuf, uri: &str) -> Softphone {
        std::fs::create_dir_all(dir.join("rec")).unwrap();
        let mic = dir.join("microphone.wav");
        let status = Command::new("sox")
            .args(["-n", "-r", "8000", "-c", "1", "-b", "16", "-e", "signed"])
            .arg(&mic)
            .args(["trim", "0", "60"])
            .status()
            .expect("sox runs");
        assert!(status.success(), "sox could not make the microphone file");
        let console = free_udp_port();
        let config = format!(
            "poll_method\tepoll\n\
             sip_listen\t127.0.0.1:0\n\
             net_interface\t127.0.0.1\n\
             audio_player\talsa,null\n\
             audio_alert\talsa,null\n\
             audio_source\taufile,{mic}\n\
             audio_srate\t8000\n\
             audio_channels\t1\n\
             module_path\t/usr/lib/baresip/modules\n\
             module\tg711.so\n\
             module\taufile.so\n\
             module\talsa.so\n\
             module\tsndfile.so\n\
             module\tcons.so\n\
             module_app\taccount.so\n\
             module_app\tmenu.so\n\
             snd_path\t{rec}\n\
             cons_listen\t{console}\n",
            mic = mic.display(),
            rec = dir.join("rec").display(),
        );
        std::fs::write(dir.join("config"), config).unwrap();
        // answermode=manual: auto-answer off (the phone places the call, it never answers).
        std::fs::write(
            dir.join("accounts"),
            "<sip:caller@127.0.0.1>;regint=0;answermode=manual;audio_codecs=PCMA,PCMU\n",
        )
        .unwrap();
        std::fs::write(dir.join("contacts"), "").unwrap();
        let log = dir.join("baresip.log");
        let child = Command::new("baresip")
            .arg("-f")
            .arg(&dir)
            .args(["-e", &format!("/dial {uri}"), "-t", "120"])
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&log).unwrap())
            .stderr(Stdio::null())
            .spawn()
            .expect("baresip starts");
        Softphone {
            child,
            dir,
            console,
            log,
        }
    }

    pub fn log_text(&self) -> String {
        String::from_utf8_lossy(&std::fs::read(&self.log).unwrap_or_default()).into_owned()
    }

    /// Waits until baresip says the call is up.
    pub fn wait_established(&mut self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while !self.log_text().contains("Call established") {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("baresip exited ({status}):\n{}", self.log_text());
            }
            assert!(
                Instant::now() < deadline,
                "baresip's call not established:\n{}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Presses `keys` on the phone's keypad (RFC 4733 events), 300 ms apart.
    pub fn press(&self, keys: &str) {
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        for k in keys.chars() {
            sock.send_to(k.to_string().as_bytes(), self.console)
                .unwrap();
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    /// Hangs up (SIGTERM: baresip ends its call and closes its files) and returns what the
    /// phone heard: 8 kHz mono samples.
    pub fn hang_up(mut self) -> Vec<i16> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(15);
        while self.child.try_wait().ok().flatten().is_none() {
            assert!(Instant::now() < deadline, "baresip did not quit");
            std::thread::sleep(Duration::from_millis(50));
        }
        let recording = std::fs::read_dir(self.dir.join("rec"))
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.to_string_lossy().ends_with("-dec.wav"))
            .unwrap_or_else(|| panic!("no recording:\n{}", self.log_text()));
        wav_samples(&std::fs::read(recording).unwrap())
    }
}

impl Drop for Softphone {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The samples of a 16-bit PCM mono WAV file at 8 kHz (the data chunk, or the rest of the file
/// when its size was never written).
pub fn wav_samples(bytes: &[u8]) -> Vec<i16> {
    assert!(bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WAVE");
    let mut pos = 12;
    while pos + 8 <= bytes.len() {
        let id = &bytes[pos..pos + 4];
        let size = u32::from_le_bytes(bytes[pos + 4..pos + 8].try_into().unwrap()) as usize;
        let body = pos + 8;
        if id == b"fmt " {
            let format = u16::from_le_bytes([bytes[body], bytes[body + 1]]);
            let channels = u16::from_le_bytes([bytes[body + 2], bytes[body + 3]]);
            let rate = u32::from_le_bytes(bytes[body + 4..body + 8].try_into().unwrap());
            let bits = u16::from_le_bytes([bytes[body + 14], bytes[body + 15]]);
            assert_eq!(
                (format, channels, rate, bits),
                (1, 1, 8000, 16),
                "recording format"
            );
        }
        if id == b"data" {
            let end = if size == 0 || body + size > bytes.len() {
                bytes.len()
            } else {
                body + size
            };
            return bytes[body..end]
                .chunks_exact(2)
                .map(|b| i16::from_le_bytes([b[0], b[1]]))
                .collect();
        }
        pos = body + size + (size & 1);
    }
    panic!("no data chunk in the recording");
}

/// Level of each 20 ms frame in dBFS.
pub fn frame_levels(samples: &[i16]) -> Vec<f64> {
    samples
        .chunks(160)
        .map(|f| {
            let power = f.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / f.len() as f64;
            10.0 * (power.max(1e-9) / f64::from(i16::MAX).powi(2)).log10()
        })
        .collect()
}
