//! [`Controls`]: the trainer's commands as methods, each checked as the trainer would take it
//! and returning whether it was sent (false once the trainer has ended, its watcher's
//! connection is gone, or `stop` was called). The trainer's handle and every watcher steer
//! the run through one of these.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crossbeam_channel::Sender;

use super::protocol::{Command, MAX_STEP_DELAY};

/// The commands of one trainer.
#[derive(Debug)]
pub struct Controls {
    commands: Sender<Command>,
    stopped: AtomicBool,
    watching: bool,
}

impl Controls {
    /// Commands into `commands`; `watching` when a trained agent plays (nothing to save).
    pub(crate) fn new(commands: Sender<Command>, watching: bool) -> Controls {
        Controls {
            commands,
            stopped: AtomicBool::new(false),
            watching,
        }
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

    /// The delay after each step in visual mode; refused (false) above [`MAX_STEP_DELAY`].
    pub fn set_step_delay(&self, delay: Duration) -> bool {
        delay <= MAX_STEP_DELAY && self.command(Command::SetStepDelay(delay))
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

    /// Saves `latest/` and ends the trainer; every later command returns false.
    pub fn stop(&self) -> bool {
        let taken = self.command(Command::Stop);
        self.stopped.store(true, Ordering::SeqCst);
        taken
    }

    /// Any command, checked as the methods above check it.
    pub fn send(&self, c: Command) -> bool {
        match c {
            Command::Pause => self.pause(),
            Command::Resume => self.resume(),
            Command::Stop => self.stop(),
            Command::SetVisual(on) => self.set_visual(on),
            Command::SetStepDelay(d) => self.set_step_delay(d),
            Command::SaveNow => self.save_now(),
            Command::Restart => self.restart(),
        }
    }

    /// Whether a trained agent is being watched (no learning, no saving).
    pub fn is_watching(&self) -> bool {
        self.watching
    }

    /// A sender of commands straight to the trainer, unchecked (for the watchers' hub).
    pub(crate) fn sender(&self) -> Sender<Command> {
        self.commands.clone()
    }
}
