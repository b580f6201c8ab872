//! The agent's suggestion while a person plays: a thread owns the checkpoint's network and
//! answers each position with the placement it would make (current piece or hold). The
//! window sends positions and polls answers; it never waits, and no tch type leaves here.

use std::path::Path;

use super::checkpoint::{self, CheckpointError};
use crate::agent::{Device, Lookahead};
use crate::game::{Game, Placement};
use crossbeam_channel::{Receiver, Sender};

/// A running hint thread.
#[derive(Debug)]
pub struct HintWorker {
    positions: Sender<Game>,
    answers: Receiver<(Game, Placement)>,
}

impl HintWorker {
    /// Loads the checkpoint in `dir` and starts the thread; the agent looks ahead by
    /// `lookahead`.
    pub fn start(
        dir: &Path,
        device: Device,
        lookahead: Lookahead,
    ) -> Result<HintWorker, CheckpointError> {
        let (mut agent, meta) = checkpoint::load_agent(dir, device)?;
        lookahead.apply(&mut agent);
        let (position_tx, position_rx) = crossbeam_channel::unbounded::<Game>();
        let (answer_tx, answer_rx) = crossbeam_channel::unbounded();
        let threads = meta.config.torch_threads as usize;
        std::thread::Builder::new()
            .name("hint".into())
            .spawn(move || {
                crate::agent::use_torch_threads(threads);
                while let Ok(mut game) = position_rx.recv() {
                    // Only the newest position matters.
                    while let Ok(newer) = position_rx.try_recv() {
                        game = newer;
                    }
                    if let Some(best) = agent.choose(&game)
                        && answer_tx.send((game, best)).is_err()
                    {
                        return;
                    }
                }
            })
            .map_err(|error| CheckpointError::Io {
                path: dir.to_owned(),
                error,
            })?;
        Ok(HintWorker {
            positions: position_tx,
            answers: answer_rx,
        })
    }

    /// Asks for the placement the agent would make in `game`.
    pub fn ask(&self, game: &Game) {
        let _ = self.positions.send(game.clone());
    }

    /// The newest answer, with the position it answers, if one has come.
    pub fn answer(&self) -> Option<(Game, Placement)> {
        self.answers.try_iter().last()
    }
}
