//! The trainer thread through its handle: pause, resume, stop, speed, visual mode, best
//! checkpoints, and exact resume, on a tiny CPU config.

mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use support::tiny_config as tiny;
use tetris_dqn::config::{Config, Network};
use tetris_dqn::training::{
    EvalRecord, FinishReason, Metrics, SaveReason, TrainerEvent, TrainerHandle, TrainerOptions,
};

fn run_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("trainer-tests")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn options(dir: &Path, total: Option<u64>) -> TrainerOptions {
    TrainerOptions {
        config: tiny(),
        run_dir: dir.to_owned(),
        resume: None,
        total_steps: total,
        visual: false,
        step_delay: Duration::ZERO,
        paused: false,
    }
}

/// Drains events until `want` accepts one (or 10 s pass); returns the accepted one.
fn wait_for(handle: &TrainerHandle, mut want: impl FnMut(&TrainerEvent) -> bool) -> TrainerEvent {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let event = handle
            .events()
            .recv_timeout(left)
            .expect("the awaited trainer event did not come");
        if want(&event) {
            return event;
        }
    }
}

fn metrics(e: &TrainerEvent) -> Option<&Metrics> {
    match e {
        TrainerEvent::Metrics(m) => Some(m),
        _ => None,
    }
}

/// The newest metrics the trainer has sent (waiting for one if none is queued).
fn newest_metrics(handle: &TrainerHandle) -> Metrics {
    let first = wait_for(handle, |e| metrics(e).is_some());
    let mut newest = metrics(&first).unwrap().clone();
    for e in handle.events().try_iter() {
        if let Some(m) = metrics(&e) {
            newest = m.clone();
        }
    }
    newest
}

/// All events until `Finished`, which is last.
fn events_until_finished(handle: &TrainerHandle) -> Vec<TrainerEvent> {
    let mut out = vec![];
    loop {
        let e = handle
            .events()
            .recv_timeout(Duration::from_secs(60))
            .expect("trainer finished");
        let done = matches!(e, TrainerEvent::Finished { .. });
        out.push(e);
        if done {
            return out;
        }
    }
}

#[test]
fn pause_holds_the_step_count_and_resume_continues() {
    let dir = run_dir("pause");
    let handle = TrainerHandle::start(options(&dir, None)).unwrap();
    wait_for(&handle, |e| metrics(e).is_some_and(|m| m.steps > 20));
    assert!(handle.pause());
    let paused = wait_for(&handle, |e| metrics(e).is_some_and(|m| m.paused));
    let at = metrics(&paused).unwrap().steps;
    std::thread::sleep(Duration::from_millis(250));
    // Anything sent while paused still says the same step count.
    for e in handle.events().try_iter() {
        if let Some(m) = metrics(&e) {
            assert_eq!(m.steps, at, "steps advanced while paused");
        }
    }
    assert!(handle.save_now(), "save now works while paused");
    let saved = wait_for(&handle, |e| matches!(e, TrainerEvent::Saved { .. }));
    assert!(
        matches!(&saved, TrainerEvent::Saved { reason: SaveReason::Requested, steps, .. } if *steps == at)
    );
    assert!(handle.resume());
    wait_for(&handle, |e| {
        metrics(e).is_some_and(|m| m.steps > at && !m.paused)
    });
    assert!(handle.stop());
}

#[test]
fn stop_while_paused_ends_promptly_and_later_commands_are_refused() {
    let dir = run_dir("stop-paused");
    let mut opts = options(&dir, None);
    opts.paused = true;
    let handle = TrainerHandle::start(opts).unwrap();
    wait_for(&handle, |e| metrics(e).is_some_and(|m| m.paused));
    let t0 = Instant::now();
    assert!(handle.stop());
    handle.join();
    // Not stuck waiting for a command: it saves (an fsync'd write) and ends.
    assert!(t0.elapsed() < Duration::from_secs(10), "{:?}", t0.elapsed());
    assert!(handle.is_finished());
    assert!(!handle.pause());
    assert!(!handle.resume());
    assert!(!handle.set_visual(true));
    assert!(!handle.set_step_delay(Duration::from_millis(10)));
    assert!(!handle.save_now());
    assert!(!handle.stop());
    let events: Vec<TrainerEvent> = handle.events().try_iter().collect();
    assert!(matches!(
        events.last(),
        Some(TrainerEvent::Finished {
            reason: FinishReason::Stopped,
            steps: 0,
            ..
        })
    ));
    assert!(dir.join("latest/meta.ron").is_file(), "stop saves latest");
}

#[test]
fn a_step_delay_outside_0_to_100_ms_is_refused() {
    let dir = run_dir("speed");
    let mut opts = options(&dir, None);
    opts.visual = true;
    let handle = TrainerHandle::start(opts).unwrap();
    assert!(!handle.set_step_delay(Duration::from_millis(150)));
    assert!(!handle.set_step_delay(Duration::from_millis(101)));
    assert!(handle.set_step_delay(Duration::from_millis(100)));
    assert!(handle.set_step_delay(Duration::from_millis(40)));
    let m = wait_for(&handle, |e| {
        metrics(e).is_some_and(|m| m.step_delay == Duration::from_millis(40))
    });
    assert!(metrics(&m).unwrap().visual);
    // At 40 ms per step of the trainer in visual mode (a placement in each game), a second
    // of the trainer's clock holds at most 25 of them (+1 in flight). The newest metrics at
    // both ends, a second apart.
    let envs = f64::from(tiny().envs);
    let a = newest_metrics(&handle);
    std::thread::sleep(Duration::from_millis(1000));
    let b = newest_metrics(&handle);
    let dt = b.elapsed_s - a.elapsed_s;
    let steps = b.steps - a.steps;
    assert!(dt > 0.8, "only {dt} s between the reports");
    assert!(
        (steps as f64) <= envs * (dt / 0.04 + 2.0),
        "{steps} steps in {dt} s"
    );
    assert!(handle.stop());
}

#[test]
fn board_frames_come_only_in_visual_mode() {
    let dir = run_dir("visual-off");
    let handle = TrainerHandle::start(options(&dir, Some(300))).unwrap();
    events_until_finished(&handle);
    assert!(
        handle.frames().try_recv().is_err(),
        "a frame arrived with visual off"
    );
    drop(handle);

    let dir = run_dir("visual-on");
    let mut opts = options(&dir, Some(300));
    opts.visual = true;
    let handle = TrainerHandle::start(opts).unwrap();
    let frame = handle
        .frames()
        .recv_timeout(Duration::from_secs(10))
        .expect("a board frame in visual mode");
    // The frame's path replays its placement from the position before it.
    assert_eq!(frame.path.last(), Some(&tetris_dqn::game::Input::HardDrop));
    assert!(frame.before.placements().contains(&frame.placement));
    assert!(frame.grid.matches(frame.before.board()));
    events_until_finished(&handle);
}

#[test]
fn a_watcher_that_is_behind_gets_the_newest_board_frames() {
    let dir = run_dir("frames-newest");
    let mut opts = options(&dir, Some(300));
    opts.visual = true;
    let handle = TrainerHandle::start(opts).unwrap();
    // Nobody reads frames until the run is over: the channel keeps the last ones made.
    events_until_finished(&handle);
    let steps: Vec<u64> = handle.frames().try_iter().map(|f| f.steps).collect();
    assert_eq!(steps.last(), Some(&300), "frames left: {steps:?}");
    // One frame per step of the trainer: of the first game, one placement in each game apart.
    let envs = u64::from(tiny().envs);
    assert!(steps.windows(2).all(|w| w[0] + envs == w[1]), "{steps:?}");
}

#[test]
fn every_game_is_reported_and_best_is_saved_when_an_evaluation_improves() {
    let dir = run_dir("best");
    let mut opts = options(&dir, Some(1500));
    opts.config.epsilon.decay_steps = 200;
    let handle = TrainerHandle::start(opts).unwrap();
    let events = events_until_finished(&handle);
    let mut games = 0;
    let mut evals = vec![];
    let mut best: Option<EvalRecord> = None;
    let mut awaiting_save = None;
    for e in &events {
        match e {
            TrainerEvent::Episode(ep) => {
                games += 1;
                assert_eq!(ep.game, games, "games arrive in order, none dropped");
            }
            TrainerEvent::Evaluated { record, best: new } => {
                assert!(
                    awaiting_save.is_none(),
                    "a new best is saved before anything else"
                );
                assert_eq!(record.steps % 4, 0, "between steps of the trainer");
                assert_eq!(record.games, 2);
                let beats = best.as_ref().is_none_or(|b| record.beats(b));
                assert_eq!(*new, beats, "{record:?} against {best:?}");
                if beats {
                    best = Some(record.clone());
                    awaiting_save = Some(record.clone());
                }
                evals.push(record.clone());
            }
            TrainerEvent::Saved {
                reason: SaveReason::Best(record),
                steps,
                ..
            } => {
                assert_eq!(
                    Some(record),
                    awaiting_save.as_ref(),
                    "best saved right after"
                );
                assert_eq!(*steps, record.steps);
                awaiting_save = None;
            }
            TrainerEvent::Error(e) => panic!("trainer error: {e}"),
            _ => {}
        }
    }
    let steps: Vec<u64> = evals.iter().map(|e| e.steps).collect();
    // At the first step of the trainer (4 placements) past each multiple of 250.
    assert_eq!(steps, [252, 500, 752, 1000, 1252, 1500]);
    let best = best.unwrap();
    let meta = tetris_dqn::training::checkpoint::read_meta(&dir.join("best")).unwrap();
    assert_eq!(meta.steps, best.steps);
    assert_eq!(meta.state.best_eval.as_ref(), Some(&best));
    let latest = tetris_dqn::training::checkpoint::read_meta(&dir.join("latest")).unwrap();
    assert_eq!(latest.state.last_eval.as_ref(), evals.last());
    let csv = std::fs::read_to_string(dir.join("metrics.csv")).unwrap();
    assert_eq!(csv.lines().count() as u64, 1 + games);
    let evals_csv = std::fs::read_to_string(dir.join("evals.csv")).unwrap();
    let rows: Vec<&str> = evals_csv.lines().skip(1).collect();
    assert_eq!(rows.len(), evals.len());
    for (row, e) in rows.iter().zip(&evals) {
        assert!(row.starts_with(&format!("{},", e.steps)), "{row}");
    }
    assert!(matches!(
        events.last(),
        Some(TrainerEvent::Finished {
            reason: FinishReason::StepsReached,
            steps: 1500,
            ..
        })
    ));
}

#[test]
fn the_periodic_evaluation_leaves_training_exactly_as_it_was() {
    let run = |name: &str, every: u64| {
        let dir = run_dir(name);
        let mut opts = options(&dir, Some(700));
        opts.config.evaluation.every_steps = every;
        let handle = TrainerHandle::start(opts).unwrap();
        events_until_finished(&handle);
        let best = dir.join("best").exists();
        (file(&dir, "model.safetensors"), rows(&dir), best)
    };
    let (with, with_rows, with_best) = run("eval-on", 100);
    let (without, without_rows, without_best) = run("eval-off", 0);
    assert!(with == without, "the weights differ");
    assert_eq!(with_rows, without_rows);
    assert!(with_best, "evaluations choose a best");
    assert!(!without_best, "no evaluations, no best");
}

fn file(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join("latest").join(name)).unwrap()
}

/// metrics.csv without its last column (wall time).
fn rows(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("metrics.csv"))
        .unwrap()
        .lines()
        .map(|l| l.rsplit_once(',').unwrap().0.to_string())
        .collect()
}

/// Trains `total` steps in one go, twice, and in two runs stopped at `n` and resumed; the
/// checkpoints and metrics of all three must be byte for byte the same.
fn trains_the_same_and_resumes_exactly(envs: u32, n: u64, total: u64) {
    let with_envs = |dir: &Path, steps| {
        let mut opts = options(dir, Some(steps));
        opts.config.envs = envs;
        opts
    };
    let straight = run_dir(&format!("resume-straight-{envs}"));
    let again = run_dir(&format!("resume-again-{envs}"));
    for dir in [&straight, &again] {
        let handle = TrainerHandle::start(with_envs(dir, total)).unwrap();
        events_until_finished(&handle);
    }

    let split = run_dir(&format!("resume-split-{envs}"));
    let handle = TrainerHandle::start(with_envs(&split, n)).unwrap();
    let first = events_until_finished(&handle);
    assert!(matches!(first.last(), Some(TrainerEvent::Finished { steps, .. }) if *steps == n));
    drop(handle);
    let mut opts = with_envs(&split, total);
    opts.resume = Some(split.join("latest"));
    let handle = TrainerHandle::start(opts).unwrap();
    events_until_finished(&handle);
    drop(handle);

    for name in [
        "model.safetensors",
        "target.safetensors",
        "optimizer.safetensors",
        "replay.bin",
    ] {
        assert!(
            file(&straight, name) == file(&again, name),
            "{name} differs between two runs with {envs} games"
        );
        assert!(
            file(&straight, name) == file(&split, name),
            "{name} differs after resume with {envs} games"
        );
    }
    assert_eq!(rows(&straight), rows(&again));
    assert_eq!(rows(&straight), rows(&split));
    let a = tetris_dqn::training::checkpoint::read_meta(&straight.join("latest")).unwrap();
    let b = tetris_dqn::training::checkpoint::read_meta(&split.join("latest")).unwrap();
    assert_eq!(a.steps, total);
    assert_eq!(a.state.envs.len(), envs as usize);
    assert_eq!(a.state, b.state);
}

#[test]
fn resume_is_exact_bit_for_bit() {
    // Mid-game, mid-learning: nothing lines up with a round number.
    trains_the_same_and_resumes_exactly(1, 437, 900);
}

#[test]
fn four_games_side_by_side_train_the_same_twice_and_resume_exactly() {
    // A stop falls between steps of the trainer: a multiple of the games played side by side.
    trains_the_same_and_resumes_exactly(4, 436, 902);
}

#[test]
fn resuming_with_another_network_or_a_broken_checkpoint_is_a_clear_error() {
    let dir = run_dir("broken");
    let handle = TrainerHandle::start(options(&dir, Some(60))).unwrap();
    events_until_finished(&handle);
    drop(handle);
    let resume = |config: Option<Config>| {
        let mut opts = options(&dir, None);
        opts.resume = Some(dir.join("latest"));
        if let Some(c) = config {
            opts.config = c;
        }
        TrainerHandle::start(opts)
            .map(|_| ())
            .unwrap_err()
            .to_string()
    };
    let mut other = tiny();
    other.network = Network::Mlp {
        hidden: vec![9],
        context: true,
    };
    let e = resume(Some(other));
    assert!(e.contains("shape") && e.contains("another network"), "{e}");
    let e = {
        let mut opts = options(&dir, None);
        opts.resume = None;
        TrainerHandle::start(opts)
            .map(|_| ())
            .unwrap_err()
            .to_string()
    };
    assert!(e.contains("already holds a run"), "{e}");
    let weights = dir.join("latest/model.safetensors");
    let bytes = std::fs::read(&weights).unwrap();
    std::fs::write(&weights, &bytes[..100]).unwrap();
    let e = resume(None);
    assert!(
        e.contains("model.safetensors is damaged") && e.contains("checksum"),
        "{e}"
    );
    let meta = dir.join("latest/meta.ron");
    let text = std::fs::read_to_string(&meta).unwrap();
    // An edit on purpose: the checksum line goes with it (else the edit is named as damage).
    let edited: String = text
        .replace("format_version: 4", "format_version: 7")
        .lines()
        .filter(|l| !l.starts_with("// blake3 "))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&meta, edited).unwrap();
    let e = resume(None);
    assert!(
        e.contains("format version 7") && e.contains("reads versions 1 to 4"),
        "{e}"
    );
    std::fs::remove_file(dir.join("latest")).unwrap();
    let e = resume(None);
    assert!(e.contains("does not exist"), "{e}");
}

#[test]
fn a_flipped_byte_in_any_checkpoint_file_is_named_on_load() {
    let dir = run_dir("flipped");
    let handle = TrainerHandle::start(options(&dir, Some(120))).unwrap();
    events_until_finished(&handle);
    drop(handle);
    let latest = dir.join("latest");
    let meta = tetris_dqn::training::checkpoint::read_meta(&latest).unwrap();
    let files = [
        "model.safetensors",
        "target.safetensors",
        "optimizer.safetensors",
        "replay.bin",
    ];
    let mut sorted = files.to_vec();
    sorted.sort_unstable();
    let recorded: Vec<&str> = meta.checksums.keys().map(String::as_str).collect();
    assert_eq!(recorded, sorted, "meta.ron records every file");
    for name in files {
        let path = latest.join(name);
        let good = std::fs::read(&path).unwrap();
        // A byte in the second half: inside the weights or data, past every header.
        let mut bad = good.clone();
        let at = good.len() * 3 / 4;
        bad[at] ^= 0x04;
        std::fs::write(&path, &bad).unwrap();
        let mut opts = options(&dir, None);
        opts.resume = Some(latest.clone());
        let e = TrainerHandle::start(opts)
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(e.contains(&format!("{name} is damaged")), "{name}: {e}");
        if name == "model.safetensors" {
            let e = tetris_dqn::training::checkpoint::load_agent(
                &latest,
                tetris_dqn::agent::Device::CPU,
            )
            .map(|_| ())
            .unwrap_err()
            .to_string();
            assert!(e.contains("model.safetensors is damaged"), "{e}");
        }
        std::fs::write(&path, &good).unwrap();
    }
    // meta.ron is covered too, by the checksum on its own last line.
    let path = latest.join("meta.ron");
    let good = std::fs::read(&path).unwrap();
    let mut bad = good.clone();
    let at = good.len() / 2;
    bad[at] = if bad[at] == b'1' { b'2' } else { b'1' };
    std::fs::write(&path, &bad).unwrap();
    let e = tetris_dqn::training::checkpoint::read_meta(&latest)
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(e.contains("meta.ron is damaged"), "{e}");
    std::fs::write(&path, &good).unwrap();
    // Put back whole, it loads again.
    let mut opts = options(&dir, Some(130));
    opts.resume = Some(latest);
    drop(TrainerHandle::start(opts).unwrap());
}

#[test]
fn elapsed_time_counts_the_step_delay_but_not_pauses() {
    let dir = run_dir("elapsed");
    // 20 steps of the trainer: a placement in each of its 4 games each.
    let mut opts = options(&dir, Some(80));
    opts.visual = true;
    opts.step_delay = Duration::from_millis(50);
    let started = Instant::now();
    let handle = TrainerHandle::start(opts).unwrap();
    let events = events_until_finished(&handle);
    let wall = started.elapsed().as_secs_f64();
    drop(handle);
    let last = events.iter().filter_map(metrics).next_back().unwrap();
    assert_eq!(last.steps, 80);
    // 20 steps with 50 ms after each: at least a second on the wall, and the clock says so.
    assert!(
        last.elapsed_s >= 0.9 && last.elapsed_s <= wall,
        "elapsed {} s of a {wall} s run",
        last.elapsed_s
    );
}

#[test]
fn a_checkpoint_from_before_the_context_inputs_loads_as_a_features_only_network() {
    // Format 2 wrote `Mlp(hidden: [..])` with no `context` field; those networks saw the 13
    // board features only. Reading one must not give it the 17 inputs of a network with context.
    let dir = run_dir("format-2");
    let mut opts = options(&dir, Some(300));
    opts.config.network = Network::Mlp {
        hidden: vec![8],
        context: false,
    };
    let handle = TrainerHandle::start(opts).unwrap();
    events_until_finished(&handle);
    let meta = dir.join("latest/meta.ron");
    let text = std::fs::read_to_string(&meta).unwrap();
    assert!(text.contains("context: false"), "{text}");
    let old = text
        .replace("format_version: 4", "format_version: 2")
        .lines()
        .filter(|line| line.trim() != "context: false,")
        // An edit on purpose: the checksum line goes too, or the edit is refused as damage.
        .filter(|line| !line.starts_with("// blake3 "))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        !old.contains("context"),
        "the edit must remove the field: {old}"
    );
    std::fs::write(&meta, old).unwrap();
    let (_, meta) = tetris_dqn::training::checkpoint::load_agent(
        &dir.join("latest"),
        tetris_dqn::agent::Device::CPU,
    )
    .unwrap();
    assert_eq!(
        meta.config.network,
        Network::Mlp {
            hidden: vec![8],
            context: false
        }
    );
}

/// An evaluation that takes seconds (many short games) every 200 steps.
fn long_evaluation(opts: &mut TrainerOptions) {
    opts.config.evaluation = tetris_dqn::config::Evaluation {
        every_steps: 200,
        games: 1000,
        max_pieces: 40,
        seed: 5,
    };
}

/// Waits for metrics that show the periodic evaluation under way.
fn wait_for_evaluation(handle: &TrainerHandle) -> Metrics {
    let e = wait_for(handle, |e| {
        metrics(e).is_some_and(|m| m.evaluating.is_some())
    });
    metrics(&e).unwrap().clone()
}

#[test]
fn commands_are_taken_during_an_evaluation_without_waiting_for_its_end() {
    let dir = run_dir("eval-commands");
    let mut opts = options(&dir, Some(300));
    long_evaluation(&mut opts);
    let handle = TrainerHandle::start(opts).unwrap();
    let m = wait_for_evaluation(&handle);
    assert_eq!(m.steps, 200);
    assert!(handle.pause());
    let paused = wait_for(&handle, |e| metrics(e).is_some_and(|m| m.paused));
    assert!(
        metrics(&paused).unwrap().evaluating.is_some(),
        "paused mid-evaluation"
    );
    assert!(handle.save_now());
    // The save comes while the evaluation is still waiting to finish (it would come after
    // its end if commands waited for it).
    let first = wait_for(&handle, |e| {
        matches!(
            e,
            TrainerEvent::Saved {
                reason: SaveReason::Requested,
                ..
            } | TrainerEvent::Evaluated { .. }
        )
    });
    assert!(
        matches!(first, TrainerEvent::Saved { steps: 200, .. }),
        "{first:?}"
    );
    let meta = tetris_dqn::training::checkpoint::read_meta(&dir.join("latest")).unwrap();
    assert!(meta.state.evaluating, "saved mid-evaluation");
    assert!(handle.resume());
    let events = events_until_finished(&handle);
    assert!(
        events
            .iter()
            .any(|e| matches!(e, TrainerEvent::Evaluated { record, .. } if record.steps == 200))
    );
}

#[test]
fn a_stop_during_an_evaluation_resumes_it_and_training_stays_exact() {
    let total = 300;
    let straight = run_dir("eval-stop-straight");
    let mut opts = options(&straight, Some(total));
    long_evaluation(&mut opts);
    let handle = TrainerHandle::start(opts).unwrap();
    events_until_finished(&handle);
    drop(handle);

    let split = run_dir("eval-stop-split");
    let mut opts = options(&split, Some(total));
    long_evaluation(&mut opts);
    let handle = TrainerHandle::start(opts.clone()).unwrap();
    wait_for_evaluation(&handle);
    assert!(handle.stop());
    let first = events_until_finished(&handle);
    drop(handle);
    assert!(
        !first
            .iter()
            .any(|e| matches!(e, TrainerEvent::Evaluated { .. })),
        "the stop came before the evaluation's end"
    );
    let meta = tetris_dqn::training::checkpoint::read_meta(&split.join("latest")).unwrap();
    assert!(meta.state.evaluating && meta.steps == 200);
    opts.resume = Some(split.join("latest"));
    let handle = TrainerHandle::start(opts).unwrap();
    events_until_finished(&handle);
    drop(handle);

    for name in ["model.safetensors", "optimizer.safetensors", "replay.bin"] {
        assert!(
            file(&straight, name) == file(&split, name),
            "{name} differs"
        );
    }
    assert_eq!(rows(&straight), rows(&split));
    let evals = |dir: &Path| {
        std::fs::read_to_string(dir.join("evals.csv"))
            .unwrap()
            .lines()
            .map(|l| l.rsplit_once(',').unwrap().0.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(evals(&straight), evals(&split));
    assert_eq!(
        evals(&straight).len(),
        2,
        "a header and the evaluation at 200"
    );
}

/// Resident memory of this process, in MiB (Linux).
fn resident_mib() -> f64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: f64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096.0 / (1024.0 * 1024.0)
}

/// A measurement, not part of the suite (minutes): a trainer whose events nobody takes for a
/// million steps keeps its memory flat. Run with
/// `cargo test --release --test trainer -- --ignored --nocapture undrained`.
#[test]
#[ignore]
fn undrained_handle_memory_stays_flat_for_a_million_steps() {
    let dir = run_dir("undrained");
    let mut opts = options(&dir, Some(1_000_000));
    opts.config.evaluation.every_steps = 0;
    opts.visual = true; // board frames too: the worst case
    let handle = TrainerHandle::start(opts).unwrap();
    let mut samples = vec![];
    while !handle.is_finished() {
        std::thread::sleep(Duration::from_secs(5));
        samples.push(resident_mib());
        eprintln!("resident {:.1} MiB", samples.last().unwrap());
    }
    let events = handle.events().try_iter().count();
    eprintln!("events waiting in the channel at the end: {events}");
    let settled = samples[samples.len() / 4];
    let last = *samples.last().unwrap();
    assert!(
        last < settled + 16.0,
        "grew from {settled:.1} to {last:.1} MiB"
    );
}
