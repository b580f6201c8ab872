//! The board while the agent trains: board frames from the trainer become a [`BoardView`].
//! With a step delay the piece moves along the chosen placement's input path within that
//! delay, then lines flash; at 0 ms each frame shows the newest placement at once. The panel
//! shows the trainer's metrics and state ("Paused", "Visual off: training at full speed").

use std::time::Duration;

use bevy::prelude::*;
use bevy::window::{RequestRedraw, WindowEvent};
use bevy::winit::{UpdateMode, WinitSettings};

use super::board::{BoardView, DrawBoard};
use super::bridge::{TrainerLink, TrainerStatus};
use super::controls::{SHORTCUTS, ShowShortcuts};
use super::screenshot::ScreenshotPlan;
use crate::game::{Falling, Game, Input, PieceGrid};
use crate::training::{BoardFrame, FinishReason, SaveReason};

/// Longest line-clear flash.
const FLASH_TIME: Duration = Duration::from_millis(150);
/// How long a topped-out board stays up with "GAME OVER" (with a step delay).
const GAME_OVER_TIME: Duration = Duration::from_millis(800);
/// How often the window redraws while nothing moves on the board (visual off or paused):
/// enough for the numbers and charts, and it leaves the machine to the trainer. (With a
/// software renderer a frame of this window costs tens of milliseconds of CPU and touches
/// megabytes of memory, which slows the trainer on the other core.)
const IDLE_REDRAW: Duration = Duration::from_millis(1000);
/// After a key press, click or mouse move the window keeps this quicker pace for
/// [`ANSWER_TIME`], so that the panel shows at once what the input did.
const ANSWER_REDRAW: Duration = Duration::from_millis(50);
const ANSWER_TIME: Duration = Duration::from_millis(2000);

/// The placement being animated.
struct Moving {
    frame: BoardFrame,
    step: usize,
    falling: Falling,
    per_input: Duration,
    clock: Duration,
}

/// Animation state of the trainer's board.
#[derive(Resource, Default)]
pub struct TrainerBoard {
    moving: Option<Moving>,
    flash_left: Duration,
    /// Time left showing "GAME OVER" on the final board before the next game starts.
    game_over_left: Duration,
    /// The game after the last placement shown, and its colours.
    shown: Option<(Game, PieceGrid)>,
    game_number: u64,
}

/// Registers the frame-to-view systems; needs the bridge.
pub fn plugin(app: &mut App) {
    app.init_resource::<TrainerBoard>()
        .add_systems(
            Update,
            (
                (animate, show_status).chain().before(DrawBoard),
                pace_redraws,
            ),
        )
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

/// Full frame rate while the board moves; one redraw a second when it cannot (visual off,
/// paused, finished), so that watching the HUD costs the trainer next to nothing; a quick
/// pace for a moment after any input, so the panel answers at once.
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

/// The game and colours after `frame`'s placement.
fn after(frame: &BoardFrame) -> (Game, PieceGrid) {
    let mut game = frame.before.clone();
    let _ = game.place(&frame.placement);
    let mut grid = frame.grid.clone();
    let p = frame.placement;
    grid.lock(p.piece(), &p.cells(), frame.outcome.cleared_rows);
    (game, grid)
}

fn animate(
    time: Res<Time>,
    link: Res<TrainerLink>,
    status: Res<TrainerStatus>,
    mut board: ResMut<TrainerBoard>,
    mut view: ResMut<BoardView>,
) {
    let delay = status
        .metrics
        .as_ref()
        .map_or(Duration::ZERO, |m| m.step_delay);
    let board = &mut *board;
    if delay.is_zero() {
        // As fast as frames come: show the newest placement's result.
        board.moving = None;
        board.flash_left = Duration::ZERO;
        board.game_over_left = Duration::ZERO;
        if let Some(frame) = link.0.frames().try_iter().last() {
            board.game_number = frame.game_number;
            board.shown = Some(after(&frame));
            show_still(board, &mut view);
        }
        return;
    }
    if !board.game_over_left.is_zero() {
        board.game_over_left = board.game_over_left.saturating_sub(time.delta());
        return;
    }
    if !board.flash_left.is_zero() {
        board.flash_left = board.flash_left.saturating_sub(time.delta());
        if board.flash_left.is_zero() {
            view.flash_rows = 0;
            show_still(board, &mut view);
        }
        return;
    }
    if board.moving.is_none() {
        let Ok(frame) = link.0.frames().try_recv() else {
            return;
        };
        let inputs = frame.path.len().max(1) as u32;
        // Move, lock and flash within the trainer's step delay.
        let per_input = delay.mul_f32(0.8) / inputs;
        board.game_number = frame.game_number;
        board.moving = Some(Moving {
            falling: Falling::enter(frame.placement.piece(), frame.before.board()),
            frame,
            step: 0,
            per_input,
            clock: Duration::ZERO,
        });
    }
    let Some(moving) = board.moving.as_mut() else {
        return;
    };
    moving.clock += time.delta();
    while moving.clock >= moving.per_input && moving.step + 1 < moving.frame.path.len() {
        moving.clock -= moving.per_input;
        let input = moving.frame.path[moving.step];
        moving.step += 1;
        if input != Input::Hold {
            moving.falling.apply(moving.frame.before.board(), input);
        }
    }
    if moving.step + 1 >= moving.frame.path.len() && moving.clock >= moving.per_input {
        // Locked: show the lock, flash cleared rows, then the cleared board.
        let moving = board.moving.take().expect("checked above");
        let cleared = moving.frame.outcome.cleared_rows;
        board.shown = Some(after(&moving.frame));
        if moving.frame.outcome.top_out.is_some() {
            board.game_over_left = GAME_OVER_TIME;
        }
        if cleared != 0 {
            let mut locked = moving.frame.grid.clone();
            let p = moving.frame.placement;
            locked.lock(p.piece(), &p.cells(), 0);
            view.grid = locked;
            view.show_falling(None, moving.frame.before.board());
            view.flash_rows = cleared;
            board.flash_left = FLASH_TIME.min(delay / 5);
        } else {
            show_still(board, &mut view);
        }
        return;
    }
    // Mid-path: the falling piece over the board before the placement.
    let f = &moving.frame;
    view.show_game(&f.before, &f.grid);
    if moving.step > 0 && f.path.first() == Some(&Input::Hold) {
        view.hold = Some(f.before.current());
    }
    view.show_falling(Some(moving.falling), f.before.board());
    view.flash_rows = 0;
}

/// The board between placements: the next piece waiting at spawn, with its ghost.
fn show_still(board: &TrainerBoard, view: &mut BoardView) {
    let Some((game, grid)) = &board.shown else {
        return;
    };
    view.show_game(game, grid);
    view.flash_rows = 0;
    let waiting = (!game.is_over()).then(|| Falling::enter(game.current(), game.board()));
    view.show_falling(waiting, game.board());
}

/// The state line a person needs first: paused, visual off, finished or failed.
pub fn state_line(status: &TrainerStatus) -> Option<String> {
    if let Some(reason) = &status.finished {
        return Some(match reason {
            FinishReason::Failed => format!(
                "Training failed:\n{}",
                status.errors.last().map_or("(no message)", String::as_str)
            ),
            FinishReason::StepsReached => "Finished:\nstep count reached".into(),
            FinishReason::Stopped => "Stopped".into(),
        });
    }
    let m = status.metrics.as_ref()?;
    if m.paused {
        Some("Paused".into())
    } else if !m.visual {
        Some("Visual off:\ntraining at\nfull speed".into())
    } else {
        None
    }
}

/// "Saved best (412 lines) to ..." for the last checkpoint.
pub fn saved_line(status: &TrainerStatus) -> Option<String> {
    let (path, reason, steps) = status.last_saved.as_ref()?;
    let what = match reason {
        SaveReason::Best { lines } => format!("best ({lines} lines)"),
        SaveReason::Periodic => "latest (periodic)".into(),
        SaveReason::Requested => "latest (save now)".into(),
        SaveReason::Stop => "latest (on stop)".into(),
    };
    Some(format!(
        "Saved {what} to {} at step {steps}",
        path.display()
    ))
}

fn show_status(
    status: Res<TrainerStatus>,
    link: Res<TrainerLink>,
    board: Res<TrainerBoard>,
    help: Res<ShowShortcuts>,
    mut view: ResMut<BoardView>,
) {
    if !status.is_changed() && !help.is_changed() && !board.is_changed() {
        return;
    }
    let overlay = if help.0 {
        Some(SHORTCUTS.to_string())
    } else if !board.game_over_left.is_zero() {
        Some("GAME OVER".to_string())
    } else {
        state_line(&status)
    };
    if view.overlay != overlay {
        view.overlay = overlay;
    }
    let title = if link.0.is_watching() {
        "Watching the agent\nF1: shortcuts".to_string()
    } else {
        format!("Training {}\nF1: shortcuts", link.0.run_name())
    };
    if view.title != title {
        view.title = title;
    }
    let Some(m) = &status.metrics else {
        return;
    };
    // The game on the board; the HUD beside it has the trainer's numbers. Before any board
    // frame (visual off from the start) the trainer's game in progress, as far as the
    // metrics tell it.
    let (game, lines, score, level, pieces) = match &board.shown {
        Some((g, _)) => (
            board.game_number.max(1),
            g.score().lines.to_string(),
            g.score().score.to_string(),
            g.score().level.to_string(),
            g.pieces_placed().to_string(),
        ),
        None => (
            m.games + 1,
            m.lines_this_game.to_string(),
            m.score_this_game.to_string(),
            "-".into(),
            "-".into(),
        ),
    };
    let stats: Vec<(String, String)> = vec![
        ("Game".into(), game.to_string()),
        ("Lines".into(), lines),
        ("Score".into(), score),
        ("Level".into(), level),
        ("Pieces".into(), pieces),
        ("Best".into(), m.best_lines.to_string()),
        ("Speed".into(), format!("{} ms", m.step_delay.as_millis())),
    ];
    if view.stats != stats {
        view.stats = stats;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::Game;

    #[test]
    fn a_frame_shows_the_board_after_its_placement() {
        let before = Game::new(9);
        let placement = before.placements()[3];
        let mut game = before.clone();
        let outcome = game.place(&placement).unwrap();
        let frame = BoardFrame {
            steps: 1,
            game_number: 1,
            path: before.input_path(&placement).unwrap(),
            before,
            grid: PieceGrid::default(),
            placement,
            outcome,
            explored: false,
        };
        let board = TrainerBoard {
            shown: Some(after(&frame)),
            ..Default::default()
        };
        let mut view = BoardView::default();
        show_still(&board, &mut view);
        assert!(view.grid.matches(game.board()));
        for (x, y) in placement.cells() {
            assert_eq!(
                view.grid.get(x as usize, y as usize),
                Some(placement.piece())
            );
        }
        assert_eq!(view.next, game.next().collect::<Vec<_>>());
        assert_eq!(view.active.map(|a| a.0), Some(game.current()));
    }
}
