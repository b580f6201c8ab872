//! The falling piece and the inputs that move it: shifts, SRS rotations with kicks, soft and
//! hard drops, and the T-spin corner rule that is judged when it locks.

use serde::{Deserialize, Serialize};

use crate::board::{Board, VISIBLE_HEIGHT};
use crate::piece::{Piece, Rotation, Spin};
use crate::scoring::TSpin;

/// Column where pieces spawn (the centre of a 3-wide piece lands in columns 3..=5).
pub const SPAWN_X: i32 = 4;
/// Row where pieces spawn: just above the visible field. A new piece drops one row at once
/// when nothing blocks it (see [`Falling::enter`]); block-out is judged here, before the drop.
pub const SPAWN_Y: i32 = VISIBLE_HEIGHT as i32;

/// One input a player (or the agent's path) gives the falling piece.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Input {
    /// One column left.
    Left,
    /// One column right.
    Right,
    /// Rotate clockwise, trying the SRS kicks in order.
    RotateCw,
    /// Rotate counter-clockwise, trying the SRS kicks in order.
    RotateCcw,
    /// One row down.
    SoftDrop,
    /// Straight down as far as it goes, then lock.
    HardDrop,
    /// Swap with the hold piece (once per piece).
    Hold,
}

/// A piece in play: where it is and how it got there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Falling {
    /// Which piece.
    pub piece: Piece,
    /// Its rotation state.
    pub rotation: Rotation,
    /// Column of its rotation centre.
    pub x: i32,
    /// Row of its rotation centre.
    pub y: i32,
    /// When the last successful move was a rotation, the index (0..5) of the kick it used.
    pub last_kick: Option<u8>,
}

impl Falling {
    /// The piece at its spawn position, before the Guideline's drop: where block-out is
    /// judged. A piece in play starts from [`Falling::enter`] instead.
    pub fn spawn(piece: Piece) -> Falling {
        Falling {
            piece,
            rotation: Rotation::N,
            x: SPAWN_X,
            y: SPAWN_Y,
            last_kick: None,
        }
    }

    /// The piece as it comes into play on `board`: at spawn, then, as the Guideline says, one
    /// row lower at once if nothing blocks it. Only from there may it move; placements and
    /// input paths start here. (Whether it can spawn at all, block-out, is
    /// [`Falling::spawn`]'s position colliding.)
    pub fn enter(piece: Piece, board: &Board) -> Falling {
        let mut f = Falling::spawn(piece);
        if !f.resting(board) {
            f.y -= 1;
        }
        f
    }

    /// The board cells it covers.
    pub fn cells(&self) -> [(i32, i32); 4] {
        self.piece.cells_at(self.rotation, self.x, self.y)
    }

    /// Whether it overlaps a filled cell or leaves the board.
    pub fn collides(&self, board: &Board) -> bool {
        board.collides(self.piece, self.rotation, self.x, self.y)
    }

    /// Whether it cannot move down.
    pub fn resting(&self, board: &Board) -> bool {
        board.collides(self.piece, self.rotation, self.x, self.y - 1)
    }

    /// Rows it would fall on a hard drop.
    pub fn drop_distance(&self, board: &Board) -> i32 {
        let mut d = 0;
        while !board.collides(self.piece, self.rotation, self.x, self.y - d - 1) {
            d += 1;
        }
        d
    }

    /// Applies a movement input; returns whether the piece moved. [`Input::HardDrop`] drops it
    /// to rest (and counts as a move only if it fell); [`Input::Hold`] is not a movement and
    /// is refused here.
    pub fn apply(&mut self, board: &Board, input: Input) -> bool {
        match input {
            Input::Left => self.shift(board, -1, 0),
            Input::Right => self.shift(board, 1, 0),
            Input::SoftDrop => self.shift(board, 0, -1),
            Input::HardDrop => {
                let d = self.drop_distance(board);
                d > 0 && self.shift(board, 0, -d)
            }
            Input::RotateCw => self.rotate(board, Spin::Cw),
            Input::RotateCcw => self.rotate(board, Spin::Ccw),
            Input::Hold => false,
        }
    }

    fn shift(&mut self, board: &Board, dx: i32, dy: i32) -> bool {
        if board.collides(self.piece, self.rotation, self.x + dx, self.y + dy) {
            return false;
        }
        self.x += dx;
        self.y += dy;
        self.last_kick = None;
        true
    }

    /// Rotates by `spin`, trying the five SRS kicks in order; returns whether it turned.
    pub fn rotate(&mut self, board: &Board, spin: Spin) -> bool {
        let to = self.rotation.turned(spin);
        for (k, &(dx, dy)) in self.piece.kicks(self.rotation, spin).iter().enumerate() {
            let (x, y) = (self.x + dx as i32, self.y + dy as i32);
            if !board.collides(self.piece, to, x, y) {
                self.rotation = to;
                self.x = x;
                self.y = y;
                self.last_kick = Some(k as u8);
                return true;
            }
        }
        false
    }

    /// The T-spin kind if it locked here now (3-corner rule; a mini is upgraded to a full
    /// T-spin when the last rotation used the fifth, 1x2 kick).
    pub fn tspin(&self, board: &Board) -> TSpin {
        match self.last_kick {
            Some(kick) if self.piece == Piece::T => {
                t_corners(board, self.rotation, self.x, self.y, kick == 4)
            }
            _ => TSpin::None,
        }
    }
}

/// The 3-corner rule for a T piece centred at `(x, y)` in `rotation` that got there by a
/// rotation (`last_kick_was_long`: by the fifth kick).
pub fn t_corners(
    board: &Board,
    rotation: Rotation,
    x: i32,
    y: i32,
    last_kick_was_long: bool,
) -> TSpin {
    // Corners in clockwise order from top-left; the front pair is the one the nub points at.
    let corners = [(-1, 1), (1, 1), (1, -1), (-1, -1)].map(|(dx, dy)| board.filled(x + dx, y + dy));
    let filled = corners.iter().filter(|&&c| c).count();
    if filled < 3 {
        return TSpin::None;
    }
    let front = match rotation {
        Rotation::N => [0, 1],
        Rotation::E => [1, 2],
        Rotation::S => [2, 3],
        Rotation::W => [3, 0],
    };
    if (corners[front[0]] && corners[front[1]]) || last_kick_was_long {
        TSpin::Full
    } else {
        TSpin::Mini
    }
}

/// Whether every cell of a locked piece is above the visible field (a lock out).
pub fn locks_out(cells: &[(i32, i32); 4]) -> bool {
    cells.iter().all(|&(_, y)| y >= VISIBLE_HEIGHT as i32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::board::WIDTH;

    #[test]
    fn i_piece_stops_at_both_walls_and_the_floor() {
        let b = Board::new();
        let mut f = Falling::spawn(Piece::I);
        while f.apply(&b, Input::Left) {}
        assert_eq!(f.cells().iter().map(|c| c.0).min(), Some(0));
        while f.apply(&b, Input::Right) {}
        assert_eq!(f.cells().iter().map(|c| c.0).max(), Some(WIDTH as i32 - 1));
        assert!(f.apply(&b, Input::HardDrop));
        assert_eq!(f.cells().iter().map(|c| c.1).min(), Some(0));
        assert!(f.resting(&b));
        assert!(!f.apply(&b, Input::SoftDrop));
    }

    #[test]
    fn vertical_i_kicks_off_the_walls() {
        let b = Board::new();
        // Vertical against the left wall (W state, column 0), then rotate back to flat.
        let mut f = Falling::spawn(Piece::I);
        assert!(f.apply(&b, Input::RotateCcw));
        while f.apply(&b, Input::Left) {}
        assert_eq!(f.cells().iter().map(|c| c.0).min(), Some(0));
        assert!(f.apply(&b, Input::RotateCw));
        assert!(!f.collides(&b));
        assert_eq!(f.rotation, Rotation::N);
        assert_eq!(f.cells().iter().map(|c| c.0).min(), Some(0));
        assert!(f.last_kick.unwrap() > 0, "needed a kick");
        // Vertical against the right wall (E state, column 9), rotate back.
        let mut f = Falling::spawn(Piece::I);
        assert!(f.apply(&b, Input::RotateCw));
        while f.apply(&b, Input::Right) {}
        assert_eq!(f.cells().iter().map(|c| c.0).max(), Some(9));
        assert!(f.apply(&b, Input::RotateCcw));
        assert_eq!(f.cells().iter().map(|c| c.0).max(), Some(9));
        assert!(f.last_kick.unwrap() > 0);
    }

    #[test]
    fn vertical_i_on_the_floor_kicks_up_to_turn() {
        let b = Board::new();
        let mut f = Falling::spawn(Piece::I);
        assert!(f.apply(&b, Input::RotateCw));
        f.apply(&b, Input::HardDrop);
        assert_eq!(f.cells().iter().map(|c| c.1).min(), Some(0));
        assert!(f.apply(&b, Input::RotateCw));
        assert!(!f.collides(&b));
        assert_eq!(f.rotation, Rotation::S);
    }

    #[test]
    fn a_new_piece_drops_one_row_unless_blocked() {
        let empty = Board::new();
        for piece in Piece::ALL {
            let f = Falling::enter(piece, &empty);
            assert_eq!((f.x, f.y, f.rotation), (SPAWN_X, SPAWN_Y - 1, Rotation::N));
            assert_eq!(f.last_kick, None);
        }
        // A stack reaching the row under the spawn rows: the piece stays where it spawned.
        let high = Board::from_rows(&[0b11_1111_1110; 20]).unwrap();
        let f = Falling::enter(Piece::T, &high);
        assert!(!f.collides(&high));
        assert_eq!(f.y, SPAWN_Y);
        assert!(f.resting(&high));
    }

    #[test]
    fn moving_after_a_rotation_cancels_the_spin() {
        let b = Board::new();
        let mut f = Falling::spawn(Piece::T);
        f.apply(&b, Input::RotateCw);
        assert_eq!(f.last_kick, Some(0));
        f.apply(&b, Input::Left);
        assert_eq!(f.last_kick, None);
        assert!(!f.apply(&b, Input::Hold));
    }
}
