//! tetris-dqn: a DQN agent learns guideline Tetris while you watch. This library holds the
//! parts the binary composes: the engine (re-exported as [`game`]), the window ([`viz`]),
//! libtorch facts ([`torch_info`]) and the throughput benchmark ([`bench`]).

pub use tetris_game as game;

pub mod bench;
pub mod torch_info;
pub mod viz;
