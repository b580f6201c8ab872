//! Versus: two games that send each other garbage. A lock's attack (the common versus table,
//! [`PlaceOutcome::attack`]) first cancels the garbage waiting for its own side (countering),
//! and what is left waits for the other side. Waiting garbage lands after a delay, on the
//! receiver's next lock that clears nothing, at most a cap of rows at a time: rows filled but
//! for one gap, whose column is new for every attack and, within one, moves with the rules'
//! messiness. A side wins when the other tops out. Both games deal the same pieces, and the
//! gaps come from the match's own seeded stream: the same seed and the same placements give
//! the same match.

use std::collections::VecDeque;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::GameError;
use crate::board::WIDTH;
use crate::game::{Game, PlaceOutcome};
use crate::search::Placement;

/// The rules of a match. The default is the common Guideline versus setting (as TETR.IO's
/// defaults play it): countering on, garbage landing after the receiver's next lock, at most 8
/// rows at a time, one gap per attack.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VersusRules {
    /// Whether an attack first cancels the garbage waiting for its own side.
    pub countering: bool,
    /// Locks of the receiver that garbage waits before it may land (0: it may land on the
    /// receiver's very next lock that clears nothing).
    pub garbage_delay: u32,
    /// Most garbage rows that land on one lock; the rest waits for the next.
    pub garbage_cap: u32,
    /// The chance, 0 to 1, that a garbage row's gap moves to another column from the row below
    /// it within one attack (0: one clean column per attack; 1: a new column every row).
    pub messiness: f64,
}

impl Default for VersusRules {
    fn default() -> VersusRules {
        VersusRules {
            countering: true,
            garbage_delay: 1,
            garbage_cap: 8,
            messiness: 0.0,
        }
    }
}

/// One of the two sides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Side {
    /// The first player.
    Left,
    /// The second player.
    Right,
}

impl Side {
    /// Both sides, left first.
    pub const BOTH: [Side; 2] = [Side::Left, Side::Right];

    /// The other side.
    pub fn other(self) -> Side {
        match self {
            Side::Left => Side::Right,
            Side::Right => Side::Left,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Garbage sent by one attack, waiting for its receiver.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    /// Rows still to land.
    pub lines: u32,
    /// Receiver locks left before it may land.
    pub wait: u32,
    /// Its gap columns, bottom row first, one per row sent (those landed are gone).
    gaps: VecDeque<usize>,
}

/// Running totals of one side's garbage, in rows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GarbageTotals {
    /// Attack its locks made, before countering.
    pub attack: u64,
    /// Of that, rows it cancelled of the garbage waiting for it.
    pub cancelled: u64,
    /// Of that, rows it sent to the other side.
    pub sent: u64,
    /// Rows that landed on its board.
    pub landed: u64,
    /// Pieces it placed.
    pub pieces: u64,
}

/// What one lock did in a match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VersusOutcome {
    /// What it did to its own game.
    pub outcome: PlaceOutcome,
    /// Its attack by the versus table.
    pub attack: u32,
    /// Rows of it that cancelled garbage waiting for this side.
    pub cancelled: u32,
    /// Rows of it sent on to the other side.
    pub sent: u32,
    /// Garbage rows that landed on this side's board after the lock.
    pub landed: u32,
    /// Set when the match is over: the side that won.
    pub winner: Option<Side>,
}

/// A match in progress.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Versus {
    rules: VersusRules,
    games: [Game; 2],
    /// Garbage waiting for each side, oldest first.
    pending: [VecDeque<Pending>; 2],
    totals: [GarbageTotals; 2],
    /// The gap column of the last garbage row made (a new attack's column differs from it).
    last_gap: Option<usize>,
    rng: ChaCha8Rng,
    winner: Option<Side>,
}

impl Versus {
    /// A match from `seed`: both games deal the same pieces; the garbage gaps follow `seed`
    /// too.
    pub fn new(seed: u64, rules: VersusRules) -> Versus {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let pieces: u64 = rng.random();
        Versus {
            rules,
            games: [Game::new(pieces), Game::new(pieces)],
            pending: [VecDeque::new(), VecDeque::new()],
            totals: [GarbageTotals::default(); 2],
            last_gap: None,
            rng,
            winner: None,
        }
    }

    /// Puts `game` in play for `side` in place of its game (a frontend's own position, or a
    /// prepared one in a test); what waits for it stays.
    pub fn set_game(&mut self, side: Side, game: Game) {
        self.games[side.index()] = game;
    }

    /// The rules it plays by.
    pub fn rules(&self) -> &VersusRules {
        &self.rules
    }

    /// The game of `side`.
    pub fn game(&self, side: Side) -> &Game {
        &self.games[side.index()]
    }

    /// Garbage waiting for `side`, oldest first.
    pub fn pending(&self, side: Side) -> impl Iterator<Item = &Pending> + '_ {
        self.pending[side.index()].iter()
    }

    /// Rows of garbage waiting for `side` (its meter).
    pub fn pending_lines(&self, side: Side) -> u32 {
        self.pending[side.index()].iter().map(|p| p.lines).sum()
    }

    /// Running totals of `side`'s garbage.
    pub fn totals(&self, side: Side) -> GarbageTotals {
        self.totals[side.index()]
    }

    /// The winner, once the match is over.
    pub fn winner(&self) -> Option<Side> {
        self.winner
    }

    /// The side that loses by giving up or breaking the rules (a bot that crashed, answered
    /// too late or sent an illegal move): the other side wins. No effect once it is over.
    pub fn forfeit(&mut self, side: Side) {
        self.winner.get_or_insert(side.other());
    }

    /// `side` makes placement `p` (one of its game's placements): the lock scores and attacks,
    /// the attack counters what waits for `side` and the rest is sent on, then, when the lock
    /// cleared nothing, ready garbage lands on `side`'s board.
    pub fn place(&mut self, side: Side, p: &Placement) -> Result<VersusOutcome, GameError> {
        if self.winner.is_some() {
            return Err(GameError::GameOver);
        }
        let me = side.index();
        let outcome = self.games[me].place(p)?;
        let attack = outcome.attack();
        let totals = &mut self.totals[me];
        totals.pieces += 1;
        totals.attack += u64::from(attack);
        let cancelled = if self.rules.countering {
            cancel(&mut self.pending[me], attack)
        } else {
            0
        };
        let sent = attack - cancelled;
        self.totals[me].cancelled += u64::from(cancelled);
        self.totals[me].sent += u64::from(sent);
        if sent > 0 {
            let gaps = self.gaps(sent);
            self.pending[side.other().index()].push_back(Pending {
                lines: sent,
                wait: self.rules.garbage_delay,
                gaps,
            });
        }
        let mut landed = 0;
        if self.games[me].is_over() {
            self.winner = Some(side.other());
        } else {
            if outcome.lines == 0 {
                landed = self.land(side);
            }
            for p in &mut self.pending[me] {
                p.wait = p.wait.saturating_sub(1);
            }
            if self.games[me].is_over() {
                self.winner = Some(side.other());
            }
        }
        Ok(VersusOutcome {
            outcome,
            attack,
            cancelled,
            sent,
            landed,
            winner: self.winner,
        })
    }

    /// The gap columns of an attack of `lines` rows (see [`gaps`]).
    fn gaps(&mut self, lines: u32) -> VecDeque<usize> {
        gaps(
            &mut self.rng,
            &mut self.last_gap,
            self.rules.messiness,
            lines,
        )
    }

    /// Lands ready garbage on `side`, oldest first, up to the cap; returns the rows landed.
    fn land(&mut self, side: Side) -> u32 {
        let me = side.index();
        let landed = land(
            &mut self.pending[me],
            &mut self.games[me],
            self.rules.garbage_cap,
        );
        self.totals[me].landed += u64::from(landed);
        landed
    }
}

/// The gap columns of an attack of `lines` rows: a new column (not `last_gap`) for its first
/// row, then each row moves with probability `messiness`; `last_gap` becomes its last.
fn gaps(
    rng: &mut ChaCha8Rng,
    last_gap: &mut Option<usize>,
    messiness: f64,
    lines: u32,
) -> VecDeque<usize> {
    let mut out = VecDeque::with_capacity(lines as usize);
    let mut gap = new_column(rng, *last_gap);
    for _ in 0..lines {
        out.push_back(gap);
        if messiness > 0.0 && rng.random::<f64>() < messiness {
            gap = new_column(rng, Some(gap));
        }
    }
    *last_gap = out.back().copied();
    out
}

/// A column other than `not` (any when None), uniformly.
fn new_column(rng: &mut ChaCha8Rng, not: Option<usize>) -> usize {
    match not {
        Some(n) => (n + rng.random_range(1..WIDTH)) % WIDTH,
        None => rng.random_range(0..WIDTH),
    }
}

/// Lands the ready garbage of `pending` on `game`, oldest first, at most `cap` rows; returns
/// the rows landed.
fn land(pending: &mut VecDeque<Pending>, game: &mut Game, cap: u32) -> u32 {
    let mut budget = cap;
    // Oldest attack first; each attack's rows bottom first.
    let mut attacks: Vec<Vec<usize>> = Vec::new();
    while budget > 0 {
        let Some(first) = pending.front_mut() else {
            break;
        };
        if first.wait > 0 {
            break;
        }
        let take = first.lines.min(budget);
        attacks.push(first.gaps.drain(..take as usize).collect());
        first.lines -= take;
        budget -= take;
        if first.lines == 0 {
            pending.pop_front();
        }
    }
    // An older attack rose first: it ends above a newer one.
    let rows: Vec<usize> = attacks.into_iter().rev().flatten().collect();
    game.receive_garbage(&rows);
    rows.len() as u32
}

/// Cancels up to `attack` rows of `pending`, oldest first; returns the rows cancelled.
fn cancel(pending: &mut VecDeque<Pending>, attack: u32) -> u32 {
    let mut left = attack;
    while left > 0 {
        let Some(first) = pending.front_mut() else {
            break;
        };
        let take = first.lines.min(left);
        first.lines -= take;
        // The rows cancelled are the ones that would have landed last (the top of the attack).
        first.gaps.truncate(first.lines as usize);
        left -= take;
        if first.lines == 0 {
            pending.pop_front();
        }
    }
    attack - left
}

/// Garbage from an opponent made up for training a solo game: after each of the game's locks,
/// with probability `chance`, an attack of 1 to `max_attack` rows (uniformly) is sent; it waits,
/// is countered and lands by `rules`, as a real opponent's would. The default sends nothing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GarbageSchedule {
    /// The chance, 0 to 1, that an attack comes after a lock (0: no garbage).
    pub chance: f64,
    /// The largest attack, in rows.
    pub max_attack: u32,
    /// How it waits, counters and lands.
    pub rules: VersusRules,
}

impl Default for GarbageSchedule {
    fn default() -> GarbageSchedule {
        GarbageSchedule {
            chance: 0.0,
            max_attack: 4,
            rules: VersusRules::default(),
        }
    }
}

impl GarbageSchedule {
    /// Whether it sends anything.
    pub fn is_on(&self) -> bool {
        self.chance > 0.0
    }

    /// Rows it sends per lock on average.
    pub fn rows_per_lock(&self) -> f64 {
        self.chance * f64::from(self.max_attack + 1) / 2.0
    }
}

/// The garbage coming to one game from a [`GarbageSchedule`], seeded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Incoming {
    schedule: GarbageSchedule,
    pending: VecDeque<Pending>,
    last_gap: Option<usize>,
    rng: ChaCha8Rng,
    totals: GarbageTotals,
}

impl Incoming {
    /// Garbage by `schedule`, its attacks and gaps drawn from `seed`.
    pub fn new(seed: u64, schedule: GarbageSchedule) -> Incoming {
        Incoming {
            schedule,
            pending: VecDeque::new(),
            last_gap: None,
            rng: ChaCha8Rng::seed_from_u64(seed),
            totals: GarbageTotals::default(),
        }
    }

    /// Rows waiting to land.
    pub fn pending_lines(&self) -> u32 {
        self.pending.iter().map(|p| p.lines).sum()
    }

    /// Running totals: the game's attack, what of it cancelled garbage, what landed.
    pub fn totals(&self) -> GarbageTotals {
        self.totals
    }

    /// After a lock of `game` that did `outcome`: its attack counters what waits (when the
    /// rules counter), ready garbage lands when it cleared nothing, the waits tick, and a new
    /// attack may come. Returns the rows that landed (the game may have ended by them).
    pub fn after_lock(&mut self, game: &mut Game, outcome: &PlaceOutcome) -> u32 {
        let rules = &self.schedule.rules;
        let attack = outcome.attack();
        self.totals.pieces += 1;
        self.totals.attack += u64::from(attack);
        let cancelled = if rules.countering {
            cancel(&mut self.pending, attack)
        } else {
            0
        };
        self.totals.cancelled += u64::from(cancelled);
        self.totals.sent += u64::from(attack - cancelled);
        if game.is_over() {
            return 0;
        }
        let landed = if outcome.lines == 0 {
            land(&mut self.pending, game, rules.garbage_cap)
        } else {
            0
        };
        self.totals.landed += u64::from(landed);
        for p in &mut self.pending {
            p.wait = p.wait.saturating_sub(1);
        }
        if self.rng.random::<f64>() < self.schedule.chance {
            let lines = self.rng.random_range(1..=self.schedule.max_attack.max(1));
            let gaps = gaps(&mut self.rng, &mut self.last_gap, rules.messiness, lines);
            self.pending.push_back(Pending {
                lines,
                wait: rules.garbage_delay,
                gaps,
            });
        }
        landed
    }
}
