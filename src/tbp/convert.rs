//! Our pieces, boards and placements in the Tetris Bot Protocol's terms and back. A TBP piece
//! location is a piece, an orientation and the (x, y) of the piece's centre as SRS true
//! rotation defines it; [`TBP_CELLS`] writes out the spec's definition for every piece and
//! orientation, and every conversion goes through it.

use tbp::MaybeUnknown;
use tbp::data::{Move, Orientation, Piece as TbpPiece, PieceLocation, Spin as TbpSpin};

use crate::game::{Board, HEIGHT, Piece, Placement, Rotation, TSpin, WIDTH};

/// Rows of a TBP board.
pub const TBP_ROWS: usize = 40;

/// The cells of each piece in each orientation (north, east, south, west), relative to the
/// TBP centre, as the spec defines it: for J, L, S, T and Z the stationary point of SRS's
/// basic rotation; for O, the bottom-left mino when north, top-left east, top-right south,
/// bottom-right west; for I, the middle-left mino when north, middle-top east, middle-right
/// south, middle-bottom west. Indexed by [`Piece`] in `Piece::ALL` order (I O T S Z J L).
pub const TBP_CELLS: [[[(i32, i32); 4]; 4]; 7] = [
    // I
    [
        [(-1, 0), (0, 0), (1, 0), (2, 0)],
        [(0, 1), (0, 0), (0, -1), (0, -2)],
        [(-2, 0), (-1, 0), (0, 0), (1, 0)],
        [(0, 2), (0, 1), (0, 0), (0, -1)],
    ],
    // O
    [
        [(0, 0), (1, 0), (0, 1), (1, 1)],
        [(0, 0), (1, 0), (0, -1), (1, -1)],
        [(0, 0), (-1, 0), (0, -1), (-1, -1)],
        [(0, 0), (-1, 0), (0, 1), (-1, 1)],
    ],
    // T
    [
        [(-1, 0), (0, 0), (1, 0), (0, 1)],
        [(0, 1), (0, 0), (0, -1), (1, 0)],
        [(-1, 0), (0, 0), (1, 0), (0, -1)],
        [(0, 1), (0, 0), (0, -1), (-1, 0)],
    ],
    // S
    [
        [(-1, 0), (0, 0), (0, 1), (1, 1)],
        [(0, 1), (0, 0), (1, 0), (1, -1)],
        [(-1, -1), (0, -1), (0, 0), (1, 0)],
        [(-1, 1), (-1, 0), (0, 0), (0, -1)],
    ],
    // Z
    [
        [(-1, 1), (0, 1), (0, 0), (1, 0)],
        [(1, 1), (1, 0), (0, 0), (0, -1)],
        [(-1, 0), (0, 0), (0, -1), (1, -1)],
        [(0, 1), (0, 0), (-1, 0), (-1, -1)],
    ],
    // J
    [
        [(-1, 1), (-1, 0), (0, 0), (1, 0)],
        [(1, 1), (0, 1), (0, 0), (0, -1)],
        [(-1, 0), (0, 0), (1, 0), (1, -1)],
        [(0, 1), (0, 0), (0, -1), (-1, -1)],
    ],
    // L
    [
        [(1, 1), (-1, 0), (0, 0), (1, 0)],
        [(0, 1), (0, 0), (0, -1), (1, -1)],
        [(-1, 0), (0, 0), (1, 0), (-1, -1)],
        [(-1, 1), (0, 1), (0, 0), (0, -1)],
    ],
];

/// Why a TBP value cannot become ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConvertError {
    /// A piece letter this build does not know.
    #[error("unknown piece {0}; expected one of I, O, T, L, J, S, Z")]
    UnknownPiece(String),
    /// An orientation this build does not know.
    #[error("unknown orientation {0}; expected north, east, south or west")]
    UnknownOrientation(String),
    /// A spin kind this build does not know.
    #[error("unknown spin {0}; expected none, mini or full")]
    UnknownSpin(String),
    /// The board is not 40 rows of 10 cells.
    #[error(
        "the board has {rows} rows, row {row} has {cells} cells; expected {TBP_ROWS} rows of {WIDTH}"
    )]
    BoardShape {
        rows: usize,
        row: usize,
        cells: usize,
    },
    /// A cell that is neither empty, a piece letter nor "G".
    #[error("board cell (x {x}, y {y}) is {cell:?}; expected null, a piece letter or \"G\"")]
    BadCell { x: usize, y: usize, cell: char },
    /// A location far outside the board (its cells' coordinates would not fit an `i32`).
    #[error("location (x {x}, y {y}) is far outside the board; expected x 0 to 9, y 0 to 39")]
    FarOff { x: i32, y: i32 },
    /// A full row (it would have been cleared) or another impossible board.
    #[error("the board cannot be played: {0}")]
    Board(String),
}

fn unknown(value: &serde_json::Value) -> String {
    value.to_string()
}

/// Our piece for a TBP piece.
pub fn piece_from_tbp(p: &MaybeUnknown<TbpPiece>) -> Result<Piece, ConvertError> {
    match p {
        MaybeUnknown::Known(p) => Ok(match p {
            TbpPiece::I => Piece::I,
            TbpPiece::O => Piece::O,
            TbpPiece::T => Piece::T,
            TbpPiece::L => Piece::L,
            TbpPiece::J => Piece::J,
            TbpPiece::S => Piece::S,
            TbpPiece::Z => Piece::Z,
            other => return Err(ConvertError::UnknownPiece(format!("{other:?}"))),
        }),
        MaybeUnknown::Unknown(v) => Err(ConvertError::UnknownPiece(unknown(v))),
    }
}

/// The TBP piece for ours.
pub fn piece_to_tbp(p: Piece) -> TbpPiece {
    match p {
        Piece::I => TbpPiece::I,
        Piece::O => TbpPiece::O,
        Piece::T => TbpPiece::T,
        Piece::L => TbpPiece::L,
        Piece::J => TbpPiece::J,
        Piece::S => TbpPiece::S,
        Piece::Z => TbpPiece::Z,
    }
}

/// Both name SRS's rotation states: spawn, then clockwise.
fn orientation_index(o: &MaybeUnknown<Orientation>) -> Result<usize, ConvertError> {
    match o {
        MaybeUnknown::Known(Orientation::North) => Ok(0),
        MaybeUnknown::Known(Orientation::East) => Ok(1),
        MaybeUnknown::Known(Orientation::South) => Ok(2),
        MaybeUnknown::Known(Orientation::West) => Ok(3),
        MaybeUnknown::Known(other) => Err(ConvertError::UnknownOrientation(format!("{other:?}"))),
        MaybeUnknown::Unknown(v) => Err(ConvertError::UnknownOrientation(unknown(v))),
    }
}

fn orientation_of(r: Rotation) -> Orientation {
    match r {
        Rotation::N => Orientation::North,
        Rotation::E => Orientation::East,
        Rotation::S => Orientation::South,
        Rotation::W => Orientation::West,
    }
}

fn piece_index(p: Piece) -> usize {
    Piece::ALL
        .iter()
        .position(|&q| q == p)
        .expect("every piece is in Piece::ALL")
}

/// The cells a TBP location covers, sorted (as [`Placement::cell_key`] sorts them).
pub fn location_cells(loc: &PieceLocation) -> Result<(Piece, [(i32, i32); 4]), ConvertError> {
    let piece = piece_from_tbp(&loc.kind)?;
    let orientation = orientation_index(&loc.orientation)?;
    // Frontends send any i32; one this far off matches no placement, and must not overflow.
    const FAR: i32 = 1 << 20;
    if !(-FAR..=FAR).contains(&loc.x) || !(-FAR..=FAR).contains(&loc.y) {
        return Err(ConvertError::FarOff { x: loc.x, y: loc.y });
    }
    let mut cells =
        TBP_CELLS[piece_index(piece)][orientation].map(|(dx, dy)| (loc.x + dx, loc.y + dy));
    cells.sort_unstable();
    Ok((piece, cells))
}

/// Our T-spin kind as a TBP spin, and back.
pub fn spin_to_tbp(t: TSpin) -> TbpSpin {
    match t {
        TSpin::None => TbpSpin::None,
        TSpin::Mini => TbpSpin::Mini,
        TSpin::Full => TbpSpin::Full,
    }
}

/// See [`spin_to_tbp`].
pub fn spin_from_tbp(s: &MaybeUnknown<TbpSpin>) -> Result<TSpin, ConvertError> {
    match s {
        MaybeUnknown::Known(TbpSpin::None) => Ok(TSpin::None),
        MaybeUnknown::Known(TbpSpin::Mini) => Ok(TSpin::Mini),
        MaybeUnknown::Known(TbpSpin::Full) => Ok(TSpin::Full),
        MaybeUnknown::Known(other) => Err(ConvertError::UnknownSpin(format!("{other:?}"))),
        MaybeUnknown::Unknown(v) => Err(ConvertError::UnknownSpin(unknown(v))),
    }
}

/// Our placement as a TBP move: its rotation state as the orientation, and the centre that
/// puts [`TBP_CELLS`] on exactly its cells.
pub fn move_of(p: &Placement) -> Move {
    let offsets = TBP_CELLS[piece_index(p.piece())][p.rotation().index()];
    let cells = p.cell_key();
    let (min_x, min_y) = cells
        .iter()
        .fold((i32::MAX, i32::MAX), |(a, b), &(x, y)| (a.min(x), b.min(y)));
    let (off_x, off_y) = offsets
        .iter()
        .fold((i32::MAX, i32::MAX), |(a, b), &(x, y)| (a.min(x), b.min(y)));
    let location = PieceLocation::new(
        piece_to_tbp(p.piece()).into(),
        orientation_of(p.rotation()).into(),
        min_x - off_x,
        min_y - off_y,
    );
    Move::new(location, spin_to_tbp(p.tspin()).into())
}

/// A TBP board (40 rows of 10, bottom row first) as ours. Cells above our [`HEIGHT`] rows
/// must be empty.
pub fn board_from_tbp(rows: &[Vec<Option<char>>]) -> Result<Board, ConvertError> {
    let shape = |row: usize, cells: usize| ConvertError::BoardShape {
        rows: rows.len(),
        row,
        cells,
    };
    if rows.len() != TBP_ROWS {
        return Err(shape(0, rows.first().map_or(0, Vec::len)));
    }
    let mut bits = Vec::with_capacity(HEIGHT);
    for (y, row) in rows.iter().enumerate() {
        if row.len() != WIDTH {
            return Err(shape(y, row.len()));
        }
        let mut mask = 0u16;
        for (x, cell) in row.iter().enumerate() {
            match cell {
                None => {}
                Some('I' | 'O' | 'T' | 'L' | 'J' | 'S' | 'Z' | 'G') => mask |= 1 << x,
                Some(other) => {
                    return Err(ConvertError::BadCell { x, y, cell: *other });
                }
            }
        }
        if y >= HEIGHT && mask != 0 {
            return Err(ConvertError::Board(format!(
                "row {y} has filled cells; this engine keeps {HEIGHT} rows"
            )));
        }
        if y < HEIGHT {
            bits.push(mask);
        }
    }
    Board::from_rows(&bits).map_err(|e| ConvertError::Board(e.to_string()))
}

/// Our board as a TBP board (cells filled with "G": the board keeps no piece colours).
pub fn board_to_tbp(board: &Board) -> Vec<Vec<Option<char>>> {
    (0..TBP_ROWS as i32)
        .map(|y| {
            (0..WIDTH as i32)
                .map(|x| board.filled(x, y).then_some('G'))
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::{Game, Rotation};

    /// Every piece in every rotation state our search reports, on an empty board and against
    /// a wall: to TBP and back covers the same cells.
    #[test]
    fn every_piece_and_orientation_round_trips() {
        let mut seen = std::collections::HashSet::new();
        for piece in Piece::ALL {
            for board in [
                Board::new(),
                Board::from_rows(&[0b11_1111_1110; 3]).unwrap(),
            ] {
                let game = Game::from_position(board, piece, None, &[Piece::O], 1).unwrap();
                for p in game.placements().into_iter().filter(|p| !p.uses_hold()) {
                    let mv = move_of(&p);
                    let (back, cells) = location_cells(&mv.location).unwrap();
                    assert_eq!(back, piece);
                    assert_eq!(cells, p.cell_key(), "{piece:?} {:?}", p.rotation());
                    seen.insert((piece, p.rotation()));
                }
            }
        }
        // Pieces whose states repeat are reported in their lowest equivalent state.
        for piece in [Piece::T, Piece::J, Piece::L] {
            for r in [Rotation::N, Rotation::E, Rotation::S, Rotation::W] {
                assert!(seen.contains(&(piece, r)), "{piece:?} {r:?}");
            }
        }
    }

    #[test]
    fn the_spec_centres_by_hand() {
        // T spawned flat at the floor, pointing up: centre on its middle mino.
        let loc =
            |kind: TbpPiece, o: Orientation, x, y| PieceLocation::new(kind.into(), o.into(), x, y);
        let (_, t) = location_cells(&loc(TbpPiece::T, Orientation::North, 4, 0)).unwrap();
        assert_eq!(t, [(3, 0), (4, 0), (4, 1), (5, 0)]);
        // O north: the bottom-left mino; O south: the top-right one.
        let (_, o) = location_cells(&loc(TbpPiece::O, Orientation::North, 4, 0)).unwrap();
        assert_eq!(o, [(4, 0), (4, 1), (5, 0), (5, 1)]);
        let (_, o) = location_cells(&loc(TbpPiece::O, Orientation::South, 5, 1)).unwrap();
        assert_eq!(o, [(4, 0), (4, 1), (5, 0), (5, 1)]);
        // I north: the middle-left mino; I west: the middle-bottom one (second from below).
        let (_, i) = location_cells(&loc(TbpPiece::I, Orientation::North, 4, 0)).unwrap();
        assert_eq!(i, [(3, 0), (4, 0), (5, 0), (6, 0)]);
        let (_, i) = location_cells(&loc(TbpPiece::I, Orientation::West, 0, 1)).unwrap();
        assert_eq!(i, [(0, 0), (0, 1), (0, 2), (0, 3)]);
        let (_, i) = location_cells(&loc(TbpPiece::I, Orientation::East, 0, 2)).unwrap();
        assert_eq!(i, [(0, 0), (0, 1), (0, 2), (0, 3)]);
        // S east: centre on the left column's lower mino.
        let (_, s) = location_cells(&loc(TbpPiece::S, Orientation::East, 1, 1)).unwrap();
        assert_eq!(s, [(1, 1), (1, 2), (2, 0), (2, 1)]);
    }

    #[test]
    fn boards_convert_and_bad_ones_are_named() {
        let mut rows = vec![vec![None; WIDTH]; TBP_ROWS];
        rows[0] = (0..WIDTH).map(|x| (x != 3).then_some('G')).collect();
        rows[1][0] = Some('T');
        let board = board_from_tbp(&rows).unwrap();
        assert!(board.filled(0, 0) && !board.filled(3, 0) && board.filled(0, 1));
        assert_eq!(board_from_tbp(&board_to_tbp(&board)).unwrap(), board);
        rows[2][2] = Some('Q');
        let e = board_from_tbp(&rows).unwrap_err().to_string();
        assert!(e.contains("(x 2, y 2)") && e.contains("'Q'"), "{e}");
        let e = board_from_tbp(&rows[..20]).unwrap_err().to_string();
        assert!(e.contains("has 20 rows"), "{e}");
        rows[2][2] = None;
        rows[0][3] = Some('G');
        let e = board_from_tbp(&rows).unwrap_err().to_string();
        assert!(e.contains("full"), "{e}");
    }
}
