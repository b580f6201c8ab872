//! What a versus match leaves: a record of each game (who won and how, each side's pieces,
//! attack, garbage and thinking), the match's totals per side, the table `versus --headless`
//! prints and the JSON `--json` prints. Times are the one thing two runs of a seeded match
//! do not share: they are the fields named `seconds`, `pieces_per_second` and `think_ms_*`.

use serde::Serialize;

use crate::game::{Side, TSpin, TopOut, Versus, VersusOutcome, VersusRules};

use super::options::{Ending, MatchOptions, Pace};

/// One side of one game.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SideRecord {
    /// Pieces placed.
    pub pieces: u64,
    /// Attack made (the versus table), before countering.
    pub attack: u64,
    /// Rows of it that cancelled garbage waiting for this side.
    pub cancelled: u64,
    /// Rows of it sent to the other side.
    pub sent: u64,
    /// Garbage rows that landed on this side.
    pub landed: u64,
    /// Lines cleared.
    pub lines: u64,
    /// Tetrises.
    pub tetrises: u64,
    /// T-spins that cleared lines (minis included).
    pub tspins: u64,
    /// Its time on the game's timeline at the end, in seconds.
    pub seconds: f64,
    /// Seconds it thought for each piece.
    #[serde(skip)]
    pub think: Vec<f64>,
}

impl SideRecord {
    /// Counts one of its locks.
    pub fn count(&mut self, outcome: &VersusOutcome) {
        let o = &outcome.outcome;
        self.pieces += 1;
        self.attack += u64::from(outcome.attack);
        self.cancelled += u64::from(outcome.cancelled);
        self.sent += u64::from(outcome.sent);
        self.landed += u64::from(outcome.landed);
        self.lines += u64::from(o.lines);
        self.tetrises += u64::from(o.lines == 4);
        self.tspins += u64::from(o.lines > 0 && o.tspin != TSpin::None);
    }
}

/// One game of a match.
#[derive(Clone, Debug, Serialize)]
pub struct GameRecord {
    /// Its seed (both sides' pieces).
    pub seed: u64,
    /// The side that won; None for a draw.
    pub winner: Option<Side>,
    /// How it ended.
    pub ending: Ending,
    /// For each side, the fault it lost by (crashed, time, illegal), if any.
    pub faults: [Option<String>; 2],
    /// For each side, how its game ended when it topped out.
    pub top_outs: [Option<TopOut>; 2],
    /// Left, then right.
    pub sides: [SideRecord; 2],
    /// Wall seconds the game took.
    pub seconds: f64,
}

impl GameRecord {
    /// A record to fill for the game of `seed`.
    pub fn new(seed: u64) -> GameRecord {
        GameRecord {
            seed,
            winner: None,
            ending: Ending::TopOut,
            faults: [None, None],
            top_outs: [None, None],
            sides: [SideRecord::default(), SideRecord::default()],
            seconds: 0.0,
        }
    }

    /// Takes the result from the match, each side's end on the timeline, and the wall time.
    pub fn finish(&mut self, versus: &Versus, ends: [f64; 2], seconds: f64) {
        self.winner = versus.winner();
        self.top_outs = Side::BOTH.map(|side| versus.game(side).top_out());
        for (side, end) in self.sides.iter_mut().zip(ends) {
            side.seconds = end;
        }
        self.seconds = seconds;
    }
}

/// A side's totals over a match.
#[derive(Clone, Debug, Serialize)]
pub struct SideTotals {
    /// The player's name.
    pub name: String,
    /// Games won.
    pub wins: u32,
    /// Games lost by a fault (crashed, too slow, illegal move).
    pub faults: u32,
    /// Pieces placed.
    pub pieces: u64,
    /// Attack per piece.
    pub attack_per_piece: f64,
    /// Rows sent per piece (after countering).
    pub sent_per_piece: f64,
    /// Pieces a second: on the timeline (real pace), or of thinking alone (fast pace).
    pub pieces_per_second: f64,
    /// The median of its thinking time per piece, in milliseconds.
    pub think_ms_median: f64,
    /// The 99th percentile of its thinking time per piece, in milliseconds.
    pub think_ms_p99: f64,
}

/// A whole match.
#[derive(Clone, Debug, Serialize)]
pub struct MatchReport {
    /// Left, then right.
    pub players: [SideTotals; 2],
    /// Games neither side won.
    pub draws: u32,
    /// The left side's share of the games it did not draw, with a 95% (Wilson) interval.
    pub left_win_rate: WinRate,
    /// The first game's seed.
    pub seed: u64,
    /// How time ran.
    pub pace: Pace,
    /// The rules.
    pub rules: VersusRules,
    /// Every game.
    pub games: Vec<GameRecord>,
}

/// A win rate with its 95% interval.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct WinRate {
    /// Wins over decided games (0 when none was decided).
    pub rate: f64,
    /// The interval's lower end.
    pub low: f64,
    /// The interval's upper end.
    pub high: f64,
}

impl WinRate {
    /// `wins` of `games`, with the Wilson score interval at 95%.
    pub fn of(wins: u32, games: u32) -> WinRate {
        if games == 0 {
            return WinRate {
                rate: 0.0,
                low: 0.0,
                high: 1.0,
            };
        }
        let n = f64::from(games);
        let p = f64::from(wins) / n;
        let z = 1.959_963_984_540_054_f64;
        let denominator = 1.0 + z * z / n;
        let centre = (p + z * z / (2.0 * n)) / denominator;
        let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / denominator;
        // At 0 or all wins an end of the interval is exactly 0 or 1 (rounding aside).
        WinRate {
            rate: p,
            low: if wins == 0 {
                0.0
            } else {
                (centre - half).max(0.0)
            },
            high: if wins >= games {
                1.0
            } else {
                (centre + half).min(1.0)
            },
        }
    }
}

/// The `q` quantile (0 to 1) of `values`, in milliseconds (0 when there are none).
fn quantile_ms(values: &[f64], q: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[rank] * 1000.0
}

impl MatchReport {
    /// The totals of `games` between `names` (left, right).
    pub fn new(names: [&str; 2], options: &MatchOptions, games: Vec<GameRecord>) -> MatchReport {
        let players = Side::BOTH.map(|side| {
            let i = side as usize;
            let mine = games.iter().map(|g| &g.sides[i]);
            let pieces: u64 = mine.clone().map(|s| s.pieces).sum();
            let attack: u64 = mine.clone().map(|s| s.attack).sum();
            let sent: u64 = mine.clone().map(|s| s.sent).sum();
            let think: Vec<f64> = mine.clone().flat_map(|s| s.think.iter().copied()).collect();
            let time: f64 = match options.pace {
                Pace::Real => mine.clone().map(|s| s.seconds).sum(),
                Pace::Fast => think.iter().sum(),
            };
            let per_piece = |n: u64| {
                if pieces == 0 {
                    0.0
                } else {
                    n as f64 / pieces as f64
                }
            };
            SideTotals {
                name: names[i].to_owned(),
                wins: games.iter().filter(|g| g.winner == Some(side)).count() as u32,
                faults: games.iter().filter(|g| g.faults[i].is_some()).count() as u32,
                pieces,
                attack_per_piece: per_piece(attack),
                sent_per_piece: per_piece(sent),
                pieces_per_second: if time > 0.0 {
                    pieces as f64 / time
                } else {
                    0.0
                },
                think_ms_median: quantile_ms(&think, 0.5),
                think_ms_p99: quantile_ms(&think, 0.99),
            }
        });
        let draws = games.iter().filter(|g| g.winner.is_none()).count() as u32;
        let decided = games.len() as u32 - draws;
        MatchReport {
            left_win_rate: WinRate::of(players[0].wins, decided),
            players,
            draws,
            seed: options.seed,
            pace: options.pace,
            rules: options.rules.clone(),
            games,
        }
    }

    /// The table `versus` prints (headless, or when the window closes): one line per game, then each side's totals.
    pub fn table(&self) -> String {
        let [l, r] = &self.players;
        let width = l.name.len().max(r.name.len()).max(6);
        let mut out = format!(
            "versus: {} (left) against {} (right), {} game{} from seed {}, {} pace\n\n",
            l.name,
            r.name,
            self.games.len(),
            if self.games.len() == 1 { "" } else { "s" },
            self.seed,
            match self.pace {
                Pace::Real => "real-time",
                Pace::Fast => "fast",
            }
        );
        out += &format!(
            "{:>5} {:>6}  {:<width$}  {:<24} {:>13} {:>13}\n",
            "game", "seed", "winner", "ending", "pieces L/R", "attack L/R"
        );
        for (n, g) in self.games.iter().enumerate() {
            let winner = match g.winner {
                Some(side) => self.players[side as usize].name.as_str(),
                None => "draw",
            };
            let ending = match (&g.ending, g.faults.iter().flatten().next()) {
                (Ending::TopOut, _) => match g.top_outs.iter().flatten().next() {
                    Some(TopOut::GarbageOut) => "top-out (by garbage)".to_string(),
                    _ => "top-out".to_string(),
                },
                (Ending::Draw, _) => "piece limit".to_string(),
                (Ending::Stopped, _) => "stopped".to_string(),
                (Ending::Fault(_), Some(word)) => format!("the loser's fault: {word}"),
                (Ending::Fault(_), None) => "fault".to_string(),
            };
            out += &format!(
                "{:>5} {:>6}  {:<width$}  {:<24} {:>13} {:>13}\n",
                n + 1,
                g.seed,
                winner,
                ending,
                format!("{} / {}", g.sides[0].pieces, g.sides[1].pieces),
                format!("{} / {}", g.sides[0].attack, g.sides[1].attack),
            );
        }
        out += &format!(
            "\n{:<width$}  {:>5} {:>7} {:>13} {:>11} {:>9} {:>17}\n",
            "player",
            "wins",
            "faults",
            "attack/piece",
            "sent/piece",
            "pieces/s",
            "think ms med/p99"
        );
        for p in &self.players {
            out += &format!(
                "{:<width$}  {:>5} {:>7} {:>13.3} {:>11.3} {:>9.1} {:>17}\n",
                p.name,
                p.wins,
                p.faults,
                p.attack_per_piece,
                p.sent_per_piece,
                p.pieces_per_second,
                format!("{:.1} / {:.1}", p.think_ms_median, p.think_ms_p99),
            );
        }
        let w = &self.left_win_rate;
        out += &format!(
            "\n{} won {:.1}% of the decided games (95% interval {:.1}% to {:.1}%); draws: {}",
            l.name,
            100.0 * w.rate,
            100.0 * w.low,
            100.0 * w.high,
            self.draws
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_intervals_match_known_values() {
        let w = WinRate::of(5, 10);
        assert!(
            (w.low - 0.2366).abs() < 1e-3 && (w.high - 0.7634).abs() < 1e-3,
            "{w:?}"
        );
        let w = WinRate::of(10, 10);
        assert!(
            (w.rate - 1.0).abs() < 1e-12 && (w.low - 0.7225).abs() < 1e-3,
            "{w:?}"
        );
        let w = WinRate::of(0, 50);
        assert!(w.low == 0.0 && (w.high - 0.0713).abs() < 1e-3, "{w:?}");
    }

    #[test]
    fn quantiles_pick_a_measured_value() {
        let v = [0.003, 0.001, 0.002, 0.010];
        assert!((quantile_ms(&v, 0.5) - 3.0).abs() < 1e-9);
        assert!((quantile_ms(&v, 0.99) - 10.0).abs() < 1e-9);
        assert_eq!(quantile_ms(&[], 0.5), 0.0);
    }
}
