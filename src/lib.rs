//! tetris-dqn: a DQN agent learns guideline Tetris while you watch. This library holds the
//! parts the binary composes: the engine (re-exported as [`game`]), the run [`config`], the
//! DQN [`agent`] (the only place tch lives), [`training`] (trainer thread, checkpoints,
//! evaluation), the window and headless runner ([`viz`]), the throughput benchmark
//! ([`bench`]), the learning-curve [`report`] and the Tetris Bot Protocol bot ([`tbp`]), and
//! [`versus`] matches between agents, heuristics and TBP bots.

pub use tetris_game as game;

pub mod agent;
pub mod bench;
pub mod config;
pub mod report;
pub mod tbp;
pub mod training;
pub mod versus;
pub mod viz;
