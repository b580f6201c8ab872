//! The DQN agent, the only place tch lives: the algorithm top to bottom (`dqn`), the value
//! network (`network`), Adam with a state that can be saved (`adam`), the replay ring
//! (`replay`), what the network sees of an afterstate (`observation`), the MLP in plain Rust
//! for scoring on the CPU (`plain_mlp`), safetensors files
//! (`safetensors`), and the device and libtorch facts (`device`). The rest of the program
//! sees plain `f32` slices, placements and a [`Device`].

mod adam;
pub mod device;
pub mod dqn;
mod network;
pub mod observation;
mod plain_mlp;
pub mod replay;
mod safetensors;

use std::path::PathBuf;

pub use device::{Device, describe_libtorch, use_torch_threads};
pub use dqn::{Action, Agent, Foresight, Settings, epsilon_at, reward_of};
pub use observation::Encoding;
pub use replay::{Batch, ReplayBuffer};

/// How many placements an agent that plays without learning (eval, watch, the hint, the bot)
/// looks at one piece further, unless told otherwise ([`Agent::set_lookahead`]). Measured on
/// the shipped tetris agent over ten games of 100,000 pieces (README): from 8 top-outs and a
/// 89.5% tetris rate to none and 98.1%, at about an eighth of the speed.
pub const DEFAULT_LOOKAHEAD: usize = 8;

/// How an agent that plays without learning looks ahead: its `beam` best placements (0: the
/// one-placement argmax that training acts by) played `depth` pieces further where the queue
/// knows them ([`Agent::set_lookahead`], [`Agent::set_depth`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Lookahead {
    /// Placements looked at further, and the width of the search's beam.
    pub beam: usize,
    /// Pieces played further (1: the next).
    pub depth: usize,
}

impl Lookahead {
    /// No lookahead: the one-placement argmax.
    pub const NONE: Lookahead = Lookahead { beam: 0, depth: 1 };

    /// Makes `agent` look ahead this way.
    pub fn apply(self, agent: &mut Agent) {
        agent.set_lookahead(self.beam);
        agent.set_depth(self.depth);
    }
}

impl std::fmt::Display for Lookahead {
    /// "none", "8" or "8, 3 pieces deep".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.beam, self.depth) {
            (0, _) => write!(f, "none"),
            (beam, 1) => write!(f, "{beam}"),
            (beam, depth) => write!(f, "{beam}, {depth} pieces deep"),
        }
    }
}

/// Weights of the network being trained.
pub const MODEL_FILE: &str = "model.safetensors";
/// Weights of the target network.
pub const TARGET_FILE: &str = "target.safetensors";
/// Adam's moments and step count.
pub const OPTIMIZER_FILE: &str = "optimizer.safetensors";

/// Why the agent could not be built, saved or loaded. Each message includes its cause (no
/// `source()` chain to print again).
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// Reading or writing a file failed.
    #[error("{path}: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    /// A checkpoint file is missing.
    #[error("{path} is missing")]
    Missing { path: PathBuf },
    /// A file's content cannot be used.
    #[error("{path} cannot be used: {what}")]
    Corrupt { path: PathBuf, what: String },
    /// The device asked for is not there.
    #[error("{0}")]
    Device(String),
}
