//! The messages between the trainer thread and whoever watches it (the window, the headless
//! progress line, tests). Plain data: no tch type crosses this boundary.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::config::Objective;
use crate::game::{Game, Input, PieceGrid, PlaceOutcome, Placement, Quality};

/// Longest step delay in visual mode.
pub const MAX_STEP_DELAY: Duration = Duration::from_millis(100);

/// What the UI asks of the trainer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Command {
    /// Stop stepping until `Resume` (or `Stop`).
    Pause,
    /// Continue from the same step.
    Resume,
    /// Save `latest/` and end.
    Stop,
    /// Send board frames (true) or not (false); training is the same either way.
    SetVisual(bool),
    /// Wait this long after each step in visual mode (at most [`MAX_STEP_DELAY`]).
    SetStepDelay(Duration),
    /// Save `latest/` now.
    SaveNow,
    /// Abandon the game in progress and start a new one (watching).
    Restart,
}

/// A periodic summary of training; sent about ten times a second and on every state change.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Steps (placements) made in all, including those before a resume.
    pub steps: u64,
    /// Steps the run will stop at, if any.
    pub total_steps: Option<u64>,
    /// Steps per second over the last interval.
    pub steps_per_s: f64,
    /// Huber loss of the last learning step, once learning has started.
    pub loss: Option<f32>,
    /// Exploration rate now.
    pub epsilon: f64,
    /// Transitions in the replay ring, and its capacity.
    pub replay_len: usize,
    /// Capacity of the replay ring.
    pub replay_capacity: usize,
    /// Games finished.
    pub games: u64,
    /// Games played side by side (the numbers "this game" are the first one's).
    #[serde(default)]
    pub envs: u32,
    /// Lines of the game in progress.
    pub lines_this_game: u32,
    /// Score of the game in progress.
    pub score_this_game: u64,
    /// Most lines in one game so far.
    pub best_lines: u32,
    /// Mean lines of the last 100 games (None before the first game ends).
    pub mean_lines_100: Option<f64>,
    /// Quality of play of the game in progress.
    pub quality_this_game: Quality,
    /// Quality of play of the last 100 games together.
    pub quality_100: Quality,
    /// Whether the trainer is paused.
    pub paused: bool,
    /// Whether board frames are being sent.
    pub visual: bool,
    /// Delay after each step in visual mode.
    pub step_delay: Duration,
    /// Seconds of training in this run, including before a resume.
    pub elapsed_s: f64,
    /// True when a trained agent is being watched: no learning, nothing saved.
    pub watching: bool,
    /// The last periodic evaluation, if one has run (boxed: metrics go out ten times a
    /// second, evaluations rarely).
    pub last_eval: Option<Box<EvalRecord>>,
    /// The best periodic evaluation so far: the one `best/` holds.
    pub best_eval: Option<Box<EvalRecord>>,
    /// While the periodic evaluation plays (training waits for it): games finished and games
    /// in all.
    pub evaluating: Option<(u32, u32)>,
}

/// One periodic evaluation (`config::Evaluation`): the same seeded greedy games each time,
/// judged by the run's objective.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvalRecord {
    /// Training steps when it ran.
    pub steps: u64,
    /// What it was judged by.
    pub objective: Objective,
    /// Games played.
    pub games: u32,
    /// Games that topped out (the others reached the piece cap).
    pub topped_out: u32,
    /// The objective's figure over all games: mean lines, tetris rate (0 to 1) or attack per
    /// piece.
    pub figure: f64,
    /// Mean lines per game.
    pub mean_lines: f64,
    /// Quality of play over all games.
    pub quality: Quality,
}

impl EvalRecord {
    /// Whether this evaluation is better than `other`: fewer top-outs, then a higher figure.
    pub fn beats(&self, other: &EvalRecord) -> bool {
        self.topped_out < other.topped_out
            || (self.topped_out == other.topped_out && self.figure > other.figure)
    }

    /// The figure in words: "tetris rate 95.1%", "attack per piece 0.512", "1234 lines per
    /// game".
    pub fn figure_text(&self) -> String {
        match self.objective {
            Objective::Survival => format!("{:.0} lines per game", self.figure),
            Objective::Tetris => format!("tetris rate {:.1}%", self.figure * 100.0),
            Objective::Attack => format!("attack per piece {:.3}", self.figure),
            Objective::Versus => format!("{:.0} pieces under garbage", self.figure),
        }
    }

    /// "tetris rate 95.1%, 0 of 3 games topped out".
    pub fn summary(&self) -> String {
        format!(
            "{}, {} of {} games topped out",
            self.figure_text(),
            self.topped_out,
            self.games,
        )
    }
}

/// One finished game.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpisodeStats {
    /// Game number, from 1.
    pub game: u64,
    /// Which of the games played side by side it was (0 for the first, the one the window
    /// shows).
    #[serde(default)]
    pub env: u32,
    /// Steps in all when it ended.
    pub steps: u64,
    /// Lines cleared.
    pub lines: u32,
    /// Guideline score.
    pub score: u64,
    /// Pieces placed.
    pub pieces: u64,
    /// True when it was cut at `max_pieces_per_game` rather than topping out.
    pub truncated: bool,
    /// Epsilon when it ended.
    pub epsilon: f64,
    /// Loss of the last learning step, if any.
    pub loss: Option<f32>,
    /// Quality of play: clears by kind, tetris rate, attack, back-to-back, stack.
    pub quality: Quality,
    /// Mean lines of the last 100 games, this one included (the one rolling mean: the
    /// metrics, the panel and the chart all show the learner's).
    pub mean_lines_100: f64,
    /// Quality of play of the last 100 games together, this one included.
    pub quality_100: Quality,
}

/// One placement, for the window to animate: the game and its colours before the piece
/// moves, the placement chosen, the inputs that reach it, and what locking it did.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BoardFrame {
    /// Steps in all after this placement.
    pub steps: u64,
    /// Game number, from 1.
    pub game_number: u64,
    /// The game before the placement (board, current piece, hold, next queue, score).
    pub before: Game,
    /// Colours of the board's cells before the placement.
    pub grid: PieceGrid,
    /// The placement made.
    pub placement: Placement,
    /// Shortest inputs from spawn to it, ending with the hard drop.
    pub path: Vec<Input>,
    /// What locking it did.
    pub outcome: PlaceOutcome,
    /// Whether it was a random (exploring) choice.
    pub explored: bool,
}

#[cfg(test)]
impl BoardFrame {
    /// For tests: the frame of `before`'s `index`-th placement (steps 1, game 1, fresh colours),
    /// and the game after it.
    pub(crate) fn of_placement(before: &Game, index: usize) -> (BoardFrame, Game) {
        let placement = before.placements()[index];
        let mut after = before.clone();
        let outcome = after.place(&placement).expect("a listed placement");
        let frame = BoardFrame {
            steps: 1,
            game_number: 1,
            path: before
                .input_path(&placement)
                .expect("a listed placement's path"),
            before: before.clone(),
            grid: PieceGrid::default(),
            placement,
            outcome,
            explored: false,
        };
        (frame, after)
    }
}

/// Why a checkpoint was written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum SaveReason {
    /// A periodic evaluation beat every earlier one.
    Best(EvalRecord),
    /// Every `save_every_steps`.
    Periodic,
    /// Asked for (Save now).
    Requested,
    /// The trainer is ending.
    Stop,
}

impl std::fmt::Display for SaveReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SaveReason::Best(eval) => write!(f, "best ({})", eval.summary()),
            SaveReason::Periodic => f.write_str("periodic"),
            SaveReason::Requested => f.write_str("save now"),
            SaveReason::Stop => f.write_str("on stop"),
        }
    }
}

/// Why the trainer ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FinishReason {
    /// It reached its step count.
    StepsReached,
    /// It was told to stop (or its handle was dropped).
    Stopped,
    /// It failed; the message was sent as [`TrainerEvent::Error`].
    Failed,
}

impl FinishReason {
    /// "training stopped after 1234 steps and 5 games": the last line a run prints.
    pub fn summary(&self, steps: u64, games: u64) -> String {
        let how = match self {
            FinishReason::StepsReached => "reached its step count",
            FinishReason::Stopped => "stopped",
            FinishReason::Failed => "failed",
        };
        format!("training {how} after {steps} steps and {games} games")
    }
}

/// Everything the trainer tells its watcher, except board frames. None is dropped while the
/// watcher keeps up; one that stops taking them sees older metrics merged and, past a bound,
/// the oldest games left out (`training::outbox`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum TrainerEvent {
    /// Counters and rates.
    Metrics(Metrics),
    /// A game ended.
    Episode(EpisodeStats),
    /// A periodic evaluation ran; `best` when it beat every earlier one (`best/` is then
    /// saved).
    Evaluated { record: EvalRecord, best: bool },
    /// A checkpoint was written.
    Saved {
        path: PathBuf,
        reason: SaveReason,
        steps: u64,
    },
    /// Something failed; the text is for people.
    Error(String),
    /// The trainer thread has ended; nothing follows.
    Finished {
        reason: FinishReason,
        steps: u64,
        games: u64,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(topped_out: u32, figure: f64) -> EvalRecord {
        EvalRecord {
            steps: 1,
            objective: Objective::Tetris,
            games: 3,
            topped_out,
            figure,
            mean_lines: 0.0,
            quality: Quality::default(),
        }
    }

    #[test]
    fn fewer_top_outs_beat_a_higher_figure() {
        assert!(eval(0, 0.5).beats(&eval(1, 0.99)));
        assert!(!eval(1, 0.99).beats(&eval(0, 0.5)));
        assert!(eval(1, 0.9).beats(&eval(1, 0.8)));
        assert!(!eval(1, 0.8).beats(&eval(1, 0.8)), "ties keep the older");
        assert_eq!(
            eval(0, 0.951).summary(),
            "tetris rate 95.1%, 0 of 3 games topped out"
        );
    }
}
