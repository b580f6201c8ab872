//! Guideline scoring: line clears, T-spins and minis, back-to-back, combos and levels.

use serde::{Deserialize, Serialize};

/// Whether a locked T piece counts as a T-spin.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub enum TSpin {
    /// Not a T-spin (or not a T piece).
    #[default]
    None,
    /// Three corners filled but only one front corner, and no 1x2 kick: a T-spin mini.
    Mini,
    /// Both front corners and a third, or any three after the last (1x2) kick: a full T-spin.
    Full,
}

/// Combo bonus of the common versus table, by combo count (0 for the first clear of a chain,
/// the last entry for every longer one).
const COMBO_ATTACK: [u32; 12] = [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 4, 5];

/// Lines of garbage a lock sends in the common versus table: 0/1/2/4 for 1 to 4 lines; T-spin
/// single/double/triple 2/4/6; mini single/double 0/1; +1 when back-to-back applied; the combo
/// bonus by combo count (`combo` as [`ScoreState::combo`] counts it: 0 for the first clear);
/// +10 for a perfect clear. Nothing without a line clear.
pub fn attack(
    lines: u32,
    tspin: TSpin,
    back_to_back: bool,
    combo: i32,
    perfect_clear: bool,
) -> u32 {
    if lines == 0 {
        return 0;
    }
    let base = match (tspin, lines) {
        (TSpin::Full, n) => 2 * n.min(3),
        (TSpin::Mini, n) => n.min(2) - 1,
        (TSpin::None, n) => [0, 0, 1, 2, 4][n.min(4) as usize],
    };
    let combo_bonus = COMBO_ATTACK[(combo.max(0) as usize).min(COMBO_ATTACK.len() - 1)];
    base + u32::from(back_to_back) + combo_bonus + if perfect_clear { 10 } else { 0 }
}

/// Lines needed to go up a level (fixed goal).
pub const LINES_PER_LEVEL: u32 = 10;

/// Base score of a lock, before the level, back-to-back and combo are applied.
pub fn base_score(lines: u32, tspin: TSpin) -> u32 {
    match (tspin, lines) {
        (TSpin::None, 0) => 0,
        (TSpin::None, 1) => 100,
        (TSpin::None, 2) => 300,
        (TSpin::None, 3) => 500,
        (TSpin::None, _) => 800,
        (TSpin::Mini, 0) => 100,
        (TSpin::Mini, 1) => 200,
        (TSpin::Mini, _) => 400,
        (TSpin::Full, 0) => 400,
        (TSpin::Full, 1) => 800,
        (TSpin::Full, 2) => 1200,
        (TSpin::Full, _) => 1600,
    }
}

/// Whether a clear is "difficult" and so takes part in back-to-back chains: a tetris, or a
/// T-spin (mini or full) that clears lines.
pub fn is_difficult(lines: u32, tspin: TSpin) -> bool {
    lines >= 4 || (lines > 0 && tspin != TSpin::None)
}

/// The running score of a game.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ScoreState {
    /// Points so far.
    pub score: u64,
    /// Lines cleared so far.
    pub lines: u32,
    /// Level, from 1; one up every [`LINES_PER_LEVEL`] lines.
    pub level: u32,
    /// Consecutive locks that cleared lines, minus one; -1 when the last lock cleared none.
    pub combo: i32,
    /// Whether the last line clear was difficult, so that the next difficult one earns x1.5.
    pub back_to_back: bool,
}

impl Default for ScoreState {
    fn default() -> Self {
        ScoreState {
            score: 0,
            lines: 0,
            level: 1,
            combo: -1,
            back_to_back: false,
        }
    }
}

/// What one lock earned.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockScore {
    /// Points gained by this lock (action, back-to-back bonus and combo).
    pub points: u32,
    /// Whether the back-to-back bonus applied.
    pub back_to_back: bool,
    /// Combo count after this lock (0 for the first clear of a chain, -1 when no clear).
    pub combo: i32,
}

impl ScoreState {
    /// Records a lock that cleared `lines` with the given T-spin kind and returns its points.
    pub fn record(&mut self, lines: u32, tspin: TSpin) -> LockScore {
        let level = self.level;
        let mut action = base_score(lines, tspin) * level;
        let difficult = is_difficult(lines, tspin);
        let mut b2b = false;
        if lines > 0 {
            if difficult && self.back_to_back {
                action = action * 3 / 2;
                b2b = true;
            }
            self.back_to_back = difficult;
            self.combo += 1;
        } else {
            self.combo = -1;
        }
        let combo_bonus = if self.combo > 0 {
            50 * self.combo as u32 * level
        } else {
            0
        };
        let points = action + combo_bonus;
        self.score += points as u64;
        self.lines += lines;
        self.level = 1 + self.lines / LINES_PER_LEVEL;
        LockScore {
            points,
            back_to_back: b2b,
            combo: self.combo,
        }
    }

    /// Seconds a piece takes to fall one row at this level (guideline gravity curve).
    pub fn gravity_seconds_per_row(&self) -> f64 {
        let l = (self.level.min(20) - 1) as f64;
        (0.8 - l * 0.007).powf(l)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guideline_table() {
        let cases = [
            (0, TSpin::None, 0),
            (1, TSpin::None, 100),
            (2, TSpin::None, 300),
            (3, TSpin::None, 500),
            (4, TSpin::None, 800),
            (0, TSpin::Mini, 100),
            (1, TSpin::Mini, 200),
            (2, TSpin::Mini, 400),
            (0, TSpin::Full, 400),
            (1, TSpin::Full, 800),
            (2, TSpin::Full, 1200),
            (3, TSpin::Full, 1600),
        ];
        for (lines, tspin, points) in cases {
            let mut s = ScoreState::default();
            assert_eq!(s.record(lines, tspin).points, points, "{lines} {tspin:?}");
        }
    }

    #[test]
    fn scores_scale_with_level() {
        let mut s = ScoreState {
            level: 3,
            lines: 20,
            ..Default::default()
        };
        assert_eq!(s.record(4, TSpin::None).points, 2400);
    }

    #[test]
    fn back_to_back_multiplies_difficult_clears_only() {
        let mut s = ScoreState::default();
        assert_eq!(s.record(4, TSpin::None).points, 800);
        s.record(0, TSpin::None); // no clear: chain survives, combo resets
        let r = s.record(2, TSpin::Full);
        assert!(r.back_to_back);
        assert_eq!(r.points, 1800);
        s.record(0, TSpin::None);
        assert_eq!(s.record(1, TSpin::None).points, 100); // breaks the chain
        s.record(0, TSpin::None);
        let r = s.record(4, TSpin::None);
        assert!(!r.back_to_back);
        assert_eq!(r.points, 800);
    }

    #[test]
    fn t_spin_without_lines_neither_breaks_nor_earns_back_to_back() {
        let mut s = ScoreState::default();
        s.record(4, TSpin::None);
        assert_eq!(s.record(0, TSpin::Full).points, 400);
        assert!(s.record(4, TSpin::None).back_to_back);
    }

    #[test]
    fn combos_add_fifty_per_step() {
        let mut s = ScoreState::default();
        let points: Vec<u32> = (0..4).map(|_| s.record(1, TSpin::None).points).collect();
        assert_eq!(points, vec![100, 150, 200, 250]);
        assert_eq!(s.combo, 3);
        s.record(0, TSpin::None);
        assert_eq!(s.combo, -1);
        assert_eq!(s.record(1, TSpin::None).points, 100);
    }

    #[test]
    fn level_rises_every_ten_lines() {
        let mut s = ScoreState::default();
        for _ in 0..2 {
            s.record(4, TSpin::None);
            s.record(0, TSpin::None);
        }
        assert_eq!((s.lines, s.level), (8, 1));
        s.record(2, TSpin::None);
        assert_eq!((s.lines, s.level), (10, 2));
        for _ in 0..3 {
            s.record(4, TSpin::None);
        }
        assert_eq!((s.lines, s.level), (22, 3));
    }

    #[test]
    fn gravity_speeds_up() {
        let one = ScoreState::default().gravity_seconds_per_row();
        let ten = ScoreState {
            level: 10,
            ..Default::default()
        }
        .gravity_seconds_per_row();
        assert!((one - 1.0).abs() < 1e-9);
        assert!(ten < 0.1 && ten > 0.05);
    }

    #[test]
    fn attack_follows_the_versus_table() {
        assert_eq!(attack(0, TSpin::Full, true, 5, false), 0);
        assert_eq!(
            [1, 2, 3, 4].map(|n| attack(n, TSpin::None, false, 0, false)),
            [0, 1, 2, 4]
        );
        assert_eq!(
            [1, 2, 3].map(|n| attack(n, TSpin::Full, false, 0, false)),
            [2, 4, 6]
        );
        assert_eq!(
            [1, 2].map(|n| attack(n, TSpin::Mini, false, 0, false)),
            [0, 1]
        );
        // Back-to-back tetris, then a combo: +1, and 0,0,1,1,2,2,... by combo count.
        assert_eq!(attack(4, TSpin::None, true, 0, false), 5);
        assert_eq!(attack(1, TSpin::None, false, 2, false), 1);
        assert_eq!(attack(1, TSpin::None, false, 11, false), 5);
        assert_eq!(attack(1, TSpin::None, false, 40, false), 5);
        assert_eq!(attack(2, TSpin::None, false, 0, true), 11);
    }
}
