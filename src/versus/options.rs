//! What a versus match plays: the options (games, seed, rules, pace, piece delays, the draw
//! limit), and how a game can end.

use crate::game::VersusRules;

/// How the timeline runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Pace {
    /// In real time: thinking counts, delays are waited out.
    Real,
    /// As fast as the players answer: thinking takes no time on the timeline, nothing waits.
    Fast,
}

/// The delays of a piece, in seconds (Guideline-like: 60 frames a second).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Delays {
    /// From one lock to the next piece's appearance (entry delay).
    pub spawn: f64,
    /// One input of a piece's path (a shift, a rotation, a drop).
    pub input: f64,
    /// A lock that clears lines, before the next piece appears.
    pub line_clear: f64,
}

impl Default for Delays {
    fn default() -> Delays {
        const FRAME: f64 = 1.0 / 60.0;
        Delays {
            spawn: 7.0 * FRAME,
            input: FRAME,
            line_clear: 35.0 * FRAME,
        }
    }
}

/// What a match plays.
#[derive(Clone, Debug)]
pub struct MatchOptions {
    /// Games in the match.
    pub games: u32,
    /// The first game's seed; game i plays seed + i.
    pub seed: u64,
    /// The versus rules.
    pub rules: VersusRules,
    /// Real time or as fast as the players answer.
    pub pace: Pace,
    /// The piece delays of the timeline.
    pub delays: Delays,
    /// A game where both sides have placed this many pieces is a draw (0: no limit).
    pub max_pieces: u64,
}

/// How a game ended.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ending {
    /// The loser's stack went over the top (or garbage pushed it out).
    TopOut,
    /// The loser broke a rule of the match: crashed, too slow, an illegal move.
    Fault(String),
    /// Both reached the piece limit.
    Draw,
    /// The match was stopped (the window closed) before the game ended.
    Stopped,
}
