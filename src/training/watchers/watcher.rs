//! [`Watcher`]: one watcher's view of a run (a snapshot, then events, board frames and
//! commands), whatever it comes from: the hub in this process or a connection to another.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crossbeam_channel::{Receiver, Sender};
use serde::{Deserialize, Serialize};

use super::attach_error::AttachError;
use super::record::{ChartHistory, RunStatus};
use crate::training::controls::Controls;
use crate::training::protocol::{BoardFrame, Command, TrainerEvent};

/// Events a watcher's queue holds; one that lets more wait is dropped.
pub const WATCHER_QUEUE: usize = 16_384;

/// What a watcher is, as it says when it joins.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum WatcherKind {
    /// A window: gets board frames. When the last window leaves, visual mode goes off (no one
    /// is left to see the frames, and training runs at full speed).
    Window,
    /// A progress line: events only.
    Progress,
    /// `attach --list`: the snapshot, then the connection is closed.
    Status,
}

/// What does not change while a run goes on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    /// The config's run name (with "(watching)" when a trained agent plays).
    pub run_name: String,
    /// The run folder, as the training process names it.
    pub run_dir: PathBuf,
    /// Where the network runs ("cpu", "cuda:0").
    pub device_name: String,
    /// A trained agent playing: no learning, nothing saved.
    pub watching: bool,
    /// The training process.
    pub pid: u32,
}

/// The run as it is when a watcher joins.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Snapshot {
    pub info: RunInfo,
    pub status: RunStatus,
    pub history: ChartHistory,
    /// The last board frame, if visual mode has sent one.
    pub frame: Option<BoardFrame>,
}

/// Why a watcher's connection to its run ended, once it has.
#[derive(Clone, Debug, Default)]
pub(crate) struct Farewell(Arc<Mutex<Option<String>>>);

impl Farewell {
    pub(crate) fn say(&self, why: impl Into<String>) {
        if let Ok(mut w) = self.0.lock()
            && w.is_none()
        {
            *w = Some(why.into());
        }
    }

    pub(crate) fn get(&self) -> Option<String> {
        self.0.lock().ok().and_then(|w| w.clone())
    }
}

/// Where a watcher came from: the hub in this process, or a connection to another. It joins
/// again there, and leaving tells it.
pub(crate) trait Source: Send + Sync {
    /// A new watcher of the same run, of `kind`.
    fn rejoin(&self, kind: WatcherKind) -> Result<Watcher, AttachError>;
    /// This watcher has gone (it was dropped).
    fn leave(&self);
    /// Where the run is, in words, when it is in another process.
    fn address(&self) -> Option<String>;
}

/// One watcher's view of a run; its commands are the run's [`Controls`] (`watcher.pause()`).
pub struct Watcher {
    info: RunInfo,
    kind: WatcherKind,
    snapshot: Option<Snapshot>,
    events: Receiver<TrainerEvent>,
    frames: Receiver<Arc<BoardFrame>>,
    controls: Controls,
    farewell: Farewell,
    source: Box<dyn Source>,
    /// Stop the run when this watcher goes (the training process's own window).
    stop_when_dropped: AtomicBool,
}

impl std::fmt::Debug for Watcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watcher")
            .field("info", &self.info)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl Watcher {
    /// The run as it was when this watcher joined (once: the bridge takes it).
    pub fn take_snapshot(&mut self) -> Option<Snapshot> {
        self.snapshot.take()
    }

    /// Events after the snapshot: metrics, games, saves, errors, and `Finished` last. The
    /// channel closes when the run ends or the connection is lost ([`Watcher::farewell`]).
    pub fn events(&self) -> &Receiver<TrainerEvent> {
        &self.events
    }

    /// Board frames (windows only), newest last; older ones are left out when this watcher is
    /// behind.
    pub fn frames(&self) -> &Receiver<Arc<BoardFrame>> {
        &self.frames
    }

    /// Why the run dropped this watcher or the connection ended, once it has.
    pub fn farewell(&self) -> Option<String> {
        self.farewell.get()
    }

    /// Joins the same run again as the same kind, with a fresh snapshot.
    pub fn rejoin(&self) -> Result<Watcher, AttachError> {
        self.source.rejoin(self.kind)
    }

    /// Whether the run is in another process.
    pub fn is_remote(&self) -> bool {
        self.source.address().is_some()
    }

    /// A watcher from its parts (for the hub and the client).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        info: RunInfo,
        kind: WatcherKind,
        snapshot: Snapshot,
        events: Receiver<TrainerEvent>,
        frames: Receiver<Arc<BoardFrame>>,
        commands: Sender<Command>,
        farewell: Farewell,
        source: Box<dyn Source>,
    ) -> Watcher {
        Watcher {
            controls: Controls::new(commands, info.watching),
            info,
            kind,
            snapshot: Some(snapshot),
            events,
            frames,
            farewell,
            source,
            stop_when_dropped: AtomicBool::new(false),
        }
    }

    /// Whether the run stops (saving) the moment this watcher goes: set for the window of the
    /// training process, whose closing ends the run, and cleared when it is left on purpose
    /// (H). Stopping first, not after the window has torn down, keeps the run from stepping on
    /// meanwhile.
    pub fn stop_when_dropped(&self, on: bool) {
        self.stop_when_dropped.store(on, Ordering::SeqCst);
    }

    /// Whether the run stops when this watcher goes ([`Watcher::stop_when_dropped`]).
    pub fn stops_when_dropped(&self) -> bool {
        self.stop_when_dropped.load(Ordering::SeqCst)
    }

    /// Why the connection ended, shared with whoever ends it.
    pub(crate) fn farewell_handle(&self) -> Farewell {
        self.farewell.clone()
    }

    /// What does not change while the run goes on.
    pub fn info(&self) -> &RunInfo {
        &self.info
    }

    /// The config's run name.
    pub fn run_name(&self) -> &str {
        &self.info.run_name
    }

    /// Where the network runs.
    pub fn device_name(&self) -> &str {
        &self.info.device_name
    }

    /// The run folder, as the training process names it.
    pub fn run_dir(&self) -> &Path {
        &self.info.run_dir
    }
}

impl std::ops::Deref for Watcher {
    type Target = Controls;

    /// The run's commands: `watcher.pause()`, `watcher.stop()`, ...
    fn deref(&self) -> &Controls {
        &self.controls
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        if self.stop_when_dropped.load(Ordering::SeqCst) {
            self.stop();
        }
        self.source.leave();
    }
}
