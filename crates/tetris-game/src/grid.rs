//! Which piece filled each cell: the board with colours, for drawing. The engine's bitboards
//! say only filled or empty; this follows the same locks and clears with the piece kind.

use serde::{Deserialize, Serialize};

use crate::board::{Board, HEIGHT, WIDTH};
use crate::piece::Piece;

/// A cell grid of piece kinds, row 0 at the bottom.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PieceGrid {
    rows: Vec<[Option<Piece>; WIDTH]>,
}

impl Default for PieceGrid {
    fn default() -> Self {
        PieceGrid {
            rows: vec![[None; WIDTH]; HEIGHT],
        }
    }
}

impl PieceGrid {
    /// A grid for an existing board whose pieces are not known: filled cells get `filler`.
    pub fn from_board(board: &Board, filler: Piece) -> PieceGrid {
        let mut grid = PieceGrid::default();
        for (y, &row) in board.rows().iter().enumerate() {
            for x in 0..WIDTH {
                if row >> x & 1 == 1 {
                    grid.rows[y][x] = Some(filler);
                }
            }
        }
        grid
    }

    /// The piece at `(x, y)`, `None` when empty or outside.
    pub fn get(&self, x: usize, y: usize) -> Option<Piece> {
        self.rows.get(y).and_then(|r| r.get(x)).copied().flatten()
    }

    /// Rows, bottom first.
    pub fn rows(&self) -> &[[Option<Piece>; WIDTH]] {
        &self.rows
    }

    /// Records a lock of `piece` on `cells` that cleared the rows in `cleared_rows` (bit y =
    /// row y, in coordinates before the clear), as [`crate::PlaceOutcome`] reports them.
    pub fn lock(&mut self, piece: Piece, cells: &[(i32, i32); 4], cleared_rows: u64) {
        for &(x, y) in cells {
            if (0..WIDTH as i32).contains(&x) && (0..HEIGHT as i32).contains(&y) {
                self.rows[y as usize][x as usize] = Some(piece);
            }
        }
        if cleared_rows != 0 {
            let mut y = 0;
            self.rows.retain(|_| {
                let keep = cleared_rows >> y & 1 == 0;
                y += 1;
                keep
            });
            self.rows.resize(HEIGHT, [None; WIDTH]);
        }
    }

    /// Whether the grid's filled cells are exactly the board's.
    pub fn matches(&self, board: &Board) -> bool {
        self.rows
            .iter()
            .zip(board.rows())
            .all(|(cells, &row)| (0..WIDTH).all(|x| cells[x].is_some() == (row >> x & 1 == 1)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::Game;

    #[test]
    fn follows_the_board_through_random_play() {
        let mut game = Game::new(17);
        let mut grid = PieceGrid::default();
        let mut cleared_any = false;
        for i in 0..400 {
            if game.is_over() {
                break;
            }
            let ps = game.placements();
            // Prefer clears, so that row removal is exercised.
            let p = ps
                .iter()
                .copied()
                .max_by_key(|p| (game.afterstate(p).unwrap().lines, (i * 31 + p.x()) % 7))
                .unwrap();
            let out = game.place(&p).unwrap();
            cleared_any |= out.lines > 0;
            grid.lock(p.piece(), &p.cells(), out.cleared_rows);
            assert!(grid.matches(game.board()), "after piece {i}");
        }
        assert!(cleared_any);
    }
}
