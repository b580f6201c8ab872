//! The board while the agent trains or plays: the trainer's board frames become the
//! [`BoardView`]. With a step delay each placement plays out within that delay as the shared
//! [`PlacementAnimation`]: the piece moves along its input path, locks, cleared lines flash,
//! and a topped-out board stays up with "GAME OVER" for a moment; at 0 ms each frame shows the
//! newest placement at once.

use std::time::Duration;

use bevy::prelude::*;

use super::animation::{PlacementAnimation, Timing, show_still};
use super::board::{BoardView, DrawBoard};
use super::bridge::{Joined, TrainerLink, TrainerStatus};
use crate::game::{Game, PieceGrid};
use crate::training::BoardFrame;

/// The animation of the trainer's board.
#[derive(Resource, Default)]
pub struct TrainerBoard {
    /// The placement playing out, if one is (none: waiting for the next frame).
    animation: Option<PlacementAnimation>,
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
        self.animation
            .as_ref()
            .is_some_and(PlacementAnimation::is_game_over)
    }

    /// Takes `frame` as the placement on show; returns its animation.
    fn take(&mut self, frame: BoardFrame, delay: Duration) -> PlacementAnimation {
        self.game_number = frame.game_number;
        let timing = Timing::within(delay, frame.path.len());
        let animation = PlacementAnimation::new(
            frame.before,
            frame.grid,
            frame.placement,
            frame.path,
            frame.outcome,
            timing,
        );
        self.shown = Some(animation.after());
        animation
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

fn animate(
    time: Res<Time>,
    link: Res<TrainerLink>,
    status: Res<TrainerStatus>,
    mut joined: MessageReader<Joined>,
    mut board: ResMut<TrainerBoard>,
    mut view: ResMut<BoardView>,
) {
    let delay = status
        .metrics
        .as_ref()
        .map_or(Duration::ZERO, |m| m.step_delay);
    let board = &mut *board;
    // A window that joins a run shows its last placement at once.
    if let Some(frame) = joined.read().filter_map(|j| j.frame.clone()).last() {
        board.animation = None;
        board.take(frame, Duration::ZERO);
        show_shown(board, &mut view);
    }
    if delay.is_zero() {
        // As fast as frames come: show the newest placement's result.
        board.animation = None;
        if let Some(frame) = link.0.frames().try_iter().last() {
            board.take(std::sync::Arc::unwrap_or_clone(frame), delay);
            show_shown(board, &mut view);
        }
        return;
    }
    if board.animation.is_none() {
        let Ok(frame) = link.0.frames().try_recv() else {
            return;
        };
        let frame = std::sync::Arc::unwrap_or_clone(frame);
        // Move, lock and flash within the trainer's step delay.
        board.animation = Some(board.take(frame, delay));
    }
    let Some(animation) = &mut board.animation else {
        return;
    };
    if animation.advance(time.delta()).is_some() {
        board.animation = None;
        show_shown(board, &mut view);
    } else {
        animation.show(&mut view);
    }
}

/// The board after the last placement, the next piece waiting at spawn.
fn show_shown(board: &TrainerBoard, view: &mut BoardView) {
    if let Some((game, grid)) = &board.shown {
        show_still(game, grid, view);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::Game;

    #[test]
    fn a_frame_shows_the_board_after_its_placement() {
        let (frame, game) = BoardFrame::of_placement(&Game::new(9), 3);
        let placement = frame.placement;
        let mut board = TrainerBoard::default();
        board.take(frame, Duration::ZERO);
        let mut view = BoardView::default();
        show_shown(&board, &mut view);
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
