//! End to end with the real binary: headless smoke training, resume, eval, and the errors a
//! user sees for a malformed config, a missing checkpoint and a truncated weights file.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::{refusal as error_of, run, stderr};

const BIN: &str = env!("CARGO_BIN_EXE_tetris-dqn");

fn smoke_config() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/smoke.ron")
}

fn fresh_dir(name: &str) -> PathBuf {
    support::fresh_dir("cli-tests", name)
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
        "evals.csv",
    ] {
        assert!(dir.join(f).is_file(), "{f} missing");
    }
    assert_eq!(meta_steps(&dir.join("latest")), 3000);
    // smoke.ron evaluates every 1000 steps; best/ is one of those evaluations.
    let evals = std::fs::read_to_string(dir.join("evals.csv")).unwrap();
    let steps: Vec<&str> = evals
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(steps, ["1000", "2000", "3000"]);
    assert!(steps.contains(&meta_steps(&dir.join("best")).to_string().as_str()));
    let said = stderr(&o);
    assert!(said.contains("saved best (tetris rate"), "{said}");
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
    assert_eq!(v["lookahead"], 8, "looking one piece ahead is the default");
    // Progress goes to stderr in JSON mode too: a line per game when it is not a terminal.
    let progress = stderr(&o);
    for game in 1..=3 {
        assert!(
            progress.contains(&format!("game {game:>3} seed")),
            "{progress}"
        );
    }
    assert!(v["lines"]["mean"].as_f64().unwrap() >= 0.0);
    assert!(v["games"][0]["pieces"].as_u64().unwrap() <= 300);
    // Quality of play, over all games and per game.
    for key in ["tetris_rate", "attack_per_piece", "base_points_per_line"] {
        assert!(v[key].as_f64().is_some_and(|x| x >= 0.0), "{key} in {v}");
        assert!(v["games"][0][key].as_f64().is_some(), "{key} per game");
    }
    for key in [
        "singles",
        "doubles",
        "triples",
        "tetrises",
        "tspin_doubles",
        "perfect_clears",
    ] {
        assert!(v[key].as_u64().is_some(), "{key} in {v}");
    }
    assert!(v["games"][0]["topped_out"].is_boolean());
    let cleared: u64 = ["singles", "doubles", "triples", "tetrises"]
        .iter()
        .zip([1, 2, 3, 4])
        .map(|(k, n)| v[k].as_u64().unwrap() * n)
        .sum::<u64>();
    let minis_and_spins = v["tspin_minis"].as_u64().unwrap()
        + v["tspin_singles"].as_u64().unwrap()
        + 2 * v["tspin_doubles"].as_u64().unwrap()
        + 3 * v["tspin_triples"].as_u64().unwrap();
    let lines: u64 = v["games"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["lines"].as_u64().unwrap())
        .sum();
    assert!(
        cleared <= lines && lines <= cleared + 2 * minis_and_spins,
        "{v}"
    );
    // And as a table, here with the one-placement play training acts by.
    let o = run(&[
        "eval",
        best.to_str().unwrap(),
        "--games",
        "2",
        "--max-pieces",
        "50",
        "--lookahead",
        "0",
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains(" 2 greedy games, seed 1"), "{out}");
    assert!(
        out.contains("lines") && out.contains("median") && out.contains("pieces/s"),
        "{out}"
    );
    assert!(
        out.contains("tetris rate") && out.contains("attack per piece") && out.contains("clears:"),
        "{out}"
    );
}

#[test]
fn a_malformed_config_names_the_file_and_place() {
    let dir = fresh_dir("bad-config");
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.ron");
    // Run inside `dir`: a run folder started by mistake would appear as dir/checkpoints.
    let run_here = |args: &[&str]| {
        Command::new(BIN)
            .args(args)
            .current_dir(&dir)
            .output()
            .unwrap()
    };
    std::fs::write(&bad, "(\n  seed: 1,\n  gama: 0.9,\n)\n").unwrap();
    let e = error_of(&run_here(&["--headless", "--config", "bad.ron"]));
    assert!(e.contains("bad.ron, line 3") && e.contains("gama"), "{e}");
    std::fs::write(&bad, "(batch_size: 0)").unwrap();
    let e = error_of(&run_here(&["--headless", "--config", "bad.ron"]));
    assert!(e.contains("`batch_size` is 0; expected 1 to 65536"), "{e}");
    let e = error_of(&run_here(&["--headless", "--config", "/nonexistent/x.ron"]));
    assert!(
        e.contains("cannot read config file /nonexistent/x.ron"),
        "{e}"
    );
    assert!(!dir.join("checkpoints").exists());
    // The check can fail: a good config in the same place does start a run folder there.
    std::fs::write(&bad, "(total_steps: 5, save_every_steps: 0)").unwrap();
    let o = run_here(&["--headless", "--config", "bad.ron"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(dir.join("checkpoints").is_dir());
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
    assert!(e.contains("model.safetensors is damaged"), "{e}");
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
    let o = run(&["eval", "somewhere", "--lookahead", "many"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--lookahead"), "{}", stderr(&o));
}

#[test]
fn with_no_display_the_window_commands_say_so_and_leave_nothing_behind() {
    let trained = fresh_dir("no-display-checkpoint");
    train_smoke(&trained, &["--steps", "300"]);
    let latest = trained.join("latest");
    let dir = fresh_dir("no-display");
    let run_dir = dir.to_str().unwrap();
    for args in [
        vec!["--run-dir", run_dir],
        vec!["train", "--run-dir", run_dir],
        vec!["watch", latest.to_str().unwrap()],
        // The shipped agent is found (and its meta.ron read) before the display is checked.
        vec!["watch"],
        vec!["play"],
        vec!["play", "--hint"],
        vec!["demo"],
    ] {
        let o = Command::new(BIN)
            .args(&args)
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .output()
            .unwrap();
        let e = error_of(&o);
        assert!(
            e.contains("no display: DISPLAY is not set"),
            "{args:?}: {e}"
        );
        assert!(e.contains("--headless"), "{args:?}: {e}");
        assert_eq!(e.lines().count(), 1, "{args:?}: {e}");
    }
    assert!(!dir.exists(), "a run folder was left behind");
    // With no shipped agent where it looks, watch says so first.
    let o = Command::new(BIN)
        .arg("watch")
        .env("TETRIS_DQN_AGENTS", &dir)
        .env_remove("DISPLAY")
        .output()
        .unwrap();
    let e = error_of(&o);
    assert!(e.contains("no shipped tetris agent"), "{e}");
}

/// The step count a run printed as it ended ("training stopped after N steps ...").
fn reported_steps(stderr: &str) -> u64 {
    let after = stderr
        .rsplit_once("training stopped after ")
        .unwrap_or_else(|| panic!("no end-of-run line in: {stderr}"))
        .1;
    after.split_whitespace().next().unwrap().parse().unwrap()
}

#[test]
fn two_signals_at_once_stop_a_headless_run_with_its_last_step_saved() {
    // GNU `timeout -s INT` signals the process and then its process group: two SIGINTs a
    // moment apart, which must count as one Ctrl-C (save, then exit 0), not as a second
    // "quit now". Sent here by hand, 50 ms apart, so that they are never merged into one.
    let dir = fresh_dir("sigint");
    let config = smoke_config();
    let child = Command::new(BIN)
        .args(["--headless", "--config", config.to_str().unwrap()])
        .args(["--run-dir", dir.to_str().unwrap(), "--steps", "100000000"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_secs(4));
    let pid = child.id().to_string();
    for _ in 0..2 {
        assert!(
            Command::new("kill")
                .args(["-INT", &pid])
                .status()
                .unwrap()
                .success()
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let o = child.wait_with_output().unwrap();
    let err = stderr(&o);
    assert!(o.status.success(), "{:?}: {err}", o.status);
    assert!(!err.contains("second Ctrl-C"), "{err}");
    let steps = reported_steps(&err);
    assert!(steps > 0, "{err}");
    assert_eq!(meta_steps(&dir.join("latest")), steps, "{err}");
}
