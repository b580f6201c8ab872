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
