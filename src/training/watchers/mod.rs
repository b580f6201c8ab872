//! Watchers of a run: anything that shows a run and steers it (the window in the training
//! process, the headless progress line, a window attached from another process). Each is a
//! [`Watcher`]: a snapshot of the run as it was when it joined, then the trainer's events
//! and board frames, and the trainer's commands. The [`hub::Hub`] hands them out in the
//! training process; [`server`] serves the same over a Unix socket in the run folder (and TCP
//! with a token when asked); [`client`] is the other end, in `tetris-dqn attach`. The trainer
//! never waits on a watcher: each has a bounded queue, and one that falls further behind than
//! it allows is dropped (it may join again, with a fresh snapshot).

pub mod attach_error;
pub mod client;
pub mod hub;
pub mod record;
pub mod server;
pub mod watcher;
pub mod wire;

pub use attach_error::AttachError;
pub use client::Address;
pub use hub::Hub;
pub use record::{ChartHistory, RunStatus};
pub use server::{ServeError, Server};
pub use watcher::{RunInfo, Snapshot, WATCHER_QUEUE, Watcher, WatcherKind};
