//! The messages between the trainer thread and whoever watches it (the window, the headless
//! progress line, tests). Plain data: no tch type crosses this boundary.

use std::path::PathBuf;
use std::time::Duration;

use crate::game::{Game, Input, PieceGrid, PlaceOutcome, Placement, Quality};

/// Longest step delay in visual mode.
pub const MAX_STEP_DELAY: Duration = Duration::from_millis(100);

/// What the UI asks of the trainer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
#[derive(Clone, Debug, PartialEq)]
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
}

/// One finished game.
#[derive(Clone, Debug, PartialEq)]
pub struct EpisodeStats {
    /// Game number, from 1.
    pub game: u64,
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
#[derive(Clone, Debug)]
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

/// Why a checkpoint was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SaveReason {
    /// A game beat the most lines so far.
    Best { lines: u32 },
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
            SaveReason::Best { lines } => write!(f, "best ({lines} lines)"),
            SaveReason::Periodic => f.write_str("periodic"),
            SaveReason::Requested => f.write_str("save now"),
            SaveReason::Stop => f.write_str("on stop"),
        }
    }
}

/// Why the trainer ended.
#[derive(Clone, Debug, PartialEq, Eq)]
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

/// Everything the trainer tells its watcher, except board frames. Never dropped.
#[derive(Clone, Debug)]
pub enum TrainerEvent {
    /// Counters and rates.
    Metrics(Metrics),
    /// A game ended.
    Episode(EpisodeStats),
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
