//! Nothing saved is ever lost, through the real binary: resuming an older checkpoint branches
//! into a new run folder and leaves the old run byte for byte as it was, two processes never
//! write one run folder (and a run killed with -9 can be resumed at once), a checkpoint's
//! meta.ron is checked like a config file and covered by its own checksum, and a reader that
//! closes the pipe ends the program quietly.

mod support;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::{KillOnDrop, refusal, run, smoke_config, stderr};

const BIN: &str = env!("CARGO_BIN_EXE_tetris-dqn");

/// A fresh, empty folder for one test's runs.
fn fresh_root(name: &str) -> PathBuf {
    let dir = support::fresh_dir("safety-tests", name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn train_smoke(dir: &Path, steps: u64) {
    let o = run(&[
        "--headless",
        "--config",
        &smoke_config(),
        "--run-dir",
        dir.to_str().unwrap(),
        "--steps",
        &steps.to_string(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// Every file under `dir` (links followed, the lock file aside) and its BLAKE3.
fn checksums(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let name = path
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if path.is_dir() {
                todo.push(path);
            } else if name != ".lock" {
                let bytes = std::fs::read(&path).unwrap();
                out.insert(name, blake3::hash(&bytes).to_hex().to_string());
            }
        }
    }
    out
}

fn steps_of(checkpoint: &Path) -> u64 {
    tetris_dqn::training::checkpoint::read_meta(checkpoint)
        .unwrap()
        .steps
}

fn csv_rows(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(1)
        .map(str::to_string)
        .collect()
}

#[test]
fn resuming_best_branches_into_a_new_folder_and_leaves_the_run_as_it_was() {
    let root = fresh_root("branch");
    let run_dir = root.join("smoke-run");
    train_smoke(&run_dir, 2500);
    let best = run_dir.join("best");
    let best_steps = steps_of(&best);
    assert!(
        best_steps < 2500,
        "best is an earlier evaluation: {best_steps}"
    );
    let before = checksums(&run_dir);
    let games_at_best = tetris_dqn::training::checkpoint::read_meta(&best)
        .unwrap()
        .games;

    // Into its own folder it is refused: that would rewrite the run's history.
    let o = run(&[
        "--headless",
        "--resume",
        best.to_str().unwrap(),
        "--run-dir",
        run_dir.to_str().unwrap(),
        "--steps",
        &(best_steps + 200).to_string(),
    ]);
    let e = refusal(&o);
    assert!(
        e.contains("would overwrite that run's later checkpoints"),
        "{e}"
    );
    assert_eq!(checksums(&run_dir), before);

    // With no --run-dir it continues beside the run, in a folder named after both.
    let o = run(&[
        "--headless",
        "--resume",
        best.to_str().unwrap(),
        "--steps",
        &(best_steps + 200).to_string(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let branch = root.join(format!("smoke-run-from-{best_steps}"));
    let said = stderr(&o);
    assert!(said.contains(&branch.display().to_string()), "{said}");
    assert!(said.contains("is left as it was"), "{said}");
    assert_eq!(checksums(&run_dir), before, "the old run changed");
    assert_eq!(steps_of(&branch.join("latest")), best_steps + 200);
    // The branch starts with the run's history up to the checkpoint, then its own.
    let old_games = csv_rows(&run_dir.join("metrics.csv"));
    let new_games = csv_rows(&branch.join("metrics.csv"));
    let kept = games_at_best as usize;
    assert_eq!(new_games[..kept], old_games[..kept]);
    assert!(new_games.len() > kept);
    let evals = csv_rows(&branch.join("evals.csv"));
    assert!(
        evals.iter().all(|row| {
            row.split(',').next().unwrap().parse::<u64>().unwrap() <= best_steps + 200
        })
    );
    assert_eq!(
        evals.first(),
        csv_rows(&run_dir.join("evals.csv")).first(),
        "{evals:?}"
    );

    // A second branch from the same checkpoint gets a name of its own.
    let o = run(&[
        "--headless",
        "--resume",
        best.to_str().unwrap(),
        "--steps",
        &(best_steps + 100).to_string(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        root.join(format!("smoke-run-from-{best_steps}-2/latest"))
            .exists()
    );
    assert_eq!(checksums(&run_dir), before);

    // The run folder itself is not a checkpoint: the message names the two it holds.
    let e = refusal(&run(&["eval", run_dir.to_str().unwrap()]));
    assert!(e.contains("is a run folder, not a checkpoint"), "{e}");
    assert!(e.contains("smoke-run/latest"), "{e}");

    // The newest latest still continues in place.
    let latest = run_dir.join("latest");
    let o = run(&[
        "--headless",
        "--resume",
        latest.to_str().unwrap(),
        "--steps",
        "2600",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(steps_of(&latest), 2600);
}

/// Waits until `path` exists (or fails after 60 s).
fn wait_for_file(path: &Path) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !path.exists() {
        assert!(
            Instant::now() < deadline,
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_running_run_cannot_be_written_by_another_process_until_it_dies() {
    let root = fresh_root("lock");
    let run_dir = root.join("busy");
    let mut child = KillOnDrop(
        Command::new(BIN)
            .args(["--headless", "--config", &smoke_config()])
            .args(["--run-dir", run_dir.to_str().unwrap()])
            .args(["--steps", "100000000"])
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let latest = run_dir.join("latest");
    wait_for_file(&latest.join("meta.ron"));
    let pid = child.0.id();

    // A second trainer, resuming or new, is refused and told which process holds the run.
    for args in [
        vec!["--headless", "--resume", latest.to_str().unwrap()],
        vec![
            "--headless",
            "--config",
            &smoke_config(),
            "--run-dir",
            run_dir.to_str().unwrap(),
        ],
    ] {
        let e = refusal(&run(&args));
        assert!(e.contains("is in use by another process"), "{e}");
        assert!(e.contains(&format!("process {pid}")), "{e}");
    }

    // Killed with no chance to clean up, the OS lets go of the lock: resume works at once.
    child.0.kill().unwrap();
    child.0.wait().unwrap();
    let steps = steps_of(&latest);
    let o = run(&[
        "--headless",
        "--resume",
        latest.to_str().unwrap(),
        "--steps",
        &(steps + 50).to_string(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(steps_of(&latest), steps + 50);
}

/// A copy of the checkpoint `from` in `to`, meta.ron edited by `edit` and its checksum line
/// dropped (as a person who edits it on purpose is told to), or kept when `keep_seal`.
fn edited_copy(from: &Path, to: &Path, edit: impl Fn(&str) -> String, keep_seal: bool) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
    }
    let meta = to.join("meta.ron");
    let text = std::fs::read_to_string(&meta).unwrap();
    let text: String = edit(&text)
        .lines()
        .filter(|l| keep_seal || !l.starts_with("// blake3 "))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&meta, text).unwrap();
}

#[test]
fn meta_ron_is_input_too_checked_and_covered_by_its_checksum() {
    let root = fresh_root("meta");
    let run_dir = root.join("run");
    train_smoke(&run_dir, 300);
    let latest = run_dir.join("latest");
    let text = std::fs::read_to_string(latest.join("meta.ron")).unwrap();
    assert!(
        text.lines().last().unwrap().starts_with("// blake3 "),
        "{text}"
    );

    // Four numbers for the five line rewards: named, with the file, on every command.
    let edited = root.join("four-rewards");
    let four = |t: &str| {
        let start = t.find("lines: [").expect("the reward's lines") + "lines: [".len();
        let end = start + t[start..].find(']').unwrap();
        format!("{}0.0, 0.0, 0.0, 100.0{}", &t[..start], &t[end..])
    };
    edited_copy(&latest, &edited, four, false);
    let edited_meta = edited.join("meta.ron");
    let shown = std::fs::read_to_string(&edited_meta).unwrap();
    assert!(shown.contains("lines: [0.0, 0.0, 0.0, 100.0]"), "{shown}");
    let checkpoint = edited.to_str().unwrap();
    for args in [
        vec!["eval", checkpoint, "--games", "1", "--max-pieces", "5"],
        vec!["tbp", checkpoint],
        vec!["--headless", "--resume", checkpoint],
    ] {
        let e = refusal(&run(&args));
        assert!(
            e.contains(&edited_meta.display().to_string())
                && e.contains("field `lines` has 4 numbers"),
            "{args:?}: {e}"
        );
        assert_eq!(e.trim_end().lines().count(), 1, "{e}");
    }

    // A flipped byte in meta.ron is named like any other damaged file.
    let flipped = root.join("flipped");
    edited_copy(
        &latest,
        &flipped,
        |t| t.replacen("epsilon: ", "epsilon: 1", 1),
        true,
    );
    let e = refusal(&run(&["eval", flipped.to_str().unwrap(), "--games", "1"]));
    assert!(e.contains("meta.ron is damaged"), "{e}");
    assert!(e.contains("delete that last line"), "{e}");
}

#[test]
fn a_reader_that_closes_the_pipe_ends_the_program_quietly() {
    let root = fresh_root("pipe");
    let run_dir = root.join("run");
    train_smoke(&run_dir, 300);
    let latest = run_dir.join("latest");
    let mut child = Command::new(BIN)
        .args(["eval", latest.to_str().unwrap(), "--games", "1"])
        .args(["--max-pieces", "20", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // `| head -c 0`: the reader goes away before anything is written.
    drop(child.stdout.take());
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}: {err}");
    assert!(!err.contains("panicked") && !err.contains("error"), "{err}");
}
