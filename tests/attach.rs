//! End to end, through the real binary and its real socket: a run serves its watchers, bad
//! clients are dropped with a logged reason while training goes on, a killed run's socket is
//! recognised and replaced, `attach` opens a window on a headless run (under Xvfb) whose
//! keys reach the trainer, H in a training window goes headless, and none of it changes what
//! is learnt.

mod support;

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::screen::{Xvfb, artefacts, assert_shows_board, press};
use support::{KillOnDrop, fresh_dir, refusal, run, smoke_config};
use tetris_dqn::training::watchers::wire::{self, ClientMessage, Hello};
use tetris_dqn::training::watchers::{Address, Snapshot, WatcherKind, client};

const BIN: &str = env!("CARGO_BIN_EXE_tetris-dqn");

/// One test at a time: each runs a trainer, some a window too, and two cores shared by seven
/// of them make every timing in them a guess.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

/// Starts `train --headless` on the smoke config into `dir`, its stderr to `<dir>.log`.
fn start_headless(dir: &Path, extra: &[&str]) -> KillOnDrop {
    let log = File::create(dir.with_extension("log")).unwrap();
    let child = Command::new(BIN)
        .args(["train", "--headless", "--config", &smoke_config()])
        .args(["--run-dir", dir.to_str().unwrap()])
        .args(extra)
        // glibc gives threads up to 8 arenas per core, and each keeps its high-water mark: with
        // a thread per client, resident memory would measure how many arenas have yet seen the
        // largest snapshot, not whether anything leaks. Two arenas hold it still.
        .env("MALLOC_ARENA_MAX", "2")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    KillOnDrop(child)
}

fn log_of(dir: &Path) -> String {
    std::fs::read_to_string(dir.with_extension("log")).unwrap_or_default()
}

/// Waits (30 s at most) until `done` holds.
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn status(dir: &Path) -> Snapshot {
    client::status(&Address::Folder(dir.to_owned())).unwrap()
}

fn steps(dir: &Path) -> u64 {
    status(dir).status.metrics.map_or(0, |m| m.steps)
}

fn wait_for_run(dir: &Path) {
    wait_until("the run's socket", || {
        client::status(&Address::Folder(dir.to_owned()))
            .is_ok_and(|s| s.status.metrics.is_some_and(|m| m.steps > 0))
    });
}

/// A raw connection that has said hello and, given a kind, joined.
fn joined(dir: &Path, kind: Option<WatcherKind>) -> (UnixStream, BufReader<UnixStream>) {
    let mut s = UnixStream::connect(dir.join("attach.sock")).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    wire::write_message(&mut s, &Hello::ours(None)).unwrap();
    let mut r = BufReader::new(s.try_clone().unwrap());
    let hello: Hello = wire::read_message(&mut r, 4096).unwrap();
    assert_eq!(hello.refused, None);
    if let Some(kind) = kind {
        wire::write_message(&mut s, &ClientMessage::Join(kind)).unwrap();
    }
    (s, r)
}

/// Reads until the run closes the connection (20 s at most); returns what came.
fn until_closed(r: &mut impl Read) -> Vec<u8> {
    let mut all = vec![];
    let _ = r.read_to_end(&mut all);
    all
}

fn resident_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap()
}

#[test]
fn bad_clients_are_dropped_with_a_reason_and_the_run_goes_on() {
    let _serial = one_at_a_time();
    let dir = fresh_dir("attach", "faults");
    let trainer = start_headless(&dir, &["--steps", "1000000000"]);
    wait_for_run(&dir);
    let pid = trainer.0.id();
    let mode = std::fs::metadata(dir.join("attach.sock")).unwrap();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&mode.permissions()) & 0o777,
        0o600
    );

    // Garbage instead of a hello.
    let mut s = UnixStream::connect(dir.join("attach.sock")).unwrap();
    s.write_all(b"\x00\xff{{not json\n").unwrap();
    until_closed(&mut s);
    // A message far over the limit.
    let (mut s, mut r) = joined(&dir, None);
    let _ = s.write_all(&vec![b'a'; 64 * 1024]);
    until_closed(&mut r);
    // An unknown message after joining.
    let (mut s, mut r) = joined(&dir, Some(WatcherKind::Progress));
    s.write_all(b"{\"Launch\":\"missiles\"}\n").unwrap();
    until_closed(&mut r);
    // Another protocol: a clear refusal in the hello.
    let mut s = UnixStream::connect(dir.join("attach.sock")).unwrap();
    let other = Hello {
        protocol: 999,
        ..Hello::ours(None)
    };
    wire::write_message(&mut s, &other).unwrap();
    let hello: Hello = wire::read_message(&mut BufReader::new(s), 4096).unwrap();
    let why = hello.refused.unwrap();
    assert!(why.contains("protocol 1") && why.contains("999"), "{why}");
    // Gone mid-frame, as a client killed with -9 is.
    let (_s, mut r) = joined(&dir, Some(WatcherKind::Window));
    let mut some = [0u8; 100];
    r.read_exact(&mut some).unwrap();
    drop((_s, r));
    let (s, mut r) = joined(&dir, None);
    drop(s);
    let _ = until_closed(&mut r);

    // 100 clients joining and leaving, each reading its snapshot, seven times over: once the
    // first round has warmed the allocator up, resident memory stays where it was. The run is
    // paused meanwhile, so that only the clients can change it (a run's own memory moves while
    // its chart history grows towards its cap); it trains on afterwards.
    let controller = client::connect(&Address::Folder(dir.clone()), WatcherKind::Progress).unwrap();
    assert!(controller.pause());
    wait_until("the pause", || {
        status(&dir).status.metrics.is_some_and(|m| m.paused)
    });
    let fifty = || {
        for _ in 0..100 {
            let (s, mut r) = joined(&dir, Some(WatcherKind::Window));
            let mut line = String::new();
            r.read_line(&mut line).unwrap();
            assert!(
                line.starts_with("{\"Welcome\""),
                "{}",
                &line[..50.min(line.len())]
            );
            drop(s);
        }
        std::thread::sleep(Duration::from_millis(500));
        resident_kib(pid)
    };
    let warm = fifty();
    let at = steps(&dir);
    let rounds: Vec<u64> = (0..6).map(|_| fifty()).collect();
    assert_eq!(steps(&dir), at, "paused");
    assert!(controller.resume());
    wait_until("training to go on", || steps(&dir) > at);
    drop(controller);
    // The allocator keeps what the snapshots' threads freed (it goes up and down by a few
    // tens of MB); what must not happen is a trend: the last 300 clients may not cost more
    // than the 300 before them.
    let (first, last) = (rounds[..3].iter().max(), rounds[3..].iter().max());
    let (first, last) = (*first.unwrap(), *last.unwrap());
    assert!(
        last < first + 24 * 1024 && last < warm + 64 * 1024,
        "resident memory (KiB) after a warm-up of 100 clients: {warm}, then every 100: {rounds:?}"
    );
    // One that joins and never reads again (its queue, bounded, fills meanwhile): dropped once
    // its socket is full and a write waits 10 s, or its queue overflows.
    let (stalled, _stalled_reader) = joined(&dir, Some(WatcherKind::Window));
    wait_until("the stalled client to be dropped", || {
        log_of(&dir).contains("took nothing for 10 s") || log_of(&dir).contains("fell")
    });
    drop(stalled);
    let log = log_of(&dir);
    for reason in [
        "no hello: a message that is not one of this protocol",
        "no join: a message longer than 4096 bytes",
        "it sent no join within 5 s",
        "it sent a message that is not one of this protocol",
        "the client 999",
    ] {
        assert!(log.contains(reason), "no {reason:?} in the log:\n{log}");
    }
    assert!(!log.contains("panicked"), "{log}");
    // And the run is still the run: it stops on Ctrl-C, saving.
    signal(&trainer.0, "INT");
    let mut trainer = trainer;
    let exit = trainer.0.wait().unwrap();
    assert!(exit.success(), "{exit:?}: {}", log_of(&dir));
    assert!(
        !dir.join("attach.sock").exists(),
        "the socket goes with the run"
    );
}

/// Sends `SIG<name>` to `child`.
fn signal(child: &Child, name: &str) {
    let ok = Command::new("kill")
        .args([format!("-{name}"), child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok);
}

#[test]
fn tcp_clients_need_the_token_before_anything_is_read() {
    let _serial = one_at_a_time();
    let dir = fresh_dir("attach", "tcp");
    let _run = start_headless(&dir, &["--steps", "1000000000", "--listen", "0"]);
    wait_for_run(&dir);
    let log = log_of(&dir);
    let addr = log
        .split("serving on TCP ")
        .nth(1)
        .and_then(|l| l.split(':').nth(1))
        .and_then(|p| p.split_whitespace().next())
        .map(|port| format!("127.0.0.1:{port}"))
        .unwrap_or_else(|| panic!("no TCP line: {log}"));
    let token_file = dir.join("attach.token");
    let meta = std::fs::metadata(&token_file).unwrap();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o777,
        0o600
    );
    let token = std::fs::read_to_string(&token_file)
        .unwrap()
        .trim()
        .to_string();
    for wrong in ["", "0000", &"f".repeat(64)] {
        let e = client::status(&Address::Tcp {
            addr: addr.clone(),
            token: wrong.into(),
        })
        .unwrap_err()
        .to_string();
        assert!(e.contains("refused") && e.contains("token"), "{e}");
    }
    // A hello where the token should be is not read as a hello.
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    let mut hello = wire::encode(&Hello::ours(None)).unwrap();
    hello.resize(65, b' ');
    s.write_all(&hello).unwrap();
    let answer: Hello = wire::read_message(&mut BufReader::new(s), 4096).unwrap();
    assert!(answer.refused.unwrap().contains("token"));
    let good = client::status(&Address::Tcp {
        addr: addr.clone(),
        token,
    })
    .unwrap();
    assert!(good.status.metrics.is_some());
    let out = run(&["attach", &addr, "--token", "nope"]);
    assert!(refusal(&out).contains("token"), "{}", refusal(&out));
    wait_until("the refusals in the log", || {
        log_of(&dir)
            .matches("refused: wrong or missing token")
            .count()
            >= 5
    });
}

#[test]
fn a_socket_left_by_a_killed_run_is_recognised_and_replaced() {
    let _serial = one_at_a_time();
    let dir = fresh_dir("attach", "stale");
    let mut killed = start_headless(&dir, &["--steps", "1000000000"]);
    wait_for_run(&dir);
    wait_until("a latest/ to resume", || dir.join("latest").exists());
    killed.0.kill().unwrap();
    killed.0.wait().unwrap();
    assert!(
        dir.join("attach.sock").exists(),
        "kill -9 leaves the socket"
    );
    let parent = dir.parent().unwrap().to_str().unwrap();
    let out = run(&["attach", "--list", "--checkpoints", parent]);
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(
        listed.contains("stale: not running (a dead socket") && listed.contains("--resume"),
        "{listed}"
    );
    let e = refusal(&run(&["attach", dir.to_str().unwrap()]));
    assert!(
        e.contains("is not running") && e.contains("--resume"),
        "{e}"
    );
    // The next run in the folder replaces it.
    let latest = dir.join("latest");
    let log = File::create(dir.with_extension("log")).unwrap();
    let _resumed = KillOnDrop(
        Command::new(BIN)
            .args(["train", "--headless", "--resume", latest.to_str().unwrap()])
            .args(["--steps", "1000000000"])
            .stderr(log)
            .spawn()
            .unwrap(),
    );
    wait_for_run(&dir);
    let out = run(&["attach", "--list", "--checkpoints", parent]);
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(listed.contains("stale: training, step"), "{listed}");
}

fn windows_open(display: &str) -> bool {
    Command::new("xdotool")
        .args(["search", "--name", "tetris-dqn"])
        .env("DISPLAY", display)
        .output()
        .is_ok_and(|o| !o.stdout.is_empty())
}

fn attach_window(display: &str, dir: &Path, extra: &[&str]) -> KillOnDrop {
    KillOnDrop(
        Command::new(BIN)
            .args(["attach", dir.to_str().unwrap()])
            .args(extra)
            .env("DISPLAY", display)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    )
}

fn finished_ok(mut child: KillOnDrop) -> String {
    let out = std::mem::replace(&mut child.0, Command::new("true").spawn().unwrap())
        .wait_with_output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{:?}: {err}", out.status);
    err
}

#[test]
fn attach_shows_a_headless_run_and_its_keys_reach_the_trainer() {
    let _serial = one_at_a_time();
    let xvfb = Xvfb::start();
    let dir = fresh_dir("attach", "window");
    let _run = start_headless(&dir, &["--steps", "1000000000"]);
    wait_for_run(&dir);
    assert!(!status(&dir).status.metrics.unwrap().visual);

    // Two windows at once, each with a screenshot of the run's board.
    let shots: Vec<PathBuf> = (0..2)
        .map(|i| artefacts().join(format!("attach-{i}.png")))
        .collect();
    let windows: Vec<KillOnDrop> = shots
        .iter()
        .map(|shot| {
            let _ = std::fs::remove_file(shot);
            attach_window(
                &xvfb.display,
                &dir,
                &[
                    "--screenshot",
                    shot.to_str().unwrap(),
                    "--screenshot-after",
                    "3",
                ],
            )
        })
        .collect();
    for w in windows {
        let err = finished_ok(w);
        assert!(err.contains("attached to"), "{err}");
    }
    for shot in &shots {
        let img = image::open(shot).unwrap().to_rgb8();
        assert!(assert_shows_board(&img) >= 3);
    }
    // Detached: the run goes on, and with no window left visual mode is off again.
    let at = steps(&dir);
    wait_until("training to go on without windows", || {
        let m = status(&dir).status.metrics.unwrap();
        m.steps > at && !m.visual
    });

    // Space in an attached window pauses the trainer; again resumes it; H detaches.
    let window = attach_window(&xvfb.display, &dir, &[]);
    press(&xvfb.display, "space");
    wait_until("the trainer to pause", || {
        status(&dir).status.metrics.unwrap().paused
    });
    let paused_at = steps(&dir);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(steps(&dir), paused_at, "paused means no steps");
    press(&xvfb.display, "space");
    wait_until("the trainer to resume", || steps(&dir) > paused_at);
    press(&xvfb.display, "h");
    let err = finished_ok(window);
    assert!(err.contains("detached; the run goes on"), "{err}");
    wait_until("the window to close", || !windows_open(&xvfb.display));
    let at = steps(&dir);
    wait_until("training to go on after detaching", || steps(&dir) > at);
    // And one may attach again.
    let shot = artefacts().join("attach-again.png");
    finished_ok(attach_window(
        &xvfb.display,
        &dir,
        &[
            "--screenshot",
            shot.to_str().unwrap(),
            "--screenshot-after",
            "2",
        ],
    ));
    assert_shows_board(&image::open(&shot).unwrap().to_rgb8());
}

#[test]
fn h_in_the_training_window_goes_headless_and_ctrl_c_saves_the_step_it_printed() {
    let _serial = one_at_a_time();
    let xvfb = Xvfb::start();
    let dir = fresh_dir("attach", "go-headless");
    let log = File::create(dir.with_extension("log")).unwrap();
    let mut trainer = KillOnDrop(
        Command::new(BIN)
            .args([
                "train",
                "--config",
                &smoke_config(),
                "--steps",
                "1000000000",
            ])
            .args(["--run-dir", dir.to_str().unwrap()])
            .env("DISPLAY", &xvfb.display)
            .stderr(log)
            .spawn()
            .unwrap(),
    );
    wait_for_run(&dir);
    press(&xvfb.display, "h");
    wait_until("the window to close", || !windows_open(&xvfb.display));
    wait_until("the headless line", || {
        log_of(&dir).contains("the window is closed; training goes on here")
    });
    let at = steps(&dir);
    wait_until("training to go on headless", || steps(&dir) > at + 1000);
    assert!(
        trainer.0.try_wait().unwrap().is_none(),
        "the process goes on"
    );
    signal(&trainer.0, "INT");
    let exit = trainer.0.wait().unwrap();
    let log = log_of(&dir);
    assert!(exit.success(), "{exit:?}: {log}");
    let printed: u64 = log
        .rsplit_once("training stopped after ")
        .unwrap_or_else(|| panic!("no end-of-run line: {log}"))
        .1
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let meta = tetris_dqn::training::checkpoint::read_meta(&dir.join("latest")).unwrap();
    assert_eq!(meta.steps, printed, "{log}");
}

/// The learnt state of a finished run: its checkpoint files and metrics rows (wall time
/// left out), and meta.ron's state.
fn learnt(dir: &Path) -> (Vec<Vec<u8>>, Vec<String>, String) {
    let files = [
        "model.safetensors",
        "target.safetensors",
        "optimizer.safetensors",
        "replay.bin",
    ]
    .iter()
    .map(|f| std::fs::read(dir.join("latest").join(f)).unwrap())
    .collect();
    let rows = std::fs::read_to_string(dir.join("metrics.csv"))
        .unwrap()
        .lines()
        .map(|l| l.rsplit_once(',').unwrap().0.to_string())
        .collect();
    let meta = tetris_dqn::training::checkpoint::read_meta(&dir.join("latest")).unwrap();
    (files, rows, format!("{:?} {:?}", meta.steps, meta.state))
}

fn straight_run(name: &str, steps: &str) -> PathBuf {
    let dir = fresh_dir("attach", name);
    let out = run(&[
        "train",
        "--headless",
        "--config",
        &smoke_config(),
        "--steps",
        steps,
        "--run-dir",
        dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", support::stderr(&out));
    dir
}

#[test]
fn going_headless_or_being_watched_changes_nothing_that_is_learnt() {
    let _serial = one_at_a_time();
    let xvfb = Xvfb::start();
    // A window with a step delay, left with H part way: the rest runs headless.
    let steps = "6000";
    let straight = straight_run("straight", steps);
    let left = fresh_dir("attach", "left");
    let window = KillOnDrop(
        Command::new(BIN)
            .args(["train", "--config", &smoke_config(), "--steps", steps])
            .args(["--speed", "2", "--run-dir", left.to_str().unwrap()])
            .env("DISPLAY", &xvfb.display)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    wait_until("steps in the window", || {
        client::status(&Address::Folder(left.clone()))
            .is_ok_and(|s| s.status.metrics.is_some_and(|m| m.steps > 300))
    });
    press(&xvfb.display, "h");
    let err = finished_ok(window);
    assert!(err.contains("the window is closed"), "{err}");
    assert!(
        learnt(&straight) == learnt(&left),
        "going headless changed the run"
    );

    // A headless run with a window attached (visual on) and detached part way.
    let steps = "40000";
    let straight = straight_run("straight-long", steps);
    let watched = fresh_dir("attach", "watched");
    let mut trainer = start_headless(&watched, &["--steps", steps]);
    wait_for_run(&watched);
    let shot = artefacts().join("attach-watched.png");
    let attached = attach_window(
        &xvfb.display,
        &watched,
        &[
            "--screenshot",
            shot.to_str().unwrap(),
            "--screenshot-after",
            "1",
        ],
    );
    finished_ok(attached);
    assert!(trainer.0.wait().unwrap().success(), "{}", log_of(&watched));
    assert!(
        log_of(&watched).contains("a Window watcher joined"),
        "the window attached before the run ended: {}",
        log_of(&watched)
    );
    assert!(
        learnt(&straight) == learnt(&watched),
        "a watcher changed the run"
    );
}

#[test]
fn attach_without_a_run_says_what_to_do() {
    let _serial = one_at_a_time();
    let dir = fresh_dir("attach", "nothing");
    std::fs::create_dir_all(&dir).unwrap();
    let e = refusal(&run(&["attach", dir.to_str().unwrap()]));
    assert!(e.contains("has no attach socket"), "{e}");
    let e = refusal(&run(&["attach", "--checkpoints", dir.to_str().unwrap()]));
    assert!(e.contains("no run is training under"), "{e}");
    let out = run(&["attach", "--list", "--checkpoints", dir.to_str().unwrap()]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("no run is training"));
    let e = refusal(&run(&[
        "train",
        "--headless",
        "--listen",
        "256.1.1.1:99999",
    ]));
    assert!(e.contains("--listen"), "{e}");
}
