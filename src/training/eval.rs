//! Greedy evaluation: the checkpoint's network plays seeded games with no exploration and no
//! learning; lines and score are summarised, and the quality of play (clears, tetris rate,
//! attack, back-to-back, stack) is recorded per game and over all games.

use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::protocol::EvalRecord;
use crate::agent::Agent;
use crate::config::{Evaluation, Objective};
use crate::game::{Game, GarbageSchedule, Incoming, Quality};

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
    /// Placements looked further at each move (0: the one-placement argmax).
    pub lookahead: usize,
    /// Pieces the lookahead plays further (1: the next).
    pub depth: usize,
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

/// One greedy game that can be played a few pieces at a time: what [`play_greedy`] and the
/// periodic evaluation (which must stop for the trainer's commands) both play.
#[derive(Debug)]
struct GreedyGame {
    seed: u64,
    game: Game,
    quality: Quality,
    max_pieces: u64,
    /// No placement was left (the game cannot go on).
    stuck: bool,
    /// The garbage arriving (objective Versus), if any.
    incoming: Option<Incoming>,
}

/// Mixed into a game's seed for its garbage's stream.
const GARBAGE_STREAM: u64 = 0x9a4b_a6e0_57ee_d00d;

impl GreedyGame {
    fn new(seed: u64, max_pieces: u64, garbage: Option<&GarbageSchedule>) -> GreedyGame {
        GreedyGame {
            seed,
            game: Game::new(seed),
            quality: Quality::default(),
            max_pieces,
            stuck: false,
            // Its own stream, apart from the pieces': the same games with or without garbage.
            incoming: garbage.map(|g| Incoming::new(seed ^ GARBAGE_STREAM, g.clone())),
        }
    }

    /// Whether the game has ended: by top-out, by the piece cap, or with nothing to place.
    fn is_over(&self) -> bool {
        self.stuck
            || self.game.is_over()
            || (self.max_pieces > 0 && self.game.pieces_placed() >= self.max_pieces)
    }

    /// Places one piece (with nothing to place, the game is over).
    fn play_one(&mut self, agent: &mut Agent) {
        let Some(best) = agent.choose(&self.game) else {
            self.stuck = true;
            return;
        };
        let outcome = self
            .game
            .place(&best)
            .expect("the search's placements are legal in their game");
        self.quality.record(&outcome, self.game.board());
        if let Some(incoming) = &mut self.incoming {
            incoming.after_lock(&mut self.game, &outcome);
        }
    }

    fn result(self) -> GameResult {
        let quality = self.quality;
        GameResult {
            seed: self.seed,
            lines: self.game.score().lines,
            score: self.game.score().score,
            pieces: self.game.pieces_placed(),
            topped_out: self.game.is_over(),
            tetris_rate: quality.tetris_rate(),
            attack_per_piece: quality.attack_per_piece(),
            base_points_per_line: quality.base_points_per_line(),
            quality,
        }
    }
}

/// Greedy play of one game with `agent`; stops at `max_pieces` (0: no cap). `on_pieces` sees
/// the piece count every [`PROGRESS_EVERY`] pieces.
pub fn play_greedy(
    agent: &mut Agent,
    seed: u64,
    max_pieces: u64,
    mut on_pieces: impl FnMut(u64),
) -> GameResult {
    let mut game = GreedyGame::new(seed, max_pieces, None);
    while !game.is_over() {
        let placed = game.game.pieces_placed();
        if placed.is_multiple_of(PROGRESS_EVERY) && placed > 0 {
            on_pieces(placed);
        }
        game.play_one(agent);
    }
    game.result()
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

/// Plays `games` seeded games with `agent` (a checkpoint's, trained `checkpoint_steps` steps,
/// looking ahead as it was set to); `on_progress` sees each game's progress and end. What the
/// `eval` command reports.
pub fn evaluate(
    agent: &mut Agent,
    checkpoint_steps: u64,
    games: u32,
    max_pieces: u64,
    seed: u64,
    on_progress: impl FnMut(EvalProgress),
) -> EvalReport {
    let started = Instant::now();
    let results = play_seeded(agent, games, max_pieces, seed, on_progress);
    let seconds = started.elapsed().as_secs_f64().max(1e-9);
    let pieces: u64 = results.iter().map(|r| r.pieces).sum();
    let lines: Vec<f64> = results.iter().map(|r| r.lines as f64).collect();
    let score: Vec<f64> = results.iter().map(|r| r.score as f64).collect();
    let mut quality = Quality::default();
    for r in &results {
        quality.add(&r.quality);
    }
    EvalReport {
        checkpoint_steps,
        lookahead: agent.lookahead(),
        depth: agent.depth(),
        lines: Summary::of(&lines),
        score: Summary::of(&score),
        pieces_per_s: pieces as f64 / seconds,
        topped_out: results.iter().filter(|r| r.topped_out).count() as u32,
        tetris_rate: quality.tetris_rate(),
        attack_per_piece: quality.attack_per_piece(),
        base_points_per_line: quality.base_points_per_line(),
        quality,
        games: results,
    }
}

/// A deadline that never comes (a year away), for playing an evaluation to its end.
pub(super) fn no_deadline() -> Instant {
    Instant::now() + std::time::Duration::from_secs(365 * 24 * 3600)
}

/// The periodic evaluation of a training run at step `steps`, played a slice at a time so
/// that the trainer can take its commands in between: `schedule.games` greedy games seeded
/// from `schedule.seed` (the same games every time), judged by `objective`. It touches no
/// training state, so where it is cut into slices does not change its result.
#[derive(Debug)]
pub struct PeriodicEvaluation {
    steps: u64,
    objective: Objective,
    games: u32,
    max_pieces: u64,
    seeds: ChaCha8Rng,
    playing: Option<GreedyGame>,
    finished: u32,
    quality: Quality,
    topped_out: u32,
    lines: u64,
    pieces: u64,
    /// The run's garbage, which the games take when the objective is Versus.
    garbage: GarbageSchedule,
}

impl PeriodicEvaluation {
    /// An evaluation at step `steps`, nothing played yet; with objective Versus its games
    /// take `garbage`.
    pub fn new(
        schedule: &Evaluation,
        objective: Objective,
        garbage: &GarbageSchedule,
        steps: u64,
    ) -> PeriodicEvaluation {
        PeriodicEvaluation {
            steps,
            objective,
            pieces: 0,
            garbage: garbage.clone(),
            games: schedule.games,
            max_pieces: schedule.max_pieces,
            seeds: ChaCha8Rng::seed_from_u64(schedule.seed),
            playing: None,
            finished: 0,
            quality: Quality::default(),
            topped_out: 0,
            lines: 0,
        }
    }

    /// Games finished so far, of [`PeriodicEvaluation::games`].
    pub fn games_done(&self) -> u32 {
        self.finished
    }

    /// Games it plays in all.
    pub fn games(&self) -> u32 {
        self.games
    }

    /// Plays on until `deadline` (at least one piece) or the end; the record once every game
    /// has been played.
    pub fn advance(&mut self, agent: &mut Agent, deadline: Instant) -> Option<EvalRecord> {
        loop {
            if self.finished >= self.games {
                return Some(self.record());
            }
            let game = match &mut self.playing {
                Some(game) => game,
                None => {
                    let seed = self.seeds.random();
                    let garbage = (self.objective == Objective::Versus).then_some(&self.garbage);
                    self.playing
                        .insert(GreedyGame::new(seed, self.max_pieces, garbage))
                }
            };
            if !game.is_over() {
                game.play_one(agent);
            }
            if game.is_over() {
                let result = self.playing.take().expect("a game is in progress").result();
                self.quality.add(&result.quality);
                self.topped_out += result.topped_out as u32;
                self.lines += result.lines as u64;
                self.pieces += result.pieces;
                self.finished += 1;
            }
            if Instant::now() >= deadline && self.finished < self.games {
                return None;
            }
        }
    }

    fn record(&self) -> EvalRecord {
        let mean_lines = self.lines as f64 / self.games.max(1) as f64;
        EvalRecord {
            steps: self.steps,
            objective: self.objective,
            games: self.games,
            topped_out: self.topped_out,
            figure: match self.objective {
                Objective::Survival => mean_lines,
                Objective::Tetris => self.quality.tetris_rate(),
                Objective::Attack => self.quality.attack_per_piece(),
                Objective::Versus => self.pieces as f64 / self.games.max(1) as f64,
            },
            mean_lines,
            quality: self.quality,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_evaluation_cut_into_slices_gives_the_record_of_one_played_at_once() {
        let config = crate::config::Config {
            network: crate::config::Network::Mlp {
                hidden: vec![8],
                context: true,
            },
            ..Default::default()
        };
        let obs_len = crate::agent::Encoding::for_network(&config.network).len();
        let mut agent = Agent::new(
            &config,
            crate::agent::Device::CPU,
            &mut ChaCha8Rng::seed_from_u64(3),
            crate::agent::ReplayBuffer::new(1, obs_len),
        );
        let schedule = Evaluation {
            every_steps: 1,
            games: 3,
            max_pieces: 50,
            seed: 9,
        };
        let garbage = GarbageSchedule {
            chance: 0.5,
            ..GarbageSchedule::default()
        };
        let mut figures = Vec::new();
        for objective in [Objective::Survival, Objective::Versus] {
            let at_once = PeriodicEvaluation::new(&schedule, objective, &garbage, 7)
                .advance(&mut agent, no_deadline())
                .expect("with no deadline it plays to the end");
            let mut sliced = PeriodicEvaluation::new(&schedule, objective, &garbage, 7);
            let mut slices = 0;
            // A deadline already past: one piece per slice.
            let record = loop {
                slices += 1;
                if let Some(r) = sliced.advance(&mut agent, Instant::now()) {
                    break r;
                }
                assert!(sliced.games_done() < 3);
            };
            assert_eq!(record, at_once);
            assert!(slices as u64 >= at_once.quality.placements, "{slices}");
            figures.push((
                at_once.mean_lines,
                at_once.quality.placements,
                at_once.figure,
            ));
        }
        // Versus: the same games with garbage arriving (other lines), ranked by their pieces.
        let (solo, versus) = (figures[0], figures[1]);
        assert_ne!(
            (solo.0, solo.1),
            (versus.0, versus.1),
            "garbage changed nothing"
        );
        assert_eq!(versus.2, versus.1 as f64 / 3.0);
    }

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
