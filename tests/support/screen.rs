//! Screens for the end-to-end tests: a private Xvfb display, and checks that a screenshot
//! shows a drawn board.

use std::path::{Path, PathBuf};
use std::process::Command;

use image::{Rgb, RgbImage};

/// Where the tests' screenshots are kept.
pub fn artefacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn near(a: &Rgb<u8>, b: [u8; 3], tolerance: i32) -> bool {
    a.0.iter()
        .zip(b)
        .all(|(&x, y)| (x as i32 - y as i32).abs() <= tolerance)
}

pub fn count(img: &RgbImage, colour: [u8; 3]) -> usize {
    img.pixels().filter(|p| near(p, colour, 12)).count()
}

const PALETTE: [[u8; 3]; 7] = [
    [0, 220, 230],
    [240, 220, 0],
    [170, 60, 230],
    [40, 210, 60],
    [230, 40, 50],
    [40, 90, 240],
    [245, 150, 20],
];

/// Pixels in guideline piece colours.
pub fn piece_pixels(img: &RgbImage) -> usize {
    PALETTE.iter().map(|&c| count(img, c)).sum()
}

/// Checks the picture is a drawn board, not a blank; returns how many piece colours show.
pub fn assert_shows_board(img: &RgbImage) -> usize {
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
    let empty = count(img, [38, 38, 51]) + count(img, [43, 43, 56]);
    assert!(empty > 20_000, "empty-cell colour covers {empty} px");
    // Pieces in guideline colours: how many kinds are visible (stack, active piece, next
    // queue).
    PALETTE.iter().filter(|&&c| count(img, c) > 300).count()
}

/// A private Xvfb server, in its own process group (so signals sent to a test's process
/// group do not reach it); killed on drop.
pub struct Xvfb {
    child: std::process::Child,
    pub display: String,
}

impl Xvfb {
    pub fn start() -> Xvfb {
        use std::io::{BufRead, BufReader};
        use std::os::unix::process::CommandExt;
        let mut child = Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1280x1024x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .process_group(0)
            .spawn()
            .expect("Xvfb runs (./test.sh installs the xvfb package)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let number = line.trim();
        assert!(!number.is_empty(), "Xvfb printed no display number");
        Xvfb {
            child,
            display: format!(":{number}"),
        }
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Presses `key` in the window named tetris-dqn on `display` (waiting for it to open).
pub fn press(display: &str, key: &str) {
    let found = Command::new("xdotool")
        .args(["search", "--sync", "--name", "tetris-dqn"])
        .env("DISPLAY", display)
        .output()
        .expect("xdotool runs (./test.sh installs it)");
    let window = String::from_utf8_lossy(&found.stdout)
        .lines()
        .next()
        .expect("a window")
        .to_string();
    for args in [
        vec!["windowfocus", "--sync", &window],
        vec!["key", "--window", &window, key],
    ] {
        let ok = Command::new("xdotool")
            .args(&args)
            .env("DISPLAY", display)
            .status()
            .unwrap()
            .success();
        assert!(ok, "xdotool {args:?}");
    }
}
