//! A game of Tetris at the level of placements: the board, the bag, the next queue, hold and
//! the score. The agent lists placements and applies one; people play through
//! [`crate::human::HumanGame`], which drives the same locks input by input.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::GameError;
use crate::bag::Bag;
use crate::board::Board;
use crate::falling::{Falling, Input, locks_out};
use crate::features::{Features, LockFacts, afterstate_features};
use crate::piece::{Piece, Rotation};
use crate::scoring::{ScoreState, TSpin};
use crate::search::{Placement, search};

/// How many next pieces are shown.
pub const NEXT_VISIBLE: usize = 5;

/// Why a game ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TopOut {
    /// A new piece overlapped the stack where it spawns.
    BlockOut,
    /// A piece locked entirely above the visible field.
    LockOut,
    /// Garbage rising from below pushed the stack out of the top of the board.
    GarbageOut,
}

/// What one lock did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaceOutcome {
    /// Lines cleared.
    pub lines: u32,
    /// Bit y set for each row y cleared, in the board's coordinates before clearing.
    pub cleared_rows: u64,
    /// Points gained (line clears, T-spins, back-to-back, combo; drop points not included).
    pub points: u32,
    /// The T-spin kind scored.
    pub tspin: TSpin,
    /// Whether the back-to-back bonus applied.
    pub back_to_back: bool,
    /// Combo count after this lock (-1 when it cleared nothing).
    pub combo: i32,
    /// Whether it cleared lines and left the board empty.
    pub perfect_clear: bool,
    /// Set when this lock ended the game.
    pub top_out: Option<TopOut>,
}

impl PlaceOutcome {
    /// Lines of garbage this lock sends in the common versus table ([`crate::scoring::attack`]).
    pub fn attack(&self) -> u32 {
        crate::scoring::attack(
            self.lines,
            self.tspin,
            self.back_to_back,
            self.combo,
            self.perfect_clear,
        )
    }
}

/// The board after a placement, with its features, without changing the game.
#[derive(Clone, Debug)]
pub struct Afterstate {
    /// The board after the lock and line clears.
    pub board: Board,
    /// Lines the placement clears.
    pub lines: u32,
    /// Whether the placement would end the game (lock out).
    pub locks_out: bool,
    /// Features of the afterstate, see [`crate::features`].
    pub features: Features,
}

/// What a placement would do: see [`Game::preview`].
#[derive(Clone, Debug)]
pub struct Preview {
    /// The board after the placement, with its features.
    pub afterstate: Afterstate,
    /// The outcome `place` would report.
    pub outcome: PlaceOutcome,
    /// What the player has in hand after it: the next piece, hold, queue and streaks.
    pub situation: Situation,
}

/// What a player knows of a game besides the board: the piece to place, the hold piece, the
/// visible next pieces and the back-to-back and combo streaks. An agent that plays for
/// tetrises or T-spins needs these to judge a board (is an I coming? is back-to-back live?).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Situation {
    /// The piece to place now.
    pub current: Piece,
    /// The held piece, if any.
    pub hold: Option<Piece>,
    /// The visible next pieces, soonest first.
    pub next: [Piece; NEXT_VISIBLE],
    /// Whether the next difficult clear (tetris, T-spin) earns the back-to-back bonus.
    pub back_to_back: bool,
    /// Consecutive clearing locks minus one; -1 when the last lock cleared nothing.
    pub combo: i32,
}

/// A game in progress: everything needed to continue it exactly.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Game {
    board: Board,
    bag: Bag,
    queue: VecDeque<Piece>,
    current: Piece,
    hold: Option<Piece>,
    score: ScoreState,
    pieces: u64,
    top_out: Option<TopOut>,
}

impl Game {
    /// A new game whose whole piece sequence is fixed by `seed`.
    pub fn new(seed: u64) -> Game {
        let mut bag = Bag::new(seed);
        let mut queue: VecDeque<Piece> = bag.deal().into_iter().collect();
        let current = queue.pop_front().expect("a bag holds seven pieces");
        let mut game = Game {
            board: Board::new(),
            bag,
            queue,
            current,
            hold: None,
            score: ScoreState::default(),
            pieces: 0,
            top_out: None,
        };
        game.refill();
        game
    }

    /// A game from a given position: `board`, the piece to place, the hold piece and the first
    /// next pieces (the rest come from the bag of `seed`). Refuses a position whose current
    /// piece cannot spawn.
    pub fn from_position(
        board: Board,
        current: Piece,
        hold: Option<Piece>,
        next: &[Piece],
        seed: u64,
    ) -> Result<Game, GameError> {
        let mut game = Game::new(seed);
        game.board = board;
        game.current = current;
        game.hold = hold;
        game.queue = next.iter().copied().collect();
        game.refill();
        if Falling::spawn(current).collides(&game.board) {
            return Err(GameError::SpawnBlocked(current));
        }
        Ok(game)
    }

    /// This position with `piece` to place instead of the current one (board, hold, score and
    /// streaks kept): what a player weighs who does not know which piece comes next. None when
    /// `piece` cannot spawn (it would top out).
    pub fn with_current(&self, piece: Piece) -> Option<Game> {
        if self.is_over() || Falling::spawn(piece).collides(&self.board) {
            return None;
        }
        let mut game = self.clone();
        game.current = piece;
        Some(game)
    }

    fn refill(&mut self) {
        while self.queue.len() < NEXT_VISIBLE + 1 {
            self.queue.extend(self.bag.deal());
        }
    }

    /// The board.
    pub fn board(&self) -> &Board {
        &self.board
    }
    /// The piece to place now.
    pub fn current(&self) -> Piece {
        self.current
    }
    /// The held piece, if any.
    pub fn hold(&self) -> Option<Piece> {
        self.hold
    }
    /// The next pieces, soonest first ([`NEXT_VISIBLE`] of them).
    pub fn next(&self) -> impl Iterator<Item = Piece> + '_ {
        self.queue.iter().copied().take(NEXT_VISIBLE)
    }
    /// Score, lines, level, combo and back-to-back state.
    pub fn score(&self) -> &ScoreState {
        &self.score
    }
    /// Pieces locked so far.
    pub fn pieces_placed(&self) -> u64 {
        self.pieces
    }
    /// Why the game ended, if it has.
    pub fn top_out(&self) -> Option<TopOut> {
        self.top_out
    }
    /// The pieces in hand and the streaks, as a player sees them.
    pub fn situation(&self) -> Situation {
        Situation {
            current: self.current,
            hold: self.hold,
            next: std::array::from_fn(|i| self.queue[i]),
            back_to_back: self.score.back_to_back,
            combo: self.score.combo,
        }
    }
    /// Whether the game has ended.
    pub fn is_over(&self) -> bool {
        self.top_out.is_some()
    }

    /// Sets the combo (consecutive clearing locks minus one, -1 for none) and back-to-back
    /// state, for a game taken up mid-way (a position from another program).
    pub fn set_streaks(&mut self, combo: i32, back_to_back: bool) {
        self.score.combo = combo.max(-1);
        self.score.back_to_back = back_to_back;
    }

    /// The piece a hold would bring in: the held one, or the next one when hold is empty.
    pub fn hold_candidate(&self) -> Piece {
        self.hold.unwrap_or(self.queue[0])
    }

    /// Every placement of the current piece and, when `with_hold`, of the piece hold brings
    /// in (unless it is the same piece), appended to `out` after clearing it.
    pub fn placements_into(&self, out: &mut Vec<Placement>, with_hold: bool) {
        out.clear();
        if self.is_over() {
            return;
        }
        search(&self.board, self.current, false, out);
        let other = self.hold_candidate();
        if with_hold && other != self.current {
            search(&self.board, other, true, out);
        }
    }

    /// Every placement of the current piece and, through hold, of the other piece.
    pub fn placements(&self) -> Vec<Placement> {
        let mut out = Vec::with_capacity(96);
        self.placements_into(&mut out, true);
        out
    }

    /// Checks that `p` can be placed in this game now: right piece, on the board, not
    /// overlapping, resting. (Reachability is the search's guarantee.)
    fn check(&self, p: &Placement) -> Result<(), GameError> {
        if self.is_over() {
            return Err(GameError::GameOver);
        }
        let expected = if p.uses_hold() {
            self.hold_candidate()
        } else {
            self.current
        };
        if p.piece() != expected {
            return Err(GameError::WrongPiece {
                expected,
                found: p.piece(),
            });
        }
        if self.board.collides(p.piece(), p.rotation(), p.x(), p.y()) {
            return Err(GameError::Blocked);
        }
        if !self
            .board
            .collides(p.piece(), p.rotation(), p.x(), p.y() - 1)
        {
            return Err(GameError::NotResting);
        }
        Ok(())
    }

    /// The board after `p`, with its features, without changing the game.
    pub fn afterstate(&self, p: &Placement) -> Result<Afterstate, GameError> {
        self.check(p)?;
        let mut board = self.board.clone();
        let (facts, cleared, lock_out) = lock_on(&mut board, p.piece(), p.rotation(), p.x(), p.y());
        let features = afterstate_features(&board, &facts);
        Ok(Afterstate {
            board,
            lines: cleared.count_ones(),
            locks_out: lock_out,
            features,
        })
    }

    /// Applies a placement: hold if it says so, lock, clear, score, bring the next piece.
    pub fn place(&mut self, p: &Placement) -> Result<PlaceOutcome, GameError> {
        self.check(p)?;
        if p.uses_hold() {
            self.swap_hold();
        }
        Ok(self.lock(p.piece(), p.rotation(), p.x(), p.y(), p.tspin()))
    }

    /// Everything `place(p)` would do, without changing the game: the afterstate with its
    /// features and the full outcome (points, and block out by the next piece included).
    /// This is what an agent scores each candidate by.
    pub fn preview(&self, p: &Placement) -> Result<Preview, GameError> {
        self.check(p)?;
        let mut after = self.clone();
        if p.uses_hold() {
            after.swap_hold();
        }
        let (outcome, facts) =
            after.lock_with_facts(p.piece(), p.rotation(), p.x(), p.y(), p.tspin());
        let features = afterstate_features(&after.board, &facts);
        let situation = after.situation();
        Ok(Preview {
            afterstate: Afterstate {
                lines: outcome.lines,
                locks_out: outcome.top_out == Some(TopOut::LockOut),
                board: after.board,
                features,
            },
            outcome,
            situation,
        })
    }

    /// Swaps the current piece with the hold piece (taking the next piece if hold is empty).
    pub(crate) fn swap_hold(&mut self) {
        let incoming = match self.hold {
            Some(h) => h,
            None => {
                let n = self.queue.pop_front().expect("queue is kept full");
                self.refill();
                n
            }
        };
        self.hold = Some(self.current);
        self.current = incoming;
    }

    /// Locks the current piece at a position known to be free and resting.
    pub(crate) fn lock(
        &mut self,
        piece: Piece,
        rotation: Rotation,
        x: i32,
        y: i32,
        tspin: TSpin,
    ) -> PlaceOutcome {
        self.lock_with_facts(piece, rotation, x, y, tspin).0
    }

    /// [`Game::lock`], also returning what the lock contributes to the features.
    fn lock_with_facts(
        &mut self,
        piece: Piece,
        rotation: Rotation,
        x: i32,
        y: i32,
        tspin: TSpin,
    ) -> (PlaceOutcome, LockFacts) {
        let (facts, cleared, lock_out) = lock_on(&mut self.board, piece, rotation, x, y);
        let lines = cleared.count_ones();
        let scored = self.score.record(lines, tspin);
        self.pieces += 1;
        self.current = self.queue.pop_front().expect("queue is kept full");
        self.refill();
        if lock_out {
            self.top_out = Some(TopOut::LockOut);
        } else if Falling::spawn(self.current).collides(&self.board) {
            self.top_out = Some(TopOut::BlockOut);
        }
        let outcome = PlaceOutcome {
            lines,
            cleared_rows: cleared,
            points: scored.points,
            tspin,
            back_to_back: scored.back_to_back,
            combo: scored.combo,
            perfect_clear: lines > 0 && self.board.is_empty(),
            top_out: self.top_out,
        };
        (outcome, facts)
    }

    /// Garbage arrives: a row for each entry of `gaps`, bottom first, filled but for that
    /// column (0 to 9), pushes the stack up from below. The game ends when the stack is pushed
    /// out of the top of the board, or when the current piece can no longer spawn. Returns
    /// whether the game is over afterwards.
    pub fn receive_garbage(&mut self, gaps: &[usize]) -> bool {
        if self.is_over() {
            return true;
        }
        for &gap in gaps.iter().rev() {
            if !self.board.push_garbage_row(gap) {
                self.top_out = Some(TopOut::GarbageOut);
                return true;
            }
        }
        if Falling::spawn(self.current).collides(&self.board) {
            self.top_out = Some(TopOut::BlockOut);
        }
        self.is_over()
    }

    /// Adds points for soft- or hard-dropped rows (people's play only).
    pub(crate) fn add_drop_points(&mut self, points: u32) {
        self.score.score += points as u64;
    }

    /// The shortest inputs from spawn that make placement `p`, ending with the hard drop (and
    /// starting with [`Input::Hold`] when `p` uses hold).
    pub fn input_path(&self, p: &Placement) -> Result<Vec<Input>, GameError> {
        self.check(p)?;
        let mut path = crate::path::shortest_path(&self.board, p).ok_or(GameError::Unreachable)?;
        if p.uses_hold() {
            path.insert(0, Input::Hold);
        }
        Ok(path)
    }
}

/// Puts a piece on `board`, clears full rows, and reports the facts features need, the mask
/// of rows cleared, and whether it locked out.
fn lock_on(
    board: &mut Board,
    piece: Piece,
    rotation: Rotation,
    x: i32,
    y: i32,
) -> (LockFacts, u64, bool) {
    let cells = piece.cells_at(rotation, x, y);
    let lock_out = locks_out(&cells);
    board.put(piece, rotation, x, y);
    let low = cells.iter().map(|c| c.1).min().unwrap_or(0);
    let high = cells.iter().map(|c| c.1).max().unwrap_or(0);
    let cleared = board.clear_full_rows((low..=high).map(|y| y as usize));
    let piece_cells_cleared = cells.iter().filter(|c| cleared >> c.1 & 1 == 1).count() as u32;
    let facts = LockFacts {
        landing_height: (low + high) as f32 / 2.0,
        lines_cleared: cleared.count_ones(),
        piece_cells_cleared,
    };
    (facts, cleared, lock_out)
}
