//! The trainer's events on their way to the watcher. The trainer never blocks on the
//! watcher: an event that finds the channel full waits here, in order, and goes out at the
//! next chance. The backlog is bounded, so a watcher that stops drawing costs no memory:
//! board frames are dropped before anything reaches here (their own channel keeps the
//! newest), then older metrics are merged into the newest (each is a snapshot of the whole
//! run), and only then, past [`BACKLOG_CAPACITY`], the oldest games are left out. Saves,
//! evaluations and the end are always kept.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crossbeam_channel::{Sender, TrySendError};

use super::protocol::TrainerEvent;

/// How long the watcher gets, when the trainer ends, to take what is left.
const LAST_CALL: Duration = Duration::from_secs(1);
/// Events that may wait for a watcher that does not take them (a few MB at most).
pub(super) const BACKLOG_CAPACITY: usize = 10_000;

/// Events waiting for room in the channel.
pub(super) struct Outbox {
    tx: Sender<TrainerEvent>,
    backlog: VecDeque<TrainerEvent>,
    /// Games and errors left out since the watcher last kept up.
    left_out: u64,
}

impl Outbox {
    /// An outbox in front of `tx`.
    pub(super) fn new(tx: Sender<TrainerEvent>) -> Outbox {
        Outbox {
            tx,
            backlog: VecDeque::new(),
            left_out: 0,
        }
    }

    /// Queues `event` behind any waiting ones and sends what fits.
    pub(super) fn send(&mut self, event: TrainerEvent) {
        self.backlog.push_back(event);
        if self.backlog.len() > BACKLOG_CAPACITY {
            self.shed();
        }
        self.flush();
    }

    /// Makes room: merges the waiting metrics into the newest, then leaves out the oldest
    /// games and errors until a quarter of the backlog is free.
    fn shed(&mut self) {
        let newest_metrics = self
            .backlog
            .iter()
            .rposition(|e| matches!(e, TrainerEvent::Metrics(_)));
        let mut i = 0;
        self.backlog.retain(|e| {
            let keep = !matches!(e, TrainerEvent::Metrics(_)) || Some(i) == newest_metrics;
            i += 1;
            keep
        });
        let target = BACKLOG_CAPACITY * 3 / 4;
        let mut over = self.backlog.len().saturating_sub(target);
        if over > 0 {
            let before = self.backlog.len();
            self.backlog.retain(|e| {
                let droppable = matches!(e, TrainerEvent::Episode(_) | TrainerEvent::Error(_));
                if droppable && over > 0 {
                    over -= 1;
                    false
                } else {
                    true
                }
            });
            let dropped = (before - self.backlog.len()) as u64;
            if self.left_out == 0 && dropped > 0 {
                tracing::warn!(
                    "the window is not taking the trainer's events; the oldest games waiting \
                     for it are left out of its charts (training goes on)"
                );
            }
            self.left_out += dropped;
        }
    }

    /// Events waiting for the watcher.
    #[cfg(test)]
    pub(super) fn waiting(&self) -> usize {
        self.backlog.len()
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
        self.left_out = 0;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::training::protocol::{Metrics, SaveReason};

    fn metrics(steps: u64) -> TrainerEvent {
        TrainerEvent::Metrics(Metrics {
            steps,
            ..Metrics::default()
        })
    }

    #[test]
    fn a_watcher_that_never_drains_costs_a_bounded_backlog_and_loses_no_save() {
        let (tx, rx) = crossbeam_channel::bounded(4);
        let mut outbox = Outbox::new(tx);
        let mut most = 0;
        let mut saves = 0;
        for step in 1..=1_000_000u64 {
            outbox.send(metrics(step));
            if step.is_multiple_of(7) {
                outbox.send(TrainerEvent::Error(format!("game {step}")));
            }
            if step.is_multiple_of(50_000) {
                saves += 1;
                outbox.send(TrainerEvent::Saved {
                    path: "run/latest".into(),
                    reason: SaveReason::Periodic,
                    steps: step,
                });
            }
            most = most.max(outbox.waiting());
        }
        assert!(most <= BACKLOG_CAPACITY, "{most}");
        let waiting: Vec<TrainerEvent> = rx.try_iter().chain(outbox.backlog.drain(..)).collect();
        let kept_saves = waiting
            .iter()
            .filter(|e| matches!(e, TrainerEvent::Saved { .. }))
            .count();
        assert_eq!(kept_saves, saves);
        // The newest metrics are there, so the window shows the run as it is now.
        assert!(
            waiting
                .iter()
                .any(|e| matches!(e, TrainerEvent::Metrics(m) if m.steps == 1_000_000))
        );
    }

    #[test]
    fn a_watcher_that_keeps_up_gets_every_event_in_order() {
        let (tx, rx) = crossbeam_channel::bounded(4);
        let mut outbox = Outbox::new(tx);
        let mut got = vec![];
        for step in 0..100 {
            outbox.send(metrics(step));
            got.extend(rx.try_iter());
        }
        let steps: Vec<u64> = got
            .iter()
            .map(|e| match e {
                TrainerEvent::Metrics(m) => m.steps,
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(steps, (0..100).collect::<Vec<_>>());
    }
}
