//! The configured libtorch thread count holds on the trainer thread, where the network runs.
//! OpenMP keeps the count per thread, so a count set only on the main thread would leave the
//! trainer with one thread per core. (Its own test binary: other tests' threads stay out.)

use std::path::PathBuf;
use std::time::{Duration, Instant};

use tetris_dqn::config::{Config, Epsilon};
use tetris_dqn::training::{TrainerEvent, TrainerHandle, TrainerOptions};

/// Threads of this process named `name`. Threads inherit their creator's name on Linux, so
/// OpenMP workers started by the trainer thread are named "trainer" too.
fn threads_named(name: &str) -> usize {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .flatten()
        .filter(|t| {
            std::fs::read_to_string(t.path().join("comm")).is_ok_and(|comm| comm.trim() == name)
        })
        .count()
}

/// Trains the default network at batch 256 (large enough for libtorch to split its matrix
/// products over threads) and returns the most threads named "trainer" seen at once.
fn most_trainer_threads(torch_threads: u32) -> usize {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("torch-threads")
        .join(torch_threads.to_string());
    let _ = std::fs::remove_dir_all(&dir);
    let config = Config {
        torch_threads,
        replay_capacity: 2_000,
        learning_starts: 300,
        train_every: 1,
        save_every_steps: 0,
        epsilon: Epsilon {
            start: 1.0,
            end: 0.05,
            decay_steps: 300,
        },
        ..Config::default()
    };
    let handle = TrainerHandle::start(TrainerOptions {
        config,
        run_dir: dir,
        resume: None,
        total_steps: Some(1_500),
        visual: false,
        step_delay: Duration::ZERO,
        paused: false,
    })
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut most = 0;
    loop {
        most = most.max(threads_named("trainer"));
        let finished = handle
            .events()
            .try_iter()
            .any(|e| matches!(e, TrainerEvent::Finished { .. }));
        if finished || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    drop(handle);
    most
}

#[test]
fn the_trainer_thread_runs_torch_with_the_configured_thread_count() {
    assert_eq!(
        most_trainer_threads(1),
        1,
        "torch_threads: 1, yet the trainer thread started OpenMP workers"
    );
    // The check can see workers: with two threads allowed (and two cores) they appear.
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    if cores >= 2 {
        assert!(
            most_trainer_threads(2) >= 2,
            "torch_threads: 2 on {cores} cores, yet no OpenMP worker was seen"
        );
    } else {
        eprintln!("one core: the two-thread half of this test is skipped");
    }
}
