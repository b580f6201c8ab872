//! Greedy evaluation: the checkpoint's network plays seeded games with no exploration and no
//! learning; lines and score are summarised, and the quality of play (clears, tetris rate,
//! attack, back-to-back, stack) is recorded per game and over all games.

use std::path::Path;
use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::checkpoint::{self, CheckpointError};
use super::protocol::EvalRecord;
use crate::agent::{Agent, Device};
use crate::config::{Evaluation, Objective};
use crate::game::{Game, Quality};

/// How one game went.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GameResult {
    /// The game's seed.
    pub seed: u64,
    /// Lines cleared.
    pub lines: u32,
    /// Guideline score.
    pub score: u64,
    /// Pieces placed.
    pub pieces: u64,
    /// Whether it ended by topping out (else it reached the piece cap).
    pub topped_out: bool,
    /// Share of the lines that came from tetrises.
    pub tetris_rate: f64,
    /// Attack (common versus table) per piece.
    pub attack_per_piece: f64,
    /// Base points (level 1, no streak bonuses) per line.
    pub base_points_per_line: f64,
    /// Clear counts, attack, longest back-to-back chain, highest stack.
    #[serde(flatten)]
    pub quality: Quality,
}

/// Mean, median, min and max of one quantity.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    pub mean: f64,
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Summary {
    /// Summarises `values` (not empty).
    pub fn of(values: &[f64]) -> Summary {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let median = if n % 2 == 1 {
            sorted[n / 2]
        } else {
            (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
        };
        Summary {
            mean: sorted.iter().sum::<f64>() / n as f64,
            median,
            min: sorted[0],
            max: sorted[n - 1],
        }
    }
}

/// The result of `eval`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EvalReport {
    /// Steps the checkpoint had trained.
    pub checkpoint_steps: u64,
    /// Placements looked one piece further at each move (0: the one-placement argmax).
    pub lookahead: usize,
    /// Every game.
    pub games: Vec<GameResult>,
    /// Lines per game.
    pub lines: Summary,
    /// Score per game.
    pub score: Summary,
    /// Pieces placed per second over all games.
    pub pieces_per_s: f64,
    /// Games that topped out (the others reached the piece cap).
    pub topped_out: u32,
    /// Over all games: the share of lines from tetrises.
    pub tetris_rate: f64,
    /// Over all games: attack per piece.
    pub attack_per_piece: f64,
    /// Over all games: base points per line.
    pub base_points_per_line: f64,
    /// Over all games: clear counts and attack summed, the longest chain and highest stack.
    #[serde(flatten)]
    pub quality: Quality,
}

/// How often, in pieces, a game in progress reports itself.
pub const PROGRESS_EVERY: u64 = 1_000;

/// What `evaluate` reports while it plays.
#[derive(Debug)]
pub enum EvalProgress<'a> {
    /// Game `game` (0-based) has placed `pieces` pieces so far (every [`PROGRESS_EVERY`]).
    Playing { game: u32, pieces: u64 },
    /// Game `game` has ended.
    Ended { game: u32, result: &'a GameResult },
}

/// Greedy play of one game with `agent`; stops at `max_pieces` (0: no cap). `on_pieces` sees
/// the piece count every [`PROGRESS_EVERY`] pieces.
pub fn play_greedy(
    agent: &mut Agent,
    seed: u64,
    max_pieces: u64,
    mut on_pieces: impl FnMut(u64),
) -> GameResult {
    let mut game = Game::new(seed);
    let mut quality = Quality::default();
    while max_pieces == 0 || game.pieces_placed() < max_pieces {
        if game.pieces_placed().is_multiple_of(PROGRESS_EVERY) && game.pieces_placed() > 0 {
            on_pieces(game.pieces_placed());
        }
        let Some(best) = agent.choose(&game) else {
            break;
        };
        let outcome = game
            .place(&best)
            .expect("the search's placements are legal in their game");
        quality.record(&outcome, game.board());
        if game.is_over() {
            break;
        }
    }
    GameResult {
        seed,
        lines: game.score().lines,
        score: game.score().score,
        pieces: game.pieces_placed(),
        topped_out: game.is_over(),
        tetris_rate: quality.tetris_rate(),
        attack_per_piece: quality.attack_per_piece(),
        base_points_per_line: quality.base_points_per_line(),
        quality,
    }
}

/// Greedy play of `games` games whose seeds are drawn from `seed` (the same games for the same
/// seed); `on_progress` sees each game's progress and end. What `eval` and the periodic
/// evaluation both play.
fn play_seeded(
    agent: &mut Agent,
    games: u32,
    max_pieces: u64,
    seed: u64,
    mut on_progress: impl FnMut(EvalProgress),
) -> Vec<GameResult> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..games)
        .map(|game| {
            let r = play_greedy(agent, rng.random(), max_pieces, |pieces| {
                on_progress(EvalProgress::Playing { game, pieces });
            });
            on_progress(EvalProgress::Ended { game, result: &r });
            r
        })
        .collect()
}

/// Plays `games` seeded games with the checkpoint in `dir`; `on_progress` sees each game's
/// progress and end.
pub fn evaluate(
    dir: &Path,
    games: u32,
    max_pieces: u64,
    seed: u64,
    device: Device,
    lookahead: usize,
    on_progress: impl FnMut(EvalProgress),
) -> Result<EvalReport, CheckpointError> {
    let (mut agent, meta) = checkpoint::load_agent(dir, device)?;
    agent.set_lookahead(lookahead);
    crate::agent::use_torch_threads(meta.config.torch_threads as usize);
    let started = Instant::now();
    let results = play_seeded(&mut agent, games, max_pieces, seed, on_progress);
    let seconds = started.elapsed().as_secs_f64().max(1e-9);
    let pieces: u64 = results.iter().map(|r| r.pieces).sum();
    let lines: Vec<f64> = results.iter().map(|r| r.lines as f64).collect();
    let score: Vec<f64> = results.iter().map(|r| r.score as f64).collect();
    let mut quality = Quality::default();
    for r in &results {
        quality.add(&r.quality);
    }
    Ok(EvalReport {
        checkpoint_steps: meta.steps,
        lookahead,
        lines: Summary::of(&lines),
        score: Summary::of(&score),
        pieces_per_s: pieces as f64 / seconds,
        topped_out: results.iter().filter(|r| r.topped_out).count() as u32,
        tetris_rate: quality.tetris_rate(),
        attack_per_piece: quality.attack_per_piece(),
        base_points_per_line: quality.base_points_per_line(),
        quality,
        games: results,
    })
}

/// The periodic evaluation of a training run at step `steps`: `schedule.games` greedy games,
/// seeded from `schedule.seed` (the same games every time), judged by `objective`. Plays on
/// the caller's thread and touches no training state.
pub fn periodic(
    agent: &mut Agent,
    schedule: &Evaluation,
    objective: Objective,
    steps: u64,
) -> EvalRecord {
    let mut quality = Quality::default();
    let mut topped_out = 0;
    let mut lines = 0u64;
    let games = play_seeded(
        agent,
        schedule.games,
        schedule.max_pieces,
        schedule.seed,
        |_| {},
    );
    for game in &games {
        quality.add(&game.quality);
        topped_out += game.topped_out as u32;
        lines += game.lines as u64;
    }
    let mean_lines = lines as f64 / schedule.games.max(1) as f64;
    EvalRecord {
        steps,
        objective,
        games: schedule.games,
        topped_out,
        figure: match objective {
            Objective::Survival => mean_lines,
            Objective::Tetris => quality.tetris_rate(),
            Objective::Attack => quality.attack_per_piece(),
        },
        mean_lines,
        quality,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries() {
        let s = Summary::of(&[3.0, 1.0, 2.0, 10.0]);
        assert_eq!(
            s,
            Summary {
                mean: 4.0,
                median: 2.5,
                min: 1.0,
                max: 10.0
            }
        );
        assert_eq!(Summary::of(&[5.0]).median, 5.0);
    }
}
