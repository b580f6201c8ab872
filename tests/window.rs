//! End to end: the real binary opens its window under Xvfb, plays, saves a screenshot and
//! exits; the picture must show the board (the well, coloured pieces, text), not a blank.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use image::{Rgb, RgbImage};

fn artefacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

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

fn near(a: &Rgb<u8>, b: [u8; 3], tolerance: i32) -> bool {
    a.0.iter()
        .zip(b)
        .all(|(&x, y)| (x as i32 - y as i32).abs() <= tolerance)
}

fn count(img: &RgbImage, colour: [u8; 3]) -> usize {
    img.pixels().filter(|p| near(p, colour, 12)).count()
}

#[test]
fn demo_window_shows_a_board() {
    let path = artefacts().join("demo.png");
    let _ = std::fs::remove_file(&path);
    run_under_xvfb(&[
        "demo",
        "--seed",
        "3",
        "--input-ms",
        "2",
        "--screenshot",
        path.to_str().unwrap(),
        "--screenshot-after",
        "4",
    ]);
    let img = image::open(&path)
        .expect("the screenshot was written")
        .to_rgb8();
    assert!(
        img.width() >= 600 && img.height() >= 500,
        "{}x{}",
        img.width(),
        img.height()
    );
    // Not blank: many distinct colours.
    let mut distinct = std::collections::HashSet::new();
    for p in img.pixels() {
        distinct.insert(p.0);
    }
    assert!(distinct.len() > 20, "only {} colours", distinct.len());
    // The empty cells of the well are drawn (200 cells of ~30x30 px, most of them empty).
    let empty = count(&img, [38, 38, 51]) + count(&img, [43, 43, 56]);
    assert!(empty > 20_000, "empty-cell colour covers {empty} px");
    // Pieces in guideline colours: at least three different kinds visible (stack, active
    // piece, next queue).
    let palette: [[u8; 3]; 7] = [
        [0, 220, 230],
        [240, 220, 0],
        [170, 60, 230],
        [40, 210, 60],
        [230, 40, 50],
        [40, 90, 240],
        [245, 150, 20],
    ];
    let kinds = palette.iter().filter(|&&c| count(&img, c) > 300).count();
    assert!(kinds >= 3, "only {kinds} piece colours visible");
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
    assert!(text.contains("libtorch 2.13.0"), "{text}");
    assert!(text.contains("devices: cpu"), "{text}");
    assert!(text.contains("cuda:"), "{text}");
}

#[test]
fn bench_prints_json_with_the_engine_rates() {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_tetris-dqn"))
        .args(["bench", "--json", "--pieces", "20000"])
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
    ] {
        assert!(v[key].as_f64().is_some_and(|x| x > 0.0), "{key} in {v}");
    }
    assert!(started.elapsed() < Duration::from_secs(120));
}
