//! Guideline Tetris for people and for agents: bitboard board, seeded 7-bag, SRS rotation with
//! kicks, hold, next queue, guideline scoring, bit-parallel placement search with shortest
//! input paths, afterstate features, and versus (two games sending each other garbage). No
//! Bevy and no tch in here.

pub mod bag;
pub mod board;
pub mod dellacherie;
pub mod falling;
pub mod features;
pub mod game;
pub mod grid;
pub mod human;
pub mod path;
pub mod piece;
pub mod quality;
pub mod random_play;
pub mod scoring;
pub mod search;
pub mod versus;

pub use board::{Board, FULL_ROW as FULL_ROW_MASK, HEIGHT, VISIBLE_HEIGHT, WIDTH};
pub use falling::{Falling, Input};
pub use features::{FEATURE_NAMES, Features, NUM_FEATURES, tsd_slots};
pub use game::{Afterstate, Game, NEXT_VISIBLE, PlaceOutcome, Preview, Situation, TopOut};
pub use grid::PieceGrid;
pub use human::{HumanGame, Locked};
pub use piece::{Piece, Rotation, Spin};
pub use quality::{Clears, Quality};
pub use scoring::{ScoreState, TSpin};
pub use search::Placement;
pub use versus::{GarbageSchedule, Incoming, Side, Versus, VersusOutcome, VersusRules};

/// What the engine refuses, with enough detail to say why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GameError {
    #[error("board has {rows} rows; at most {max} are allowed")]
    TooManyRows { rows: usize, max: usize },
    #[error("board row {row} has bits {bits:#06x} outside the 10 columns")]
    RowOutOfRange { row: usize, bits: u16 },
    #[error("board row {row} is full; a settled board has no full rows")]
    FullRow { row: usize },
    #[error("board picture line {line}: {reason}")]
    BadPicture { line: usize, reason: String },
    #[error("{0:?} is not a piece; expected one of I, O, T, S, Z, J, L")]
    InvalidPiece(String),
    #[error("piece index {0} is out of range; expected 0..7")]
    InvalidPieceIndex(usize),
    #[error("the {0} piece cannot spawn on this board (block out)")]
    SpawnBlocked(Piece),
    #[error("the game is over")]
    GameOver,
    #[error("placement is for the {found} piece but the game offers {expected}")]
    WrongPiece { expected: Piece, found: Piece },
    #[error("placement overlaps the stack or leaves the board")]
    Blocked,
    #[error("placement is not resting on anything")]
    NotResting,
    #[error("placement cannot be reached from spawn")]
    Unreachable,
}
