//! A game played input by input, for people: gravity by level, soft drop, hard drop, hold once
//! per piece, and the guideline lock delay (0.5 s, reset by moves up to 15 times).

use crate::board::Board;
use crate::falling::{Falling, Input};
use crate::game::{Game, PlaceOutcome};
use crate::piece::Piece;
use crate::scoring::TSpin;

/// Seconds a resting piece waits before it locks.
pub const LOCK_DELAY_S: f64 = 0.5;
/// How many moves or rotations may restart the lock delay of one piece.
pub const MAX_LOCK_RESETS: u32 = 15;
/// Soft drop falls this many times faster than gravity.
pub const SOFT_DROP_FACTOR: f64 = 20.0;

/// A piece as it locked: enough for a match to name the move a person made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Locked {
    /// The piece.
    pub piece: Piece,
    /// The cells it covered.
    pub cells: [(i32, i32); 4],
    /// The T-spin its last move made, if any.
    pub tspin: TSpin,
    /// Whether it came through hold.
    pub held: bool,
}

/// A [`Game`] plus the piece falling in it.
#[derive(Clone, Debug)]
pub struct HumanGame {
    game: Game,
    falling: Falling,
    hold_used: bool,
    last_lock: Option<Locked>,
    fall_timer: f64,
    lock_timer: f64,
    lock_resets: u32,
    lowest_y: i32,
}

impl HumanGame {
    /// A new game with the piece sequence of `seed`.
    pub fn new(seed: u64) -> HumanGame {
        HumanGame::from_game(Game::new(seed))
    }

    /// Continues `game` with its current piece at spawn.
    pub fn from_game(game: Game) -> HumanGame {
        let falling = Falling::enter(game.current(), game.board());
        HumanGame {
            game,
            falling,
            hold_used: false,
            last_lock: None,
            fall_timer: 0.0,
            lock_timer: 0.0,
            lock_resets: 0,
            lowest_y: falling.y,
        }
    }

    /// The game underneath (board, queue, hold, score).
    pub fn game(&self) -> &Game {
        &self.game
    }
    /// The falling piece.
    pub fn falling(&self) -> &Falling {
        &self.falling
    }
    /// Where the falling piece would land on a hard drop.
    pub fn ghost(&self) -> Falling {
        let mut g = self.falling;
        g.apply(self.game.board(), Input::HardDrop);
        g
    }
    /// Whether hold was used for the current piece already.
    pub fn hold_used(&self) -> bool {
        self.hold_used
    }
    /// The piece the last lock placed, if any piece locked yet.
    pub fn last_lock(&self) -> Option<Locked> {
        self.last_lock
    }
    fn board(&self) -> &Board {
        self.game.board()
    }

    /// Applies one input. Returns the lock it caused (hard drop), if any.
    pub fn input(&mut self, input: Input) -> Option<PlaceOutcome> {
        if self.game.is_over() {
            return None;
        }
        match input {
            Input::Hold => {
                if !self.hold_used {
                    self.game.swap_hold();
                    self.new_piece();
                    self.hold_used = true;
                }
                None
            }
            Input::HardDrop => {
                let rows = self.falling.drop_distance(self.board());
                self.falling.apply(self.game.board(), Input::HardDrop);
                self.game.add_drop_points(2 * rows as u32);
                Some(self.lock())
            }
            Input::SoftDrop => {
                if self.falling.apply(self.game.board(), Input::SoftDrop) {
                    self.game.add_drop_points(1);
                    self.after_move(true);
                }
                None
            }
            _ => {
                let moved = self.falling.apply(self.game.board(), input);
                if moved {
                    self.after_move(false);
                }
                None
            }
        }
    }

    /// Advances time by `dt` seconds with soft drop held or not; returns a lock if one
    /// happened (the lock delay ran out).
    pub fn tick(&mut self, dt: f64, soft_drop: bool) -> Option<PlaceOutcome> {
        if self.game.is_over() {
            return None;
        }
        let mut per_row = self.game.score().gravity_seconds_per_row();
        if soft_drop {
            per_row /= SOFT_DROP_FACTOR;
        }
        self.fall_timer += dt;
        while self.fall_timer >= per_row {
            self.fall_timer -= per_row;
            if self.falling.apply(self.game.board(), Input::SoftDrop) {
                if soft_drop {
                    self.game.add_drop_points(1);
                }
                self.after_move(true);
            } else {
                self.fall_timer = 0.0;
                break;
            }
        }
        if self.falling.resting(self.board()) {
            self.lock_timer += dt;
            if self.lock_timer >= LOCK_DELAY_S {
                return Some(self.lock());
            }
        }
        None
    }

    fn after_move(&mut self, fell: bool) {
        if self.falling.y < self.lowest_y {
            // A new lowest row gives the piece a fresh lock delay and resets.
            self.lowest_y = self.falling.y;
            self.lock_resets = 0;
            self.lock_timer = 0.0;
        } else if !fell && self.lock_resets < MAX_LOCK_RESETS {
            self.lock_resets += 1;
            self.lock_timer = 0.0;
        }
    }

    fn lock(&mut self) -> PlaceOutcome {
        let f = self.falling;
        let tspin = f.tspin(self.game.board());
        self.last_lock = Some(Locked {
            piece: f.piece,
            cells: f.cells(),
            tspin,
            held: self.hold_used,
        });
        let outcome = self.game.lock(f.piece, f.rotation, f.x, f.y, tspin);
        self.hold_used = false;
        self.new_piece();
        outcome
    }

    fn new_piece(&mut self) {
        self.falling = Falling::enter(self.game.current(), self.game.board());
        self.fall_timer = 0.0;
        self.lock_timer = 0.0;
        self.lock_resets = 0;
        self.lowest_y = self.falling.y;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gravity_brings_the_piece_down_and_it_locks_after_the_delay() {
        let mut h = HumanGame::new(3);
        let start = h.falling().y;
        assert!(h.tick(1.01, false).is_none());
        assert_eq!(h.falling().y, start - 1);
        // Soft drop to the floor, then wait out the lock delay.
        let mut locked = None;
        for _ in 0..400 {
            if let Some(o) = h.tick(0.01, true) {
                locked = Some(o);
                break;
            }
        }
        assert!(locked.is_some());
        assert_eq!(h.game().pieces_placed(), 1);
        assert!(h.game().score().score > 0, "soft drop points");
    }

    #[test]
    fn hold_works_once_per_piece() {
        let mut h = HumanGame::new(5);
        let first = h.game().current();
        let second = h.game().next().next().unwrap();
        h.input(Input::Hold);
        assert_eq!(h.game().hold(), Some(first));
        assert_eq!(h.game().current(), second);
        h.input(Input::Hold);
        assert_eq!(h.game().current(), second, "second hold refused");
        let ghost = h.ghost();
        h.input(Input::HardDrop);
        assert!(!h.hold_used());
        let locked = h.last_lock().unwrap();
        assert_eq!((locked.piece, locked.cells), (second, ghost.cells()));
        assert!(locked.held);
        h.input(Input::HardDrop);
        assert!(!h.last_lock().unwrap().held);
    }

    #[test]
    fn moves_on_the_floor_reset_the_lock_delay_a_limited_number_of_times() {
        let mut h = HumanGame::new(9);
        h.input(Input::SoftDrop);
        while h.input(Input::SoftDrop).is_none() && !h.falling().resting(h.game().board()) {}
        let mut ticks = 0;
        loop {
            ticks += 1;
            if h.tick(0.4, false).is_some() {
                break;
            }
            h.input(if ticks % 2 == 0 {
                Input::Left
            } else {
                Input::Right
            });
            assert!(ticks < 100);
        }
        assert!(
            ticks > 1 && ticks <= MAX_LOCK_RESETS as usize + 2,
            "{ticks}"
        );
    }

    #[test]
    fn hard_drop_locks_and_scores_two_per_row() {
        let mut h = HumanGame::new(1);
        let rows = h.falling().drop_distance(h.game().board());
        let out = h.input(Input::HardDrop).unwrap();
        assert_eq!(out.lines, 0);
        assert_eq!(h.game().score().score, 2 * rows as u64);
    }
}
