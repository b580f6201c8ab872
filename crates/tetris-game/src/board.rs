//! The playfield as bitboards: one `u16` per row (bit x = column x) and, kept in step, one
//! `u64` per column (bit y = row y), so that both row clears and column scans are a few
//! instructions.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::GameError;
use crate::piece::{Piece, Rotation};

/// Columns on the board.
pub const WIDTH: usize = 10;
/// Rows a person sees.
pub const VISIBLE_HEIGHT: usize = 20;
/// All rows, the hidden buffer above the visible ones included.
pub const HEIGHT: usize = 40;
/// A row with every column filled.
pub const FULL_ROW: u16 = (1 << WIDTH) - 1;

/// The cells of the playfield. Row 0 is the bottom row.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "BoardRows", try_from = "BoardRows")]
pub struct Board {
    rows: [u16; HEIGHT],
    cols: [u64; WIDTH],
}

/// The serialized form of a board: its non-empty rows, bottom first, validated on load.
#[derive(Serialize, Deserialize)]
struct BoardRows {
    rows: Vec<u16>,
}

impl From<Board> for BoardRows {
    fn from(board: Board) -> Self {
        let top = board.max_height() as usize;
        BoardRows {
            rows: board.rows[..top].to_vec(),
        }
    }
}

impl TryFrom<BoardRows> for Board {
    type Error = GameError;

    fn try_from(value: BoardRows) -> Result<Self, Self::Error> {
        Board::from_rows(&value.rows)
    }
}

impl Default for Board {
    fn default() -> Self {
        Board::new()
    }
}

impl Board {
    /// An empty board.
    pub const fn new() -> Board {
        Board {
            rows: [0; HEIGHT],
            cols: [0; WIDTH],
        }
    }

    /// A board from rows, bottom first. Fewer than [`HEIGHT`] rows leave the rest empty.
    ///
    /// Refuses more than [`HEIGHT`] rows, bits beyond column 9, and full rows (a settled board
    /// never holds one, since it would have been cleared).
    pub fn from_rows(rows: &[u16]) -> Result<Board, GameError> {
        if rows.len() > HEIGHT {
            return Err(GameError::TooManyRows {
                rows: rows.len(),
                max: HEIGHT,
            });
        }
        let mut board = Board::new();
        for (y, &row) in rows.iter().enumerate() {
            if row & !FULL_ROW != 0 {
                return Err(GameError::RowOutOfRange { row: y, bits: row });
            }
            if row == FULL_ROW {
                return Err(GameError::FullRow { row: y });
            }
            board.rows[y] = row;
        }
        board.rebuild_columns();
        Ok(board)
    }

    /// Pushes the stack up one row and fills the new bottom row but for column `gap` (taken
    /// modulo [`WIDTH`]): a garbage row. False, leaving the board as it was, when the top row
    /// is not empty (the stack would leave the board).
    pub fn push_garbage_row(&mut self, gap: usize) -> bool {
        if self.rows[HEIGHT - 1] != 0 {
            return false;
        }
        let gap = gap % WIDTH;
        self.rows.copy_within(0..HEIGHT - 1, 1);
        self.rows[0] = FULL_ROW & !(1 << gap);
        for (x, col) in self.cols.iter_mut().enumerate() {
            *col = (*col << 1) | u64::from(x != gap);
        }
        true
    }

    /// A board from a picture, top row first: `#` (or any of `XIOTSZJL`) is filled, `.` or
    /// space is empty, each line exactly [`WIDTH`] wide; the last line is row 0.
    pub fn from_ascii(picture: &str) -> Result<Board, GameError> {
        let lines: Vec<&str> = picture
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        let mut rows = Vec::with_capacity(lines.len());
        for (i, line) in lines.iter().rev().enumerate() {
            if line.chars().count() != WIDTH {
                return Err(GameError::BadPicture {
                    line: lines.len() - i,
                    reason: format!("expected {WIDTH} cells, found {}", line.chars().count()),
                });
            }
            let mut row = 0u16;
            for (x, c) in line.chars().enumerate() {
                match c {
                    '.' | '_' => {}
                    '#' | 'X' | 'I' | 'O' | 'T' | 'S' | 'Z' | 'J' | 'L' => row |= 1 << x,
                    other => {
                        return Err(GameError::BadPicture {
                            line: lines.len() - i,
                            reason: format!("unexpected character {other:?}; use '#' or '.'"),
                        });
                    }
                }
            }
            rows.push(row);
        }
        Board::from_rows(&rows)
    }

    /// Rows, bottom first.
    pub fn rows(&self) -> &[u16; HEIGHT] {
        &self.rows
    }

    /// Columns as bit masks, bit y = row y.
    pub fn columns(&self) -> &[u64; WIDTH] {
        &self.cols
    }

    /// Whether `(x, y)` is filled; outside the board counts as filled (walls, floor, ceiling).
    pub fn filled(&self, x: i32, y: i32) -> bool {
        if !(0..WIDTH as i32).contains(&x) || !(0..HEIGHT as i32).contains(&y) {
            return true;
        }
        self.rows[y as usize] >> x & 1 == 1
    }

    /// Whether `piece` in `rotation` at `(x, y)` overlaps a filled cell or leaves the board.
    #[inline]
    pub fn collides(&self, piece: Piece, rotation: Rotation, x: i32, y: i32) -> bool {
        piece.cells(rotation).iter().any(|&(dx, dy)| {
            let (cx, cy) = (x + dx as i32, y + dy as i32);
            !(0..WIDTH as i32).contains(&cx)
                || !(0..HEIGHT as i32).contains(&cy)
                || self.rows[cy as usize] >> cx & 1 == 1
        })
    }

    /// Height of each column: one above its highest filled cell, 0 when empty.
    pub fn column_heights(&self) -> [u32; WIDTH] {
        self.cols.map(|c| 64 - c.leading_zeros())
    }

    /// Height of the highest column.
    pub fn max_height(&self) -> u32 {
        let all = self.cols.iter().fold(0, |a, c| a | c);
        64 - all.leading_zeros()
    }

    /// Number of filled cells.
    pub fn filled_cells(&self) -> u32 {
        self.cols.iter().map(|c| c.count_ones()).sum()
    }

    /// Whether the board is empty.
    pub fn is_empty(&self) -> bool {
        self.cols.iter().all(|&c| c == 0)
    }

    /// Fills the cells of a piece. The caller has checked that it does not collide.
    pub(crate) fn put(&mut self, piece: Piece, rotation: Rotation, x: i32, y: i32) {
        for (dx, dy) in piece.cells(rotation) {
            let (cx, cy) = ((x + dx as i32) as usize, (y + dy as i32) as usize);
            self.rows[cy] |= 1 << cx;
            self.cols[cx] |= 1 << cy;
        }
    }

    /// Removes full rows among `candidates` (bottom-first list of rows that may be full, as
    /// touched by the last piece), shifting everything above down. Returns a mask of the rows
    /// removed, in the coordinates before removal.
    pub(crate) fn clear_full_rows(&mut self, candidates: impl Iterator<Item = usize>) -> u64 {
        let mut cleared = 0u64;
        for y in candidates {
            if self.rows[y] == FULL_ROW {
                cleared |= 1 << y;
            }
        }
        if cleared == 0 {
            return 0;
        }
        let mut write = 0;
        for read in 0..HEIGHT {
            if cleared >> read & 1 == 0 {
                self.rows[write] = self.rows[read];
                write += 1;
            }
        }
        for row in &mut self.rows[write..] {
            *row = 0;
        }
        // Columns: delete the cleared bits, highest first so lower indices stay valid.
        let mut bits = cleared;
        while bits != 0 {
            let y = 63 - bits.leading_zeros();
            let low = (1u64 << y) - 1;
            for c in &mut self.cols {
                *c = (*c & low) | ((*c >> 1) & !low);
            }
            bits &= !(1 << y);
        }
        cleared
    }

    /// Recomputes the column masks from the rows (after deserializing).
    pub(crate) fn rebuild_columns(&mut self) {
        self.cols = [0; WIDTH];
        for (y, &row) in self.rows.iter().enumerate() {
            for (x, col) in self.cols.iter_mut().enumerate() {
                *col |= ((row >> x & 1) as u64) << y;
            }
        }
    }
}

impl fmt::Debug for Board {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let top = (self.max_height() as usize).max(1);
        writeln!(f)?;
        for y in (0..top).rev() {
            for x in 0..WIDTH {
                let c = if self.rows[y] >> x & 1 == 1 { '#' } else { '.' };
                write!(f, "{c}")?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_round_trip_and_columns_agree() {
        let b = Board::from_ascii(
            "
            #.........
            ##.......#
            ",
        )
        .unwrap();
        assert_eq!(b.rows()[0], 0b10_0000_0011);
        assert_eq!(b.rows()[1], 0b1);
        assert_eq!(b.columns()[0], 0b11);
        assert_eq!(b.columns()[9], 0b01);
        assert_eq!(b.column_heights()[0], 2);
        assert_eq!(b.max_height(), 2);
        assert_eq!(b.filled_cells(), 4);
    }

    #[test]
    fn malformed_boards_are_refused() {
        assert!(matches!(
            Board::from_rows(&[1 << 10]),
            Err(GameError::RowOutOfRange { row: 0, .. })
        ));
        assert!(matches!(
            Board::from_rows(&[FULL_ROW]),
            Err(GameError::FullRow { row: 0 })
        ));
        assert!(matches!(
            Board::from_rows(&[0; HEIGHT + 1]),
            Err(GameError::TooManyRows { .. })
        ));
        assert!(Board::from_ascii("#.").is_err());
        assert!(Board::from_ascii("#........?").is_err());
    }

    #[test]
    fn clearing_rows_shifts_rows_and_columns() {
        let mut b = Board::from_rows(&[0b1, 0b10]).unwrap();
        b.rows[0] = FULL_ROW;
        b.rebuild_columns();
        let cleared = b.clear_full_rows(0..2);
        assert_eq!(cleared, 1);
        assert_eq!(b.rows()[0], 0b10);
        assert_eq!(b.rows()[1], 0);
        let mut expected = b.clone();
        expected.rebuild_columns();
        assert_eq!(b.columns(), expected.columns());
    }

    #[test]
    fn collision_counts_walls_and_floor() {
        let b = Board::new();
        assert!(!b.collides(Piece::T, Rotation::N, 4, 0));
        assert!(b.collides(Piece::T, Rotation::S, 4, 0));
        assert!(b.collides(Piece::I, Rotation::N, 0, 5));
        assert!(!b.collides(Piece::I, Rotation::E, -1, 5));
    }
}
