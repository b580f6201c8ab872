//! `tetris-dqn bench`: throughput of the engine, and of training with the default config,
//! on this machine, one thread.

use std::time::Instant;

use serde::Serialize;
use tetris_game::random_play::{RandomPlayStats, play_random};

use crate::config::Config;
use crate::training::Learner;

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
    /// `learning_starts` steps of warm-up.
    pub train_steps_per_s: f64,
    /// Training steps timed.
    pub train_steps: u64,
}

/// Steps per second of the default config's training, learning on, measured over `steps`
/// steps after the replay warm-up.
pub fn train_steps_per_s(steps: u64) -> f64 {
    let config = Config::default();
    tch::set_num_threads(config.torch_threads as i32);
    let warmup = config.learning_starts;
    let mut learner = Learner::new(config, tch::Device::Cpu);
    for _ in 0..warmup {
        learner.step();
    }
    let start = Instant::now();
    for _ in 0..steps {
        learner.step();
    }
    steps as f64 / start.elapsed().as_secs_f64().max(1e-9)
}

fn timed(pieces: u64, with_hold: bool) -> (RandomPlayStats, f64) {
    let start = Instant::now();
    let stats = play_random(pieces, 0x5eed, with_hold);
    (stats, start.elapsed().as_secs_f64().max(1e-9))
}

/// Plays `pieces` random pieces without hold, then with hold, then trains `train_steps`
/// steps, and reports rates.
pub fn run(pieces: u64, train_steps: u64) -> BenchReport {
    // A short warm-up so that the first timed run does not pay for cold caches.
    play_random(pieces / 20 + 1, 1, true);
    let (plain, plain_s) = timed(pieces, false);
    let (hold, hold_s) = timed(pieces, true);
    BenchReport {
        engine_pieces_per_s: plain.pieces as f64 / plain_s,
        engine_pieces_with_hold_per_s: hold.pieces as f64 / hold_s,
        placements_enumerated_per_s: hold.placements_enumerated as f64 / hold_s,
        placements_per_piece: hold.placements_enumerated as f64 / hold.pieces as f64,
        pieces,
        train_steps_per_s: train_steps_per_s(train_steps),
        train_steps,
    }
}

impl BenchReport {
    /// A short table for people.
    pub fn table(&self) -> String {
        format!(
            "engine, one thread, {} random pieces per run\n\
             {:>14.0} pieces/s        (random play, search of the current piece)\n\
             {:>14.0} pieces/s        (search of current and hold piece)\n\
             {:>14.0} placements/s    ({:.1} placements per piece)\n\
             training, default config, CPU, {} steps after the warm-up\n\
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
