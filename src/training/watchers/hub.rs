//! The hub: one thread in the training process takes everything the trainer sends and hands
//! a copy to each watcher's bounded queue, keeping the run's status, chart history and last
//! board frame for the next one to join. A watcher whose queue is full is dropped with a
//! logged reason; board frames only ever replace the one a watcher has not taken yet. The
//! trainer's handle lives here: the run ends when the trainer does, not when a watcher goes.

use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender, TrySendError, select};

use super::attach_error::AttachError;
use super::record::{ChartHistory, RunStatus};
use super::watcher::{Farewell, RunInfo, Snapshot, Source, WATCHER_QUEUE, Watcher, WatcherKind};
use crate::training::TrainerHandle;
use crate::training::protocol::{BoardFrame, Command, TrainerEvent};

/// How the farewell of a watcher dropped for falling behind begins (it may join again).
pub const FELL_BEHIND: &str = "this watcher fell";

/// What the hub thread and the watchers share.
pub(crate) struct Shared {
    state: Mutex<State>,
    info: RunInfo,
    commands: Sender<Command>,
}

struct State {
    status: RunStatus,
    history: ChartHistory,
    frame: Option<Arc<BoardFrame>>,
    watchers: Vec<Entry>,
    next_id: u64,
    /// The trainer has ended: no one else joins the live stream.
    ended: bool,
}

/// One watcher's end of its queues.
struct Entry {
    id: u64,
    kind: WatcherKind,
    events: Sender<TrainerEvent>,
    frames: Sender<Arc<BoardFrame>>,
    /// The frames channel's other end, to drop the frame not yet taken for the newest.
    stale: Receiver<Arc<BoardFrame>>,
    farewell: Farewell,
}

/// The running trainer and its watchers.
pub struct Hub {
    shared: Arc<Shared>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Hub {
    /// Takes over the trainer's handle; `history` is what the run folder had recorded before
    /// this process (empty for a new run).
    pub fn start(handle: TrainerHandle, history: ChartHistory) -> std::io::Result<Hub> {
        let info = RunInfo {
            run_name: handle.run_name().to_string(),
            run_dir: handle.run_dir().to_path_buf(),
            device_name: handle.device_name().to_string(),
            watching: handle.is_watching(),
            pid: std::process::id(),
        };
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                status: RunStatus::default(),
                history,
                frame: None,
                watchers: Vec::new(),
                next_id: 0,
                ended: false,
            }),
            info,
            commands: handle.sender(),
        });
        let for_thread = shared.clone();
        let thread = std::thread::Builder::new()
            .name("hub".into())
            .spawn(move || forward(handle, &for_thread))?;
        Ok(Hub {
            shared,
            thread: Mutex::new(Some(thread)),
        })
    }

    /// A new watcher of this run.
    pub fn watch(&self, kind: WatcherKind) -> Watcher {
        Hub::watch_shared(&self.shared, kind)
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    pub(crate) fn watch_shared(shared: &Arc<Shared>, kind: WatcherKind) -> Watcher {
        let (events_tx, events) = crossbeam_channel::bounded(WATCHER_QUEUE);
        let (frames_tx, frames) = crossbeam_channel::bounded(1);
        let farewell = Farewell::default();
        let mut state = lock(shared);
        let snapshot = snapshot_of(&state, &shared.info);
        let id = state.next_id;
        state.next_id += 1;
        if state.ended {
            farewell.say("the run has ended");
        } else if kind != WatcherKind::Status {
            state.watchers.push(Entry {
                id,
                kind,
                events: events_tx,
                frames: frames_tx,
                stale: frames.clone(),
                farewell: farewell.clone(),
            });
        }
        drop(state);
        Watcher::new(
            shared.info.clone(),
            kind,
            snapshot,
            events,
            frames,
            shared.commands.clone(),
            farewell,
            Box::new(Subscription {
                hub: shared.clone(),
                id,
            }),
        )
    }

    /// The run as it is now.
    pub fn snapshot(&self) -> Snapshot {
        snapshot_of(&lock(&self.shared), &self.shared.info)
    }

    /// Watchers now, by kind.
    #[cfg(test)]
    fn watchers(&self) -> Vec<WatcherKind> {
        lock(&self.shared).watchers.iter().map(|w| w.kind).collect()
    }

    /// Asks the trainer to stop (it saves `latest/` first).
    pub fn stop(&self) {
        let _ = self.shared.commands.send(Command::Stop);
    }

    /// Waits for the trainer to end and the hub to hand out its last events.
    pub fn join(&self) {
        let thread = self.thread.lock().ok().and_then(|mut t| t.take());
        if let Some(thread) = thread {
            let _ = thread.join();
        }
    }
}

impl Drop for Hub {
    /// Like the trainer's handle: the run stops (saving) and is waited for.
    fn drop(&mut self) {
        self.stop();
        self.join();
    }
}

fn lock(shared: &Shared) -> MutexGuard<'_, State> {
    // A watcher that panicked while holding the lock leaves plain data behind: go on with it.
    shared.state.lock().unwrap_or_else(|e| e.into_inner())
}

fn snapshot_of(state: &State, info: &RunInfo) -> Snapshot {
    Snapshot {
        info: info.clone(),
        status: state.status.clone(),
        history: state.history.clone(),
        frame: state.frame.as_deref().cloned(),
    }
}

/// A watcher's place on the hub.
struct Subscription {
    hub: Arc<Shared>,
    id: u64,
}

impl Source for Subscription {
    fn rejoin(&self, kind: WatcherKind) -> Result<Watcher, AttachError> {
        Ok(Hub::watch_shared(&self.hub, kind))
    }

    fn leave(&self) {
        leave(&self.hub, self.id);
    }

    fn address(&self) -> Option<String> {
        None
    }
}

/// Takes watcher `id` off the hub (its queues close). When the last window leaves, visual
/// mode goes off: nobody is left to see the frames.
fn leave(shared: &Shared, id: u64) {
    let mut state = lock(shared);
    let Some(i) = state.watchers.iter().position(|w| w.id == id) else {
        return;
    };
    let gone = state.watchers.remove(i);
    let windows_left = state.watchers.iter().any(|w| w.kind == WatcherKind::Window);
    let visual = state.status.metrics.as_ref().is_some_and(|m| m.visual);
    if gone.kind == WatcherKind::Window && !windows_left && visual {
        let _ = shared.commands.send(Command::SetVisual(false));
    }
}

/// The hub thread: until the trainer ends, every event and frame to every watcher.
fn forward(handle: TrainerHandle, shared: &Shared) {
    let events = handle.events().clone();
    let frames = handle.frames().clone();
    loop {
        select! {
            recv(events) -> event => match event {
                Ok(event) => hand_out(shared, event),
                Err(_) => break,
            },
            recv(frames) -> frame => {
                if let Ok(frame) = frame {
                    hand_out_frame(shared, Arc::new(frame));
                }
            },
        }
    }
    // The trainer has ended and sent everything: the queues close once drained.
    let mut state = lock(shared);
    state.ended = true;
    state.watchers.clear();
    drop(state);
    drop(handle); // joins the trainer thread, then releases the run folder's lock
}

fn hand_out(shared: &Shared, event: TrainerEvent) {
    let mut state = lock(shared);
    state.status.record(&event);
    state.history.record(&event);
    state
        .watchers
        .retain(|w| match w.events.try_send(event.clone()) {
            Ok(()) => true,
            Err(TrySendError::Full(_)) => {
                let why = format!(
                    "{FELL_BEHIND} {WATCHER_QUEUE} events behind the run and was dropped; join \
                 again for a fresh view"
                );
                tracing::warn!("a {:?} watcher of the run was dropped: {why}", w.kind);
                w.farewell.say(why);
                false
            }
            Err(TrySendError::Disconnected(_)) => false,
        });
}

fn hand_out_frame(shared: &Shared, frame: Arc<BoardFrame>) {
    let mut state = lock(shared);
    for w in state
        .watchers
        .iter()
        .filter(|w| w.kind == WatcherKind::Window)
    {
        if let Err(TrySendError::Full(frame)) = w.frames.try_send(frame.clone()) {
            let _ = w.stale.try_recv();
            let _ = w.frames.try_send(frame);
        }
    }
    state.frame = Some(frame);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::training::TrainerOptions;
    use std::time::Duration;

    fn smoke_run(name: &str) -> TrainerHandle {
        let dir =
            std::env::temp_dir().join(format!("tetris-dqn-hub-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let config =
            crate::config::Config::load(std::path::Path::new("configs/smoke.ron")).unwrap();
        TrainerHandle::start(TrainerOptions {
            config,
            run_dir: dir,
            resume: None,
            total_steps: Some(400),
            visual: true,
            step_delay: Duration::ZERO,
            paused: true,
        })
        .unwrap()
    }

    #[test]
    fn a_watcher_that_stops_taking_events_is_dropped_and_the_others_go_on() {
        let (commands, _rx) = crossbeam_channel::unbounded();
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                status: RunStatus::default(),
                history: ChartHistory::default(),
                frame: None,
                watchers: Vec::new(),
                next_id: 0,
                ended: false,
            }),
            info: RunInfo {
                run_name: "t".into(),
                run_dir: "t".into(),
                device_name: "cpu".into(),
                watching: false,
                pid: 1,
            },
            commands,
        });
        let stalled = Hub::watch_shared(&shared, WatcherKind::Window);
        let keeping_up = Hub::watch_shared(&shared, WatcherKind::Progress);
        for i in 0..WATCHER_QUEUE as u64 + 10 {
            hand_out(&shared, TrainerEvent::Error(format!("{i}")));
            keeping_up.events().try_iter().for_each(drop);
        }
        assert!(
            stalled
                .farewell()
                .unwrap()
                .contains("fell 16384 events behind")
        );
        assert_eq!(stalled.events().try_iter().count(), WATCHER_QUEUE);
        assert!(stalled.events().try_recv().is_err(), "its queue is closed");
        assert_eq!(lock(&shared).watchers.len(), 1);
        drop(keeping_up);
        assert!(lock(&shared).watchers.is_empty());
    }

    #[test]
    fn every_watcher_gets_every_event_and_none_joins_an_ended_run() {
        let hub = Hub::start(smoke_run("fanout"), ChartHistory::default()).unwrap();
        let a = hub.watch(WatcherKind::Window);
        let b = hub.watch(WatcherKind::Progress);
        assert!(a.resume(), "the run starts paused, so that both see it all");
        hub.join();
        let steps = |w: &Watcher| -> Vec<u64> {
            w.events()
                .try_iter()
                .filter_map(|e| match e {
                    TrainerEvent::Episode(e) => Some(e.steps),
                    _ => None,
                })
                .collect()
        };
        let (sa, sb) = (steps(&a), steps(&b));
        assert!(!sa.is_empty());
        assert_eq!(sa, sb);
        assert!(
            hub.watchers().is_empty(),
            "the queues close when the run ends"
        );
        let late = hub.watch(WatcherKind::Window);
        assert_eq!(late.farewell().as_deref(), Some("the run has ended"));
    }
}
