//! `tetris-dqn bench`: throughput of the engine, and of training with the default config,
//! on this machine, one thread, with one game at a time and with the default number of games
//! side by side; with `--watchers`, training's rate with 0, 1 and 4 windows attached through
//! the run's socket, side by side.

use std::time::{Duration, Instant};

use serde::Serialize;
use tetris_game::random_play::{RandomPlayStats, play_random};

use crate::config::Config;
use crate::training::watchers::{self, Address, AttachError, Hub, ServeError, WatcherKind};
use crate::training::{TrainerEvent, TrainerHandle, TrainerOptions, TrainingError};

/// Why a benchmark could not run.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error(transparent)]
    Training(#[from] TrainingError),
    #[error(transparent)]
    Serve(#[from] ServeError),
    #[error(transparent)]
    Attach(#[from] AttachError),
    #[error("cannot start a thread: {0}")]
    Thread(#[from] std::io::Error),
}

/// Training's rate with windows attached, as `bench --watchers` measures it.
#[derive(Debug, Serialize)]
pub struct WatchersReport {
    /// Steps timed per run, after the warm-up.
    pub steps: u64,
    /// Rounds: each round runs every count of windows once, in turn.
    pub rounds: u32,
    /// (windows attached, mean steps/s, ratio to none).
    pub rows: Vec<(usize, f64, f64)>,
}

/// What `bench` measured.
#[derive(Debug, Serialize)]
pub struct BenchReport {
    /// Random placements played per second, placement search (current piece) included.
    pub engine_pieces_per_s: f64,
    /// The same with the hold piece searched too, as the agent plays.
    pub engine_pieces_with_hold_per_s: f64,
    /// Placements listed by the search per second (hold included).
    pub placements_enumerated_per_s: f64,
    /// Placements listed per piece on average (hold included).
    pub placements_per_piece: f64,
    /// Pieces played in each of the two runs.
    pub pieces: u64,
    /// Training steps (placements with learning on) per second, default config, CPU, after
    /// `learning_starts` steps of warm-up, made by the trainer thread as in a real run.
    pub train_steps_per_s: f64,
    /// Games the default config plays side by side.
    pub envs: u32,
    /// The same with one game at a time (`envs: 1`), measured in turn with the default.
    pub train_steps_per_s_one_game: f64,
    /// Training steps timed.
    pub train_steps: u64,
}

/// Steps per second of the default config's training, learning on, measured over `steps`
/// steps after the replay warm-up, through the trainer thread exactly as a user's headless run
/// makes them (its thread count, its channel, its saves and bookkeeping). Rates come from the trainer's own
/// clock in its metrics, from the first report after the warm-up to the last before the final
/// save. The run writes into a temporary folder that is removed afterwards.
pub fn train_steps_per_s(config: Config, steps: u64) -> Result<f64, BenchError> {
    timed_training(config, steps, false, 0)
}

/// As [`train_steps_per_s`], in visual mode when `visual`, with `windows` watchers attached
/// through the run's Unix socket; each takes its events and board frames as a window does
/// (the newest frame, about 60 times a second).
fn timed_training(
    config: Config,
    steps: u64,
    visual: bool,
    windows: usize,
) -> Result<f64, BenchError> {
    let warmup = config.learning_starts;
    let total = warmup + steps;
    let dir =
        std::env::temp_dir().join(format!("tetris-dqn-bench-{}-{windows}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let started = TrainerHandle::start(TrainerOptions {
        config,
        run_dir: dir.clone(),
        resume: None,
        total_steps: Some(total),
        visual,
        step_delay: Duration::ZERO,
        // Until every window has joined.
        paused: true,
    });
    let result = started.map_err(BenchError::from).and_then(|handle| {
        let hub = Hub::start(handle, Default::default())?;
        let server = watchers::Server::start(&hub, &dir, None)?;
        let mut drawn = Vec::new();
        for _ in 0..windows {
            let w = watchers::client::connect(&Address::Folder(dir.clone()), WatcherKind::Window)?;
            drawn.push(std::thread::Builder::new().spawn(move || like_a_window(&w))?);
        }
        let progress = hub.watch(WatcherKind::Progress);
        progress.resume();
        let rate = rate_of(&progress, warmup, total);
        hub.join();
        drop(server);
        for d in drawn {
            let _ = d.join();
        }
        Ok(rate)
    });
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// What an attached window asks of the run: every event, and the newest frame each redraw.
fn like_a_window(w: &watchers::Watcher) {
    loop {
        match w.events().recv_timeout(Duration::from_millis(16)) {
            Ok(TrainerEvent::Finished { .. }) => return,
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => return,
            _ => {}
        }
        w.events().try_iter().for_each(drop);
        if let Some(frame) = w.frames().try_iter().last() {
            std::hint::black_box(std::sync::Arc::unwrap_or_clone(frame));
        }
    }
}

/// Steps per second from the trainer's own clock: from the first metrics report after the
/// warm-up to the last before the end.
fn rate_of(progress: &watchers::Watcher, warmup: u64, total: u64) -> f64 {
    // (steps, trainer seconds) of each metrics report from the warm-up on; the last one comes
    // when the step count is reached, before the final save.
    let mut before_warmup: Option<(u64, f64)> = None;
    let mut points: Vec<(u64, f64)> = Vec::new();
    for event in progress.events() {
        match event {
            TrainerEvent::Metrics(m) if m.steps < warmup => {
                before_warmup = Some((m.steps, m.elapsed_s));
            }
            TrainerEvent::Metrics(m) if m.steps > 0 => points.push((m.steps, m.elapsed_s)),
            TrainerEvent::Finished { .. } => break,
            _ => {}
        }
    }
    // A run too short for two reports after the warm-up is timed from the last one before it.
    let start = match points.first() {
        Some(&p) if points.len() >= 2 && p.0 < total => Some(p),
        _ => before_warmup,
    };
    match (start, points.last()) {
        (Some((s0, t0)), Some(&(s1, t1))) if s1 > s0 && t1 > t0 => (s1 - s0) as f64 / (t1 - t0),
        _ => 0.0,
    }
}

/// Training in visual mode with 0, 1 and 4 windows attached, `rounds` times each in turn (so
/// that a slow moment of a shared machine falls on all of them alike).
pub fn watchers(steps: u64, rounds: u32) -> Result<WatchersReport, BenchError> {
    let counts = [0usize, 1, 4];
    let mut sums = [0.0f64; 3];
    // The first run in a process pays for libtorch's start-up: one untimed.
    timed_training(Config::default(), steps.min(2_000), true, 0)?;
    for _ in 0..rounds {
        for (i, &n) in counts.iter().enumerate() {
            sums[i] += timed_training(Config::default(), steps, true, n)?;
        }
    }
    let means: Vec<f64> = sums.iter().map(|s| s / rounds as f64).collect();
    let rows = counts
        .iter()
        .zip(&means)
        .map(|(&n, &m)| (n, m, if means[0] > 0.0 { m / means[0] } else { 0.0 }))
        .collect();
    Ok(WatchersReport {
        steps,
        rounds,
        rows,
    })
}

impl WatchersReport {
    /// A short table for people.
    pub fn table(&self) -> String {
        let mut t = format!(
            "training in visual mode, default config, CPU, {} steps after the warm-up, mean of {} \
             rounds\nwindows attached     steps/s   ratio to none\n",
            self.steps, self.rounds
        );
        for (n, rate, ratio) in &self.rows {
            t.push_str(&format!("{n:>16} {rate:>11.0} {ratio:>15.3}\n"));
        }
        t.trim_end().to_string()
    }
}

fn timed(pieces: u64, with_hold: bool) -> (RandomPlayStats, f64) {
    let start = Instant::now();
    let stats = play_random(pieces, 0x5eed, with_hold);
    (stats, start.elapsed().as_secs_f64().max(1e-9))
}

/// Plays `pieces` random pieces without hold, then with hold, then trains `train_steps`
/// steps with one game at a time and `train_steps` with the default config's games side by
/// side, in turn, and reports rates.
pub fn run(pieces: u64, train_steps: u64) -> Result<BenchReport, BenchError> {
    // A short warm-up so that the first timed run does not pay for cold caches.
    play_random(pieces / 20 + 1, 1, true);
    let (plain, plain_s) = timed(pieces, false);
    let (hold, hold_s) = timed(pieces, true);
    let default = Config::default();
    let one_game = Config {
        envs: 1,
        ..default.clone()
    };
    let envs = default.envs;
    // The first run in a process pays for libtorch's start-up.
    train_steps_per_s(default.clone(), 1_000)?;
    let train_steps_per_s_one_game = train_steps_per_s(one_game, train_steps)?;
    let train_steps_per_s = train_steps_per_s(default, train_steps)?;
    Ok(BenchReport {
        engine_pieces_per_s: plain.pieces as f64 / plain_s,
        engine_pieces_with_hold_per_s: hold.pieces as f64 / hold_s,
        placements_enumerated_per_s: hold.placements_enumerated as f64 / hold_s,
        placements_per_piece: hold.placements_enumerated as f64 / hold.pieces as f64,
        pieces,
        train_steps_per_s,
        envs,
        train_steps_per_s_one_game,
        train_steps,
    })
}

impl BenchReport {
    /// A short table for people.
    pub fn table(&self) -> String {
        format!(
            "engine, one thread, {} random pieces per run\n\
             {:>14.0} pieces/s        (random play, search of the current piece)\n\
             {:>14.0} pieces/s        (search of current and hold piece)\n\
             {:>14.0} placements/s    ({:.1} placements per piece)\n\
             training, default config, CPU, trainer thread, {} steps after the warm-up\n\
             {:>14.0} steps/s         (placements with learning on, 1 game at a time)\n\
             {:>14.0} steps/s         ({} games side by side, the default: {:.2}x)",
            self.pieces,
            self.engine_pieces_per_s,
            self.engine_pieces_with_hold_per_s,
            self.placements_enumerated_per_s,
            self.placements_per_piece,
            self.train_steps,
            self.train_steps_per_s_one_game,
            self.train_steps_per_s,
            self.envs,
            self.train_steps_per_s / self.train_steps_per_s_one_game.max(1e-9)
        )
    }
}
