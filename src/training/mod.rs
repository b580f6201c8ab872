//! Training's bookkeeping around the agent: the learner (games and counters around each DQN
//! step), the trainer thread and its handle, the message protocol, checkpoints and their
//! checksums, the metrics and evaluations files, greedy evaluation (the `eval` command's and
//! training's periodic one, which chooses `best/`) and the play hint.

pub mod checkpoint;
pub mod checksums;
pub mod controls;
pub mod eval;
pub mod eval_log;
pub mod handle;
pub mod hint;
pub mod learner;
pub mod metrics_log;
mod outbox;
pub mod protocol;
pub mod run_folder;
pub mod run_record;
pub mod shipped;
mod trainer;
pub mod watchers;

pub use controls::Controls;
pub use handle::{TrainerHandle, TrainerOptions, TrainingError, WatchOptions};
pub use learner::Learner;
pub use protocol::{
    BoardFrame, Command, EpisodeStats, EvalRecord, FinishReason, Metrics, SaveReason, TrainerEvent,
};
