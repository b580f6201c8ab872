//! `tetris-dqn versus A B`: the flags, their checks, and the match: in the window (both
//! boards, a person may play one side) or headless with a progress line per game on stderr.

use std::time::Duration;

use anyhow::{Result, bail};
use tetris_dqn::agent::{DEFAULT_LOOKAHEAD, Lookahead};

/// `versus --depth`'s default (docs/experiments.md, "Looking deeper").
const VERSUS_DEPTH: u32 = 3;
use tetris_dqn::game::{Side, VersusRules};
use tetris_dqn::versus::live::LiveMatch;
use tetris_dqn::versus::{
    self, Delays, MatchOptions, MatchReport, Pace, PlayerOptions, PlayerSpec, human,
};
use tetris_dqn::viz;

/// The most games a match plays (a night of real-time games already).
const MAX_GAMES: u32 = 100_000;
/// The longest per-move limit, in milliseconds (a minute).
const MAX_MOVE_LIMIT_MS: u64 = 60_000;

#[derive(clap::Args, Debug)]
pub struct VersusArgs {
    /// The left player: a checkpoint folder, a shipped agent (tetris, attack, survival, versus),
    /// dellacherie, human, or "tbp:PROGRAM [ARGS]" (a Tetris Bot Protocol bot).
    pub left: String,
    /// The right player, the same kinds.
    pub right: String,
    /// No window: play the games and print a table (a human cannot play headless).
    #[arg(long)]
    pub headless: bool,
    /// Games to play.
    #[arg(long, default_value_t = 10)]
    pub games: u32,
    /// Seed of the first game (both sides get the same pieces; game i plays seed + i).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// real: each piece takes its spawn, movement and line-clear delays and thinking counts;
    /// fast: no waiting, thinking takes no time in the game (the same seed, the same match).
    /// Default: fast headless; the window always plays in real time.
    #[arg(long, value_enum)]
    pub pace: Option<Pace>,
    /// Milliseconds a TBP bot may take to answer each `suggest`; a bot that misses it loses
    /// that game.
    #[arg(long, value_name = "MS", default_value_t = 500)]
    pub move_limit: u64,
    /// A game where both sides have placed this many pieces is a draw (0: no limit).
    #[arg(long, value_name = "N", default_value_t = 5_000)]
    pub max_pieces: u64,
    /// The agents' lookahead (see `eval --lookahead`).
    #[arg(long = "lookahead", value_name = "N", default_value_t = DEFAULT_LOOKAHEAD)]
    pub beam: usize,
    /// How many pieces the agents' lookahead plays further (see `eval --depth`); 3 here: the
    /// versus agent beat dellacherie 50-0 so, 49-1 one piece deep.
    #[arg(long, value_name = "PIECES", default_value_t = VERSUS_DEPTH, value_parser = clap::value_parser!(u32).range(1..=16))]
    pub depth: u32,
    /// Garbage does not cancel: every attack is sent whole.
    #[arg(long)]
    pub no_countering: bool,
    /// Locks of its receiver that garbage waits before it may land.
    #[arg(long, value_name = "LOCKS", default_value_t = VersusRules::default().garbage_delay)]
    pub garbage_delay: u32,
    /// Most garbage rows that land on one lock.
    #[arg(long, value_name = "ROWS", default_value_t = VersusRules::default().garbage_cap)]
    pub garbage_cap: u32,
    /// The chance, 0 to 1, that a garbage row's gap moves within one attack.
    #[arg(long, value_name = "P", default_value_t = VersusRules::default().messiness)]
    pub messiness: f64,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Let TBP bots' standard error through (else it is dropped).
    #[arg(long)]
    pub bot_stderr: bool,
    #[command(flatten)]
    shot: super::ScreenshotArgs,
}

impl VersusArgs {
    /// The match the flags ask for, checked.
    fn options(&self) -> Result<MatchOptions> {
        if !(1..=MAX_GAMES).contains(&self.games) {
            bail!(
                "versus --games {} is out of range; expected 1 to {MAX_GAMES}",
                self.games
            );
        }
        if !(self.messiness.is_finite() && (0.0..=1.0).contains(&self.messiness)) {
            bail!(
                "versus --messiness {} is out of range; expected a chance from 0 to 1",
                self.messiness
            );
        }
        if self.garbage_cap == 0 {
            bail!("versus --garbage-cap must be at least 1 row");
        }
        Ok(MatchOptions {
            games: self.games,
            seed: self.seed,
            rules: VersusRules {
                countering: !self.no_countering,
                garbage_delay: self.garbage_delay,
                garbage_cap: self.garbage_cap,
                messiness: self.messiness,
            },
            pace: match (self.headless, self.pace) {
                (true, pace) => pace.unwrap_or(Pace::Fast),
                (false, Some(Pace::Fast)) => bail!(
                    "versus --pace fast needs --headless: the window plays in real time (use \
                     +/- there to speed it up)"
                ),
                (false, _) => Pace::Real,
            },
            delays: Delays::default(),
            max_pieces: self.max_pieces,
        })
    }
}

/// Plays the match the flags ask for; the report, for the caller to print.
pub fn run(args: &VersusArgs) -> Result<MatchReport> {
    let options = args.options()?;
    if !(1..=MAX_MOVE_LIMIT_MS).contains(&args.move_limit) {
        bail!(
            "versus --move-limit {} is out of range; expected 1 to {MAX_MOVE_LIMIT_MS} ms",
            args.move_limit
        );
    }
    let specs = [&args.left, &args.right]
        .map(|text| PlayerSpec::parse(text).map_err(|e| anyhow::anyhow!("versus: {e}")));
    let [left, right] = specs;
    let (left, right) = (left?, right?);
    let humans: Vec<Side> = Side::BOTH
        .into_iter()
        .zip([&left, &right])
        .filter(|(_, spec)| **spec == PlayerSpec::Human)
        .map(|(side, _)| side)
        .collect();
    if humans.len() > 1 {
        bail!(
            "versus: only one side can be human; name a checkpoint, dellacherie or a tbp: bot for the other"
        );
    }
    if args.headless && !humans.is_empty() {
        bail!("versus: a human plays in the window; drop --headless to play");
    }
    let player_options = PlayerOptions {
        lookahead: Lookahead {
            beam: args.beam,
            depth: args.depth as usize,
        },
        move_limit: Duration::from_millis(args.move_limit),
        bot_stderr: args.bot_stderr,
    };
    if !args.headless {
        return in_window(
            args,
            [left, right],
            player_options,
            options,
            humans.first().copied(),
        );
    }
    let mut left = versus::open(&left, &player_options, &mut None)?;
    let mut right = versus::open(&right, &player_options, &mut None)?;
    let names = [left.name().to_owned(), right.name().to_owned()];
    let total = options.games;
    let mut played = 0;
    let report = versus::play_match(&mut *left, &mut *right, &options, |game| {
        played += 1;
        let winner = match game.winner {
            Some(side) => names[side as usize].as_str(),
            None => "nobody (a draw)",
        };
        let how = match &game.ending {
            versus::Ending::Fault(why) => format!(" ({why})"),
            _ => String::new(),
        };
        eprintln!(
            "game {played}/{total}: {winner} won after {} and {} pieces{how}",
            game.sides[0].pieces, game.sides[1].pieces
        );
    });
    Ok(report)
}

/// Plays the match in the window, in real time; `human` is the side a person plays. The
/// report has the games that ended before the window closed.
fn in_window(
    args: &VersusArgs,
    specs: [PlayerSpec; 2],
    players: PlayerOptions,
    options: MatchOptions,
    human: Option<Side>,
) -> Result<MatchReport> {
    let shot = args.shot.clone().checked()?;
    viz::display::check("`tetris-dqn versus`", false)?;
    let (seat, desk) = match human {
        Some(side) => {
            let (seat, desk) = human::seat();
            (Some(seat), Some((side, desk)))
        }
        None => (None, None),
    };
    let (live, feed) = LiveMatch::start(specs, players, options, seat)?;
    let exit = viz::run_versus_window(feed, desk, shot);
    let report = live.finish()?;
    if !exit.is_success() {
        bail!("versus: the window ended with an error ({exit:?})");
    }
    Ok(report)
}
