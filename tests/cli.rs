//! End to end with the real binary: headless smoke training, resume, eval, and the errors a
//! user sees for a malformed config, a missing checkpoint and a truncated weights file.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_tetris-dqn");

fn smoke_config() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/smoke.ron")
}

fn fresh_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("cli-tests")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.parent().unwrap()).unwrap();
    dir
}

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A failed run: non-zero exit, one `error:` message, no panic.
fn error_of(o: &Output) -> String {
    let err = stderr(o);
    assert!(!o.status.success(), "expected a failure, got: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.starts_with("error: "), "{err}");
    err
}

fn meta_steps(dir: &Path) -> u64 {
    tetris_dqn::training::checkpoint::read_meta(dir)
        .expect("a readable checkpoint")
        .steps
}

/// Trains the smoke config headless into `dir` with `extra` flags; asserts it succeeded.
fn train_smoke(dir: &Path, extra: &[&str]) -> Output {
    let config = smoke_config();
    let mut args = vec![
        "--headless",
        "--config",
        config.to_str().unwrap(),
        "--run-dir",
        dir.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let o = run(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    o
}

#[test]
fn headless_smoke_run_saves_resumes_and_evaluates() {
    let dir = fresh_dir("smoke");
    let o = train_smoke(&dir, &[]);
    assert!(
        stderr(&o).contains("reached its step count after 3000 steps"),
        "{}",
        stderr(&o)
    );
    for f in [
        "latest/meta.ron",
        "latest/model.safetensors",
        "latest/replay.bin",
        "best/meta.ron",
        "metrics.csv",
    ] {
        assert!(dir.join(f).is_file(), "{f} missing");
    }
    assert_eq!(meta_steps(&dir.join("latest")), 3000);
    let csv = std::fs::read_to_string(dir.join("metrics.csv")).unwrap();
    let games = csv.lines().count() - 1;
    assert!(games > 5);

    // Resume continues the step count and the game numbering.
    let latest = dir.join("latest");
    let o = run(&[
        "train",
        "--headless",
        "--resume",
        latest.to_str().unwrap(),
        "--steps",
        "3500",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(meta_steps(&latest), 3500);
    let csv = std::fs::read_to_string(dir.join("metrics.csv")).unwrap();
    let numbers: Vec<usize> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().parse().unwrap())
        .collect();
    assert!(numbers.len() > games);
    assert_eq!(numbers, (1..=numbers.len()).collect::<Vec<_>>());

    // Resuming past the end is refused with a reason.
    let o = run(&[
        "--headless",
        "--resume",
        latest.to_str().unwrap(),
        "--steps",
        "3500",
    ]);
    let e = error_of(&o);
    assert!(e.contains("already at 3500 steps"), "{e}");

    // Eval plays greedy games and reports them as JSON.
    let best = dir.join("best");
    let o = run(&[
        "eval",
        best.to_str().unwrap(),
        "--games",
        "3",
        "--max-pieces",
        "300",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["games"].as_array().unwrap().len(), 3);
    assert!(v["lines"]["mean"].as_f64().unwrap() >= 0.0);
    assert!(v["games"][0]["pieces"].as_u64().unwrap() <= 300);
    // And as a table.
    let o = run(&[
        "eval",
        best.to_str().unwrap(),
        "--games",
        "2",
        "--max-pieces",
        "50",
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("lines") && out.contains("median") && out.contains("pieces/s"),
        "{out}"
    );
}

#[test]
fn a_malformed_config_names_the_file_and_place() {
    let dir = fresh_dir("bad-config");
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.ron");
    std::fs::write(&bad, "(\n  seed: 1,\n  gama: 0.9,\n)\n").unwrap();
    let e = error_of(&run(&["--headless", "--config", bad.to_str().unwrap()]));
    assert!(e.contains("bad.ron, line 3") && e.contains("gama"), "{e}");
    std::fs::write(&bad, "(batch_size: 0)").unwrap();
    let e = error_of(&run(&["--headless", "--config", bad.to_str().unwrap()]));
    assert!(e.contains("`batch_size` is 0; expected 1 to 65536"), "{e}");
    let e = error_of(&run(&["--headless", "--config", "/nonexistent/x.ron"]));
    assert!(
        e.contains("cannot read config file /nonexistent/x.ron"),
        "{e}"
    );
    assert!(!dir.join("checkpoints").exists());
}

#[test]
fn a_missing_checkpoint_or_truncated_weights_are_clear_errors() {
    let e = error_of(&run(&["--headless", "--resume", "/nonexistent/run/latest"]));
    assert!(
        e.contains("checkpoint /nonexistent/run/latest does not exist"),
        "{e}"
    );
    let e = error_of(&run(&["eval", "/nonexistent/run/best"]));
    assert!(e.contains("does not exist"), "{e}");

    let dir = fresh_dir("truncated");
    train_smoke(&dir, &["--steps", "300"]);
    let weights = dir.join("latest/model.safetensors");
    let bytes = std::fs::read(&weights).unwrap();
    std::fs::write(&weights, &bytes[..bytes.len() / 2]).unwrap();
    let latest = dir.join("latest");
    let e = error_of(&run(&["--headless", "--resume", latest.to_str().unwrap()]));
    assert!(
        e.contains("model.safetensors") && e.contains("truncated or corrupt"),
        "{e}"
    );
    let e = error_of(&run(&["eval", latest.to_str().unwrap()]));
    assert!(e.contains("model.safetensors"), "{e}");
}

#[test]
fn bad_train_flags_are_refused() {
    let e = error_of(&run(&["--headless", "--steps", "0"]));
    assert!(e.contains("--steps must be at least 1"), "{e}");
    let o = run(&["--headless", "--device", "tpu"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--device"));
}
