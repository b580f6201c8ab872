//! The keyboard: Space pause/resume, V visual on/off, `+`/`-` speed (10 ms steps, 0 to 100),
//! S save now, Esc save and quit, F1 or `?` the list of shortcuts. Each key becomes a
//! `TrainerHandle` command; the window follows the trainer's own report of its state.

use std::time::Duration;

use bevy::prelude::*;

use super::bridge::{FromTrainer, TrainerLink, TrainerStatus};
use crate::training::protocol::MAX_STEP_DELAY;
use crate::training::{TrainerEvent, TrainerHandle};

/// Speed change per `+`/`-` press.
pub const SPEED_STEP: Duration = Duration::from_millis(10);

/// The shortcuts, as shown by F1 or `?`.
pub const SHORTCUTS: &str = "Space  pause / resume\n\
                             V      visual on / off\n\
                             + -    slower / faster (10 ms)\n\
                             S      save now\n\
                             R      new game (watch)\n\
                             Esc    save and quit\n\
                             F1 ?   this help";

/// Whether the shortcut list is shown.
#[derive(Resource, Default, Debug)]
pub struct ShowShortcuts(pub bool);

/// Set once Esc (or the window closing) has asked the trainer to stop.
#[derive(Resource, Default, Debug)]
pub struct Quitting(pub bool);

/// Registers the keyboard system.
pub fn plugin(app: &mut App) {
    app.init_resource::<ShowShortcuts>()
        .init_resource::<Quitting>()
        .add_systems(Update, (keys, exit_when_finished));
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
    /// Save and quit once the trainer has stopped.
    Quit,
    /// Show or hide the shortcut list.
    ToggleShortcuts,
}

/// Carries out `action` on the trainer behind `handle`, as its last report (`status`) stands.
pub fn perform(
    action: Action,
    handle: &TrainerHandle,
    status: &TrainerStatus,
    help: &mut ShowShortcuts,
    quitting: &mut Quitting,
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
        Action::Quit => {
            quitting.0 = true;
            handle.stop();
        }
        Action::ToggleShortcuts => help.0 = !help.0,
    }
}

/// The action of a key press, if any.
fn action_of(key: KeyCode, shift: bool, watching: bool) -> Option<Action> {
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
) {
    let handle = &link.0;
    let shift = keys.pressed(KeyCode::ShiftLeft) || keys.pressed(KeyCode::ShiftRight);
    for &key in keys.get_just_pressed() {
        if let Some(action) = action_of(key, shift, handle.is_watching()) {
            perform(action, handle, &status, &mut help, &mut quitting);
        }
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
