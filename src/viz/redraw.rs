//! The training window's redraw pace, all in one place: every frame while the board moves;
//! once a second while it is still (visual off, paused, finished), so that watching the HUD
//! costs the trainer next to nothing; quickly for two seconds after any input, so the panel
//! answers at once; and every frame while a screenshot waits to be drawn. egui's own repaint
//! wake-ups are switched off, or they would drive the window flat out.

use std::time::Duration;

use bevy::prelude::*;
use bevy::window::{RequestRedraw, WindowEvent};
use bevy::winit::{UpdateMode, WinitSettings};
use bevy_egui::EguiContext;

use super::bridge::TrainerStatus;
use super::screenshot::ScreenshotPlan;

/// How often the window redraws while nothing moves on the board: enough for the numbers and
/// charts, and it leaves the machine to the trainer. (With a software renderer a frame of this
/// window costs tens of milliseconds of CPU and touches megabytes of memory, which slows the
/// trainer on the other core.)
const IDLE_REDRAW: Duration = Duration::from_millis(1000);
/// After a key press, click or mouse move the window keeps this quicker pace for
/// [`ANSWER_TIME`], so that the panel shows at once what the input did.
const ANSWER_REDRAW: Duration = Duration::from_millis(50);
const ANSWER_TIME: Duration = Duration::from_millis(2000);

/// Registers the pace; needs the bridge (and egui, whose wake-ups it turns off).
pub fn plugin(app: &mut App) {
    app.add_systems(Update, (pace_redraws, leave_redraws_to_the_pace))
        .add_systems(Last, drop_redraw_requests_when_still);
}

/// Whether the window may idle: nothing moves on the board (visual off, paused or finished)
/// and no screenshot is waiting to be drawn.
fn board_is_still(status: &TrainerStatus, shot: Option<&ScreenshotPlan>) -> bool {
    let still = status.finished.is_some()
        || status
            .metrics
            .as_ref()
            .is_some_and(|m| m.paused || !m.visual);
    still && !shot.is_some_and(ScreenshotPlan::is_capturing)
}

/// egui asks for a redraw whenever its numbers change, which is every frame while training;
/// while the board is still, those requests are dropped so the idle pace holds.
fn drop_redraw_requests_when_still(
    status: Res<TrainerStatus>,
    shot: Option<Res<ScreenshotPlan>>,
    requests: Option<ResMut<Messages<RequestRedraw>>>,
) {
    if let Some(mut requests) = requests
        && board_is_still(&status, shot.as_deref())
    {
        requests.clear();
    }
}

/// Sets winit's update mode from the state of the board and the last input.
fn pace_redraws(
    status: Res<TrainerStatus>,
    shot: Option<Res<ScreenshotPlan>>,
    settings: Option<ResMut<WinitSettings>>,
    mut input: MessageReader<WindowEvent>,
    time: Res<Time<Real>>,
    mut last_input: Local<Option<Duration>>,
) {
    let Some(mut settings) = settings else {
        return;
    };
    if input.read().count() > 0 {
        *last_input = Some(time.elapsed());
    }
    let answering = last_input.is_some_and(|at| time.elapsed() - at < ANSWER_TIME);
    let wanted = if !board_is_still(&status, shot.as_deref()) {
        WinitSettings::game()
    } else {
        let wait = if answering {
            ANSWER_REDRAW
        } else {
            IDLE_REDRAW
        };
        WinitSettings {
            focused_mode: UpdateMode::reactive_low_power(wait),
            unfocused_mode: UpdateMode::reactive_low_power(wait),
        }
    };
    if settings.focused_mode != wanted.focused_mode {
        *settings = wanted;
    }
}

/// bevy_egui wakes the window at once whenever egui asks for a repaint, which it does each
/// time a number on the panel changes: while training, that is a redraw loop as fast as the
/// renderer goes, paid for by the trainer (with a software renderer, most of a core). The
/// pace above decides instead (key presses and mouse moves wake the window in any case).
fn leave_redraws_to_the_pace(mut added: Query<&mut EguiContext, Added<EguiContext>>) {
    for mut context in &mut added {
        context.get_mut().set_request_repaint_callback(|_| {});
    }
}
