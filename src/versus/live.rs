//! A match on its own thread, for the window: the players are opened and play there (an
//! agent's libtorch stays on that thread), each moment goes out as a [`Frame`] of plain game
//! values, and the [`MatchClock`] is shared so that the window can pause, change speed or
//! stop. The window never waits on the match; the match never waits on the window.

use std::cell::{Cell, RefCell};
use std::sync::Arc;
use std::thread::JoinHandle;

use anyhow::{Context, Result, anyhow};
use crossbeam_channel::{Receiver, Sender};

use crate::game::{PieceGrid, Placement, TopOut, Versus};

use super::human::HumanSeat;
use super::{
    Ending, GameRecord, MatchClock, MatchOptions, MatchReport, PlayerOptions, PlayerSpec, open,
};

/// Seconds on the match's clock between one game's end and the next one's start.
const BETWEEN_GAMES: f64 = 2.5;

/// Where the match stands as a whole.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Games each side won.
    pub wins: [u32; 2],
    /// Games that reached the piece limit.
    pub draws: u32,
}

/// One moment of the match, as the window draws it.
#[derive(Clone, Debug)]
pub struct Frame {
    /// The game in play, from 0.
    pub game: u32,
    /// Both games, their pending garbage and totals.
    pub versus: Versus,
    /// Each board's cells coloured by the piece (or garbage) that filled them.
    pub grids: [PieceGrid; 2],
    /// Each side's piece on its way into place, if any.
    pub moving: [Option<Placement>; 2],
    /// Seconds into the game on its timeline.
    pub at: f64,
    /// The games so far.
    pub tally: Tally,
    /// Set on the last frame of a game: how it ended, in words.
    pub ended: Option<String>,
    /// Set on the last frame of the match.
    pub over: bool,
}

/// What a window sees of a running match.
pub struct Feed {
    /// The players' names, left then right.
    pub names: [String; 2],
    /// The moments, in order.
    pub frames: Receiver<Frame>,
    /// The match's clock, to pause, speed up or stop it.
    pub clock: Arc<MatchClock>,
    /// Games in the match.
    pub games: u32,
}

/// A match running on its thread.
pub struct LiveMatch {
    clock: Arc<MatchClock>,
    thread: JoinHandle<MatchReport>,
}

impl LiveMatch {
    /// Opens the players on a new thread and starts the match (in real time, whatever its
    /// pace says); an error when a player cannot be opened. A `human` side takes `seat`.
    pub fn start(
        specs: [PlayerSpec; 2],
        players: PlayerOptions,
        mut options: MatchOptions,
        seat: Option<HumanSeat>,
    ) -> Result<(LiveMatch, Feed)> {
        options.pace = super::Pace::Real;
        let games = options.games;
        let clock = Arc::new(MatchClock::new());
        let (frame_tx, frames) = crossbeam_channel::unbounded();
        let (ready_tx, ready) = crossbeam_channel::bounded::<Result<[String; 2], String>>(1);
        let match_clock = clock.clone();
        let thread = std::thread::Builder::new()
            .name("versus".into())
            .spawn(move || {
                let mut seat = seat;
                let opened: Result<Vec<_>> =
                    specs.iter().map(|s| open(s, &players, &mut seat)).collect();
                let mut opened = match opened {
                    Ok(p) => p,
                    Err(e) => {
                        let _ = ready_tx.send(Err(format!("{e:#}")));
                        return MatchReport::new(["", ""], &options, Vec::new());
                    }
                };
                let (left, right) = opened.split_at_mut(1);
                let (left, right) = (&mut *left[0], &mut *right[0]);
                let names = [left.name().to_owned(), right.name().to_owned()];
                let _ = ready_tx.send(Ok(names.clone()));
                play_live(left, right, &options, &match_clock, &frame_tx)
            })
            .context("cannot start the match's thread")?;
        let names = match ready.recv() {
            Ok(Ok(names)) => names,
            Ok(Err(e)) => return Err(anyhow!(e)),
            Err(_) => {
                return Err(anyhow!(
                    "the match's thread ended before its players opened"
                ));
            }
        };
        let feed = Feed {
            names,
            frames,
            clock: clock.clone(),
            games,
        };
        Ok((LiveMatch { clock, thread }, feed))
    }

    /// Stops the match (a game in play is left out) and returns the report of the games that
    /// ended.
    pub fn finish(self) -> Result<MatchReport> {
        self.clock.stop();
        self.thread
            .join()
            .map_err(|_| anyhow!("the match's thread panicked"))
    }
}

/// Plays the match in real time on `clock`, sending every moment.
fn play_live(
    left: &mut dyn super::Player,
    right: &mut dyn super::Player,
    options: &MatchOptions,
    clock: &MatchClock,
    frames: &Sender<Frame>,
) -> MatchReport {
    let names = [left.name().to_owned(), right.name().to_owned()];
    let tally = Cell::new(Tally::default());
    let last: RefCell<Option<Frame>> = RefCell::new(None);
    let mut grids = [PieceGrid::default(), PieceGrid::default()];
    let mut current = u32::MAX;
    super::play_match_on(
        left,
        right,
        options,
        clock,
        |game, moment| {
            if game != current {
                current = game;
                grids = [PieceGrid::default(), PieceGrid::default()];
            }
            if let Some((side, placement, outcome)) = moment.lock {
                let grid = &mut grids[side as usize];
                grid.lock(
                    placement.piece(),
                    &placement.cells(),
                    outcome.outcome.cleared_rows,
                );
                grid.receive(moment.versus.game(side).board(), outcome.landed as usize);
            }
            let frame = Frame {
                game,
                versus: moment.versus.clone(),
                grids: grids.clone(),
                moving: moment.moving.map(|m| m.copied()),
                at: moment.at,
                tally: tally.get(),
                ended: None,
                over: false,
            };
            let _ = frames.send(frame.clone());
            *last.borrow_mut() = Some(frame);
        },
        |record| {
            let mut t = tally.get();
            match record.winner {
                Some(side) => t.wins[side as usize] += 1,
                None => t.draws += 1,
            }
            tally.set(t);
            if let Some(mut frame) = last.borrow_mut().take() {
                frame.tally = t;
                frame.moving = [None, None];
                frame.ended = Some(ending_words(&names, record));
                frame.over = t.wins.iter().sum::<u32>() + t.draws >= options.games;
                let over = frame.over;
                let _ = frames.send(frame);
                if !over {
                    // Time to see how it ended before the next game starts.
                    clock.wait_until(clock.now() + BETWEEN_GAMES);
                }
            }
        },
    )
}

/// How a game ended, in a few words: who won, and by what.
pub fn ending_words(names: &[String; 2], record: &GameRecord) -> String {
    let how = match &record.ending {
        Ending::TopOut => match record.top_outs.iter().flatten().next() {
            Some(TopOut::GarbageOut) => "garbage pushed the other out".to_owned(),
            _ => "the other topped out".to_owned(),
        },
        Ending::Fault(why) => why.clone(),
        Ending::Draw => "the piece limit".to_owned(),
        Ending::Stopped => "stopped".to_owned(),
    };
    match record.winner {
        Some(side) => format!("{} wins: {how}", names[side as usize]),
        None => format!("A draw: {how}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::Lookahead;
    use crate::game::{Side, VersusRules};
    use crate::versus::{Delays, Pace};
    use std::time::Duration;

    fn options(
        games: u32,
        seed: u64,
        pace: Pace,
        max_pieces: u64,
    ) -> (MatchOptions, PlayerOptions) {
        let options = MatchOptions {
            games,
            seed,
            rules: VersusRules::default(),
            pace,
            delays: Delays::default(),
            max_pieces,
        };
        let players = PlayerOptions {
            lookahead: Lookahead::NONE,
            move_limit: Duration::from_millis(500),
            bot_stderr: false,
        };
        (options, players)
    }

    #[test]
    fn a_live_match_sends_its_moments_with_boards_coloured_and_ends_with_the_report() {
        // Fast here still plays in real time: a live match always does.
        let (options, players) = options(2, 5, Pace::Fast, 25);
        let specs = [PlayerSpec::Dellacherie, PlayerSpec::Dellacherie];
        let (live, feed) = LiveMatch::start(specs, players, options, None).unwrap();
        feed.clock.set_speed(16.0);
        assert_eq!(feed.names, ["dellacherie", "dellacherie"]);
        let mut frames = Vec::new();
        for frame in feed.frames.iter() {
            let over = frame.over;
            frames.push(frame);
            if over {
                break;
            }
        }
        let report = live.finish().unwrap();
        assert_eq!(report.games.len(), 2);
        assert_eq!(report.draws, 2, "25 pieces each: both games drawn");
        let last = frames.last().unwrap();
        assert_eq!(
            last.tally,
            Tally {
                wins: [0, 0],
                draws: 2
            }
        );
        assert_eq!(last.ended.as_deref(), Some("A draw: the piece limit"));
        assert_eq!(frames.iter().filter(|f| f.ended.is_some()).count(), 2);
        for f in &frames {
            for side in Side::BOTH {
                assert!(f.grids[side as usize].matches(f.versus.game(side).board()));
            }
        }
        assert!(frames.iter().any(|f| f.moving.iter().any(Option::is_some)));
        assert!(frames.iter().any(|f| f.game == 1));
    }

    #[test]
    fn a_stopped_live_match_leaves_the_game_in_play_out() {
        let (options, players) = options(3, 1, Pace::Real, 0);
        let specs = [PlayerSpec::Dellacherie, PlayerSpec::Human];
        let (seat, desk) = crate::versus::human::seat();
        let (live, feed) = LiveMatch::start(specs, players, options, Some(seat)).unwrap();
        assert_eq!(feed.names[1], "you");
        // The person never moves; the match waits on them without stopping the other side.
        let first = feed.frames.recv().unwrap();
        assert!(first.moving[0].is_some());
        assert!(matches!(
            desk.asks.recv().unwrap(),
            crate::versus::human::Ask::Move(_)
        ));
        let report = live.finish().unwrap();
        drop(desk);
        assert!(report.games.is_empty(), "{:?}", report.games);
    }
}
