//! [`TrainerHandle`]: starts the trainer thread (training, or watching a trained agent) and is
//! the one way to talk to it: commands in, events and board frames out, over bounded
//! crossbeam channels. The handle holds plain data only (the device as its name).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};

use super::checkpoint::{self, CheckpointError, Slot};
use super::controls::Controls;
use super::eval_log::EvalLog;
use super::learner::Learner;
use super::metrics_log::MetricsLog;
use super::protocol::{BoardFrame, FinishReason, TrainerEvent};
use super::run_folder::{self, RunFolderError, RunLock};
use super::trainer::{Trainer, TrainerSetup};
use crate::agent::{AgentError, Device, Lookahead};
use crate::config::{Config, DeviceChoice};

/// Events the channel holds before they wait in the trainer's backlog.
const EVENT_CAPACITY: usize = 1024;
/// Board frames the channel holds; when it is full the oldest is dropped for the newest.
const FRAME_CAPACITY: usize = 2;

/// How to start a trainer.
#[derive(Clone, Debug)]
pub struct TrainerOptions {
    /// The run's config, already checked; its `device` says where the network runs. On
    /// resume it replaces the checkpoint's (the command line passes the checkpoint's own,
    /// with its overrides); its network and replay capacity must match the checkpoint's.
    pub config: Config,
    /// Where `latest/`, `best/` and `metrics.csv` go.
    pub run_dir: PathBuf,
    /// A checkpoint to continue exactly.
    pub resume: Option<PathBuf>,
    /// Stop when this many steps have been made in all (overrides `config.total_steps`).
    pub total_steps: Option<u64>,
    /// Send board frames from the start.
    pub visual: bool,
    /// Delay after each step in visual mode (at most [`super::protocol::MAX_STEP_DELAY`]).
    pub step_delay: Duration,
    /// Start paused.
    pub paused: bool,
}

/// How to start a watcher: a trained agent playing greedily, nothing learnt or saved.
#[derive(Clone, Debug)]
pub struct WatchOptions {
    /// The checkpoint whose network plays.
    pub checkpoint: PathBuf,
    /// Seed of the games.
    pub seed: u64,
    /// Where the network runs.
    pub device: DeviceChoice,
    /// Delay after each placement (at most [`super::protocol::MAX_STEP_DELAY`]).
    pub step_delay: Duration,
    /// How the agent looks ahead.
    pub lookahead: Lookahead,
}

/// Why a trainer could not start.
#[derive(Debug, thiserror::Error)]
pub enum TrainingError {
    /// Loading the checkpoint to resume (or watch) failed.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// The device asked for is not there.
    #[error(transparent)]
    Device(#[from] AgentError),
    /// The run folder already holds another run.
    #[error(
        "run folder {0} already holds a run (it has latest/); continue it with --resume {0}/latest, or choose another --run-dir"
    )]
    RunDirTaken(PathBuf),
    /// Resuming a checkpoint other than the run's newest `latest` into its own run folder
    /// would cut the run's history back to it.
    #[error(
        "{checkpoint} is at step {steps}, behind the newest latest of its run {run_dir}; \
         continuing it there would overwrite that run's later checkpoints and history. Leave out \
         --run-dir to continue it in a new run folder beside it, or name a new folder"
    )]
    WouldRewriteHistory {
        checkpoint: PathBuf,
        run_dir: PathBuf,
        steps: u64,
    },
    /// Another process writes the run folder, or it cannot be used.
    #[error(transparent)]
    RunFolder(#[from] RunFolderError),
    /// The step target is already reached.
    #[error(
        "the checkpoint is already at {steps} steps, and the run stops at {total}; ask for more with --steps"
    )]
    AlreadyDone { steps: u64, total: u64 },
    /// The metrics or evaluations file could not be opened.
    #[error("{path}: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    /// The trainer thread could not be started.
    #[error("cannot start the trainer thread: {0}")]
    Thread(std::io::Error),
}

/// Controls a running trainer; every command returns whether the trainer took it (false once
/// it has ended or been told to stop). Dropping the handle stops the trainer, which saves
/// `latest/` first, and waits for it.
#[derive(Debug)]
pub struct TrainerHandle {
    controls: Controls,
    events: Receiver<TrainerEvent>,
    frames: Receiver<BoardFrame>,
    thread: Mutex<Option<JoinHandle<()>>>,
    run_dir: PathBuf,
    device_name: String,
    run_name: String,
    /// The run folder's lock, held until the trainer has ended (None when watching). Declared
    /// after `thread`, and released only once `Drop` has joined it.
    _lock: Option<RunLock>,
}

impl TrainerHandle {
    /// Starts a thread in which the checkpoint's network plays greedily: the same commands,
    /// events and board frames as training, with no learning and nothing written.
    pub fn watch(options: WatchOptions) -> Result<TrainerHandle, TrainingError> {
        let device = Device::resolve(options.device)?;
        let (mut agent, meta) = checkpoint::load_agent(&options.checkpoint, device)?;
        options.lookahead.apply(&mut agent);
        let learner = Learner::watching(meta.config.clone(), agent, options.seed);
        let run_name = match options.lookahead.beam {
            0 => format!("{} (watching)", meta.config.run_name),
            _ => format!(
                "{} (watching, lookahead {})",
                meta.config.run_name, options.lookahead
            ),
        };
        Self::spawn(TrainerSetup {
            learner,
            run_dir: options.checkpoint,
            metrics_log: None,
            eval_log: None,
            wall_offset: 0.0,
            visual: true,
            step_delay: options.step_delay,
            paused: false,
            total_steps: None,
            run_name,
        })
    }

    /// Builds (or restores) the learner, takes the run folder's lock and starts the trainer
    /// thread. A resumed checkpoint continues in place only when it is its run's newest
    /// `latest`; any other goes into a new run folder, which starts with the history of the
    /// checkpoint's run up to it, and the old run is left exactly as it was.
    pub fn start(options: TrainerOptions) -> Result<TrainerHandle, TrainingError> {
        let device = Device::resolve(options.config.device)?;
        let run_dir = options.run_dir.clone();
        let existed = run_dir.exists();
        let started = Self::start_locked(options, device);
        if started.is_err() && !existed {
            // Everything in it is ours (the lock, perhaps copied history): leave no trace.
            let _ = std::fs::remove_dir_all(&run_dir);
        }
        started
    }

    fn start_locked(
        options: TrainerOptions,
        device: Device,
    ) -> Result<TrainerHandle, TrainingError> {
        let run_dir = &options.run_dir;
        // Before anything in the folder is read or cut back: one writer at a time.
        let lock = RunLock::acquire(run_dir)?;
        let mut history_from = None;
        let mut in_place = false;
        let (learner, wall_offset) = match &options.resume {
            Some(dir) => {
                let source = run_folder::run_of(dir);
                in_place = source
                    .as_deref()
                    .is_some_and(|s| run_folder::same_folder(s, run_dir));
                let (learner, meta) =
                    checkpoint::load_learner(dir, options.config.clone(), device)?;
                if in_place && !run_folder::is_newest_latest(run_dir, dir) {
                    return Err(TrainingError::WouldRewriteHistory {
                        checkpoint: dir.clone(),
                        run_dir: run_dir.clone(),
                        steps: meta.steps,
                    });
                }
                if !in_place {
                    history_from = source;
                }
                (learner, meta.wall_time_s)
            }
            None => (Learner::new(options.config.clone(), device), 0.0),
        };
        if !in_place && run_dir.join(Slot::Latest.name()).exists() {
            return Err(TrainingError::RunDirTaken(run_dir.clone()));
        }
        let total_steps = options
            .total_steps
            .or((learner.config().total_steps > 0).then_some(learner.config().total_steps));
        if let Some(total) = total_steps {
            let steps = learner.state().steps;
            if steps >= total {
                return Err(TrainingError::AlreadyDone { steps, total });
            }
        }
        if let Some(source) = &history_from {
            run_folder::copy_history(source, run_dir)?;
        }
        let metrics_log = MetricsLog::open(run_dir, learner.state().games).map_err(|error| {
            TrainingError::Io {
                path: run_dir.join(super::metrics_log::METRICS_FILE),
                error,
            }
        })?;
        let eval_log =
            EvalLog::open(run_dir, learner.state().steps).map_err(|error| TrainingError::Io {
                path: run_dir.join(super::eval_log::EVALS_FILE),
                error,
            })?;
        let run_name = learner.config().run_name.clone();
        let mut handle = Self::spawn(TrainerSetup {
            learner,
            run_dir: options.run_dir,
            metrics_log: Some(metrics_log),
            eval_log: Some(eval_log),
            wall_offset,
            visual: options.visual,
            step_delay: options.step_delay,
            paused: options.paused,
            total_steps,
            run_name,
        })?;
        handle._lock = Some(lock);
        Ok(handle)
    }

    fn spawn(setup: TrainerSetup) -> Result<TrainerHandle, TrainingError> {
        let (command_tx, command_rx) = crossbeam_channel::unbounded();
        let (event_tx, event_rx) = crossbeam_channel::bounded(EVENT_CAPACITY);
        let (frame_tx, frame_rx) = crossbeam_channel::bounded(FRAME_CAPACITY);
        let handle = TrainerHandle {
            controls: Controls::new(command_tx, !setup.learner.is_learning()),
            events: event_rx,
            frames: frame_rx.clone(),
            thread: Mutex::new(None),
            run_dir: setup.run_dir.clone(),
            device_name: setup.learner.agent().device().to_string(),
            run_name: setup.run_name.clone(),
            _lock: None,
        };
        let trainer = Trainer::new(setup, command_rx, event_tx.clone(), frame_tx, frame_rx);
        let thread = std::thread::Builder::new()
            .name("trainer".into())
            .spawn(move || run_guarded(trainer, event_tx))
            .map_err(TrainingError::Thread)?;
        *handle.thread.lock().expect("not shared yet") = Some(thread);
        Ok(handle)
    }

    /// Events: metrics, games, saves, errors, and `Finished` last.
    pub fn events(&self) -> &Receiver<TrainerEvent> {
        &self.events
    }

    /// Board frames, sent in visual mode only.
    pub fn frames(&self) -> &Receiver<BoardFrame> {
        &self.frames
    }

    /// Whether the trainer thread has ended.
    pub fn is_finished(&self) -> bool {
        self.thread
            .lock()
            .map(|t| t.as_ref().is_none_or(JoinHandle::is_finished))
            .unwrap_or(true)
    }

    /// Waits for the trainer thread to end.
    pub fn join(&self) {
        let thread = self.thread.lock().ok().and_then(|mut t| t.take());
        if let Some(thread) = thread {
            let _ = thread.join();
        }
    }

    /// The run folder.
    pub fn run_dir(&self) -> &Path {
        &self.run_dir
    }

    /// Where the network runs ("cpu", "cuda:0").
    pub fn device_name(&self) -> &str {
        &self.device_name
    }

    /// The config's run name.
    pub fn run_name(&self) -> &str {
        &self.run_name
    }
}

impl std::ops::Deref for TrainerHandle {
    type Target = Controls;

    /// The handle's commands: `handle.pause()`, `handle.stop()`, ...
    fn deref(&self) -> &Controls {
        &self.controls
    }
}

impl Drop for TrainerHandle {
    fn drop(&mut self) {
        self.stop();
        self.join();
    }
}

/// Runs the trainer; a panic inside becomes an `Error` event and `Finished`.
fn run_guarded(trainer: Trainer, events: Sender<TrainerEvent>) {
    // Before any tensor operation on this thread: OpenMP's count is per thread.
    crate::agent::use_torch_threads(trainer.torch_threads());
    if let Err(panic) = catch_unwind(AssertUnwindSafe(move || trainer.run())) {
        let msg = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or("unknown failure");
        let timeout = Duration::from_secs(1);
        let _ = events.send_timeout(
            TrainerEvent::Error(format!("the trainer failed: {msg}")),
            timeout,
        );
        let _ = events.send_timeout(
            TrainerEvent::Finished {
                reason: FinishReason::Failed,
                steps: 0,
                games: 0,
            },
            timeout,
        );
    }
}
