//! `tetris-dqn versus`: matches between two players (trained agents, the Dellacherie
//! heuristic, TBP bots) on the engine's [`Versus`]. Both sides get the same pieces (the
//! game's seed); each game is a timeline on which every piece takes its spawn delay, the
//! player's thinking, one frame per input of its path and, when it clears, the line-clear
//! delay; moves land in the order of that timeline. With [`Pace::Real`] the timeline is the
//! wall clock (a bot that thinks in the background gets the delays' time), with
//! [`Pace::Fast`] thinking takes no time on it and no one waits: the same seed gives the same
//! match, move for move.

pub mod clock;
pub mod human;
pub mod live;
pub mod options;
pub mod player;
pub mod report;
pub mod tbp_child;

use std::time::{Duration, Instant};

use crate::agent::Lookahead;
use crate::game::{Placement, Side, Versus, VersusOutcome};

pub use clock::MatchClock;
pub use options::{Delays, Ending, MatchOptions, Pace};
pub use player::{Fault, Player, PlayerSpec};
pub use report::{GameRecord, MatchReport, SideRecord};
use tbp_child::TbpBot;

/// How the players that think in this process are set up.
#[derive(Clone, Debug)]
pub struct PlayerOptions {
    /// How the agents look ahead.
    pub lookahead: Lookahead,
    /// The longest a TBP bot may take to answer `suggest`.
    pub move_limit: Duration,
    /// Let TBP bots' standard error through (else it is dropped).
    pub bot_stderr: bool,
}

/// Opens the player `spec` names (loads the agent, starts the bot); `human` takes `seat`,
/// the window's, and is refused without one.
pub fn open(
    spec: &PlayerSpec,
    options: &PlayerOptions,
    seat: &mut Option<human::HumanSeat>,
) -> anyhow::Result<Box<dyn Player>> {
    Ok(match spec {
        PlayerSpec::Checkpoint(dir) => Box::new(player::AgentPlayer::load(dir, options.lookahead)?),
        PlayerSpec::Dellacherie => Box::new(player::Heuristic),
        PlayerSpec::Tbp(command) => Box::new(TbpBot::start(
            command,
            options.move_limit,
            options.bot_stderr,
        )?),
        PlayerSpec::Human => match seat.take() {
            Some(seat) => Box::new(seat),
            None => anyhow::bail!(
                "versus: a human plays in the window, and only one side can be human; drop \
                 --headless to play"
            ),
        },
    })
}

/// Where a side is on the timeline.
#[derive(Clone, Debug)]
enum Turn {
    /// Its next piece is in play from this time: it is asked then.
    Ready(f64),
    /// It was asked at `ready` and has no answer yet (a person moving the piece); it is asked
    /// again at `at`.
    Thinking { ready: f64, at: f64 },
    /// It chose `placement`; it locks at this time.
    Moving { at: f64, placement: Placement },
}

impl Turn {
    fn at(&self) -> f64 {
        match *self {
            Turn::Ready(at) | Turn::Thinking { at, .. } | Turn::Moving { at, .. } => at,
        }
    }

    /// The placement it is moving into place, if it chose one.
    fn moving(&self) -> Option<&Placement> {
        match self {
            Turn::Moving { placement, .. } => Some(placement),
            _ => None,
        }
    }
}

/// How often a player with no answer yet is asked again, in seconds.
const ASK_AGAIN: f64 = 0.004;

/// The match as it is at one moment: what a window draws.
#[derive(Clone, Copy, Debug)]
pub struct Moment<'a> {
    /// Both games, their pending garbage and totals.
    pub versus: &'a Versus,
    /// For each side, the piece it chose and is moving into place, if any.
    pub moving: [Option<&'a Placement>; 2],
    /// Seconds into the game on its timeline.
    pub at: f64,
    /// The lock this moment follows, if it follows one: the side, its placement, and what
    /// the lock did.
    pub lock: Option<(Side, &'a Placement, &'a VersusOutcome)>,
}

/// Plays one game of seed `seed` between `players` (left, right) on `clock` (the timeline,
/// with [`Pace::Real`]), calling `show` after every choice and every lock. A stopped clock
/// ends the game as [`Ending::Stopped`].
pub fn play_game(
    players: [&mut dyn Player; 2],
    seed: u64,
    options: &MatchOptions,
    clock: &MatchClock,
    mut show: impl FnMut(Moment<'_>),
) -> GameRecord {
    let mut versus = Versus::new(seed, options.rules.clone());
    let [left, right] = players;
    let mut players: [&mut dyn Player; 2] = [left, right];
    let mut record = GameRecord::new(seed);
    let start = Instant::now();
    let real = options.pace == Pace::Real;
    let origin = if real { clock.now() } else { 0.0 };
    let mut turns = [Turn::Ready(origin), Turn::Ready(origin)];
    let mut fault: Option<(Side, Fault)> = None;
    let mut stopped = false;
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
        if (real && !clock.wait_until(at)) || clock.stopped() {
            stopped = true;
            break;
        }
        let waited = matches!(turns[i], Turn::Thinking { .. });
        match turns[i].clone() {
            Turn::Ready(ready) | Turn::Thinking { ready, .. } => {
                let game = versus.game(side);
                let thinking = Instant::now();
                let chosen = players[i].choose(game, versus.pending_lines(side));
                let think = thinking.elapsed().as_secs_f64();
                match chosen {
                    Ok(Some(placement)) => {
                        // One that answered over several asks thought from its piece's entry.
                        let think = if waited && real {
                            clock.now() - ready
                        } else {
                            think
                        };
                        record.sides[i].think.push(think);
                        let inputs = if players[i].moves_on_the_clock() {
                            0
                        } else {
                            game.input_path(&placement).map_or(1, |path| path.len())
                        };
                        let chosen_at = if real { clock.now() } else { ready };
                        turns[i] = Turn::Moving {
                            at: chosen_at + inputs as f64 * options.delays.input,
                            placement,
                        };
                        show(Moment {
                            versus: &versus,
                            moving: turns.each_ref().map(Turn::moving),
                            at: turns[i].at() - origin,
                            lock: None,
                        });
                    }
                    Ok(None) => {
                        let again = if real {
                            clock.now() + ASK_AGAIN
                        } else {
                            std::thread::sleep(Duration::from_secs_f64(ASK_AGAIN));
                            ready
                        };
                        turns[i] = Turn::Thinking { ready, at: again };
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
                    show(Moment {
                        versus: &versus,
                        moving: turns.each_ref().map(Turn::moving),
                        at: at - origin,
                        lock: Some((side, &placement, &outcome)),
                    });
                }
                Err(e) => {
                    fault = Some((side, Fault::Illegal(e.to_string())));
                }
            },
        }
    }
    if fault.is_some() && clock.stopped() {
        // Stopping closes what the players talk to (the window's person): not their fault.
        fault = None;
        stopped = true;
    }
    if let Some((side, f)) = &fault {
        versus.forfeit(*side);
        record.ending = Ending::Fault(format!("{}: {f}", players[*side as usize].name()));
        record.faults[*side as usize] = Some(f.word().to_owned());
    } else if stopped {
        record.ending = Ending::Stopped;
    } else if versus.winner().is_none() {
        record.ending = Ending::Draw;
    }
    for p in players.iter_mut() {
        p.end_game();
    }
    let ends = turns.map(|t| t.at() - origin);
    record.finish(&versus, ends, start.elapsed().as_secs_f64());
    show(Moment {
        versus: &versus,
        moving: [None, None],
        at: ends[0].max(ends[1]),
        lock: None,
    });
    record
}

/// Plays `options.games` games between `left` and `right`, calling `progress` after each.
pub fn play_match(
    left: &mut dyn Player,
    right: &mut dyn Player,
    options: &MatchOptions,
    mut progress: impl FnMut(&GameRecord),
) -> MatchReport {
    play_match_on(
        left,
        right,
        options,
        &MatchClock::new(),
        |_, _| {},
        |r| {
            progress(r);
        },
    )
}

/// [`play_match`] on `clock`, calling `show` with the game's index at every moment. A stopped
/// clock ends the match: the game it cut short is not in the report.
pub fn play_match_on(
    left: &mut dyn Player,
    right: &mut dyn Player,
    options: &MatchOptions,
    clock: &MatchClock,
    mut show: impl FnMut(u32, Moment<'_>),
    mut progress: impl FnMut(&GameRecord),
) -> MatchReport {
    let mut games = Vec::with_capacity(options.games as usize);
    for g in 0..options.games {
        let record = play_game(
            [&mut *left, &mut *right],
            options.seed.wrapping_add(u64::from(g)),
            options,
            clock,
            |moment| show(g, moment),
        );
        if record.ending == Ending::Stopped {
            break;
        }
        progress(&record);
        games.push(record);
    }
    MatchReport::new([left.name(), right.name()], options, games)
}
