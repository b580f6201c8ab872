//! `tetris-dqn versus`: matches between two players (trained agents, the Dellacherie
//! heuristic, TBP bots) on the engine's [`Versus`]. Both sides get the same pieces (the
//! game's seed); each game is a timeline on which every piece takes its spawn delay, the
//! player's thinking, one frame per input of its path and, when it clears, the line-clear
//! delay; moves land in the order of that timeline. With [`Pace::Real`] the timeline is the
//! wall clock (a bot that thinks in the background gets the delays' time), with
//! [`Pace::Fast`] thinking takes no time on it and no one waits: the same seed gives the same
//! match, move for move.

pub mod player;
pub mod report;
pub mod tbp_child;

use std::time::{Duration, Instant};

use crate::game::{Placement, Side, Versus, VersusRules};

pub use player::{Fault, Player, PlayerOptions, PlayerSpec};
pub use report::{GameRecord, MatchReport, SideRecord};

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

/// Where a side is on the timeline.
#[derive(Clone, Debug)]
enum Turn {
    /// Its next piece is in play from this time: it is asked then.
    Ready(f64),
    /// It chose `placement`; it locks at this time.
    Moving { at: f64, placement: Placement },
}

impl Turn {
    fn at(&self) -> f64 {
        match *self {
            Turn::Ready(at) | Turn::Moving { at, .. } => at,
        }
    }
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
}

/// Plays one game of seed `seed` between `players` (left, right), calling `show` after every
/// lock with the match as it is.
pub fn play_game(
    players: [&mut dyn Player; 2],
    seed: u64,
    options: &MatchOptions,
    mut show: impl FnMut(&Versus),
) -> GameRecord {
    let mut versus = Versus::new(seed, options.rules.clone());
    let [left, right] = players;
    let mut players: [&mut dyn Player; 2] = [left, right];
    let mut record = GameRecord::new(seed);
    let start = Instant::now();
    let mut turns = [Turn::Ready(0.0), Turn::Ready(0.0)];
    let mut fault: Option<(Side, Fault)> = None;
    for side in Side::BOTH {
        if let Err(f) = players[side as usize].new_game(versus.game(side)) {
            fault.get_or_insert((side, f));
        }
    }
    while fault.is_none() && versus.winner().is_none() {
        let counts = Side::BOTH.map(|s| versus.game(s).pieces_placed());
        if options.max_pieces > 0 && counts.iter().all(|&n| n >= options.max_pieces) {
            break;
        }
        // The side whose next event comes first (left on a tie); a side at the limit waits.
        let side = Side::BOTH
            .into_iter()
            .filter(|&s| options.max_pieces == 0 || counts[s as usize] < options.max_pieces)
            .min_by(|&a, &b| turns[a as usize].at().total_cmp(&turns[b as usize].at()))
            .expect("a side below the limit is left");
        let i = side as usize;
        let at = turns[i].at();
        if options.pace == Pace::Real {
            let wait = at - start.elapsed().as_secs_f64();
            if wait > 0.0 {
                std::thread::sleep(Duration::from_secs_f64(wait));
            }
        }
        match turns[i].clone() {
            Turn::Ready(ready) => {
                let game = versus.game(side);
                let thinking = Instant::now();
                let chosen = players[i].choose(game, versus.pending_lines(side));
                let think = thinking.elapsed().as_secs_f64();
                record.sides[i].think.push(think);
                match chosen {
                    Ok(placement) => {
                        let inputs = game.input_path(&placement).map_or(1, |path| path.len());
                        let on_clock = if options.pace == Pace::Real {
                            think
                        } else {
                            0.0
                        };
                        turns[i] = Turn::Moving {
                            at: ready + on_clock + inputs as f64 * options.delays.input,
                            placement,
                        };
                    }
                    Err(f) => fault = Some((side, f)),
                }
            }
            Turn::Moving { at, placement } => match versus.place(side, &placement) {
                Ok(outcome) => {
                    record.sides[i].count(&outcome);
                    let garbage = outcome.landed > 0;
                    if let Err(f) = players[i].played(&placement, versus.game(side), garbage) {
                        fault = Some((side, f));
                    }
                    let pause = if outcome.outcome.lines > 0 {
                        options.delays.line_clear
                    } else {
                        0.0
                    };
                    turns[i] = Turn::Ready(at + pause + options.delays.spawn);
                    show(&versus);
                }
                Err(e) => {
                    fault = Some((side, Fault::Illegal(e.to_string())));
                }
            },
        }
    }
    if let Some((side, f)) = &fault {
        versus.forfeit(*side);
        record.ending = Ending::Fault(format!("{}: {f}", players[*side as usize].name()));
        record.faults[*side as usize] = Some(f.word().to_owned());
    } else if versus.winner().is_none() {
        record.ending = Ending::Draw;
    }
    for p in players.iter_mut() {
        p.end_game();
    }
    record.finish(
        &versus,
        turns.map(|t| t.at()),
        start.elapsed().as_secs_f64(),
    );
    show(&versus);
    record
}

/// Plays `options.games` games between `left` and `right`, calling `progress` after each.
pub fn play_match(
    left: &mut dyn Player,
    right: &mut dyn Player,
    options: &MatchOptions,
    mut progress: impl FnMut(&GameRecord),
) -> MatchReport {
    let mut games = Vec::with_capacity(options.games as usize);
    for g in 0..options.games {
        let record = play_game(
            [&mut *left, &mut *right],
            options.seed.wrapping_add(u64::from(g)),
            options,
            |_| {},
        );
        progress(&record);
        games.push(record);
    }
    MatchReport::new([left.name(), right.name()], options, games)
}
