//! The board while the agent trains or plays: the trainer's board frames become the
//! [`BoardView`]. With a step delay each placement plays out in [`Phase`]s within that delay:
//! the piece moves along its input path, locks, cleared lines flash, and a topped-out board
//! stays up with "GAME OVER" for a moment; at 0 ms each frame shows the newest placement at
//! once.

use std::time::Duration;

use bevy::prelude::*;

use super::board::{BoardView, DrawBoard};
use super::bridge::{TrainerLink, TrainerStatus};
use crate::game::{Falling, Game, Input, PieceGrid};
use crate::training::BoardFrame;

/// Longest line-clear flash.
const FLASH_TIME: Duration = Duration::from_millis(150);
/// How long a topped-out board stays up with "GAME OVER" (with a step delay).
const GAME_OVER_TIME: Duration = Duration::from_millis(800);

/// Where the animation of the current placement is.
#[derive(Default)]
enum Phase {
    /// Waiting for the next frame, the last placement's board on show.
    #[default]
    Waiting,
    /// The piece on its way along the input path.
    Moving {
        frame: Box<BoardFrame>,
        /// Inputs of the path applied so far.
        step: usize,
        falling: Falling,
        per_input: Duration,
        clock: Duration,
    },
    /// Cleared lines flash; then "GAME OVER" if the placement topped out.
    Flashing { left: Duration, game_over: bool },
    /// The final board of a game stays up with "GAME OVER".
    GameOver { left: Duration },
}

/// The animation of the trainer's board.
#[derive(Resource, Default)]
pub struct TrainerBoard {
    phase: Phase,
    /// The game after the last placement shown, and its colours.
    shown: Option<(Game, PieceGrid)>,
    game_number: u64,
}

impl TrainerBoard {
    /// The game on the board (after the last placement shown) and its number, once a frame
    /// has come.
    pub fn shown_game(&self) -> Option<(&Game, u64)> {
        self.shown.as_ref().map(|(g, _)| (g, self.game_number))
    }

    /// Whether the board shows a finished game ("GAME OVER").
    pub fn is_game_over(&self) -> bool {
        matches!(self.phase, Phase::GameOver { .. })
    }
}

/// The system set that writes the board from frames; what reads it runs after.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct AnimateBoard;

/// Registers the animation; needs the bridge.
pub fn plugin(app: &mut App) {
    app.init_resource::<TrainerBoard>()
        .add_systems(Update, animate.in_set(AnimateBoard).before(DrawBoard));
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
        board.phase = Phase::Waiting;
        if let Some(frame) = link.0.frames().try_iter().last() {
            board.game_number = frame.game_number;
            board.shown = Some(after(&frame));
            show_still(board, &mut view);
        }
        return;
    }
    match &mut board.phase {
        Phase::GameOver { left } => {
            *left = left.saturating_sub(time.delta());
            if left.is_zero() {
                board.phase = Phase::Waiting;
            }
        }
        Phase::Flashing { left, game_over } => {
            *left = left.saturating_sub(time.delta());
            if left.is_zero() {
                let game_over = *game_over;
                board.phase = if game_over {
                    Phase::GameOver {
                        left: GAME_OVER_TIME,
                    }
                } else {
                    Phase::Waiting
                };
                show_still(board, &mut view);
            }
        }
        Phase::Waiting => {
            if let Ok(frame) = link.0.frames().try_recv() {
                // Move, lock and flash within the trainer's step delay.
                let per_input = delay.mul_f32(0.8) / frame.path.len().max(1) as u32;
                board.game_number = frame.game_number;
                board.phase = Phase::Moving {
                    falling: Falling::enter(frame.placement.piece(), frame.before.board()),
                    frame: Box::new(frame),
                    step: 0,
                    per_input,
                    clock: Duration::ZERO,
                };
                advance(board, &mut view, time.delta(), delay);
            }
        }
        Phase::Moving { .. } => advance(board, &mut view, time.delta(), delay),
    }
}

/// Moves the piece along its path by `dt`; at the end it locks, and the lines flash.
fn advance(board: &mut TrainerBoard, view: &mut BoardView, dt: Duration, delay: Duration) {
    let Phase::Moving {
        frame,
        step,
        falling,
        per_input,
        clock,
    } = &mut board.phase
    else {
        return;
    };
    *clock += dt;
    while *clock >= *per_input && *step + 1 < frame.path.len() {
        *clock -= *per_input;
        let input = frame.path[*step];
        *step += 1;
        if input != Input::Hold {
            falling.apply(frame.before.board(), input);
        }
    }
    if *step + 1 < frame.path.len() || *clock < *per_input {
        // Mid-path: the falling piece over the board before the placement.
        view.show_game(&frame.before, &frame.grid);
        if *step > 0 && frame.path.first() == Some(&Input::Hold) {
            view.hold = Some(frame.before.current());
        }
        view.show_falling(Some(*falling), frame.before.board());
        view.flash_rows = 0;
        return;
    }
    // Locked: show the lock, flash cleared rows, then the cleared board.
    let Phase::Moving { frame, .. } = std::mem::take(&mut board.phase) else {
        unreachable!("matched above");
    };
    board.shown = Some(after(&frame));
    let game_over = frame.outcome.top_out.is_some();
    let cleared = frame.outcome.cleared_rows;
    if cleared != 0 {
        let mut locked = frame.grid.clone();
        let p = frame.placement;
        locked.lock(p.piece(), &p.cells(), 0);
        view.grid = locked;
        view.show_falling(None, frame.before.board());
        view.flash_rows = cleared;
        board.phase = Phase::Flashing {
            left: FLASH_TIME.min(delay / 5),
            game_over,
        };
    } else {
        show_still(board, view);
        if game_over {
            board.phase = Phase::GameOver {
                left: GAME_OVER_TIME,
            };
        }
    }
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
