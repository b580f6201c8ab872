//! `tetris-dqn bench`: throughput of the engine, and of training with the default config,
//! on this machine, one thread.

use std::time::{Duration, Instant};

use serde::Serialize;
use tetris_game::random_play::{RandomPlayStats, play_random};

use crate::config::Config;
use crate::training::{TrainerEvent, TrainerHandle, TrainerOptions, TrainingError};

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
    /// Training steps timed.
    pub train_steps: u64,
}

/// Steps per second of the default config's training, learning on, measured over `steps`
/// steps after the replay warm-up, through the trainer thread exactly as a user's headless run
/// makes them (its thread count, its channel, its saves and bookkeeping). Rates come from the trainer's own
/// clock in its metrics, from the first report after the warm-up to the last before the final
/// save. The run writes into a temporary folder that is removed afterwards.
pub fn train_steps_per_s(steps: u64) -> Result<f64, TrainingError> {
    let config = Config::default();
    let warmup = config.learning_starts;
    let total = warmup + steps;
    let dir = std::env::temp_dir().join(format!("tetris-dqn-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let handle = TrainerHandle::start(TrainerOptions {
        config,
        run_dir: dir.clone(),
        resume: None,
        total_steps: Some(total),
        visual: false,
        step_delay: Duration::ZERO,
        paused: false,
    });
    let handle = match handle {
        Ok(h) => h,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(e);
        }
    };
    // (steps, trainer seconds) of each metrics report from the warm-up on; the last one comes
    // when the step count is reached, before the final save.
    let mut before_warmup: Option<(u64, f64)> = None;
    let mut points: Vec<(u64, f64)> = Vec::new();
    for event in handle.events() {
        match event {
            TrainerEvent::Metrics(m) if m.steps < warmup => {
                before_warmup = Some((m.steps, m.elapsed_s));
            }
            TrainerEvent::Metrics(m) => points.push((m.steps, m.elapsed_s)),
            TrainerEvent::Finished { .. } => break,
            _ => {}
        }
    }
    drop(handle);
    let _ = std::fs::remove_dir_all(&dir);
    // A run too short for two reports after the warm-up is timed from the last one before it.
    let start = match points.first() {
        Some(&p) if points.len() >= 2 && p.0 < total => Some(p),
        _ => before_warmup,
    };
    Ok(match (start, points.last()) {
        (Some((s0, t0)), Some(&(s1, t1))) if s1 > s0 && t1 > t0 => (s1 - s0) as f64 / (t1 - t0),
        _ => 0.0,
    })
}

fn timed(pieces: u64, with_hold: bool) -> (RandomPlayStats, f64) {
    let start = Instant::now();
    let stats = play_random(pieces, 0x5eed, with_hold);
    (stats, start.elapsed().as_secs_f64().max(1e-9))
}

/// Plays `pieces` random pieces without hold, then with hold, then trains `train_steps`
/// steps, and reports rates.
pub fn run(pieces: u64, train_steps: u64) -> Result<BenchReport, TrainingError> {
    // A short warm-up so that the first timed run does not pay for cold caches.
    play_random(pieces / 20 + 1, 1, true);
    let (plain, plain_s) = timed(pieces, false);
    let (hold, hold_s) = timed(pieces, true);
    Ok(BenchReport {
        engine_pieces_per_s: plain.pieces as f64 / plain_s,
        engine_pieces_with_hold_per_s: hold.pieces as f64 / hold_s,
        placements_enumerated_per_s: hold.placements_enumerated as f64 / hold_s,
        placements_per_piece: hold.placements_enumerated as f64 / hold.pieces as f64,
        pieces,
        train_steps_per_s: train_steps_per_s(train_steps)?,
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
             {:>14.0} steps/s         (placements with learning on)",
            self.pieces,
            self.engine_pieces_per_s,
            self.engine_pieces_with_hold_per_s,
            self.placements_enumerated_per_s,
            self.placements_per_piece,
            self.train_steps,
            self.train_steps_per_s
        )
    }
}
