//! One placement played out on the board, the one animation the demo and the trainer's
//! board share: the piece moves along its input path, locks, the lines it cleared flash, and
//! a placement that topped out leaves "GAME OVER" up for a moment. It is plain data advanced
//! by elapsed time; the systems that own it decide where placements come from and how fast.

use std::time::Duration;

use crate::game::{Falling, Game, Input, PieceGrid, PlaceOutcome, Placement};

use super::board::BoardView;

/// Longest line-clear flash.
pub const FLASH_TIME: Duration = Duration::from_millis(150);
/// How long a topped-out board stays up with "GAME OVER".
pub const GAME_OVER_TIME: Duration = Duration::from_millis(1000);

/// How long each part of an animation takes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Timing {
    /// Per input of the path.
    pub per_input: Duration,
    /// The line-clear flash.
    pub flash: Duration,
    /// "GAME OVER" after a top-out.
    pub game_over: Duration,
}

impl Timing {
    /// A fixed time per input, with the full flash and game-over times (the demo).
    pub fn per_input(per_input: Duration) -> Timing {
        Timing {
            per_input,
            flash: FLASH_TIME,
            game_over: GAME_OVER_TIME,
        }
    }

    /// Moving, locking and flashing within `delay` (the trainer's step delay), the path's
    /// `inputs` taking four fifths of it.
    pub fn within(delay: Duration, inputs: usize) -> Timing {
        Timing {
            per_input: delay.mul_f32(0.8) / inputs.max(1) as u32,
            flash: FLASH_TIME.min(delay / 5),
            game_over: GAME_OVER_TIME,
        }
    }
}

/// Where an animation is.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Phase {
    /// `step` inputs of the path applied, `clock` into the next one.
    Moving { step: usize, clock: Duration },
    /// Cleared lines flash.
    Flashing { left: Duration },
    /// The topped-out board with "GAME OVER".
    GameOver { left: Duration },
    /// Over: the board after the placement is on show.
    Done,
}

/// A placement on its way: the game and colours before it, the placement, its input path
/// (ending with the hard drop) and what locking it does.
#[derive(Debug)]
pub struct PlacementAnimation {
    before: Game,
    grid: PieceGrid,
    placement: Placement,
    path: Vec<Input>,
    outcome: PlaceOutcome,
    falling: Falling,
    timing: Timing,
    phase: Phase,
}

impl PlacementAnimation {
    /// An animation of `placement` from `before` (coloured by `grid`) along `path`.
    pub fn new(
        before: Game,
        grid: PieceGrid,
        placement: Placement,
        path: Vec<Input>,
        outcome: PlaceOutcome,
        timing: Timing,
    ) -> PlacementAnimation {
        PlacementAnimation {
            falling: Falling::enter(placement.piece(), before.board()),
            before,
            grid,
            placement,
            path,
            outcome,
            timing,
            phase: Phase::Moving {
                step: 0,
                clock: Duration::ZERO,
            },
        }
    }

    /// Advances by `dt`; once the animation is over, the part of `dt` it did not use.
    pub fn advance(&mut self, mut dt: Duration) -> Option<Duration> {
        loop {
            match &mut self.phase {
                Phase::Moving { step, clock } => {
                    *clock += dt;
                    while *clock >= self.timing.per_input && *step + 1 < self.path.len() {
                        *clock -= self.timing.per_input;
                        let input = self.path[*step];
                        *step += 1;
                        if input != Input::Hold {
                            self.falling.apply(self.before.board(), input);
                        }
                    }
                    if *step + 1 < self.path.len() || *clock < self.timing.per_input {
                        return None;
                    }
                    // The hard drop: it locks; what is left of the time goes on.
                    dt = clock.saturating_sub(self.timing.per_input);
                    self.phase = if self.outcome.cleared_rows != 0 {
                        Phase::Flashing {
                            left: self.timing.flash,
                        }
                    } else {
                        self.after_flash()
                    };
                }
                Phase::Flashing { left } | Phase::GameOver { left } => {
                    if dt < *left {
                        *left -= dt;
                        return None;
                    }
                    dt -= *left;
                    self.phase = match self.phase {
                        Phase::Flashing { .. } => self.after_flash(),
                        _ => Phase::Done,
                    };
                }
                Phase::Done => return Some(dt),
            }
        }
    }

    fn after_flash(&self) -> Phase {
        if self.outcome.top_out.is_some() {
            Phase::GameOver {
                left: self.timing.game_over,
            }
        } else {
            Phase::Done
        }
    }

    /// Whether the piece has locked (the board on show is then the one after it).
    pub fn is_locked(&self) -> bool {
        !matches!(self.phase, Phase::Moving { .. })
    }

    /// The game before the placement.
    pub fn before(&self) -> &Game {
        &self.before
    }

    /// Whether "GAME OVER" is on show.
    pub fn is_game_over(&self) -> bool {
        matches!(self.phase, Phase::GameOver { .. })
    }

    /// The game and its colours after the placement.
    pub fn after(&self) -> (Game, PieceGrid) {
        let mut game = self.before.clone();
        let _ = game.place(&self.placement);
        (game, self.locked(self.outcome.cleared_rows))
    }

    /// The colours with the placement locked, the rows in `cleared` removed: the one place the
    /// board's colours follow a placement.
    fn locked(&self, cleared: u64) -> PieceGrid {
        let mut grid = self.grid.clone();
        let p = self.placement;
        grid.lock(p.piece(), &p.cells(), cleared);
        grid
    }

    /// Draws where it is into `view`.
    pub fn show(&self, view: &mut BoardView) {
        view.overlay = None;
        match self.phase {
            Phase::Moving { step, .. } => {
                // The falling piece over the board before the placement.
                view.show_game(&self.before, &self.grid);
                if step > 0 && self.path.first() == Some(&Input::Hold) {
                    // The hold input has been given: show the swap already.
                    view.hold = Some(self.before.current());
                }
                view.show_falling(Some(self.falling), self.before.board());
                view.flash_rows = 0;
            }
            Phase::Flashing { .. } => {
                // Locked, the cleared rows still there and lit.
                view.show_game(&self.before, &self.locked(0));
                view.show_falling(None, self.before.board());
                view.flash_rows = self.outcome.cleared_rows;
            }
            Phase::GameOver { .. } | Phase::Done => {
                let (game, grid) = self.after();
                show_still(&game, &grid, view);
                if self.is_game_over() {
                    view.overlay = Some("GAME OVER".into());
                }
            }
        }
    }
}

/// The board between placements: the next piece waiting at spawn, with its ghost.
pub fn show_still(game: &Game, grid: &PieceGrid, view: &mut BoardView) {
    view.show_game(game, grid);
    view.flash_rows = 0;
    let waiting = (!game.is_over()).then(|| Falling::enter(game.current(), game.board()));
    view.show_falling(waiting, game.board());
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first placement of a new game's first piece, as an animation, and the game after it.
    fn animation_of(seed: u64, timing: Timing) -> (PlacementAnimation, Game) {
        let before = Game::new(seed);
        let placement = before.placements()[0];
        let mut after = before.clone();
        let outcome = after.place(&placement).unwrap();
        let path = before.input_path(&placement).unwrap();
        let a = PlacementAnimation::new(
            before,
            PieceGrid::default(),
            placement,
            path,
            outcome,
            timing,
        );
        (a, after)
    }

    #[test]
    fn the_piece_moves_input_by_input_then_the_board_after_is_shown() {
        let ms = Duration::from_millis;
        let (mut a, after) = animation_of(9, Timing::per_input(ms(10)));
        let inputs = a.path.len();
        let mut view = BoardView::default();
        a.show(&mut view);
        assert!(view.active.is_some(), "the piece is on its way");
        // Every move made, the hard drop still to come.
        assert_eq!(a.advance(ms(10) * (inputs as u32 - 1)), None);
        assert_eq!(a.advance(ms(9)), None);
        assert_eq!(a.advance(ms(4)), Some(ms(3)), "the hard drop locks it");
        a.show(&mut view);
        assert!(view.grid.matches(after.board()));
        assert_eq!(view.next, after.next().collect::<Vec<_>>());
        assert_eq!(view.overlay, None);
    }

    /// A simple player: clear lines when it can, else keep the board low and without holes;
    /// `stack` plays the first placement instead, which tops out soon.
    fn choose(game: &Game, stack: bool) -> Placement {
        let placements = game.placements();
        if stack {
            return placements[0];
        }
        let score = |p: &Placement| {
            let f = game.preview(p).unwrap().afterstate.features;
            f[10] * 100.0 - f[0] * 10.0 - f[6] - f[5]
        };
        *placements
            .iter()
            .max_by(|a, b| score(a).total_cmp(&score(b)))
            .unwrap()
    }

    #[test]
    fn cleared_lines_flash_and_a_top_out_shows_game_over() {
        let ms = Duration::from_millis;
        let mut game = Game::new(3);
        let mut grid = PieceGrid::default();
        let (mut flashes, mut pieces) = (0, 0);
        while !game.is_over() {
            pieces += 1;
            // Clear lines for a while, then stack up to the top.
            let placement = choose(&game, flashes >= 3 || pieces > 400);
            let before = game.clone();
            let outcome = game.place(&placement).unwrap();
            let path = before.input_path(&placement).unwrap();
            let timing = Timing::per_input(ms(1));
            let mut a = PlacementAnimation::new(
                before,
                grid.clone(),
                placement,
                path.clone(),
                outcome,
                timing,
            );
            assert_eq!(a.advance(ms(1) * (path.len() as u32 - 1)), None, "moving");
            let mut view = BoardView::default();
            let locked = a.advance(ms(1));
            if outcome.cleared_rows != 0 {
                assert_eq!(locked, None, "the flash is still to come");
                a.show(&mut view);
                assert_eq!(view.flash_rows, outcome.cleared_rows);
                flashes += 1;
                a.advance(FLASH_TIME - ms(1));
                assert!(!a.is_game_over() || outcome.top_out.is_some());
                a.advance(ms(1));
            }
            if outcome.top_out.is_some() {
                assert!(a.is_game_over());
                a.show(&mut view);
                assert_eq!(view.overlay.as_deref(), Some("GAME OVER"));
                assert_eq!(a.advance(GAME_OVER_TIME), Some(Duration::ZERO));
            } else {
                assert!(
                    a.advance(Duration::ZERO).is_some(),
                    "over once locked and flashed"
                );
            }
            grid = a.after().1;
            assert!(grid.matches(game.board()));
        }
        assert!(flashes >= 3, "{flashes} clears");
    }
}
