//! `vmr-scheduler demo` as a newcomer meets it: one command, a URL printed, a free port found when
//! the usual one is taken, two demos side by side, a clean stop that leaves nothing behind, and a
//! one-line error (never a half-started demo) for a directory it cannot use or a port that is taken.
//! The page itself is tested in headless Chromium (tests/browser/demo.test.mjs).

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use vmr_scheduler::exchange::ews::{TransportSettings, fetch_document};

use crate::support::{TempDir, binary};

/// A demo process whose standard output is collected as it comes.
struct DemoProcess {
    child: Child,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
}

impl DemoProcess {
    fn start(args: &[&str]) -> DemoProcess {
        let mut child = Command::new(binary())
            .arg("demo")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the demo");
        let collect = |pipe: Box<dyn std::io::Read + Send>| {
            let buffer = Arc::new(Mutex::new(String::new()));
            let sink = Arc::clone(&buffer);
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    let mut b = sink.lock().expect("lock");
                    b.push_str(&line);
                    b.push('\n');
                }
            });
            buffer
        };
        let stdout = collect(Box::new(child.stdout.take().expect("stdout")));
        let stderr = collect(Box::new(child.stderr.take().expect("stderr")));
        DemoProcess { child, stdout, stderr }
    }

    fn stdout(&self) -> String {
        self.stdout.lock().expect("lock").clone()
    }

    fn stderr(&self) -> String {
        self.stderr.lock().expect("lock").clone()
    }

    /// Waits for the URL line; returns the port.
    fn port(&self) -> u16 {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let out = self.stdout();
            if let Some(rest) = out.split("Open https://localhost:").nth(1) {
                let port = rest.split('/').next().and_then(|p| p.parse().ok());
                return port.unwrap_or_else(|| panic!("no port in {out}"));
            }
            assert!(Instant::now() < deadline, "no URL printed within 30 s:\n{out}\n{}", self.stderr());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The state directory the demo printed.
    fn state_dir(&self) -> PathBuf {
        let out = self.stdout();
        let line = out.lines().find_map(|l| l.trim().strip_prefix("State: ")).unwrap_or_else(|| panic!("{out}"));
        PathBuf::from(line.split(" (").next().unwrap_or(line))
    }

    fn signal(&self, signal: libc::c_int) {
        let pid = libc::pid_t::try_from(self.child.id()).expect("pid");
        // SAFETY: sending a signal to the child we started.
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
    }

    /// Waits (at most 20 s) for the process to end; its exit code.
    fn wait(&mut self) -> i32 {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                // Let the reader threads take the last lines.
                std::thread::sleep(Duration::from_millis(100));
                return status.code().unwrap_or(-1);
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the demo did not stop within 20 s:\n{}\n{}", self.stdout(), self.stderr());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for DemoProcess {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// GET over HTTPS trusting only the CA the demo wrote (so the demo's certificate is checked too).
fn get(port: u16, path: &str, ca: &Path) -> String {
    let url = format!("https://localhost:{port}{path}");
    let settings = TransportSettings {
        url: &url,
        ca_certificates_file: Some(ca),
        proxy: None,
        connect_timeout: Duration::from_secs(5),
        read_timeout: Duration::from_secs(5),
        total_timeout: Duration::from_secs(10),
        max_response_bytes: 1024 * 1024,
    };
    let body = fetch_document(&settings).unwrap_or_else(|e| panic!("GET {url}: {e}"));
    String::from_utf8_lossy(&body).into_owned()
}

#[test]
fn the_demo_prints_its_url_serves_the_page_and_stops_cleanly_on_sigterm_leaving_nothing_behind() {
    let mut demo = DemoProcess::start(&["--port", "0"]);
    let port = demo.port();
    let dir = demo.state_dir();
    assert!(dir.starts_with(std::env::temp_dir()), "a temporary directory, not /etc or /var/lib: {}", dir.display());
    let ca = dir.join("ca.pem");
    assert_eq!(get(port, "/healthz", &ca), "ok\n");
    assert!(get(port, "/demo/", &ca).contains("Demonstration"));
    assert!(get(port, "/addin/demo/taskpane.html", &ca).contains("/demo/office-double.js"), "the real task pane");
    let out = demo.stdout();
    assert!(out.contains("Scheduling operations, as they happen:"), "{out}");
    demo.signal(libc::SIGTERM);
    assert_eq!(demo.wait(), 0, "{}", demo.stderr());
    assert!(demo.stdout().contains("vmr-scheduler demo: stopped"));
    assert!(!dir.exists(), "{} was removed", dir.display());
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err(), "nothing listens any more");
}

#[test]
fn ctrl_c_stops_the_demo_and_a_given_dir_is_kept_with_a_config_an_administrator_can_check() {
    let base = TempDir::new("demo-dir");
    let dir = base.join("state");
    let mut demo = DemoProcess::start(&["--port", "0", "--dir", &dir.to_string_lossy()]);
    demo.port();
    assert_eq!(demo.state_dir(), dir);
    demo.signal(libc::SIGINT);
    assert_eq!(demo.wait(), 0, "{}", demo.stderr());
    assert!(dir.join("store.redb").is_file(), "--dir is kept");
    let check = Command::new(binary())
        .args(["check-config", "--config"])
        .arg(dir.join("config.json"))
        .output()
        .expect("check-config");
    let stdout = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "{stdout}{}", String::from_utf8_lossy(&check.stderr));
    assert!(stdout.contains("OK (1 integration(s): demo)"), "{stdout}");
}

#[test]
fn a_taken_default_port_makes_the_demo_pick_a_free_one_and_say_so() {
    // Hold 8443 (if something else already holds it, it is taken all the same).
    let _holder = TcpListener::bind(("127.0.0.1", vmr_scheduler::demo::DEFAULT_PORT));
    let mut demo = DemoProcess::start(&[]);
    let port = demo.port();
    assert_ne!(port, vmr_scheduler::demo::DEFAULT_PORT);
    let out = demo.stdout();
    assert!(out.contains(&format!("port 8443 is taken (another demo?); using port {port} instead")), "{out}");
    demo.signal(libc::SIGTERM);
    assert_eq!(demo.wait(), 0);
}

#[test]
fn two_demos_run_side_by_side() {
    let mut first = DemoProcess::start(&[]);
    let mut second = DemoProcess::start(&[]);
    let (a, b) = (first.port(), second.port());
    assert_ne!(a, b);
    assert_ne!(first.state_dir(), second.state_dir());
    assert_eq!(get(a, "/healthz", &first.state_dir().join("ca.pem")), "ok\n");
    assert_eq!(get(b, "/healthz", &second.state_dir().join("ca.pem")), "ok\n");
    for demo in [&mut first, &mut second] {
        demo.signal(libc::SIGTERM);
        assert_eq!(demo.wait(), 0, "{}", demo.stderr());
    }
}

#[test]
fn a_port_given_on_the_command_line_that_is_taken_is_a_one_line_error() {
    let holder = TcpListener::bind(("127.0.0.1", 0)).expect("bind");
    let port = holder.local_addr().expect("addr").port();
    let out = Command::new(binary()).args(["demo", "--port", &port.to_string()]).output().expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains(&format!("port {port} is taken")), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing started: {}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn a_dir_that_cannot_be_written_is_a_one_line_error_and_nothing_starts() {
    let base = TempDir::new("demo-bad-dir");
    let file = base.join("a-file");
    std::fs::write(&file, "not a directory").expect("write");
    let bad = file.join("state");
    let out = Command::new(binary()).args(["demo", "--port", "0", "--dir"]).arg(&bad).output().expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("cannot use") && stderr.contains("give a writable --dir"), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing started: {}", String::from_utf8_lossy(&out.stdout));
    assert!(!bad.exists());
}
