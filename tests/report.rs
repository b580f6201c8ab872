//! `tetris-dqn report` through the real binary: the PNG of a finished smoke run and of a run
//! still training (its size, and that it is a picture, not a blank), and the HTML page.

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::{KillOnDrop, refusal, run, smoke_config, stderr};

/// Checks the PNG at `path`: the report's size, and drawn (many colours, much ink).
fn assert_drawn(path: &Path) {
    let img = image::open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_rgb8();
    assert_eq!(img.dimensions(), tetris_dqn::report::SIZE);
    let mut colours = std::collections::HashSet::new();
    let mut ink = 0usize;
    for p in img.pixels() {
        colours.insert(p.0);
        ink += usize::from(p.0 != [255, 255, 255]);
    }
    let share = ink as f64 / (img.width() * img.height()) as f64;
    assert!(colours.len() > 20, "{} colours", colours.len());
    assert!(
        share > 0.03,
        "only {:.1}% of the picture is drawn",
        share * 100.0
    );
}

#[test]
fn a_finished_run_and_a_running_one_make_a_picture_and_a_page() {
    let root = support::fresh_dir("report-tests", "runs");
    std::fs::create_dir_all(&root).unwrap();
    let done = root.join("done");
    let o = run(&[
        "--headless",
        "--config",
        &smoke_config(),
        "--run-dir",
        done.to_str().unwrap(),
        "--steps",
        "2500",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let png = root.join("done.png");
    let o = run(&[
        "report",
        done.to_str().unwrap(),
        "--out",
        png.to_str().unwrap(),
        "--html",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_drawn(&png);
    let page = std::fs::read_to_string(root.join("done.html")).unwrap();
    assert!(
        page.contains("data:image/png;base64,iVBOR"),
        "the PNG is inline"
    );
    assert!(page.contains("Periodic evaluations") && page.contains("<td>1000</td>"));
    assert!(page.contains("Learning check"), "{page}");

    // A run in progress: read while it writes, nothing of it disturbed.
    let live = root.join("live");
    let child = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_tetris-dqn"))
            .args(["--headless", "--config", &smoke_config()])
            .args(["--run-dir", live.to_str().unwrap(), "--steps", "100000000"])
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    let metrics = live.join("metrics.csv");
    while std::fs::read_to_string(&metrics).map_or(0, |t| t.lines().count()) < 30 {
        assert!(Instant::now() < deadline, "the live run wrote no games");
        std::thread::sleep(Duration::from_millis(100));
    }
    let png = root.join("live.png");
    let o = run(&[
        "report",
        live.to_str().unwrap(),
        "--out",
        png.to_str().unwrap(),
    ]);
    drop(child);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_drawn(&png);

    // Not a run: one clear line.
    let e = refusal(&run(&["report", root.to_str().unwrap()]));
    assert!(e.contains("is not a training run folder"), "{e}");
    let e = refusal(&run(&["report", done.to_str().unwrap(), "--out", "x.jpg"]));
    assert!(e.contains("must name a .png"), "{e}");
}
