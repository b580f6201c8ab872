//! End to end: the real binary opens its window under Xvfb, plays, saves a screenshot and
//! exits; the picture must show the board (the well, coloured pieces, text), not a blank.

mod support;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use image::RgbImage;
use support::screen::{Xvfb, artefacts, assert_shows_board, count, near, piece_pixels, press};
use support::{smoke_checkpoint, smoke_config};

/// Runs the binary under a private Xvfb display with `args`; panics with its output on failure.
fn run_under_xvfb(args: &[&str]) {
    assert!(
        Command::new("sh")
            .args(["-c", "command -v xvfb-run"])
            .output()
            .unwrap()
            .status
            .success(),
        "xvfb-run is missing: ./test.sh installs it (Debian package xvfb)"
    );
    let start = Instant::now();
    let out = Command::new("timeout")
        .arg("180")
        .arg("xvfb-run")
        .args(["-a", "-s", "-screen 0 1280x1024x24"])
        .arg(env!("CARGO_BIN_EXE_tetris-dqn"))
        .args(args)
        .output()
        .expect("running xvfb-run");
    assert!(
        out.status.success(),
        "tetris-dqn {args:?} failed after {:?}: {}\n{}",
        start.elapsed(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs the binary under Xvfb with `args`, saving a screenshot `after` seconds in to
/// `<artefacts>/<name>.png`, and returns that image.
fn screenshot(name: &str, args: &[&str], after: &str) -> RgbImage {
    let path = artefacts().join(format!("{name}.png"));
    let _ = std::fs::remove_file(&path);
    let mut args = args.to_vec();
    args.extend_from_slice(&[
        "--screenshot",
        path.to_str().unwrap(),
        "--screenshot-after",
        after,
    ]);
    run_under_xvfb(&args);
    image::open(&path)
        .expect("the screenshot was written")
        .to_rgb8()
}

#[test]
fn demo_window_shows_a_board() {
    let img = screenshot("demo", &["demo", "--seed", "3", "--input-ms", "2"], "4");
    let kinds = assert_shows_board(&img);
    assert!(kinds >= 3, "only {kinds} piece colours visible");
}

/// Trains the smoke config in the window with `extra` flags, saves a screenshot named
/// `name`, and returns it with the steps and the trainer's seconds the closing save recorded.
fn training_window(name: &str, extra: &[&str]) -> (RgbImage, u64, f64) {
    let run_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("window-{name}"));
    let _ = std::fs::remove_dir_all(&run_dir);
    let config = smoke_config();
    let mut args = vec![
        "train",
        "--config",
        &config,
        "--run-dir",
        run_dir.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let img = screenshot(name, &args, "5");
    // Closing the window stopped the trainer, which saved latest/.
    let meta =
        tetris_dqn::training::checkpoint::read_meta(&run_dir.join("latest")).expect("latest saved");
    (img, meta.steps, meta.wall_time_s)
}

#[test]
fn training_window_shows_the_agent_visual_on_paused_and_visual_off() {
    let (playing, steps, seconds) = training_window("train-visual", &["--speed", "20"]);
    assert!(assert_shows_board(&playing) >= 3);
    // The trainer's own clock (it starts before the window, however slowly that opens): at
    // 20 ms per step of the trainer, at most 50 of them a second, each a placement in each of
    // the smoke config's games.
    let smoke = tetris_dqn::config::Config::load(smoke_config().as_ref()).unwrap();
    let envs = f64::from(smoke.envs);
    let ceiling = envs * (seconds / 0.020 + 2.0);
    assert!(steps > 20, "{steps} steps in {seconds} s at 20 ms per step");
    assert!(
        steps as f64 <= ceiling,
        "{steps} steps in {seconds} s: the speed setting was not applied"
    );

    let (paused, steps, _) = training_window("train-paused", &["--paused"]);
    assert_shows_board(&paused);
    assert_eq!(steps, 0, "paused from the start: no step");
    // An empty well: only the piece at spawn, its ghost and the queues are coloured.
    assert!(
        piece_pixels(&paused) < piece_pixels(&playing),
        "paused shows a stack"
    );

    let (visual_off, steps, seconds) =
        training_window("train-visual-off", &["--no-visual", "--steps", "1000000"]);
    assert_shows_board(&visual_off);
    // Visual off is not held to the step delay: it outruns the 20 ms run's ceiling.
    assert!(
        steps as f64 / seconds > 2.0 * 50.0,
        "visual off trains at full speed: only {steps} steps in {seconds} s"
    );
    // No board frames: the well stays as it started, but the text differs from paused.
    assert!(piece_pixels(&visual_off) < piece_pixels(&playing));
    let differing = paused
        .pixels()
        .zip(visual_off.pixels())
        .filter(|(a, b)| a != b)
        .count();
    assert!(
        differing > 500,
        "paused and visual-off look alike ({differing} px differ)"
    );
}

#[test]
fn bad_flags_are_refused_clearly() {
    let out = Command::new(env!("CARGO_BIN_EXE_tetris-dqn"))
        .args(["demo", "--screenshot", "/nonexistent-folder/x.png"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--screenshot") && err.contains("does not exist"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    let out = Command::new(env!("CARGO_BIN_EXE_tetris-dqn"))
        .args(["demo", "--input-ms", "9000"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--input-ms"));
}

#[test]
fn version_names_libtorch_and_devices() {
    let out = Command::new(env!("CARGO_BIN_EXE_tetris-dqn"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(concat!("tetris-dqn ", env!("CARGO_PKG_VERSION"))),
        "{text}"
    );
    // The version the build recorded must be the one of the libtorch this test runs against
    // (a check of build.rs's reading, not of a literal it would always print).
    let recorded = text
        .lines()
        .find_map(|l| l.strip_prefix("libtorch "))
        .unwrap_or_else(|| panic!("no libtorch line: {text}"));
    assert_ne!(recorded, "unknown", "build.rs found no version: {text}");
    if let Some(root) = std::env::var_os("LIBTORCH") {
        let root = std::path::PathBuf::from(root);
        let stated = std::fs::read_to_string(root.join("build-version"))
            .or_else(|_| std::fs::read_to_string(root.join("version.py")))
            .expect("a libtorch folder states its version");
        assert!(
            stated.contains(&format!("'{recorded}")) || stated.trim() == recorded,
            "--version says {recorded}, {} says {stated}",
            root.display()
        );
    }
    // "devices: cpu (2 threads); cuda: no GPU visible", or the GPUs by name.
    let devices = text
        .lines()
        .find(|l| l.starts_with("devices: cpu ("))
        .unwrap_or_else(|| panic!("no devices line: {text}"));
    assert!(
        devices.ends_with("; cuda: no GPU visible") || devices.contains("GPU(s): cuda:0"),
        "{devices}"
    );
}

#[test]
fn bench_prints_json_with_the_engine_rates() {
    let out = Command::new(env!("CARGO_BIN_EXE_tetris-dqn"))
        .args([
            "bench",
            "--json",
            "--pieces",
            "20000",
            "--train-steps",
            "200",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    for key in [
        "engine_pieces_per_s",
        "placements_enumerated_per_s",
        "engine_pieces_with_hold_per_s",
        "train_steps_per_s",
    ] {
        assert!(v[key].as_f64().is_some_and(|x| x > 0.0), "{key} in {v}");
    }
}

#[test]
fn watch_shows_a_trained_agent_and_writes_nothing() {
    let run_dir = smoke_checkpoint("window-watch-run", 1000);
    let latest = run_dir.join("latest");
    let listing = |dir: &Path| {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let before = (
        listing(&run_dir),
        std::fs::read(latest.join("meta.ron")).unwrap(),
    );
    let img = screenshot(
        "watch",
        &["watch", latest.to_str().unwrap(), "--speed", "10"],
        "4",
    );
    assert!(assert_shows_board(&img) >= 3);
    let after = (
        listing(&run_dir),
        std::fs::read(latest.join("meta.ron")).unwrap(),
    );
    assert!(before == after, "watching changed the run folder");

    let out = Command::new(env!("CARGO_BIN_EXE_tetris-dqn"))
        .args(["watch", "/nonexistent/best"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/nonexistent/best does not exist"), "{err}");
}

#[test]
fn play_shows_a_board_with_the_agents_hint() {
    let run_dir = smoke_checkpoint("window-play-run", 300);
    let shot = |name: &str, extra: &[&str]| {
        let mut args = vec!["play", "--seed", "2"];
        args.extend_from_slice(extra);
        screenshot(name, &args, "3")
    };
    let plain = shot("play", &[]);
    assert!(assert_shows_board(&plain) >= 3);
    let latest = run_dir.join("latest");
    let hinted = shot("play-hint", &["--hint", latest.to_str().unwrap()]);
    assert_shows_board(&hinted);
    // The hint's squares are drawn in a light grey that the plain game does not use.
    let grey = [162, 162, 164];
    let hint_px = |img: &RgbImage| img.pixels().filter(|p| near(p, grey, 12)).count();
    assert!(hint_px(&hinted) > hint_px(&plain) + 300, "no hint drawn");

    let out = Command::new(env!("CARGO_BIN_EXE_tetris-dqn"))
        .args(["play", "--hint", "/nonexistent/best"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/best does not exist"));
}

#[test]
fn a_run_that_finishes_before_the_screenshot_still_takes_it_and_exits() {
    let run_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("window-finished-early");
    let _ = std::fs::remove_dir_all(&run_dir);
    let config = smoke_config();
    let started = Instant::now();
    // 300 steps take well under a second; the screenshot is due 10 s in, while the window
    // idles at its finished pace (one update a second). Timed on the virtual clock, which
    // moves at most 250 ms an update, it would come about 40 s in.
    let img = screenshot(
        "train-finished",
        &[
            "train",
            "--config",
            &config,
            "--run-dir",
            run_dir.to_str().unwrap(),
            "--no-visual",
            "--steps",
            "300",
        ],
        "10",
    );
    assert_shows_board(&img);
    assert!(
        started.elapsed() < Duration::from_secs(25),
        "took {:?}",
        started.elapsed()
    );
    let meta = tetris_dqn::training::checkpoint::read_meta(&run_dir.join("latest")).unwrap();
    assert_eq!(meta.steps, 300);
}

#[test]
fn ctrl_c_in_the_window_saves_the_step_it_reached_and_quits() {
    let xvfb = Xvfb::start();
    let run_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("window-sigint");
    let _ = std::fs::remove_dir_all(&run_dir);
    let config = smoke_config();
    // `timeout -s INT` signals the process and its group at once: one Ctrl-C, not two.
    let out = Command::new("timeout")
        .args(["-s", "INT", "--preserve-status", "15"])
        .arg(env!("CARGO_BIN_EXE_tetris-dqn"))
        .args(["train", "--config", &config, "--no-visual"])
        .args([
            "--steps",
            "100000000",
            "--run-dir",
            run_dir.to_str().unwrap(),
        ])
        .env("DISPLAY", &xvfb.display)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {err}", out.status);
    assert!(!err.contains("second Ctrl-C"), "{err}");
    let steps: u64 = err
        .rsplit_once("training stopped after ")
        .unwrap_or_else(|| panic!("no end-of-run line: {err}"))
        .1
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let meta = tetris_dqn::training::checkpoint::read_meta(&run_dir.join("latest")).unwrap();
    assert!(steps > 0);
    assert_eq!(meta.steps, steps, "{err}");
}

/// The left and right halves of a screenshot.
fn halves(img: &RgbImage) -> [RgbImage; 2] {
    let (w, h) = img.dimensions();
    [
        image::imageops::crop_imm(img, 0, 0, w / 2, h).to_image(),
        image::imageops::crop_imm(img, w / 2, 0, w - w / 2, h).to_image(),
    ]
}

/// The meter's track and its fill (board.rs's colours).
const METER_TRACK: [u8; 3] = [60, 24, 34];
const METER_FILL: [u8; 3] = [255, 70, 110];

#[test]
fn versus_window_shows_both_boards_and_their_garbage_meters() {
    // Garbage that waits 1000 locks before it may land stays on the meter: the tetris agent's
    // first tetrises fill the right side's meter long before the screenshot.
    let img = screenshot(
        "versus",
        &[
            "versus",
            "tetris",
            "dellacherie",
            "--games",
            "1",
            "--seed",
            "2",
            "--garbage-delay",
            "1000",
        ],
        "9",
    );
    assert!(img.width() >= 1200, "{}x{}", img.width(), img.height());
    for (i, half) in halves(&img).iter().enumerate() {
        let empty = count(half, [38, 38, 51]) + count(half, [43, 43, 56]);
        assert!(
            empty > 15_000,
            "board {i}: empty-cell colour covers {empty} px"
        );
        assert!(piece_pixels(half) > 1_000, "board {i}: no pieces");
        let meter = count(half, METER_TRACK) + count(half, METER_FILL);
        assert!(meter > 3_000, "board {i}: meter covers {meter} px");
    }
    let [_, right] = halves(&img);
    let fill = count(&right, METER_FILL);
    assert!(
        fill > 500,
        "the right side's meter shows {fill} px of garbage waiting"
    );
}

#[test]
fn a_person_plays_a_versus_game_in_the_window() {
    let xvfb = Xvfb::start();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tetris-dqn"))
        .args([
            "versus",
            "human",
            "dellacherie",
            "--games",
            "1",
            "--seed",
            "3",
        ])
        .arg("--json")
        .env("DISPLAY", &xvfb.display)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Hard drops in the middle stack up until the person tops out and the match is over.
    let start = Instant::now();
    for _ in 0..80 {
        press(&xvfb.display, "space");
        std::thread::sleep(Duration::from_millis(120));
    }
    press(&xvfb.display, "Escape");
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "versus did not quit on Esc");
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "after {:?}: {stderr}",
        start.elapsed()
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let players = &report["players"];
    assert_eq!(players[0]["name"], "you");
    assert_eq!(players[1]["name"], "dellacherie");
    assert_eq!(report["games"].as_array().unwrap().len(), 1, "{report}");
    assert_eq!(players[1]["wins"], 1, "{report}");
    let pieces = players[0]["pieces"].as_u64().unwrap();
    assert!(
        (5..80).contains(&pieces),
        "the person placed {pieces} pieces"
    );
}
