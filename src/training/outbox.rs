//! The trainer's events on their way to the watcher. The trainer never blocks on the
//! watcher: an event that finds the channel full waits here, in order, and goes out at the
//! next chance; none is dropped while the watcher is there.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crossbeam_channel::{Sender, TrySendError};

use super::protocol::TrainerEvent;

/// How long the watcher gets, when the trainer ends, to take what is left.
const LAST_CALL: Duration = Duration::from_secs(1);

/// Events waiting for room in the channel.
pub(super) struct Outbox {
    tx: Sender<TrainerEvent>,
    backlog: VecDeque<TrainerEvent>,
}

impl Outbox {
    /// An outbox in front of `tx`.
    pub(super) fn new(tx: Sender<TrainerEvent>) -> Outbox {
        Outbox {
            tx,
            backlog: VecDeque::new(),
        }
    }

    /// Queues `event` behind any waiting ones and sends what fits.
    pub(super) fn send(&mut self, event: TrainerEvent) {
        self.backlog.push_back(event);
        self.flush();
    }

    /// Sends waiting events until the channel is full; forgets them if the watcher is gone.
    pub(super) fn flush(&mut self) {
        while let Some(event) = self.backlog.pop_front() {
            match self.tx.try_send(event) {
                Ok(()) => {}
                Err(TrySendError::Full(event)) => {
                    self.backlog.push_front(event);
                    return;
                }
                Err(TrySendError::Disconnected(_)) => {
                    self.backlog.clear();
                    return;
                }
            }
        }
    }

    /// At the end: gives the watcher up to [`LAST_CALL`] to take what is left.
    pub(super) fn finish(&mut self) {
        let deadline = Instant::now() + LAST_CALL;
        while let Some(event) = self.backlog.pop_front() {
            let left = deadline.saturating_duration_since(Instant::now());
            if self.tx.send_timeout(event, left).is_err() {
                return;
            }
        }
    }
}
