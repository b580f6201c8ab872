//! Training: the learner (one DQN step), the trainer thread and its handle, the message
//! protocol, checkpoints, the metrics file, and greedy evaluation.

pub mod candidates;
pub mod checkpoint;
pub mod checksums;
pub mod eval;
pub mod hint;
pub mod learner;
pub mod metrics_log;
pub mod protocol;
pub mod trainer;

pub use learner::Learner;
pub use protocol::{
    BoardFrame, Command, EpisodeStats, FinishReason, Metrics, SaveReason, TrainerEvent,
};
pub use trainer::{TrainerHandle, TrainerOptions, TrainingError, WatchOptions};
