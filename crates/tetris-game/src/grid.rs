//! Which piece filled each cell: the board with colours, for drawing. The engine's bitboards
//! say only filled or empty; this follows the same locks and clears with the piece kind.

use serde::{Deserialize, Serialize};

use crate::board::{Board, HEIGHT, WIDTH};
use crate::piece::Piece;

/// A cell grid of piece kinds, row 0 at the bottom, and the cells garbage filled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PieceGrid {
    rows: Vec<[Option<Piece>; WIDTH]>,
    /// Per row, bit x set where a garbage row's cell is (versus games).
    #[serde(default = "no_garbage")]
    garbage: Vec<u16>,
}

fn no_garbage() -> Vec<u16> {
    vec![0; HEIGHT]
}

impl Default for PieceGrid {
    fn default() -> Self {
        PieceGrid {
            rows: vec![[None; WIDTH]; HEIGHT],
            garbage: no_garbage(),
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

    /// Whether `(x, y)` holds a cell of garbage.
    pub fn is_garbage(&self, x: usize, y: usize) -> bool {
        self.garbage.get(y).is_some_and(|&row| row >> x & 1 == 1)
    }

    /// Records `rows` garbage rows landing under the stack: everything moves up, and the
    /// new bottom rows are `board`'s (the board after they landed).
    pub fn receive(&mut self, board: &Board, rows: usize) {
        let rows = rows.min(HEIGHT);
        self.rows.truncate(HEIGHT - rows);
        self.garbage.truncate(HEIGHT - rows);
        self.rows
            .splice(0..0, std::iter::repeat_n([None; WIDTH], rows));
        self.garbage
            .splice(0..0, board.rows()[..rows].iter().copied());
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
            let kept = |y: usize| cleared_rows >> y & 1 == 0;
            let mut y = 0;
            self.rows.retain(|_| {
                y += 1;
                kept(y - 1)
            });
            self.rows.resize(HEIGHT, [None; WIDTH]);
            let mut y = 0;
            self.garbage.retain(|_| {
                y += 1;
                kept(y - 1)
            });
            self.garbage.resize(HEIGHT, 0);
        }
    }

    /// Whether the grid's filled cells are exactly the board's.
    pub fn matches(&self, board: &Board) -> bool {
        self.rows
            .iter()
            .zip(&self.garbage)
            .zip(board.rows())
            .all(|((cells, &garbage), &row)| {
                (0..WIDTH)
                    .all(|x| (cells[x].is_some() || garbage >> x & 1 == 1) == (row >> x & 1 == 1))
            })
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

    #[test]
    fn follows_both_boards_of_a_versus_game_garbage_included() {
        use crate::versus::{Side, Versus, VersusRules};
        let mut versus = Versus::new(3, VersusRules::default());
        // Left starts with a well that an I makes a tetris of: four rows sent to the right.
        let mut rows = [0b01_1111_1111u16; 5];
        rows[4] = 0b00_0000_0011;
        let well = Board::from_rows(&rows).unwrap();
        let start = Game::from_position(well.clone(), Piece::I, None, &[Piece::O; 3], 3).unwrap();
        versus.set_game(Side::Left, start);
        let mut grids = [PieceGrid::from_board(&well, Piece::O), PieceGrid::default()];
        let mut landed = 0;
        for turn in 0..600 {
            if versus.winner().is_some() {
                break;
            }
            let side = Side::BOTH[turn % 2];
            let game = versus.game(side);
            let p = if turn == 0 {
                *game
                    .placements()
                    .iter()
                    .max_by_key(|p| game.afterstate(p).unwrap().lines)
                    .unwrap()
            } else {
                crate::dellacherie::choose(game, true).unwrap()
            };
            let out = versus.place(side, &p).unwrap();
            let grid = &mut grids[side as usize];
            grid.lock(p.piece(), &p.cells(), out.outcome.cleared_rows);
            grid.receive(versus.game(side).board(), out.landed as usize);
            landed += out.landed;
            assert!(grid.matches(versus.game(side).board()), "turn {turn}");
            if out.landed > 0 {
                assert!((0..WIDTH).any(|x| grid.is_garbage(x, 0)));
            }
        }
        assert!(landed > 0, "no garbage landed in the test game");
    }
}
