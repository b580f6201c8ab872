//! The seven tetrominoes, their four SRS rotation states and the SRS wall-kick tables.
//!
//! Coordinates are y-up: a piece at `(x, y)` in rotation `r` covers `(x + dx, y + dy)` for each
//! `(dx, dy)` in [`Piece::cells`]. The offsets follow the Tetris Guideline "true rotation"
//! convention, so the kick tables apply unchanged.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::GameError;

/// One of the seven tetrominoes, in guideline order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Piece {
    I,
    O,
    T,
    S,
    Z,
    J,
    L,
}

/// A rotation state: spawn (`N`), clockwise once (`E`), twice (`S`), counter-clockwise once (`W`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Rotation {
    N,
    E,
    S,
    W,
}

/// Which way a rotation input turns the piece.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Spin {
    Cw,
    Ccw,
}

type Cells = [(i8, i8); 4];

/// Cells of each piece in each rotation, indexed `[piece][rotation]`.
const SHAPES: [[Cells; 4]; 7] = {
    const fn rotate_cw(c: Cells) -> Cells {
        // (x, y) -> (y, -x) is a clockwise quarter turn in y-up coordinates.
        [
            (c[0].1, -c[0].0),
            (c[1].1, -c[1].0),
            (c[2].1, -c[2].0),
            (c[3].1, -c[3].0),
        ]
    }
    const fn states(n: Cells) -> [Cells; 4] {
        let e = rotate_cw(n);
        let s = rotate_cw(e);
        let w = rotate_cw(s);
        [n, e, s, w]
    }
    const O: Cells = [(0, 0), (1, 0), (0, 1), (1, 1)];
    [
        // The I piece turns about the centre of its 4x4 box, not about a cell.
        [
            [(-1, 0), (0, 0), (1, 0), (2, 0)],
            [(1, 1), (1, 0), (1, -1), (1, -2)],
            [(-1, -1), (0, -1), (1, -1), (2, -1)],
            [(0, 1), (0, 0), (0, -1), (0, -2)],
        ],
        // The O piece does not move when it rotates.
        [O, O, O, O],
        states([(-1, 0), (0, 0), (1, 0), (0, 1)]),
        states([(-1, 0), (0, 0), (0, 1), (1, 1)]),
        states([(-1, 1), (0, 1), (0, 0), (1, 0)]),
        states([(-1, 1), (-1, 0), (0, 0), (1, 0)]),
        states([(1, 1), (-1, 0), (0, 0), (1, 0)]),
    ]
};

/// Kick offsets for J, L, S, T, Z: `[from][spin]` with spin 0 = clockwise, 1 = counter-clockwise.
const KICKS_JLSTZ: [[[(i8, i8); 5]; 2]; 4] = [
    // from N: N->E, N->W
    [
        [(0, 0), (-1, 0), (-1, 1), (0, -2), (-1, -2)],
        [(0, 0), (1, 0), (1, 1), (0, -2), (1, -2)],
    ],
    // from E: E->S, E->N
    [
        [(0, 0), (1, 0), (1, -1), (0, 2), (1, 2)],
        [(0, 0), (1, 0), (1, -1), (0, 2), (1, 2)],
    ],
    // from S: S->W, S->E
    [
        [(0, 0), (1, 0), (1, 1), (0, -2), (1, -2)],
        [(0, 0), (-1, 0), (-1, 1), (0, -2), (-1, -2)],
    ],
    // from W: W->N, W->S
    [
        [(0, 0), (-1, 0), (-1, -1), (0, 2), (-1, 2)],
        [(0, 0), (-1, 0), (-1, -1), (0, 2), (-1, 2)],
    ],
];

/// Kick offsets for I: `[from][spin]`.
const KICKS_I: [[[(i8, i8); 5]; 2]; 4] = [
    // N->E, N->W
    [
        [(0, 0), (-2, 0), (1, 0), (-2, -1), (1, 2)],
        [(0, 0), (-1, 0), (2, 0), (-1, 2), (2, -1)],
    ],
    // E->S, E->N
    [
        [(0, 0), (-1, 0), (2, 0), (-1, 2), (2, -1)],
        [(0, 0), (2, 0), (-1, 0), (2, 1), (-1, -2)],
    ],
    // S->W, S->E
    [
        [(0, 0), (2, 0), (-1, 0), (2, 1), (-1, -2)],
        [(0, 0), (1, 0), (-2, 0), (1, -2), (-2, 1)],
    ],
    // W->N, W->S
    [
        [(0, 0), (1, 0), (-2, 0), (1, -2), (-2, 1)],
        [(0, 0), (-2, 0), (1, 0), (-2, -1), (1, 2)],
    ],
];

const NO_KICKS: [(i8, i8); 5] = [(0, 0); 5];

impl Piece {
    /// All seven pieces, in the order a fresh bag lists them before shuffling.
    pub const ALL: [Piece; 7] = [
        Piece::I,
        Piece::O,
        Piece::T,
        Piece::S,
        Piece::Z,
        Piece::J,
        Piece::L,
    ];

    /// Index 0..7, stable, used for tables and one-hot encodings.
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The piece with the given [`Piece::index`].
    pub fn from_index(index: usize) -> Result<Piece, GameError> {
        Piece::ALL
            .get(index)
            .copied()
            .ok_or(GameError::InvalidPieceIndex(index))
    }

    /// Cell offsets of this piece in `rotation`.
    pub const fn cells(self, rotation: Rotation) -> [(i8, i8); 4] {
        SHAPES[self as usize][rotation as usize]
    }

    /// The board cells covered with the rotation centre at `(x, y)`.
    pub const fn cells_at(self, rotation: Rotation, x: i32, y: i32) -> [(i32, i32); 4] {
        let c = self.cells(rotation);
        [
            (x + c[0].0 as i32, y + c[0].1 as i32),
            (x + c[1].0 as i32, y + c[1].1 as i32),
            (x + c[2].0 as i32, y + c[2].1 as i32),
            (x + c[3].0 as i32, y + c[3].1 as i32),
        ]
    }

    /// The five SRS kick offsets tried, in order, when rotating from `from` by `spin`.
    /// The O piece never kicks (its five entries are all `(0, 0)`, so the first always decides).
    pub const fn kicks(self, from: Rotation, spin: Spin) -> &'static [(i8, i8); 5] {
        let s = match spin {
            Spin::Cw => 0,
            Spin::Ccw => 1,
        };
        match self {
            Piece::I => &KICKS_I[from as usize][s],
            Piece::O => &NO_KICKS,
            _ => &KICKS_JLSTZ[from as usize][s],
        }
    }

    /// The guideline letter.
    pub const fn letter(self) -> char {
        match self {
            Piece::I => 'I',
            Piece::O => 'O',
            Piece::T => 'T',
            Piece::S => 'S',
            Piece::Z => 'Z',
            Piece::J => 'J',
            Piece::L => 'L',
        }
    }
}

impl fmt::Display for Piece {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.letter())
    }
}

impl FromStr for Piece {
    type Err = GameError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut chars = s.trim().chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => Piece::ALL
                .into_iter()
                .find(|p| p.letter() == c.to_ascii_uppercase())
                .ok_or_else(|| GameError::InvalidPiece(s.to_string())),
            _ => Err(GameError::InvalidPiece(s.to_string())),
        }
    }
}

impl Rotation {
    /// All four states in clockwise order from spawn.
    pub const ALL: [Rotation; 4] = [Rotation::N, Rotation::E, Rotation::S, Rotation::W];

    /// The state after turning once by `spin`.
    pub const fn turned(self, spin: Spin) -> Rotation {
        let step = match spin {
            Spin::Cw => 1,
            Spin::Ccw => 3,
        };
        Rotation::ALL[(self as usize + step) % 4]
    }

    /// Index 0..4 in clockwise order from spawn.
    pub const fn index(self) -> usize {
        self as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_has_four_distinct_cells() {
        for p in Piece::ALL {
            for r in Rotation::ALL {
                let c = p.cells(r);
                for i in 0..4 {
                    for j in i + 1..4 {
                        assert_ne!(c[i], c[j], "{p:?} {r:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn rotating_four_times_returns_to_spawn() {
        for spin in [Spin::Cw, Spin::Ccw] {
            let mut r = Rotation::N;
            for _ in 0..4 {
                r = r.turned(spin);
            }
            assert_eq!(r, Rotation::N);
        }
        assert_eq!(Rotation::N.turned(Spin::Cw), Rotation::E);
        assert_eq!(Rotation::N.turned(Spin::Ccw), Rotation::W);
    }

    #[test]
    fn t_spawns_pointing_up_and_turns_right() {
        assert!(Piece::T.cells(Rotation::N).contains(&(0, 1)));
        assert!(Piece::T.cells(Rotation::E).contains(&(1, 0)));
        assert!(Piece::T.cells(Rotation::S).contains(&(0, -1)));
        assert!(Piece::T.cells(Rotation::W).contains(&(-1, 0)));
    }

    #[test]
    fn pieces_parse_from_letters() {
        assert_eq!("t".parse::<Piece>().unwrap(), Piece::T);
        assert!("X".parse::<Piece>().is_err());
        assert!("TT".parse::<Piece>().is_err());
        assert!(Piece::from_index(7).is_err());
    }
}
