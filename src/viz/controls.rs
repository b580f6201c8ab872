//! The keyboard: Space pause/resume, V visual on/off, `+`/`-` speed (10 ms steps, 0 to 100),
//! S save now, Esc save and quit, F1 or `?` the list of shortcuts. Each key becomes a
//! `TrainerHandle` command; the window follows the trainer's own report of its state.

use std::time::Duration;

use bevy::prelude::*;

use super::bridge::{FromTrainer, TrainerLink, TrainerStatus};
use crate::training::TrainerEvent;
use crate::training::protocol::MAX_STEP_DELAY;

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

/// Presses `key` for one update of `app`, then releases it: how the app-level tests (here and
/// in `tests/app.rs`) type on an app built with `MinimalPlugins` and a `ButtonInput<KeyCode>`.
pub fn tap_key(app: &mut App, key: KeyCode) {
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

fn keys(
    keys: Res<ButtonInput<KeyCode>>,
    link: Res<TrainerLink>,
    status: Res<TrainerStatus>,
    mut help: ResMut<ShowShortcuts>,
    mut quitting: ResMut<Quitting>,
) {
    let handle = &link.0;
    let m = status.metrics.as_ref();
    let paused = m.is_some_and(|m| m.paused);
    let visual = m.is_none_or(|m| m.visual);
    let delay = m.map_or(Duration::ZERO, |m| m.step_delay);
    let shift = keys.pressed(KeyCode::ShiftLeft) || keys.pressed(KeyCode::ShiftRight);
    for key in keys.get_just_pressed() {
        match key {
            KeyCode::Space if paused => {
                handle.resume();
            }
            KeyCode::Space => {
                handle.pause();
            }
            KeyCode::KeyV => {
                handle.set_visual(!visual);
            }
            KeyCode::NumpadAdd | KeyCode::Equal => {
                handle.set_step_delay(next_delay(delay, true));
            }
            KeyCode::NumpadSubtract | KeyCode::Minus => {
                handle.set_step_delay(next_delay(delay, false));
            }
            KeyCode::KeyS => {
                handle.save_now();
            }
            KeyCode::KeyR if handle.is_watching() => {
                handle.restart();
            }
            KeyCode::Escape => {
                quitting.0 = true;
                handle.stop();
            }
            KeyCode::F1 => help.0 = !help.0,
            KeyCode::Slash if shift => help.0 = !help.0,
            _ => {}
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
