//! Quality of play, defined once for every report (eval, the trainer, the TBP driver): clear
//! counts (single to tetris, T-spin mini, single, double and triple, perfect clears), the
//! tetris rate, base points per line, attack by the common versus table and per piece, the
//! longest back-to-back chain and the highest stack.

use serde::{Deserialize, Serialize};

use crate::board::Board;
use crate::game::PlaceOutcome;
use crate::scoring::{TSpin, base_score, is_difficult};

/// How often each kind of line clear happened.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clears {
    /// One line, no T-spin.
    pub singles: u64,
    /// Two lines, no T-spin.
    pub doubles: u64,
    /// Three lines, no T-spin.
    pub triples: u64,
    /// Four lines.
    pub tetrises: u64,
    /// T-spin minis that cleared lines.
    pub tspin_minis: u64,
    /// Full T-spins clearing one, two or three lines.
    pub tspin_singles: u64,
    pub tspin_doubles: u64,
    pub tspin_triples: u64,
    /// Clears that left the board empty.
    pub perfect_clears: u64,
}

impl Clears {
    /// The counts with their names (as `eval --json` and metrics.csv call them), in one
    /// order, so that every report lists them alike.
    pub fn named(&self) -> [(&'static str, u64); 9] {
        [
            ("singles", self.singles),
            ("doubles", self.doubles),
            ("triples", self.triples),
            ("tetrises", self.tetrises),
            ("tspin_minis", self.tspin_minis),
            ("tspin_singles", self.tspin_singles),
            ("tspin_doubles", self.tspin_doubles),
            ("tspin_triples", self.tspin_triples),
            ("perfect_clears", self.perfect_clears),
        ]
    }

    /// Adds `other`'s counts.
    pub fn add(&mut self, other: &Clears) {
        self.singles += other.singles;
        self.doubles += other.doubles;
        self.triples += other.triples;
        self.tetrises += other.tetrises;
        self.tspin_minis += other.tspin_minis;
        self.tspin_singles += other.tspin_singles;
        self.tspin_doubles += other.tspin_doubles;
        self.tspin_triples += other.tspin_triples;
        self.perfect_clears += other.perfect_clears;
    }
}

/// A game's (or many games') quality of play, recorded placement by placement.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quality {
    /// Clear counts, by kind.
    #[serde(flatten)]
    pub clears: Clears,
    /// Placements recorded.
    pub placements: u64,
    /// Lines cleared.
    pub lines_cleared: u64,
    /// Guideline points at level 1 with no back-to-back or combo bonus, so that neither the
    /// level nor the streaks inflate it: 100/300/500/800, T-spins 800/1200/1600, minis 200/400.
    pub base_points: u64,
    /// Lines of garbage sent by the common versus table ([`crate::scoring::attack`]).
    pub attack: u64,
    /// Most difficult clears (tetrises and T-spins) in a row, easy clears breaking the chain.
    pub longest_back_to_back: u64,
    /// Highest stack left after a placement, in rows.
    pub highest_stack: u64,
    /// The back-to-back chain running now (so that a game saved mid-way resumes exactly).
    pub current_back_to_back: u64,
}

impl Quality {
    /// Records one placement: what it did, and the board after it.
    pub fn record(&mut self, outcome: &PlaceOutcome, board_after: &Board) {
        self.placements += 1;
        self.highest_stack = self.highest_stack.max(u64::from(board_after.max_height()));
        let lines = outcome.lines;
        if lines == 0 {
            return;
        }
        self.lines_cleared += u64::from(lines);
        let c = &mut self.clears;
        let kind = match (outcome.tspin, lines) {
            (TSpin::Mini, _) => &mut c.tspin_minis,
            (TSpin::Full, 1) => &mut c.tspin_singles,
            (TSpin::Full, 2) => &mut c.tspin_doubles,
            (TSpin::Full, _) => &mut c.tspin_triples,
            (TSpin::None, 1) => &mut c.singles,
            (TSpin::None, 2) => &mut c.doubles,
            (TSpin::None, 3) => &mut c.triples,
            (TSpin::None, _) => &mut c.tetrises,
        };
        *kind += 1;
        c.perfect_clears += u64::from(outcome.perfect_clear);
        self.base_points += u64::from(base_score(lines, outcome.tspin));
        self.attack += u64::from(outcome.attack());
        if is_difficult(lines, outcome.tspin) {
            self.current_back_to_back += 1;
            self.longest_back_to_back = self.longest_back_to_back.max(self.current_back_to_back);
        } else {
            self.current_back_to_back = 0;
        }
    }

    /// Share of the cleared lines that came from tetrises (0 when none were cleared).
    pub fn tetris_rate(&self) -> f64 {
        ratio(4 * self.clears.tetrises, self.lines_cleared)
    }

    /// Attack sent per placement.
    pub fn attack_per_piece(&self) -> f64 {
        ratio(self.attack, self.placements)
    }

    /// Base points per cleared line.
    pub fn base_points_per_line(&self) -> f64 {
        ratio(self.base_points, self.lines_cleared)
    }

    /// The totals of two records (chains and stacks: the longer and the higher).
    pub fn add(&mut self, other: &Quality) {
        self.clears.add(&other.clears);
        self.placements += other.placements;
        self.lines_cleared += other.lines_cleared;
        self.base_points += other.base_points;
        self.attack += other.attack;
        self.longest_back_to_back = self.longest_back_to_back.max(other.longest_back_to_back);
        self.highest_stack = self.highest_stack.max(other.highest_stack);
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::{Game, TopOut};
    use crate::piece::Piece;

    fn outcome(lines: u32, tspin: TSpin, b2b: bool, combo: i32) -> PlaceOutcome {
        PlaceOutcome {
            lines,
            cleared_rows: 0,
            points: 0,
            tspin,
            back_to_back: b2b,
            combo,
            perfect_clear: false,
            top_out: None::<TopOut>,
        }
    }

    #[test]
    fn clears_rates_attack_and_chains_add_up() {
        let board = Board::from_rows(&[0b1; 3]).unwrap();
        let mut q = Quality::default();
        q.record(&outcome(4, TSpin::None, false, 0), &board); // tetris: 4 attack
        q.record(&outcome(0, TSpin::None, false, -1), &board);
        q.record(&outcome(2, TSpin::Full, true, 0), &board); // TSD b2b: 5
        q.record(&outcome(4, TSpin::None, true, 1), &board); // b2b tetris in combo: 5
        q.record(&outcome(1, TSpin::None, false, 2), &board); // single breaks the chain: 1
        q.record(&outcome(1, TSpin::Mini, false, -1 + 1), &board); // mini single: 0
        assert_eq!(q.placements, 6);
        assert_eq!(q.lines_cleared, 12);
        assert_eq!(
            (
                q.clears.tetrises,
                q.clears.tspin_doubles,
                q.clears.singles,
                q.clears.tspin_minis
            ),
            (2, 1, 1, 1)
        );
        assert_eq!(q.tetris_rate(), 8.0 / 12.0);
        assert_eq!(q.attack, 15);
        assert_eq!(q.attack_per_piece(), 2.5);
        assert_eq!(q.longest_back_to_back, 3);
        assert_eq!(q.highest_stack, 3);
        assert_eq!(q.base_points, 800 + 1200 + 800 + 100 + 200);
        let mut total = Quality::default();
        total.add(&q);
        total.add(&q);
        assert_eq!(
            (
                total.attack,
                total.lines_cleared,
                total.longest_back_to_back
            ),
            (30, 24, 3)
        );
    }

    #[test]
    fn a_real_game_records_what_its_placements_did() {
        let mut game = Game::from_position(
            Board::from_rows(&[0b11_1111_1110; 4]).unwrap(),
            Piece::I,
            None,
            &[],
            1,
        )
        .unwrap();
        let tetris = game
            .placements()
            .into_iter()
            .find(|p| p.cells().iter().all(|&(x, _)| x == 0))
            .unwrap();
        let outcome = game.place(&tetris).unwrap();
        let mut q = Quality::default();
        q.record(&outcome, game.board());
        assert_eq!(q.clears.tetrises, 1);
        assert_eq!(q.clears.perfect_clears, 1);
        assert_eq!(q.attack, 4 + 10);
        assert_eq!(q.tetris_rate(), 1.0);
    }
}
