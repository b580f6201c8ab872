//! The trainer thread's loop: one thread owns the learner (game, agent, replay, RNG) and runs
//! the design's steps in order, each marked below. It never blocks on its watcher: events go
//! through the [`Outbox`], and when the watcher is behind on board frames the oldest is
//! dropped for the newest.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TryRecvError, TrySendError};

use super::checkpoint::{self, Slot};
use super::eval_log::EvalLog;
use super::learner::{Learner, StepReport, crossed};
use super::metrics_log::MetricsLog;
use super::outbox::Outbox;
use super::protocol::{
    BoardFrame, Command, EpisodeStats, EvalRecord, FinishReason, MAX_STEP_DELAY, Metrics,
    SaveReason, TrainerEvent,
};
use crate::game::{Game, PieceGrid};

/// How often metrics are sent while training.
const METRICS_INTERVAL: Duration = Duration::from_millis(100);
/// How long the periodic evaluation plays before the trainer looks at its commands again.
const EVALUATION_SLICE: Duration = Duration::from_millis(20);

/// Everything a trainer thread starts from besides its channels.
pub(super) struct TrainerSetup {
    pub learner: Learner,
    pub run_dir: PathBuf,
    /// None when watching: nothing is written.
    pub metrics_log: Option<MetricsLog>,
    /// None when watching.
    pub eval_log: Option<EvalLog>,
    /// Seconds of training before this run (resume).
    pub wall_offset: f64,
    pub visual: bool,
    pub step_delay: Duration,
    pub paused: bool,
    pub total_steps: Option<u64>,
    pub run_name: String,
}

/// How long [`Trainer::receive`] may wait for a command.
enum Wait {
    /// Not at all.
    No,
    /// Up to this long (the step delay).
    For(Duration),
    /// Until one comes (paused).
    Forever,
}

pub(super) struct Trainer {
    learner: Learner,
    run_dir: PathBuf,
    metrics_log: Option<MetricsLog>,
    eval_log: Option<EvalLog>,
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
    /// The colours of the game the window shows (the first).
    grid: PieceGrid,
    /// Its number.
    game_number: u64,
    last_metrics: Instant,
    steps_at_last_metrics: u64,
    steps_per_s: f64,
}

impl Trainer {
    pub(super) fn new(
        setup: TrainerSetup,
        commands: Receiver<Command>,
        events: Sender<TrainerEvent>,
        frames: Sender<BoardFrame>,
        stale_frames: Receiver<BoardFrame>,
    ) -> Trainer {
        let game = setup.learner.state().game();
        let grid = PieceGrid::from_board(game.board(), game.current());
        Trainer {
            learner: setup.learner,
            run_dir: setup.run_dir,
            metrics_log: setup.metrics_log,
            eval_log: setup.eval_log,
            commands,
            outbox: Outbox::new(events),
            frames,
            stale_frames,
            paused: setup.paused,
            visual: setup.visual,
            step_delay: setup.step_delay.min(MAX_STEP_DELAY),
            stopping: false,
            save_requested: false,
            total_steps: setup.total_steps,
            started: Instant::now(),
            paused_for: Duration::ZERO,
            wall_offset: setup.wall_offset,
            grid,
            game_number: 0,
            last_metrics: Instant::now(),
            steps_at_last_metrics: 0,
            steps_per_s: 0.0,
        }
    }

    /// The libtorch thread count this trainer's thread must run with.
    pub(super) fn torch_threads(&self) -> usize {
        self.learner.config().torch_threads as usize
    }

    pub(super) fn run(mut self) {
        self.game_number = self.learner.state().envs[0].number;
        self.steps_at_last_metrics = self.learner.state().steps;
        self.send_metrics();
        let reason = loop {
            // 1. Drain commands without blocking (before the pause check, so Resume works
            //    while paused).
            while self.receive(Wait::No) {}
            if self.save_requested {
                self.save_requested = false;
                self.save(Slot::Latest, SaveReason::Requested);
            }
            // 2. If stopping, finish.
            if self.stopping {
                break FinishReason::Stopped;
            }
            // 3. If paused, block until the next command (no busy wait), then go round:
            // 4. the stop is checked again.
            if self.paused {
                self.send_metrics();
                let since = Instant::now();
                self.receive(Wait::Forever);
                self.paused_for += since.elapsed();
                continue;
            }
            // 4b. While the periodic evaluation runs, play a slice of it and go round, so
            //     that commands are taken within a slice's time.
            if self.learner.is_evaluating() {
                if let Some((record, best)) = self
                    .learner
                    .advance_evaluation(Instant::now() + EVALUATION_SLICE)
                {
                    self.evaluated(record, best);
                }
                self.keep_watcher_current();
                continue;
            }
            let steps = self.learner.state().steps;
            let games = self.learner.state().envs.len() as u64;
            let count = match self.total_steps {
                Some(t) if steps >= t => break FinishReason::StepsReached,
                // The last step plays only as many games as there are steps left.
                Some(t) => (t - steps).min(games),
                None => games,
            };
            // 5. Act, store, learn: a placement in each game.
            let mut before = self.visual.then(|| self.learner.state().game().clone());
            let reports = self.learner.step_games(count as usize);
            for report in reports {
                if report.env == 0 {
                    // 6. In visual mode: a board frame of the first game, then the step delay.
                    match before.take() {
                        Some(before) => self.show(before, &report),
                        None => self.color(&report),
                    }
                }
                // 7. At game end: the game's stats.
                if let Some(episode) = report.episode {
                    self.end_game(episode);
                }
            }
            // 7b. Every `evaluation.every_steps`: the periodic evaluation begins; it plays on
            //     this thread's time, a slice per turn of the loop (4b), and saves `best/`
            //     when it beats every earlier one.
            if self.learner.evaluation_due() {
                self.learner.start_evaluation();
            }
            // 8. Every `save_every_steps`: `latest/`.
            let every = self.learner.config().save_every_steps;
            let from = self.learner.steps_before_last_step();
            if crossed(from, self.learner.state().steps, every) {
                self.save(Slot::Latest, SaveReason::Periodic);
            }
            self.keep_watcher_current();
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

    /// The end of each turn of the loop: metrics when they are due, and what waits in the
    /// outbox sent as far as the channel takes it.
    fn keep_watcher_current(&mut self) {
        if self.last_metrics.elapsed() >= METRICS_INTERVAL {
            self.send_metrics();
        }
        self.outbox.flush();
    }

    /// Takes one command if there is one (waiting as `wait` allows) and applies it; returns
    /// whether one came. A closed channel (the handle is gone) means stop.
    fn receive(&mut self, wait: Wait) -> bool {
        let got = match wait {
            Wait::No => self
                .commands
                .try_recv()
                .map_err(|e| e == TryRecvError::Disconnected),
            Wait::For(delay) => self
                .commands
                .recv_timeout(delay)
                .map_err(|e| e == RecvTimeoutError::Disconnected),
            Wait::Forever => self.commands.recv().map_err(|_| true),
        };
        match got {
            Ok(command) => {
                self.apply(command);
                true
            }
            Err(closed) => {
                self.stopping |= closed;
                false
            }
        }
    }

    fn apply(&mut self, c: Command) {
        match c {
            Command::Pause => self.paused = true,
            Command::Resume => self.paused = false,
            Command::Stop => self.stopping = true,
            Command::SetVisual(on) => self.visual = on,
            Command::SetStepDelay(d) => self.step_delay = d.min(MAX_STEP_DELAY),
            Command::SaveNow => self.save_requested = true,
            Command::Restart => {
                self.learner.restart_game();
                self.grid = PieceGrid::default();
                self.game_number = self.learner.state().envs[0].number;
            }
        }
        self.send_metrics();
    }

    /// Seconds of training: since the start (plus earlier runs before a resume), less the
    /// time spent paused. The step delay counts: the clock a person sees matches the wall.
    fn wall_time(&self) -> f64 {
        self.wall_offset
            + self
                .started
                .elapsed()
                .saturating_sub(self.paused_for)
                .as_secs_f64()
    }

    /// Keeps the board's colours in step with the placement just made.
    fn color(&mut self, report: &StepReport) {
        let p = report.placement;
        self.grid
            .lock(p.piece(), &p.cells(), report.outcome.cleared_rows);
    }

    /// Visual mode: sends the placement as a board frame without waiting (when the watcher
    /// is behind, the oldest waiting frame makes room, so the board on screen is never older
    /// than the numbers beside it), then waits the step delay. A command cuts the wait short.
    fn show(&mut self, before: Game, report: &StepReport) {
        let grid = self.grid.clone();
        self.color(report);
        let p = report.placement;
        let frame = BoardFrame {
            steps: self.learner.state().steps,
            game_number: self.game_number,
            path: before.input_path(&p).unwrap_or_default(),
            before,
            grid,
            placement: p,
            outcome: report.outcome,
            explored: report.explored,
        };
        if let Err(TrySendError::Full(frame)) = self.frames.try_send(frame) {
            let _ = self.stale_frames.try_recv();
            let _ = self.frames.try_send(frame);
        }
        if !self.step_delay.is_zero() {
            self.receive(Wait::For(self.step_delay));
        }
    }

    /// A game ended: its row in metrics.csv and the `Episode` event.
    fn end_game(&mut self, episode: EpisodeStats) {
        if episode.env == 0 {
            self.grid = PieceGrid::default();
            self.game_number = self.learner.state().envs[0].number;
        }
        let wall = self.wall_time();
        if let Some(log) = &mut self.metrics_log
            && let Err(e) = log.append(&episode, wall)
        {
            let msg = format!("cannot append to {}: {e}", log.path().display());
            self.outbox.send(TrainerEvent::Error(msg));
        }
        self.outbox.send(TrainerEvent::Episode(episode));
    }

    /// The periodic evaluation has finished: its row in evals.csv, the `Evaluated` event, and
    /// `best/` when it beat every earlier one.
    fn evaluated(&mut self, record: EvalRecord, best: bool) {
        let wall = self.wall_time();
        if let Some(log) = &mut self.eval_log
            && let Err(e) = log.append(&record, best, wall)
        {
            let msg = format!("cannot append to {}: {e}", log.path().display());
            self.outbox.send(TrainerEvent::Error(msg));
        }
        self.outbox.send(TrainerEvent::Evaluated {
            record: record.clone(),
            best,
        });
        if best {
            self.save(Slot::Best, SaveReason::Best(record));
        }
        self.send_metrics();
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
            envs: state.envs.len() as u32,
            lines_this_game: state.game().score().lines,
            score_this_game: state.game().score().score,
            best_lines: state.best_lines,
            mean_lines_100: self.learner.mean_recent_lines(),
            quality_this_game: state.envs[0].quality,
            quality_100: self.learner.recent_quality(),
            paused: self.paused,
            visual: self.visual,
            step_delay: self.step_delay,
            elapsed_s: self.wall_time(),
            watching: !self.learner.is_learning(),
            last_eval: state.last_eval.clone().map(Box::new),
            best_eval: state.best_eval.clone().map(Box::new),
            evaluating: self.learner.evaluation_progress(),
        };
        self.outbox.send(TrainerEvent::Metrics(metrics));
    }
}
