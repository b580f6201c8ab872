//! The trainer thread and its handle (the seed's TrainingManager). One thread owns the
//! learner (game, agent, replay, RNG); the handle sends it commands and receives events and
//! board frames over bounded crossbeam channels. The trainer never blocks on its watcher:
//! events wait in a local backlog when the channel is full (never dropped); when the watcher
//! is behind on board frames, the oldest are dropped for the newest.

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TryRecvError, TrySendError};
use tch::Device;

use super::checkpoint::{self, CheckpointError, Slot};
use super::learner::Learner;
use super::metrics_log::MetricsLog;
use super::protocol::{
    BoardFrame, Command, FinishReason, MAX_STEP_DELAY, Metrics, SaveReason, TrainerEvent,
};
use crate::config::Config;
use crate::game::PieceGrid;

/// Events the channel holds before they wait in the trainer's backlog.
const EVENT_CAPACITY: usize = 1024;
/// Board frames the channel holds; when it is full the oldest is dropped for the newest.
const FRAME_CAPACITY: usize = 2;
/// How often metrics are sent while training.
const METRICS_INTERVAL: Duration = Duration::from_millis(100);

/// How to start a trainer.
#[derive(Clone, Debug)]
pub struct TrainerOptions {
    /// The run's config (already checked).
    pub config: Config,
    /// Whether `config` was given by the user; on resume it then replaces the checkpoint's.
    pub config_given: bool,
    /// Where `latest/`, `best/` and `metrics.csv` go.
    pub run_dir: PathBuf,
    /// A checkpoint to continue exactly.
    pub resume: Option<PathBuf>,
    /// Stop when this many steps have been made in all (overrides `config.total_steps`).
    pub total_steps: Option<u64>,
    /// The device of the network.
    pub device: Device,
    /// Send board frames from the start.
    pub visual: bool,
    /// Delay after each step in visual mode.
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
    /// The device of the network.
    pub device: Device,
    /// Delay after each placement (0 to 100 ms).
    pub step_delay: Duration,
}

/// Why a trainer could not start.
#[derive(Debug, thiserror::Error)]
pub enum TrainingError {
    /// Loading the checkpoint to resume failed.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// The run folder already holds another run.
    #[error(
        "run folder {0} already holds a run (it has latest/); continue it with --resume {0}/latest, or choose another --run-dir"
    )]
    RunDirTaken(PathBuf),
    /// The step target is already reached.
    #[error(
        "the checkpoint is already at {steps} steps, and the run stops at {total}; ask for more with --steps"
    )]
    AlreadyDone { steps: u64, total: u64 },
    /// The metrics file could not be opened.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The trainer thread could not be started.
    #[error("cannot start the trainer thread: {0}")]
    Spawn(std::io::Error),
}

/// Controls a running trainer; every command returns whether the trainer took it (false once
/// it has ended or been told to stop). Dropping the handle stops the trainer, which saves
/// `latest/` first, and waits for it.
#[derive(Debug)]
pub struct TrainerHandle {
    commands: Sender<Command>,
    events: Receiver<TrainerEvent>,
    frames: Receiver<BoardFrame>,
    thread: Mutex<Option<JoinHandle<()>>>,
    stopped: AtomicBool,
    run_dir: PathBuf,
    device: Device,
    run_name: String,
    watching: bool,
}

impl TrainerHandle {
    /// Starts a thread in which the checkpoint's network plays greedily: the same commands,
    /// events and board frames as training, with no learning and nothing written.
    pub fn watch(options: WatchOptions) -> Result<TrainerHandle, TrainingError> {
        let (agent, meta) = checkpoint::load_agent(&options.checkpoint, options.device)?;
        let learner = Learner::watching(meta.config.clone(), agent, options.seed);
        let run_name = format!("{} (watching)", meta.config.run_name);
        Self::spawn(
            learner,
            options.checkpoint,
            None,
            0.0,
            Spawn {
                device: options.device,
                visual: true,
                step_delay: options.step_delay,
                paused: false,
                total_steps: None,
                run_name,
            },
        )
    }

    /// Builds (or restores) the learner and starts the trainer thread.
    pub fn start(options: TrainerOptions) -> Result<TrainerHandle, TrainingError> {
        let (learner, wall_offset) = match &options.resume {
            Some(dir) => {
                let config = options.config_given.then(|| options.config.clone());
                let (learner, meta) = checkpoint::load_learner(dir, config, options.device)?;
                (learner, meta.wall_time_s)
            }
            None => {
                if options.run_dir.join(Slot::Latest.name()).exists() {
                    return Err(TrainingError::RunDirTaken(options.run_dir.clone()));
                }
                (Learner::new(options.config.clone(), options.device), 0.0)
            }
        };
        let total_steps = options
            .total_steps
            .or((learner.config().total_steps > 0).then_some(learner.config().total_steps));
        if let Some(total) = total_steps {
            let steps = learner.state().steps;
            if steps >= total {
                return Err(TrainingError::AlreadyDone { steps, total });
            }
        }
        let metrics_log =
            MetricsLog::open(&options.run_dir, learner.state().games).map_err(|source| {
                TrainingError::Io {
                    path: options.run_dir.join(super::metrics_log::METRICS_FILE),
                    source,
                }
            })?;
        let run_name = learner.config().run_name.clone();
        Self::spawn(
            learner,
            options.run_dir,
            Some(metrics_log),
            wall_offset,
            Spawn {
                device: options.device,
                visual: options.visual,
                step_delay: options.step_delay,
                paused: options.paused,
                total_steps,
                run_name,
            },
        )
    }

    fn spawn(
        learner: Learner,
        run_dir: PathBuf,
        metrics_log: Option<MetricsLog>,
        wall_offset: f64,
        how: Spawn,
    ) -> Result<TrainerHandle, TrainingError> {
        let (command_tx, command_rx) = crossbeam_channel::unbounded();
        let (event_tx, event_rx) = crossbeam_channel::bounded(EVENT_CAPACITY);
        let (frame_tx, frame_rx) = crossbeam_channel::bounded(FRAME_CAPACITY);
        let grid =
            PieceGrid::from_board(learner.state().game.board(), learner.state().game.current());
        let watching = !learner.is_learning();
        let trainer = Trainer {
            learner,
            run_dir: run_dir.clone(),
            metrics_log,
            commands: command_rx,
            outbox: Outbox {
                tx: event_tx.clone(),
                backlog: VecDeque::new(),
            },
            frames: frame_tx,
            stale_frames: frame_rx.clone(),
            paused: how.paused,
            visual: how.visual,
            step_delay: how.step_delay.min(MAX_STEP_DELAY),
            stopping: false,
            save_requested: false,
            total_steps: how.total_steps,
            started: Instant::now(),
            paused_for: Duration::ZERO,
            wall_offset,
            grid,
            game_number: 0,
            last_metrics: Instant::now(),
            steps_at_last_metrics: 0,
            steps_per_s: 0.0,
        };
        let thread = std::thread::Builder::new()
            .name("trainer".into())
            .spawn(move || run_guarded(trainer, event_tx))
            .map_err(TrainingError::Spawn)?;
        Ok(TrainerHandle {
            commands: command_tx,
            events: event_rx,
            frames: frame_rx,
            thread: Mutex::new(Some(thread)),
            stopped: AtomicBool::new(false),
            run_dir,
            device: how.device,
            run_name: how.run_name,
            watching,
        })
    }

    fn command(&self, c: Command) -> bool {
        !self.stopped.load(Ordering::SeqCst) && self.commands.send(c).is_ok()
    }

    /// Pauses training; the trainer blocks until resumed or stopped.
    pub fn pause(&self) -> bool {
        self.command(Command::Pause)
    }

    /// Resumes from the same step.
    pub fn resume(&self) -> bool {
        self.command(Command::Resume)
    }

    /// Board frames on (true) or off; training is the same either way.
    pub fn set_visual(&self, on: bool) -> bool {
        self.command(Command::SetVisual(on))
    }

    /// The delay after each step in visual mode; refused (false) above 100 ms.
    pub fn set_speed(&self, delay: Duration) -> bool {
        delay <= MAX_STEP_DELAY && self.command(Command::SetSpeed(delay))
    }

    /// Saves `latest/` as soon as the trainer reads this (also while paused); refused when
    /// watching.
    pub fn save_now(&self) -> bool {
        !self.watching && self.command(Command::SaveNow)
    }

    /// Abandons the game in progress and starts a new one.
    pub fn restart(&self) -> bool {
        self.command(Command::Restart)
    }

    /// Whether this handle watches a trained agent (no learning, no saving).
    pub fn is_watching(&self) -> bool {
        self.watching
    }

    /// Saves `latest/` and ends the trainer; every later command returns false.
    pub fn stop(&self) -> bool {
        let taken = self.command(Command::Stop);
        self.stopped.store(true, Ordering::SeqCst);
        taken
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

    /// The network's device.
    pub fn device(&self) -> Device {
        self.device
    }

    /// The config's run name.
    pub fn run_name(&self) -> &str {
        &self.run_name
    }
}

impl Drop for TrainerHandle {
    fn drop(&mut self) {
        self.stop();
        self.join();
    }
}

/// How a trainer thread runs, besides its learner.
struct Spawn {
    device: Device,
    visual: bool,
    step_delay: Duration,
    paused: bool,
    total_steps: Option<u64>,
    run_name: String,
}

/// Runs the trainer; a panic inside becomes an `Error` event and `Finished`.
fn run_guarded(trainer: Trainer, events: Sender<TrainerEvent>) {
    // Before any tensor operation on this thread: OpenMP's count is per thread.
    crate::agent::use_torch_threads(trainer.learner.config().torch_threads as usize);
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

/// Events waiting for room in the channel.
struct Outbox {
    tx: Sender<TrainerEvent>,
    backlog: VecDeque<TrainerEvent>,
}

impl Outbox {
    fn send(&mut self, event: TrainerEvent) {
        self.backlog.push_back(event);
        self.flush();
    }

    fn flush(&mut self) {
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

    /// At the end: give the watcher up to a second to take what is left.
    fn finish(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(1);
        while let Some(event) = self.backlog.pop_front() {
            let left = deadline.saturating_duration_since(Instant::now());
            if self.tx.send_timeout(event, left).is_err() {
                return;
            }
        }
    }
}

struct Trainer {
    learner: Learner,
    run_dir: PathBuf,
    /// None when watching.
    metrics_log: Option<MetricsLog>,
    commands: Receiver<Command>,
    outbox: Outbox,
    frames: Sender<BoardFrame>,
    /// The frames channel's other end, to drop the oldest frame when the watcher is behind.
    stale_frames: Receiver<BoardFrame>,
    paused: bool,
    visual: bool,
    step_delay: Duration,
    stopping: bool,
    save_requested: bool,
    total_steps: Option<u64>,
    started: Instant,
    paused_for: Duration,
    wall_offset: f64,
    grid: PieceGrid,
    game_number: u64,
    last_metrics: Instant,
    steps_at_last_metrics: u64,
    steps_per_s: f64,
}

impl Trainer {
    fn run(mut self) {
        self.game_number = self.learner.state().games + 1;
        self.steps_at_last_metrics = self.learner.state().steps;
        self.send_metrics();
        let reason = loop {
            // 1. Commands first, so that Resume and Stop work while paused.
            loop {
                match self.commands.try_recv() {
                    Ok(c) => self.apply(c),
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => {
                        self.stopping = true;
                        break;
                    }
                }
            }
            if self.save_requested {
                self.save_requested = false;
                self.save(Slot::Latest, SaveReason::Requested);
            }
            // 2. Stop before the pause wait...
            if self.stopping {
                break FinishReason::Stopped;
            }
            // 3. ...block while paused (no busy wait), then go round: 4. stop is checked again.
            if self.paused {
                self.send_metrics();
                let since = Instant::now();
                match self.commands.recv() {
                    Ok(c) => self.apply(c),
                    Err(_) => self.stopping = true,
                }
                self.paused_for += since.elapsed();
                continue;
            }
            if self
                .total_steps
                .is_some_and(|t| self.learner.state().steps >= t)
            {
                break FinishReason::StepsReached;
            }
            // 5. Act, store, learn; 6.-8. frames, games, saves.
            self.step();
            // In visual mode, wait the step delay; a command cuts the wait short. The wait is
            // part of the run's wall time (only pauses are not), so the clock a person sees
            // matches the clock on the wall.
            if self.visual && !self.step_delay.is_zero() {
                match self.commands.recv_timeout(self.step_delay) {
                    Ok(c) => self.apply(c),
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => self.stopping = true,
                }
            }
        };
        // The last metrics state the training itself (steps, wall time) before the save.
        self.send_metrics();
        self.save(Slot::Latest, SaveReason::Stop);
        let state = self.learner.state();
        let finished = TrainerEvent::Finished {
            reason,
            steps: state.steps,
            games: state.games,
        };
        self.outbox.send(finished);
        self.outbox.finish();
    }

    fn apply(&mut self, c: Command) {
        match c {
            Command::Pause => self.paused = true,
            Command::Resume => self.paused = false,
            Command::Stop => self.stopping = true,
            Command::SetVisual(on) => self.visual = on,
            Command::SetSpeed(d) => self.step_delay = d.min(MAX_STEP_DELAY),
            Command::SaveNow => self.save_requested = true,
            Command::Restart => {
                self.learner.restart_game();
                self.grid = PieceGrid::default();
            }
        }
        self.send_metrics();
    }

    fn wall_time(&self) -> f64 {
        self.wall_offset
            + self
                .started
                .elapsed()
                .saturating_sub(self.paused_for)
                .as_secs_f64()
    }

    /// Sends a board frame without waiting. When the watcher is behind, the oldest waiting
    /// frame makes room, so the board on screen is never older than the numbers beside it.
    fn send_frame(&mut self, frame: BoardFrame) {
        if let Err(TrySendError::Full(frame)) = self.frames.try_send(frame) {
            let _ = self.stale_frames.try_recv();
            let _ = self.frames.try_send(frame);
        }
    }

    fn step(&mut self) {
        let before = self.visual.then(|| self.learner.state().game.clone());
        let best_before = self.learner.state().best_lines;
        let report = self.learner.step();
        let p = report.placement;
        let grid_before = before.as_ref().map(|_| self.grid.clone());
        self.grid
            .lock(p.piece(), &p.cells(), report.outcome.cleared_rows);
        if let (Some(before), Some(grid)) = (before, grid_before) {
            let path = before.input_path(&p).unwrap_or_default();
            self.send_frame(BoardFrame {
                steps: self.learner.state().steps,
                game_number: self.game_number,
                before,
                grid,
                placement: p,
                path,
                outcome: report.outcome,
                explored: report.explored,
            });
        }
        if let Some(episode) = report.episode {
            self.grid = PieceGrid::default();
            self.game_number = episode.game + 1;
            let wall = self.wall_time();
            if let Some(log) = &mut self.metrics_log
                && let Err(e) = log.append(&episode, wall)
            {
                let msg = format!("cannot append to {}: {e}", log.path().display());
                self.outbox.send(TrainerEvent::Error(msg));
            }
            let lines = episode.lines;
            self.outbox.send(TrainerEvent::Episode(episode));
            if lines > best_before {
                self.save(Slot::Best, SaveReason::Best { lines });
            }
        }
        let steps = self.learner.state().steps;
        let every = self.learner.config().save_every_steps;
        if every > 0 && steps.is_multiple_of(every) {
            self.save(Slot::Latest, SaveReason::Periodic);
        }
        if self.last_metrics.elapsed() >= METRICS_INTERVAL {
            self.send_metrics();
        }
        self.outbox.flush();
    }

    fn save(&mut self, slot: Slot, reason: SaveReason) {
        if !self.learner.is_learning() {
            return; // watching never writes
        }
        let steps = self.learner.state().steps;
        match checkpoint::save(
            &self.learner,
            &self.run_dir,
            slot,
            &reason.to_string(),
            self.wall_time(),
        ) {
            Ok(path) => self.outbox.send(TrainerEvent::Saved {
                path,
                reason,
                steps,
            }),
            Err(e) => self.outbox.send(TrainerEvent::Error(format!(
                "saving {} ({reason}) failed: {e}",
                slot.name()
            ))),
        }
    }

    fn send_metrics(&mut self) {
        let now = Instant::now();
        let state = self.learner.state();
        let dt = now.duration_since(self.last_metrics).as_secs_f64();
        if dt >= 0.05 {
            self.steps_per_s = (state.steps - self.steps_at_last_metrics) as f64 / dt;
            self.steps_at_last_metrics = state.steps;
            self.last_metrics = now;
        }
        if self.paused {
            self.steps_per_s = 0.0;
        }
        let metrics = Metrics {
            steps: state.steps,
            total_steps: self.total_steps,
            steps_per_s: self.steps_per_s,
            loss: state.last_loss,
            epsilon: self.learner.epsilon(),
            replay_len: self.learner.replay().len(),
            replay_capacity: self.learner.replay().capacity(),
            games: state.games,
            lines_this_game: state.game.score().lines,
            score_this_game: state.game.score().score,
            best_lines: state.best_lines,
            mean_lines_100: self.learner.mean_recent_lines(),
            paused: self.paused,
            visual: self.visual,
            step_delay: self.step_delay,
            elapsed_s: self.wall_time(),
            watching: !self.learner.is_learning(),
        };
        self.outbox.send(TrainerEvent::Metrics(metrics));
    }
}
