//! The keyboard: Space pause/resume, V visual on/off, `+`/`-` speed (10 ms steps, 0 to 100),
//! S save now, H go headless (in an attached window: detach), Esc save and quit (attached:
//! detach), F1 or `?` the list of shortcuts. Each key becomes a [`Watcher`] command; the
//! window follows the trainer's own report of its state. An attached window asks before Stop.

use std::time::Duration;

use bevy::prelude::*;

use super::bridge::{FromTrainer, TrainerLink, TrainerStatus};
use super::{EndOfWindow, WindowEnd};
use crate::training::TrainerEvent;
use crate::training::protocol::MAX_STEP_DELAY;
use crate::training::watchers::Watcher;

/// Speed change per `+`/`-` press.
pub const SPEED_STEP: Duration = Duration::from_millis(10);

/// The shortcuts, as shown by F1 or `?`.
pub const SHORTCUTS: &str = "Space  pause / resume\n\
                             V      visual on / off\n\
                             + -    slower / faster (10 ms)\n\
                             S      save now\n\
                             R      new game (watch)\n\
                             H      go headless / detach: the run goes on\n\
                             Esc    save and quit (attached: detach)\n\
                             F1 ?   this help";

/// Whether the shortcut list is shown.
#[derive(Resource, Default, Debug)]
pub struct ShowShortcuts(pub bool);

/// Set once Esc (or the window closing) has asked the trainer to stop.
#[derive(Resource, Default, Debug)]
pub struct Quitting(pub bool);

/// Set when the window is asked to close while the run goes on (H, Go headless, Detach), or
/// to confirm a Stop (attached windows ask first).
#[derive(Resource, Default, Debug)]
pub struct Asked {
    /// Close the window; the run goes on.
    pub leave: bool,
    /// Show "Stop the run?".
    pub confirm_stop: bool,
}

/// Registers the keyboard system.
pub fn plugin(app: &mut App) {
    app.init_resource::<ShowShortcuts>()
        .init_resource::<Quitting>()
        .init_resource::<Asked>()
        .init_resource::<EndOfWindow>()
        .add_systems(Update, (keys, exit_when_finished, leave_when_asked));
}

/// Presses `key` for one update of `app`, then releases it (for the unit tests of the window's
/// plugins; `tests/support` has the integration tests' twin).
#[cfg(test)]
pub(crate) fn tap_key(app: &mut App, key: KeyCode) {
    app.world_mut()
        .resource_mut::<ButtonInput<KeyCode>>()
        .press(key);
    app.update();
    let mut input = app.world_mut().resource_mut::<ButtonInput<KeyCode>>();
    input.release(key);
    input.clear();
}

/// The step delay one press away from `now`: `slower` adds [`SPEED_STEP`], else subtracts;
/// kept within 0 to 100 ms.
pub fn next_delay(now: Duration, slower: bool) -> Duration {
    if slower {
        (now + SPEED_STEP).min(MAX_STEP_DELAY)
    } else {
        now.saturating_sub(SPEED_STEP)
    }
}

/// What a key or a HUD button asks for; both go through [`perform`], so they always agree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Pause, or resume when paused.
    TogglePause,
    /// Board frames on or off.
    ToggleVisual,
    /// [`SPEED_STEP`] more delay per step.
    Slower,
    /// [`SPEED_STEP`] less delay per step.
    Faster,
    /// This delay per step (the HUD's slider).
    SetStepDelay(Duration),
    /// Save `latest/` now (training only).
    SaveNow,
    /// A new game (watching only).
    NewGame,
    /// Save and quit once the trainer has stopped (attached: detach).
    Quit,
    /// The Stop button: as Quit in the training window; an attached window asks first.
    Stop,
    /// "Stop the run" in the attached window's question: stop, as Quit.
    ConfirmStop,
    /// Close the window, the run going on: headless in this process, or detached.
    Leave,
    /// Show or hide the shortcut list.
    ToggleShortcuts,
}

/// Carries out `action` on the trainer behind `handle`, as its last report (`status`) stands.
pub fn perform(
    action: Action,
    handle: &Watcher,
    status: &TrainerStatus,
    help: &mut ShowShortcuts,
    quitting: &mut Quitting,
    asked: &mut Asked,
) {
    let m = status.metrics.as_ref();
    let delay = m.map_or(Duration::ZERO, |m| m.step_delay);
    match action {
        Action::TogglePause if m.is_some_and(|m| m.paused) => {
            handle.resume();
        }
        Action::TogglePause => {
            handle.pause();
        }
        Action::ToggleVisual => {
            handle.set_visual(!m.is_none_or(|m| m.visual));
        }
        Action::Slower => {
            handle.set_step_delay(next_delay(delay, true));
        }
        Action::Faster => {
            handle.set_step_delay(next_delay(delay, false));
        }
        Action::SetStepDelay(d) => {
            handle.set_step_delay(d);
        }
        Action::SaveNow => {
            handle.save_now();
        }
        Action::NewGame => {
            handle.restart();
        }
        Action::Quit | Action::Stop if handle.is_remote() && status.finished.is_some() => {
            asked.leave = true;
        }
        Action::Quit if handle.is_remote() => asked.leave = true,
        Action::Stop if handle.is_remote() => asked.confirm_stop = true,
        Action::Quit | Action::Stop | Action::ConfirmStop => {
            asked.confirm_stop = false;
            quitting.0 = true;
            handle.stop();
        }
        Action::Leave => asked.leave = true,
        Action::ToggleShortcuts => help.0 = !help.0,
    }
}

/// The action of a key press, if any.
fn action_of(key: KeyCode, shift: bool, watching: bool) -> Option<Action> {
    if key == KeyCode::KeyH && !watching {
        return Some(Action::Leave);
    }
    Some(match key {
        KeyCode::Space => Action::TogglePause,
        KeyCode::KeyV => Action::ToggleVisual,
        KeyCode::NumpadAdd | KeyCode::Equal => Action::Slower,
        KeyCode::NumpadSubtract | KeyCode::Minus => Action::Faster,
        KeyCode::KeyS if !watching => Action::SaveNow,
        KeyCode::KeyR if watching => Action::NewGame,
        KeyCode::Escape => Action::Quit,
        KeyCode::F1 => Action::ToggleShortcuts,
        KeyCode::Slash if shift => Action::ToggleShortcuts,
        _ => return None,
    })
}

fn keys(
    keys: Res<ButtonInput<KeyCode>>,
    link: Res<TrainerLink>,
    status: Res<TrainerStatus>,
    mut help: ResMut<ShowShortcuts>,
    mut quitting: ResMut<Quitting>,
    mut asked: ResMut<Asked>,
) {
    let handle = &link.0;
    let shift = keys.pressed(KeyCode::ShiftLeft) || keys.pressed(KeyCode::ShiftRight);
    for &key in keys.get_just_pressed() {
        if let Some(action) = action_of(key, shift, handle.is_watching()) {
            perform(
                action,
                handle,
                &status,
                &mut help,
                &mut quitting,
                &mut asked,
            );
        }
    }
}

/// H, Go headless or Detach: the window closes and says so to whoever opened it; the run goes
/// on (this window's watcher leaves it when the app ends).
fn leave_when_asked(
    asked: Res<Asked>,
    end: Res<EndOfWindow>,
    link: Res<TrainerLink>,
    mut exit: MessageWriter<AppExit>,
    mut done: Local<bool>,
) {
    if asked.leave && !*done {
        *done = true;
        end.set(WindowEnd::Left);
        link.0.stop_when_dropped(false);
        if link.0.is_remote() {
            eprintln!("detached; the run goes on");
        }
        exit.write(AppExit::Success);
    }
}

/// Closes the window once the trainer has finished after Esc (or Ctrl-C), and prints how the
/// run ended, as the headless run does.
fn exit_when_finished(
    status: Res<TrainerStatus>,
    quitting: Res<Quitting>,
    mut events: MessageReader<FromTrainer>,
    mut exit: MessageWriter<AppExit>,
) {
    for FromTrainer(event) in events.read() {
        if let TrainerEvent::Finished {
            reason,
            steps,
            games,
        } = event
        {
            eprintln!("{}", reason.summary(*steps, *games));
        }
    }
    if quitting.0 && status.finished.is_some() {
        exit.write(AppExit::Success);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speed_steps_stay_in_range() {
        let ms = Duration::from_millis;
        assert_eq!(next_delay(ms(0), true), ms(10));
        assert_eq!(next_delay(ms(95), true), ms(100));
        assert_eq!(next_delay(ms(100), true), ms(100));
        assert_eq!(next_delay(ms(5), false), ms(0));
        assert_eq!(next_delay(ms(0), false), ms(0));
    }
}
