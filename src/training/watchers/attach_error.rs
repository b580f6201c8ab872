//! [`AttachError`]: why a run could not be watched from another process.

use std::path::PathBuf;

use crate::training::run_folder::SOCKET_FILE;

/// Why a run could not be watched.
#[derive(Debug, thiserror::Error)]
pub enum AttachError {
    /// The folder has no socket: no run has served it.
    #[error(
        "{0} has no attach socket: no run is training there (a run started by this version of \
         tetris-dqn makes {SOCKET_FILE} in its folder while it trains)"
    )]
    NoSocket(PathBuf),
    /// The socket is there, but nobody answers: its run ended without removing it.
    #[error(
        "the run in {0} is not running (its socket {SOCKET_FILE} is left from a run that was \
         killed); continue it with `tetris-dqn train --resume {0}/latest`"
    )]
    NotRunning(PathBuf),
    /// No runs are going.
    #[error(
        "no run is training under {0}; start one with `tetris-dqn train --headless`, or name a \
         run folder or ADDR:PORT"
    )]
    NoneRunning(PathBuf),
    /// The token file could not be read.
    #[error("cannot read the token file {path}: {error}")]
    TokenFile {
        path: PathBuf,
        error: std::io::Error,
    },
    /// Connecting or talking failed.
    #[error("{address}: {error}")]
    Io {
        address: String,
        error: std::io::Error,
    },
    /// The run refused this client (a wrong token, another protocol).
    #[error("{address} refused to be watched: {why}")]
    Refused { address: String, why: String },
    /// What answered is not a tetris-dqn run, or broke the protocol.
    #[error("{address} is not a tetris-dqn run that can be attached to ({why})")]
    NotARun { address: String, why: String },
}
