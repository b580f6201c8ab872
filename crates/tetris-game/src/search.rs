//! Placement search: every final resting position a piece can reach from spawn by shifts, SRS
//! rotations with kicks and soft drops, found with bit-parallel flood fill.
//!
//! For each rotation and column the search keeps one `u64` whose bits are the rows where the
//! piece fits (`free`) and one for the rows it can reach (`reach`). Rows are stored flipped,
//! bit `63 - y` for row `y`, so that falling (y decreasing) is a carry towards higher bits and
//! a whole column of soft drops is one addition. A shortest input path for any one placement
//! is found separately, by [`crate::path`], when it is needed.

// The search walks several parallel [rotation][slot] tables in step; index loops say so best.
#![allow(clippy::needless_range_loop)]

use serde::{Deserialize, Serialize};

use crate::board::{Board, HEIGHT, WIDTH};
use crate::falling::{SPAWN_X, SPAWN_Y, t_corners};
use crate::piece::{Piece, Rotation, Spin};
use crate::scoring::TSpin;

/// A final resting position of a piece, as found by the search.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Placement {
    pub(crate) piece: Piece,
    pub(crate) rotation: Rotation,
    pub(crate) x: i8,
    pub(crate) y: i8,
    pub(crate) hold: bool,
    pub(crate) tspin: TSpin,
}

impl Placement {
    /// The piece placed.
    pub fn piece(&self) -> Piece {
        self.piece
    }
    /// Its rotation state (for pieces whose states repeat, the lowest of the equivalent ones).
    pub fn rotation(&self) -> Rotation {
        self.rotation
    }
    /// Column of its rotation centre.
    pub fn x(&self) -> i32 {
        self.x as i32
    }
    /// Row of its rotation centre.
    pub fn y(&self) -> i32 {
        self.y as i32
    }
    /// Whether the piece comes through hold (the hold piece, or the next one if hold is empty).
    pub fn uses_hold(&self) -> bool {
        self.hold
    }
    /// The T-spin it scores as, when its best path ends with a rotation.
    pub fn tspin(&self) -> TSpin {
        self.tspin
    }
    /// The board cells it covers.
    pub fn cells(&self) -> [(i32, i32); 4] {
        self.piece
            .cells_at(self.rotation, self.x as i32, self.y as i32)
    }
    /// The cells sorted, a key that is equal exactly when two placements cover the same cells.
    pub fn cell_key(&self) -> [(i32, i32); 4] {
        let mut c = self.cells();
        c.sort_unstable();
        c
    }
}

/// Column slots searched: centre x from `X_MIN` to `X_MIN + SLOTS - 1` (every centre column
/// at which some piece fits on the board).
pub(crate) const X_MIN: i32 = -1;
pub(crate) const SLOTS: usize = 12;
/// Extended columns: walls two wide each side of the board.
const EXT_MIN: i32 = -2;
const EXT: usize = 15;
/// Flipped-mask bits at or below this index are rows at or above [`HEIGHT`]: the ceiling.
const CEILING: u64 = (1u64 << (64 - HEIGHT)) - 1;

#[inline]
fn bit_of_row(y: i32) -> u32 {
    (63 - y) as u32
}

/// Masks of blocked rows per extended column, flipped (bit `63 - y`).
fn flipped_columns(board: &Board) -> [u64; EXT] {
    let mut ext = [u64::MAX; EXT];
    for (x, &col) in board.columns().iter().enumerate() {
        ext[(x as i32 - EXT_MIN) as usize] = col.reverse_bits() | CEILING;
    }
    ext
}

/// Rows (flipped bits) where `piece` in `rotation` fits, per column slot.
fn free_masks(ext: &[u64; EXT], piece: Piece, rotation: Rotation) -> [u64; SLOTS] {
    let cells = piece.cells(rotation);
    let mut free = [0u64; SLOTS];
    for (slot, f) in free.iter_mut().enumerate() {
        let x = slot as i32 + X_MIN;
        let mut blocked = 0u64;
        for &(dx, dy) in &cells {
            let col = ext[(x + dx as i32 - EXT_MIN) as usize];
            // Position row y is blocked if row y + dy is: flipped bit 63-y reads bit 63-y-dy.
            blocked |= match dy {
                0 => col,
                d if d > 0 => (col << d) | ((1u64 << d) - 1),
                d => (col >> -d) | !(u64::MAX >> -d),
            };
        }
        *f = !blocked;
    }
    free
}

/// Extends `seed` (a subset of `free`) through every row it can fall to within `free`.
#[inline]
fn fall(seed: u64, free: u64) -> u64 {
    ((free.wrapping_add(seed) ^ free) & free) | seed
}

/// Moves a flipped mask by `dy` rows up (positive) or down.
#[inline]
fn move_rows(mask: u64, dy: i8) -> u64 {
    if dy >= 0 { mask >> dy } else { mask << -dy }
}

/// Pieces whose rotation states cover the same cells in pairs: state S at (x, y) equals N at
/// (x, y - 1) and W at (x, y) equals E at (x - 1, y).
fn has_half_turn_symmetry(piece: Piece) -> bool {
    matches!(piece, Piece::I | Piece::S | Piece::Z)
}

/// Appends to `out` every placement of `piece` on `board`, deduplicated by cells.
pub(crate) fn search(board: &Board, piece: Piece, hold: bool, out: &mut Vec<Placement>) {
    let ext = flipped_columns(board);
    let rotations = if piece == Piece::O { 1 } else { 4 };
    let mut free = [[0u64; SLOTS]; 4];
    for r in 0..rotations {
        free[r] = free_masks(&ext, piece, Rotation::ALL[r]);
    }
    let spawn_slot = (SPAWN_X - X_MIN) as usize;
    let spawn_bit = 1u64 << bit_of_row(SPAWN_Y);
    if free[0][spawn_slot] & spawn_bit == 0 {
        return; // block out: nothing can be placed
    }
    let mut reach = [[0u64; SLOTS]; 4];
    // Rows reached by a rotation (T only), and by the fifth kick.
    let mut spun = [[0u64; SLOTS]; 4];
    let mut spun_long = [[0u64; SLOTS]; 4];
    let mut rotated = [[0u64; SLOTS]; 4];
    reach[0][spawn_slot] = spawn_bit;
    let track_spins = piece == Piece::T;
    // Rotations whose reach grew since they were last flooded.
    let mut dirty = [true, false, false, false];
    loop {
        for r in 0..rotations {
            if dirty[r] {
                flood_rotation(&mut reach[r], &free[r]);
                dirty[r] = false;
            }
        }
        let mut grew = false;
        for r in 0..rotations {
            let mut any_fresh = 0;
            for slot in 0..SLOTS {
                any_fresh |= reach[r][slot] & !rotated[r][slot];
            }
            if any_fresh == 0 {
                continue;
            }
            for spin in [Spin::Cw, Spin::Ccw] {
                let from = Rotation::ALL[r];
                let to = from.turned(spin).index();
                let kicks = piece.kicks(from, spin);
                for slot in 0..SLOTS {
                    let fresh = reach[r][slot] & !rotated[r][slot];
                    if fresh == 0 {
                        continue;
                    }
                    let mut pending = fresh;
                    for (k, &(dx, dy)) in kicks.iter().enumerate() {
                        let target = slot as i32 + dx as i32;
                        if !(0..SLOTS as i32).contains(&target) {
                            continue;
                        }
                        let t = target as usize;
                        let ok = pending & move_rows(free[to][t], -dy);
                        if ok == 0 {
                            continue;
                        }
                        pending &= !ok;
                        let landed = move_rows(ok, dy);
                        if track_spins {
                            spun[to][t] |= landed;
                            if k == 4 {
                                spun_long[to][t] |= landed;
                            }
                        }
                        if landed & !reach[to][t] != 0 {
                            reach[to][t] |= landed;
                            dirty[to] = true;
                            grew = true;
                        }
                        if pending == 0 {
                            break;
                        }
                    }
                }
            }
            // Both spins have now turned every row reached so far in this rotation.
            for slot in 0..SLOTS {
                rotated[r][slot] |= reach[r][slot];
            }
        }
        if !grew {
            break;
        }
    }

    // Resting rows: the row below is blocked.
    let mut rest = [[0u64; SLOTS]; 4];
    for r in 0..rotations {
        for slot in 0..SLOTS {
            rest[r][slot] = reach[r][slot] & !(free[r][slot] >> 1);
        }
    }
    if has_half_turn_symmetry(piece) {
        for slot in 0..SLOTS {
            // S at y is N at y - 1: one row lower is one flipped bit higher.
            rest[0][slot] |= rest[2][slot] << 1;
            rest[2][slot] = 0;
            if slot > 0 {
                rest[1][slot - 1] |= rest[3][slot];
            }
            rest[3][slot] = 0;
        }
    }
    for r in 0..rotations {
        for slot in 0..SLOTS {
            let mut bits = rest[r][slot];
            while bits != 0 {
                let b = bits.trailing_zeros();
                bits &= bits - 1;
                let x = slot as i32 + X_MIN;
                let y = 63 - b as i32;
                let rotation = Rotation::ALL[r];
                let tspin = if track_spins && spun[r][slot] >> b & 1 == 1 {
                    t_corners(board, rotation, x, y, spun_long[r][slot] >> b & 1 == 1)
                } else {
                    TSpin::None
                };
                out.push(Placement {
                    piece,
                    rotation,
                    x: x as i8,
                    y: y as i8,
                    hold,
                    tspin,
                });
            }
        }
    }
}

/// Closes `reach` under falling and sideways moves within one rotation state.
#[inline]
fn flood_rotation(reach: &mut [u64; SLOTS], free: &[u64; SLOTS]) {
    loop {
        let mut changed = false;
        for slot in 0..SLOTS {
            reach[slot] = fall(reach[slot], free[slot]);
        }
        for slot in 1..SLOTS {
            let add = reach[slot - 1] & free[slot] & !reach[slot];
            if add != 0 {
                reach[slot] = fall(reach[slot] | add, free[slot]);
                changed = true;
            }
        }
        for slot in (0..SLOTS - 1).rev() {
            let add = reach[slot + 1] & free[slot] & !reach[slot];
            if add != 0 {
                reach[slot] = fall(reach[slot] | add, free[slot]);
                changed = true;
            }
        }
        if !changed {
            return;
        }
    }
}

// Keep the constants honest: the search assumes these board dimensions.
const _: () = assert!(WIDTH == 10 && HEIGHT <= 63 && SLOTS as i32 + X_MIN > WIDTH as i32);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn falling_fills_a_run_downwards_only() {
        // Flipped: higher bit = lower row. Free rows are bits 2..=6; seed at bit 3.
        let free = 0b0111_1100;
        assert_eq!(fall(0b1000, free), 0b0111_1000);
        assert_eq!(fall(0, free), 0);
    }

    #[test]
    fn empty_board_counts() {
        let board = Board::new();
        let count = |p| {
            let mut v = Vec::new();
            search(&board, p, false, &mut v);
            v.len()
        };
        // Flat board: O 9; I 7 + 10; T, J, L 8 + 9 + 8 + 9; S, Z 8 + 9.
        assert_eq!(count(Piece::O), 9);
        assert_eq!(count(Piece::I), 17);
        assert_eq!(count(Piece::T), 34);
        assert_eq!(count(Piece::J), 34);
        assert_eq!(count(Piece::L), 34);
        assert_eq!(count(Piece::S), 17);
        assert_eq!(count(Piece::Z), 17);
    }
}
