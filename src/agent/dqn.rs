//! The whole DQN, top to bottom, as CleanRL's `dqn.py` reads: the settings it uses, scoring
//! the candidate placements, epsilon-greedy acting, remembering transitions, the learning step
//! (sample, TD target, Huber loss, clipped Adam) and the target sync. Games, counters and
//! files are the trainer's business (`training`); this file is the algorithm.
//!
//! The agent values afterstates, the board after a placement: a placement scores
//! `Q = reward + gamma x V(afterstate)`, with no V term when it ends the game.
//!
//! The TD target, exactly: a transition `(s, r', done', s')` teaches V(s) for the afterstate s
//! of a placement that was played. `r'`, `done'` and `s'` belong to the *next* position's
//! greedy placement, as the online network chose it when that position was played; the choice
//! is frozen in the replay ring and may be up to `replay_capacity` steps old when it is learnt
//! from. The target network then values it: `target = r' + gamma x (1 - done') x
//! V_target(s')`. That is one-step afterstate TD with a target network and a successor fixed at
//! play time; it is not Double DQN, which would pick the successor again, with the current
//! online network, at learning time.

mod deep;

use std::path::Path;

use rand::Rng;
use tch::nn::{self, Module};
use tch::{Reduction, Tensor};

use super::adam::Adam;
use super::device::Device;
use super::network::{self, ValueNet};
use super::observation::Encoding;
use super::plain_mlp::PlainMlp;
use super::replay::{Batch, ReplayBuffer};
use super::safetensors;
use super::{AgentError, MODEL_FILE, OPTIMIZER_FILE, TARGET_FILE};
use crate::config::{Config, Epsilon, Reward, TSD_SLOTS_COUNTED};
use crate::game::{Board, Game, NEXT_VISIBLE, Piece, PlaceOutcome, Placement, tsd_slots};

/// The hyperparameters the algorithm uses, taken from the config once.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// Discount of the next afterstate's value.
    pub gamma: f64,
    /// What each placement earns.
    pub reward: Reward,
    /// Whether the hold piece's placements are candidates too.
    pub use_hold: bool,
    /// Exploration: epsilon falls linearly with the steps made.
    pub epsilon: Epsilon,
    /// Transitions per learning step.
    pub batch_size: usize,
    /// Steps before learning starts.
    pub learning_starts: u64,
    /// Learn once every this many steps.
    pub train_every: u64,
    /// Copy the network into the target network every this many steps.
    pub target_update_every: u64,
    /// Huber loss threshold.
    pub huber_delta: f64,
    /// Largest gradient L2 norm (0: no clipping).
    pub grad_clip: f64,
}

impl Settings {
    /// The settings of `config`.
    pub fn of(config: &Config) -> Settings {
        Settings {
            gamma: config.gamma,
            reward: config.reward.clone(),
            use_hold: config.use_hold,
            epsilon: config.epsilon.clone(),
            batch_size: config.batch_size as usize,
            learning_starts: config.learning_starts,
            train_every: config.train_every,
            target_update_every: config.target_update_every,
            huber_delta: config.huber_delta,
            grad_clip: config.grad_clip,
        }
    }
}

/// Epsilon at `step`: `start` falling linearly to `end` over `decay_steps`, then `end`
/// (CleanRL's `linear_schedule`).
pub fn epsilon_at(schedule: &Epsilon, step: u64) -> f64 {
    if schedule.decay_steps == 0 || step >= schedule.decay_steps {
        return schedule.end;
    }
    let t = step as f64 / schedule.decay_steps as f64;
    schedule.start + (schedule.end - schedule.start) * t
}

/// The reward `reward` gives a placement with this outcome.
pub fn reward_of(reward: &Reward, outcome: &PlaceOutcome) -> f32 {
    let mut r = reward.lines[outcome.lines.min(4) as usize]
        + reward.points * outcome.points as f32
        + reward.attack * outcome.attack() as f32;
    if outcome.top_out.is_some() {
        r += reward.game_over;
    } else {
        r += reward.survival;
    }
    r
}

/// The T-slot potential of `board` before [`Reward::tsd_slot`]'s weight: its T-spin double
/// slots, at most [`TSD_SLOTS_COUNTED`].
fn slot_potential(board: &Board) -> f32 {
    tsd_slots(board).min(TSD_SLOTS_COUNTED) as f32
}

/// What [`Agent::act`] chose.
#[derive(Clone, Copy, Debug)]
pub struct Action {
    /// The placement to make.
    pub placement: Placement,
    /// Whether it was a random choice other than the greedy one.
    pub explored: bool,
    /// Its index among the candidates just scored (of every position scored together).
    candidate: usize,
}

/// What a player knows of the pieces to come. A frontend's queue may be shorter than the
/// engine's (which deals on from a bag of its own): what lies past it must not be looked at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Foresight {
    /// Pieces known after the current one.
    pub known_next: usize,
    /// The pieces the 7-bag may deal right after the known ones (empty: not known).
    pub bag: Vec<Piece>,
}

impl Foresight {
    /// Every piece the game holds is known, the engine's queue beyond the preview included.
    pub const ALL: Foresight = Foresight {
        known_next: usize::MAX,
        bag: Vec::new(),
    };
    /// What a player of our own games sees (eval, watch, versus, the hint): the current
    /// piece, hold and the [`NEXT_VISIBLE`] previews, no further.
    pub const VISIBLE: Foresight = Foresight {
        known_next: NEXT_VISIBLE,
        bag: Vec::new(),
    };
}

/// The value network, its target network, Adam, the replay ring and the buffers one step
/// reuses.
#[derive(Debug)]
pub struct Agent {
    settings: Settings,
    device: Device,
    encoding: Encoding,
    online_vs: nn::VarStore,
    online: ValueNet,
    target_vs: nn::VarStore,
    target: ValueNet,
    adam: Adam,
    replay: ReplayBuffer,
    candidates: Candidates,
    /// The network copied into plain Rust for scoring, when it is an MLP on the CPU (None:
    /// scoring goes through libtorch).
    plain: Option<PlainMlp>,
    /// The network has learnt since `plain` was copied from it.
    plain_stale: bool,
    batch: Batch,
    /// How many of the best placements [`Agent::choose`] plays further (0: none), and the
    /// width of the deeper search's beam.
    lookahead: usize,
    /// How many pieces further the lookahead plays (1: the next).
    depth: usize,
    /// Afterstates valued by the last [`Agent::rank`] (both plies).
    scored: usize,
}

impl Agent {
    /// A fresh agent for `config` on `device`, its weights drawn from `rng`, learning into
    /// `replay`; the target network starts as a copy.
    pub fn new(
        config: &Config,
        device: Device,
        rng: &mut impl Rng,
        mut replay: ReplayBuffer,
    ) -> Agent {
        replay.keep_game_overs(config.replay_keep_game_overs as usize);
        let online_vs = nn::VarStore::new(device.tch());
        let online = ValueNet::new(&online_vs.root(), &config.network);
        network::init_from_rng(&online_vs, rng);
        let mut target_vs = nn::VarStore::new(device.tch());
        let target = ValueNet::new(&target_vs.root(), &config.network);
        target_vs
            .copy(&online_vs)
            .expect("two var stores of one network have the same variables");
        target_vs.freeze();
        let adam = Adam::new(&online_vs, config.learning_rate);
        let plain = PlainMlp::of(&online);
        Agent {
            settings: Settings::of(config),
            device,
            encoding: Encoding::for_network(&config.network),
            online_vs,
            online,
            target_vs,
            target,
            adam,
            replay,
            candidates: Candidates::default(),
            plain,
            plain_stale: false,
            batch: Batch::default(),
            lookahead: 0,
            depth: 1,
            scored: 0,
        }
    }

    // 1. Scoring: every candidate placement, of every game played together, in one batched
    //    forward pass.

    /// V of each afterstate in `obs` (rows of `encoding().len()` floats), through libtorch.
    pub fn values(&self, obs: &[f32]) -> Vec<f32> {
        let n = (obs.len() / self.encoding.len()) as i64;
        if n == 0 {
            return vec![];
        }
        tch::no_grad(|| {
            let x = Tensor::from_slice(obs)
                .view([n, self.encoding.len() as i64])
                .to_device(self.device.tch());
            let v = self.online.forward(&x).to_device(tch::Device::Cpu);
            Vec::<f32>::try_from(&v).expect("a float vector")
        })
    }

    /// Whether scoring runs the network in plain Rust (an MLP on the CPU) rather than through
    /// libtorch.
    pub fn scores_in_plain_rust(&self) -> bool {
        self.plain.is_some()
    }

    /// Scores through libtorch even where plain Rust could (`false`), or in plain Rust again
    /// where it can (`true`): for measuring the two side by side.
    pub fn set_plain_scoring(&mut self, on: bool) {
        self.plain = if on { PlainMlp::of(&self.online) } else { None };
        self.plain_stale = false;
    }

    /// Values every candidate listed in `self.candidates`: `Q = reward + gamma x V`, with no
    /// V term when the placement ends the game.
    fn value_candidates(&mut self) {
        let c = &mut self.candidates;
        self.scored += c.placements.len();
        match &mut self.plain {
            Some(plain) => {
                if self.plain_stale {
                    plain.copy_from(&self.online);
                    self.plain_stale = false;
                }
                plain.forward(&c.obs, &mut c.values);
            }
            None => {
                let values = self.values(&self.candidates.obs);
                self.candidates.values = values;
            }
        }
        let gamma = self.settings.gamma as f32;
        let c = &mut self.candidates;
        c.q.clear();
        c.q.extend(
            c.values
                .iter()
                .zip(&c.rewards)
                .zip(&c.dones)
                .map(|((v, r), &done)| if done { *r } else { r + gamma * v }),
        );
    }

    /// Scores the candidates of `game` (`Q = reward + gamma x V`, no V term when done) and
    /// returns the index of the best (the first of equals), or None when there is none.
    fn score(&mut self, game: &Game) -> Option<usize> {
        self.score_with(game, self.settings.use_hold)
    }

    /// [`Agent::score`], with the hold piece's placements only when `use_hold`.
    fn score_with(&mut self, game: &Game, use_hold: bool) -> Option<usize> {
        let gamma = self.settings.gamma as f32;
        let c = &mut self.candidates;
        c.clear(self.encoding);
        c.add(game, &self.settings.reward, gamma, use_hold);
        self.value_candidates();
        self.candidates.best(0)
    }

    /// The greedy placement in `game` (what eval, watch and the hint play), or None when the
    /// game is over. With a [lookahead](Agent::set_lookahead) it is the best after looking
    /// further, over the pieces a player sees ([`Foresight::VISIBLE`]).
    pub fn choose(&mut self, game: &Game) -> Option<Placement> {
        if self.lookahead == 0 {
            self.scored = 0;
            return self.score(game).map(|i| self.candidates.placements[i]);
        }
        self.rank(game, &Foresight::VISIBLE, 1)
            .first()
            .map(|&(p, _)| p)
    }

    /// Makes [`Agent::choose`], [`Agent::rank`] and a greedy [`Agent::act`] look one piece
    /// ahead: the `beam` best placements by Q are each played out and valued `reward + gamma x`
    /// the best Q of the position that follows (its piece is the queue's next, hold included),
    /// what a player's glance at the preview adds. 0 (an agent's start) turns it off: the
    /// one-placement argmax that training acts by.
    pub fn set_lookahead(&mut self, beam: usize) {
        self.lookahead = beam;
    }

    /// How many placements are looked at further (0: none).
    pub fn lookahead(&self) -> usize {
        self.lookahead
    }

    /// Makes the lookahead play `depth` pieces further (at least 1, the next piece: the
    /// default) where the queue knows them: a beam search of the lookahead's width over the
    /// known pieces, the network valuing where it stops ([`deep`]'s text).
    pub fn set_depth(&mut self, depth: usize) {
        self.depth = depth.max(1);
    }

    /// How many pieces further the lookahead plays.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Up to `n` placements of `game`, best first, with their values (ties keep the search's
    /// order, so the first is [`Agent::choose`]'s). With a lookahead the beam comes first,
    /// valued [depth](Agent::set_depth) pieces further, then the rest by Q. Only pieces
    /// `foresight` knows are looked at: hold's placements are candidates when the settings allow it and hold's piece is
    /// known; a beam placement whose next piece is not known is valued over the pieces the
    /// 7-bag may deal (their mean), or, with no bag known, by its Q alone.
    pub fn rank(&mut self, game: &Game, foresight: &Foresight, n: usize) -> Vec<(Placement, f32)> {
        self.scored = 0;
        let hold_known = game.hold().is_some() || foresight.known_next >= 1;
        if self
            .score_with(game, self.settings.use_hold && hold_known)
            .is_none()
        {
            return vec![];
        }
        let c = &self.candidates;
        let mut order: Vec<usize> = (0..c.placements.len()).collect();
        order.sort_by(|&a, &b| c.q[b].total_cmp(&c.q[a]).then(a.cmp(&b)));
        let mut ranked: Vec<(Placement, f32)> =
            order.iter().map(|&i| (c.placements[i], c.q[i])).collect();
        if self.lookahead > 0 {
            let beam = self.lookahead.min(ranked.len());
            let roots: Vec<(Placement, f32, bool)> = order[..beam]
                .iter()
                .map(|&i| (c.placements[i], c.rewards[i], c.dones[i]))
                .collect();
            let values = self.value_deep(game, &roots, foresight, self.depth);
            for (slot, value) in values.into_iter().enumerate() {
                if let Some(v) = value {
                    ranked[slot].1 = v;
                }
            }
            // Stable: equal values keep the one-placement order.
            ranked[..beam].sort_by(|a, b| b.1.total_cmp(&a.1));
        }
        ranked.truncate(n);
        ranked
    }

    /// The best Q of `position`, whose pieces after the current one are known `known_after`
    /// deep (hold's placements only when its piece is known); a position with no placement is
    /// lost: the game-over reward.
    fn best_value(&mut self, position: &Game, known_after: usize) -> f32 {
        let hold = self.settings.use_hold && (position.hold().is_some() || known_after >= 1);
        match self.score_with(position, hold) {
            Some(i) => self.candidates.q[i],
            None => self.settings.reward.game_over,
        }
    }

    /// Afterstates valued by the last [`Agent::rank`] or [`Agent::choose`], the lookahead's
    /// included.
    pub fn candidates_scored(&self) -> usize {
        self.scored
    }

    // 2. Acting, epsilon-greedy, and 3. remembering.

    /// Scores `game`, turns the afterstate `pending` from the previous step into a transition
    /// (see [`Agent::remember`]), and picks a placement: a uniformly random candidate with
    /// probability `epsilon` (one draw from `rng` either way, a second when exploring), else
    /// the greedy one. None when the game is over.
    pub fn act(
        &mut self,
        game: &Game,
        pending: &mut Option<Vec<f32>>,
        epsilon: f64,
        rng: &mut impl Rng,
    ) -> Option<Action> {
        self.act_all(&[game], std::slice::from_mut(pending), epsilon, rng)
            .pop()
            .flatten()
    }

    /// [`Agent::act`] for several games at once: the candidates of all of them are scored in
    /// one forward pass, then each game in turn remembers its pending afterstate and draws
    /// from `rng` as `act` does. One action per game (None for a game that is over). With a
    /// [lookahead](Agent::set_lookahead), which scores other positions, only one game.
    pub fn act_all(
        &mut self,
        games: &[&Game],
        pending: &mut [Option<Vec<f32>>],
        epsilon: f64,
        rng: &mut impl Rng,
    ) -> Vec<Option<Action>> {
        assert_eq!(
            games.len(),
            pending.len(),
            "one pending afterstate per game"
        );
        assert!(
            self.lookahead == 0 || games.len() <= 1,
            "looking ahead scores one game at a time"
        );
        self.scored = 0;
        let gamma = self.settings.gamma as f32;
        let c = &mut self.candidates;
        c.clear(self.encoding);
        for game in games {
            c.add(game, &self.settings.reward, gamma, self.settings.use_hold);
        }
        self.value_candidates();
        let mut actions = Vec::with_capacity(games.len());
        for (k, (game, pending)) in games.iter().zip(pending).enumerate() {
            let Some(greedy) = self.candidates.best(k) else {
                actions.push(None);
                continue;
            };
            self.remember(pending.take(), greedy);
            let explore = rng.random::<f64>() < epsilon;
            let own = self.candidates.of(k);
            let candidate = if explore {
                own.start + rng.random_range(0..own.len())
            } else if self.lookahead > 0 {
                // Watching with a lookahead: its choice, found again among the candidates of
                // `game` (looking ahead scored other positions).
                let (chosen, _) = self.rank(game, &Foresight::VISIBLE, 1)[0];
                self.score(game);
                self.candidates
                    .placements
                    .iter()
                    .position(|p| *p == chosen)
                    .expect("the lookahead chooses among the candidates")
            } else {
                greedy
            };
            actions.push(Some(Action {
                placement: self.candidates.placements[candidate],
                explored: explore && candidate != greedy,
                candidate,
            }));
        }
        actions
    }

    /// The key rule of the transitions: the afterstate played last step is stored with the
    /// reward, done flag and afterstate of *this* position's greedy placement (not of the
    /// placement actually played next, which may be exploratory). Nothing is stored when
    /// there is nothing pending (the first step of a game, or watching).
    fn remember(&mut self, pending: Option<Vec<f32>>, greedy: usize) {
        if let Some(prev) = pending {
            let c = &self.candidates;
            self.replay
                .push(&prev, c.rewards[greedy], c.obs_of(greedy), c.dones[greedy]);
        }
    }

    /// Remembers that the game ended after `action` though the placement itself did not end
    /// it (garbage pushed the stack out): its afterstate leads to the end, with the game-over
    /// reward.
    pub fn remember_end(&mut self, action: &Action) {
        let obs = self.candidates.obs_of(action.candidate).to_vec();
        let reward = self.settings.reward.game_over;
        self.replay.push(&obs, reward, &obs, true);
    }

    /// The afterstate of `action`, to be remembered next step (when the game goes on).
    pub fn afterstate_of(&self, action: &Action) -> Vec<f32> {
        self.candidates.obs_of(action.candidate).to_vec()
    }

    // 4. Learning and 5. the target sync.

    /// After step number `steps`: learns from one sampled batch when it is time (past
    /// `learning_starts`, every `train_every` steps, with a batch's worth in the ring) and
    /// returns its loss; copies the network into the target network every
    /// `target_update_every` steps.
    pub fn learn(&mut self, steps: u64, rng: &mut impl Rng) -> Option<f32> {
        let s = &self.settings;
        let loss = (steps >= s.learning_starts
            && steps.is_multiple_of(s.train_every)
            && self.replay.len() >= s.batch_size)
            .then(|| {
                self.replay
                    .sample_into(self.settings.batch_size, rng, &mut self.batch);
                self.td_update()
            });
        if steps.is_multiple_of(self.settings.target_update_every) {
            self.sync_target();
        }
        loss
    }

    /// One gradient step on `self.batch`: the TD target (no bootstrapping past game over),
    /// Huber loss, Adam with clipped gradients. Returns the loss before the step.
    fn td_update(&mut self) -> f32 {
        let batch = &self.batch;
        let n = batch.len() as i64;
        let width = self.encoding.len() as i64;
        let to = |v: &[f32]| Tensor::from_slice(v).to_device(self.device.tch());
        let obs = to(&batch.obs).view([n, width]);
        let next_obs = to(&batch.next_obs).view([n, width]);
        let reward = to(&batch.reward);
        let done = to(&batch.done);
        let target = tch::no_grad(|| {
            let next_v = self.target.forward(&next_obs);
            reward + (1.0 - done) * next_v * self.settings.gamma
        });
        let v = self.online.forward(&obs);
        let loss = v.huber_loss(&target, Reduction::Mean, self.settings.huber_delta);
        self.adam.zero_grad();
        loss.backward();
        self.adam.step(self.settings.grad_clip);
        self.plain_stale = true;
        f32::try_from(&loss).unwrap_or(f32::NAN)
    }

    /// Copies the network into the target network.
    pub fn sync_target(&mut self) {
        self.target_vs
            .copy(&self.online_vs)
            .expect("two var stores of one network have the same variables");
    }

    // Bookkeeping for the trainer and checkpoints.

    /// The settings it plays and learns by.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// How this agent encodes afterstates.
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// The device it runs on.
    pub fn device(&self) -> Device {
        self.device
    }

    /// The replay ring.
    pub fn replay(&self) -> &ReplayBuffer {
        &self.replay
    }

    /// Writes the network, and with `full` the target network and the optimizer, into `dir`.
    pub fn save(&self, dir: &Path, full: bool) -> Result<(), AgentError> {
        safetensors::write(&dir.join(MODEL_FILE), &safetensors::named(&self.online_vs))?;
        if full {
            safetensors::write(&dir.join(TARGET_FILE), &safetensors::named(&self.target_vs))?;
            safetensors::write(&dir.join(OPTIMIZER_FILE), &self.adam.state())?;
        }
        Ok(())
    }

    /// Reads the network from `dir` and, with `full`, the target network and the optimizer;
    /// without `full` the target network becomes a copy of the network. Every tensor's name
    /// and shape is checked against this agent's network.
    pub fn load(&mut self, dir: &Path, full: bool) -> Result<(), AgentError> {
        safetensors::load_into(&self.online_vs, &dir.join(MODEL_FILE))?;
        if full {
            safetensors::load_into(&self.target_vs, &dir.join(TARGET_FILE))?;
            let path = dir.join(OPTIMIZER_FILE);
            let saved = safetensors::read(&path)?;
            self.adam
                .load_state(&saved)
                .map_err(|what| AgentError::Corrupt { path, what })?;
        } else {
            self.sync_target();
        }
        self.plain_stale = true;
        Ok(())
    }

    /// The network's weights by name, as plain floats (for tests and digests).
    pub fn weights(&self) -> Vec<(String, Vec<f32>)> {
        safetensors::named(&self.online_vs)
            .into_iter()
            .map(|(n, t)| {
                let flat = t.flatten(0, -1).to_device(tch::Device::Cpu);
                (n, Vec::<f32>::try_from(&flat).expect("float weights"))
            })
            .collect()
    }
}

/// The candidates of one or more positions, with their encodings, rewards and values;
/// buffers are reused from step to step.
#[derive(Debug, Default)]
struct Candidates {
    /// Every placement (current piece, and hold's when enabled) of every position, position
    /// by position.
    placements: Vec<Placement>,
    /// Position `k`'s candidates are `starts[k]..starts[k + 1]`.
    starts: Vec<usize>,
    /// Row `i` encodes the afterstate of placement `i`.
    obs: Vec<f32>,
    /// Reward of each placement.
    rewards: Vec<f32>,
    /// Whether each placement ends the game.
    dones: Vec<bool>,
    /// V(afterstate) of each placement.
    values: Vec<f32>,
    /// reward + gamma x V(afterstate) (V omitted when done).
    q: Vec<f32>,
    /// One position's placements, as the search lists them.
    found: Vec<Placement>,
    encoding: Option<Encoding>,
}

impl Candidates {
    /// Forgets every position; the next ones are encoded with `encoding`.
    fn clear(&mut self, encoding: Encoding) {
        self.encoding = Some(encoding);
        self.placements.clear();
        self.starts.clear();
        self.starts.push(0);
        self.obs.clear();
        self.rewards.clear();
        self.dones.clear();
        self.values.clear();
        self.q.clear();
    }

    /// Lists the placements of `game` after those already listed, with their encodings,
    /// rewards (the T-slot shaping included, discounted by `gamma`) and done flags.
    fn add(&mut self, game: &Game, reward: &Reward, gamma: f32, use_hold: bool) {
        let encoding = self.encoding.expect("cleared before positions are added");
        game.placements_into(&mut self.found, use_hold);
        let shaping = reward.tsd_slot != 0.0;
        let before = if shaping {
            slot_potential(game.board())
        } else {
            0.0
        };
        for p in &self.found {
            let preview = game
                .preview(p)
                .expect("the search's placements are legal in their game");
            encoding.encode(&preview, &mut self.obs);
            let done = preview.outcome.top_out.is_some();
            let mut r = reward_of(reward, &preview.outcome);
            if shaping {
                let after = if done {
                    0.0
                } else {
                    slot_potential(&preview.afterstate.board)
                };
                r += reward.tsd_slot * (gamma * after - before);
            }
            self.rewards.push(r);
            self.dones.push(done);
        }
        self.placements.extend_from_slice(&self.found);
        self.starts.push(self.placements.len());
    }

    /// The candidates of position `k`.
    fn of(&self, k: usize) -> std::ops::Range<usize> {
        self.starts[k]..self.starts[k + 1]
    }

    /// The best candidate of position `k` by Q (the first of equals), once valued; None when
    /// it has none.
    fn best(&self, k: usize) -> Option<usize> {
        let own = self.of(k);
        let mut best = own.start;
        for i in own.clone() {
            if self.q[i] > self.q[best] {
                best = i;
            }
        }
        (!own.is_empty()).then_some(best)
    }

    /// The encoding of candidate `i`.
    fn obs_of(&self, i: usize) -> &[f32] {
        let len = self.encoding.map_or(0, Encoding::len);
        &self.obs[i * len..(i + 1) * len]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Network;
    use crate::game::{TSpin, TopOut};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    /// Inputs per afterstate of the tiny config's network (features and context).
    const W: usize = crate::game::NUM_FEATURES + crate::agent::observation::CONTEXT_LEN;

    /// The learner's tiny config, with a gamma whose effect on the TD target is easy to see.
    fn tiny() -> Config {
        Config {
            gamma: 0.5,
            ..crate::training::learner::tests::tiny_config()
        }
    }

    fn agent(config: &Config, seed: u64) -> Agent {
        let replay = ReplayBuffer::new(64, Encoding::for_network(&config.network).len());
        Agent::new(
            config,
            Device::CPU,
            &mut ChaCha8Rng::seed_from_u64(seed),
            replay,
        )
    }

    /// Fills the agent's batch with `n` copies of one transition and makes one update.
    fn update(a: &mut Agent, done: f32) -> f32 {
        let n = 4;
        a.batch = Batch {
            obs: vec![0.1; n * W],
            next_obs: vec![0.3; n * W],
            reward: vec![2.0; n],
            done: vec![done; n],
        };
        a.td_update()
    }

    #[test]
    fn falls_linearly_then_stays() {
        let s = Epsilon {
            start: 1.0,
            end: 0.1,
            decay_steps: 100,
        };
        assert_eq!(epsilon_at(&s, 0), 1.0);
        assert!((epsilon_at(&s, 50) - 0.55).abs() < 1e-12);
        assert!((epsilon_at(&s, 99) - 0.109).abs() < 1e-12);
        assert_eq!(epsilon_at(&s, 100), 0.1);
        assert_eq!(epsilon_at(&s, 1_000_000), 0.1);
        let instant = Epsilon {
            decay_steps: 0,
            ..s
        };
        assert_eq!(epsilon_at(&instant, 0), 0.1);
    }

    fn outcome(lines: u32, points: u32, top_out: bool) -> PlaceOutcome {
        PlaceOutcome {
            lines,
            cleared_rows: 0,
            points,
            tspin: TSpin::None,
            back_to_back: false,
            combo: -1,
            perfect_clear: false,
            top_out: top_out.then_some(TopOut::BlockOut),
        }
    }

    #[test]
    fn rewards_follow_the_config() {
        let r = Reward {
            survival: 1.0,
            lines: vec![0.0, 10.0, 40.0, 90.0, 160.0],
            points: 0.01,
            game_over: -20.0,
            attack: 0.0,
            tsd_slot: 0.0,
        };
        assert_eq!(reward_of(&r, &outcome(0, 0, false)), 1.0);
        assert_eq!(reward_of(&r, &outcome(4, 800, false)), 1.0 + 160.0 + 8.0);
        assert_eq!(reward_of(&r, &outcome(0, 0, true)), -20.0);
        assert_eq!(reward_of(&r, &outcome(2, 300, true)), 40.0 + 3.0 - 20.0);
        // Attack: a double sends 1 line by the versus table.
        let r = Reward { attack: 2.0, ..r };
        assert_eq!(
            reward_of(&r, &outcome(2, 300, false)),
            1.0 + 40.0 + 3.0 + 2.0
        );
    }

    #[test]
    fn the_t_slot_shaping_pays_for_a_slot_kept_and_takes_it_back_when_filled() {
        use crate::game::{Piece, TSpin};
        let board = Board::from_ascii(
            "
            ##........
            #...######
            ##.#######
            ",
        )
        .unwrap();
        let game = Game::from_position(board, Piece::T, None, &[Piece::I; 5], 1).unwrap();
        let mut config = tiny();
        config.reward.tsd_slot = 10.0;
        let mut shaped = agent(&config, 1);
        shaped.score(&game).unwrap();
        let mut plain = agent(&tiny(), 1);
        plain.score(&game).unwrap();
        let (s, p) = (&shaped.candidates, &plain.candidates);
        assert_eq!(s.placements, p.placements);
        let mut kept = 0;
        for (i, placement) in s.placements.iter().enumerate() {
            let slots = tsd_slots(&game.preview(placement).unwrap().afterstate.board);
            let extra = s.rewards[i] - p.rewards[i];
            let want = if placement.tspin() == TSpin::Full {
                // The T-spin double fills the slot: the potential of 1 slot is given back.
                assert_eq!(slots, 0);
                -10.0
            } else {
                10.0 * (0.5 * slots as f32 - 1.0)
            };
            assert!(
                (extra - want).abs() < 1e-5,
                "{placement:?}: {extra} vs {want}"
            );
            kept += (slots == 1) as u32;
        }
        assert!(
            kept > 0,
            "some placements keep the slot (and earn gamma x 10 - 10)"
        );
    }

    #[test]
    fn same_seed_same_weights_and_the_target_starts_equal() {
        let a = agent(&tiny(), 5);
        let b = agent(&tiny(), 5);
        let c = agent(&tiny(), 6);
        assert_eq!(a.weights(), b.weights());
        assert_ne!(a.weights(), c.weights());
        let obs = vec![0.2; 3 * W];
        assert_eq!(a.values(&obs).len(), 3);
        let t: Vec<f32> = {
            let x = Tensor::from_slice(&obs).view([3, W as i64]);
            Vec::try_from(&tch::no_grad(|| a.target.forward(&x))).unwrap()
        };
        assert_eq!(a.values(&obs), t);
    }

    #[test]
    fn the_td_target_does_not_bootstrap_past_game_over() {
        // With done = 1 the target is the reward alone, whatever V_target says: repeated
        // updates drive V(obs) to 2.0. With done = 0 they drive it to 2 + 0.5 V_target(next).
        let next_v = agent(&tiny(), 1).values(&[0.3; W])[0];
        let mut config = tiny();
        config.learning_rate = 0.01;
        let mut terminal = agent(&config, 1);
        let mut running = agent(&config, 1);
        for _ in 0..1500 {
            update(&mut terminal, 1.0);
            update(&mut running, 0.0);
        }
        let v_terminal = terminal.values(&[0.1; W])[0];
        let v_running = running.values(&[0.1; W])[0];
        assert!((v_terminal - 2.0).abs() < 0.05, "{v_terminal}");
        assert!(
            (v_running - (2.0 + 0.5 * next_v)).abs() < 0.05,
            "{v_running} vs {next_v}"
        );
    }

    #[test]
    fn a_pending_afterstate_is_stored_with_the_next_greedy_placement() {
        let config = tiny();
        let mut a = agent(&config, 3);
        let game = Game::new(4);
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        // Always explore: the stored transition still takes the greedy candidate's values.
        let mut pending = Some(vec![0.5; W]);
        let action = a.act(&game, &mut pending, 1.0, &mut rng).unwrap();
        assert!(pending.is_none());
        assert_eq!(a.replay().len(), 1);
        let greedy = a.choose(&game).unwrap();
        let mut batch = Batch::default();
        a.replay().sample_into(1, &mut rng, &mut batch);
        let greedy_after = game.preview(&greedy).unwrap();
        let mut want = vec![];
        a.encoding().encode(&greedy_after, &mut want);
        assert_eq!(batch.obs, vec![0.5; W]);
        assert_eq!(batch.next_obs, want);
        assert_eq!(
            batch.reward,
            vec![reward_of(&config.reward, &greedy_after.outcome)]
        );
        assert_eq!(a.afterstate_of(&action).len(), W);
    }

    /// The tiny config with the board's features only (the default network): the context
    /// inputs read the engine's queue, known or not.
    fn features_only() -> Config {
        Config {
            network: Network::Mlp {
                hidden: vec![8],
                context: false,
            },
            ..tiny()
        }
    }

    #[test]
    fn looking_ahead_looks_only_at_pieces_it_knows() {
        let features = features_only();
        let mut a = agent(&features, 5);
        a.set_lookahead(4);
        // Alike up to the current piece; the engine's queues beyond it are its own inventions.
        let invented = |seed| Game::from_position(Board::new(), Piece::T, None, &[], seed).unwrap();
        let (g1, g2) = (invented(1), invented(2));
        assert_ne!(g1.next().collect::<Vec<_>>(), g2.next().collect::<Vec<_>>());
        let blind = Foresight {
            known_next: 0,
            bag: vec![],
        };
        let r1 = a.rank(&g1, &blind, usize::MAX);
        assert_eq!(r1, a.rank(&g2, &blind, usize::MAX));
        assert!(
            r1.iter().all(|(p, _)| !p.uses_hold()),
            "hold would bring an unknown piece"
        );
        a.set_lookahead(0);
        let plain = a.rank(&g1, &blind, usize::MAX);
        assert_eq!(r1, plain, "nothing to look ahead at");

        // A bag that can deal only an I: the same as an I known in the queue.
        let no_hold = Config {
            use_hold: false,
            ..features
        };
        let mut a = agent(&no_hold, 5);
        a.set_lookahead(4);
        let bag_of_i = Foresight {
            known_next: 0,
            bag: vec![Piece::I],
        };
        let known = Game::from_position(Board::new(), Piece::T, None, &[Piece::I], 1).unwrap();
        let one_known = Foresight {
            known_next: 1,
            bag: vec![],
        };
        let from_bag = a.rank(&g1, &bag_of_i, usize::MAX);
        let from_queue = a.rank(&known, &one_known, usize::MAX);
        for ((p, v), (q, w)) in from_bag.iter().zip(&from_queue) {
            assert_eq!(p, q);
            assert!((v - w).abs() < 1e-6, "{v} vs {w}");
        }
        // Two pieces the bag may deal: the beam's values are the mean of the two.
        let two = Foresight {
            known_next: 0,
            bag: vec![Piece::I, Piece::O],
        };
        let with_o = Game::from_position(Board::new(), Piece::T, None, &[Piece::O], 1).unwrap();
        let from_o = a.rank(&with_o, &one_known, usize::MAX);
        let mean = a.rank(&g1, &two, 4);
        for (p, v) in &mean {
            let i = from_queue.iter().find(|(q, _)| q == p).unwrap().1;
            let o = from_o.iter().find(|(q, _)| q == p).unwrap().1;
            assert!((v - (i + o) / 2.0).abs() < 1e-5, "{v} vs {i} and {o}");
        }
    }

    #[test]
    fn looking_ahead_values_the_beam_by_the_next_piece_s_best_placement() {
        let mut a = agent(&tiny(), 5);
        let game = Game::new(8);
        let one_ply = a.rank(&game, &Foresight::ALL, usize::MAX);
        assert_eq!(a.choose(&game), Some(one_ply[0].0));

        a.set_lookahead(3);
        let ranked = a.rank(&game, &Foresight::ALL, usize::MAX);
        assert_eq!(ranked.len(), one_ply.len());
        assert!(
            a.candidates_scored() > 3 * one_ply.len() / 2,
            "both plies counted"
        );
        // The beam is the one-placement top three, re-valued and re-ordered; the rest keep
        // their one-placement order and values.
        let mut beam: Vec<usize> = ranked[..3]
            .iter()
            .map(|(p, _)| one_ply.iter().position(|(q, _)| q == p).unwrap())
            .collect();
        beam.sort();
        assert_eq!(beam, [0, 1, 2]);
        assert_eq!(ranked[3..], one_ply[3..]);
        assert!(ranked[..3].windows(2).all(|w| w[0].1 >= w[1].1));
        // Each beam value, by hand: reward + gamma x the best Q after playing it.
        let gamma = tiny().gamma as f32;
        for &(placement, value) in &ranked[..3] {
            let preview = game.preview(&placement).unwrap();
            let mut after = game.clone();
            after.place(&placement).unwrap();
            let mut plain = agent(&tiny(), 5);
            let next_best = plain.rank(&after, &Foresight::ALL, 1)[0].1;
            let want = reward_of(&tiny().reward, &preview.outcome) + gamma * next_best;
            assert!((value - want).abs() < 1e-5, "{value} vs {want}");
        }
        assert_eq!(a.choose(&game), Some(ranked[0].0));

        // A greedy act plays the lookahead's choice and can still remember its afterstate.
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let action = a.act(&game, &mut None, 0.0, &mut rng).unwrap();
        assert_eq!(action.placement, ranked[0].0);
        let mut want = vec![];
        a.encoding()
            .encode(&game.preview(&action.placement).unwrap(), &mut want);
        assert_eq!(a.afterstate_of(&action), want);
    }

    /// The best value of `game` searched exhaustively `depth` pieces further by a plain
    /// agent (no lookahead): the best over placements of reward + gamma x the same one piece
    /// on; at the last level, the best Q.
    fn exhaustive(plain: &mut Agent, game: &Game, depth: usize, gamma: f32) -> f32 {
        let ranked = plain.rank(game, &Foresight::ALL, usize::MAX);
        if depth == 0 || ranked.is_empty() {
            return ranked
                .first()
                .map_or(plain.settings.reward.game_over, |r| r.1);
        }
        let mut best = f32::NEG_INFINITY;
        for (placement, q) in ranked {
            let preview = game.preview(&placement).unwrap();
            let value = if preview.outcome.top_out.is_some() {
                q
            } else {
                let mut after = game.clone();
                after.place(&placement).unwrap();
                reward_of(&plain.settings.reward, &preview.outcome)
                    + gamma * exhaustive(plain, &after, depth - 1, gamma)
            };
            best = best.max(value);
        }
        best
    }

    /// What playing `placement` in `game` is worth searched exhaustively `depth` pieces on
    /// after the next: its reward + gamma x [`exhaustive`].
    fn by_hand(plain: &mut Agent, game: &Game, placement: &Placement, depth: usize) -> f32 {
        let gamma = plain.settings.gamma as f32;
        let preview = game.preview(placement).unwrap();
        let mut after = game.clone();
        after.place(placement).unwrap();
        reward_of(&plain.settings.reward, &preview.outcome)
            + gamma * exhaustive(plain, &after, depth, gamma)
    }

    #[test]
    fn a_search_as_wide_as_the_tree_values_each_placement_by_its_best_line() {
        let no_hold = Config {
            use_hold: false,
            ..tiny()
        };
        let next = [Piece::O, Piece::I, Piece::L];
        let game = Game::from_position(Board::new(), Piece::T, None, &next, 3).unwrap();
        let mut a = agent(&no_hold, 5);
        let mut plain = agent(&no_hold, 5);
        a.set_lookahead(100_000);
        a.set_depth(2);
        let ranked = a.rank(&game, &Foresight::ALL, usize::MAX);
        assert!(ranked.windows(2).all(|w| w[0].1 >= w[1].1));
        for &(placement, value) in &ranked {
            let want = by_hand(&mut plain, &game, &placement, 1);
            assert!((value - want).abs() < 1e-4, "{value} vs {want}");
        }
        // A narrower beam looks at fewer positions, and at depth 1 it is one piece further.
        a.set_lookahead(4);
        a.rank(&game, &Foresight::ALL, 1);
        let narrow = a.candidates_scored();
        a.set_lookahead(16);
        a.rank(&game, &Foresight::ALL, 1);
        assert!(a.candidates_scored() > narrow);
        a.set_depth(1);
        let one = a.rank(&game, &Foresight::ALL, usize::MAX);
        for &(placement, value) in &one[..16] {
            let want = by_hand(&mut plain, &game, &placement, 0);
            assert!((value - want).abs() < 1e-5, "{value} vs {want}");
        }
    }

    #[test]
    fn a_deep_search_plays_only_the_pieces_it_knows() {
        let features = features_only();
        let mut a = agent(&features, 5);
        a.set_lookahead(6);
        a.set_depth(6);
        // Two pieces known after the current one; what the engine invents beyond differs.
        let known = [Piece::S, Piece::Z];
        let position =
            |seed| Game::from_position(Board::new(), Piece::T, None, &known, seed).unwrap();
        let (g1, g2) = (position(1), position(9));
        assert_ne!(g1.next().collect::<Vec<_>>(), g2.next().collect::<Vec<_>>());
        let two = Foresight {
            known_next: 2,
            bag: vec![],
        };
        let r1 = a.rank(&g1, &two, usize::MAX);
        let deep = a.candidates_scored();
        assert_eq!(r1, a.rank(&g2, &two, usize::MAX));
        // Looking 6 deep over 2 known pieces is looking 2 deep (hold's piece is known, so a
        // hold into the empty hold uses one more).
        a.set_depth(2);
        assert_eq!(r1, a.rank(&g1, &two, usize::MAX));
        assert_eq!(a.candidates_scored(), deep);
        // With the bag known, the first unknown piece is valued over it, the same whatever
        // the engine invented.
        let bag = Foresight {
            known_next: 2,
            bag: vec![Piece::I, Piece::O, Piece::J],
        };
        a.set_depth(6);
        let b1 = a.rank(&g1, &bag, usize::MAX);
        assert_eq!(b1, a.rank(&g2, &bag, usize::MAX));
        assert_ne!(b1, r1, "the bag's pieces change the values");
    }

    #[test]
    fn a_checkpoint_round_trips_and_wrong_shapes_are_named() {
        let dir = std::env::temp_dir().join(format!("tdqn-agent-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut a = agent(&tiny(), 2);
        update(&mut a, 0.0);
        a.save(&dir, true).unwrap();
        let mut b = agent(&tiny(), 3);
        assert_ne!(a.weights(), b.weights());
        b.load(&dir, true).unwrap();
        assert_eq!(a.weights(), b.weights());
        // The optimizer state came along: one more identical update stays identical.
        update(&mut a, 0.0);
        update(&mut b, 0.0);
        assert_eq!(a.weights(), b.weights());

        let other = Config {
            network: Network::Mlp {
                hidden: vec![9],
                context: true,
            },
            ..Config::default()
        };
        let mut c = agent(&other, 4);
        let e = c.load(&dir, true).unwrap_err().to_string();
        assert!(e.contains("shape") && e.contains("another network"), "{e}");

        let model = dir.join(MODEL_FILE);
        let bytes = std::fs::read(&model).unwrap();
        std::fs::write(&model, &bytes[..bytes.len() / 2]).unwrap();
        let e = b.load(&dir, true).unwrap_err().to_string();
        assert!(e.contains("truncated or corrupt"), "{e}");
        std::fs::remove_file(&model).unwrap();
        let e = b.load(&dir, true).unwrap_err().to_string();
        assert!(e.contains("model.safetensors is missing"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_plain_forward_equals_libtorch_on_random_inputs_and_after_learning() {
        let wide = Config {
            network: Network::Mlp {
                hidden: vec![64, 64],
                context: true,
            },
            ..tiny()
        };
        for config in [tiny(), wide] {
            let mut a = agent(&config, 4);
            assert!(a.scores_in_plain_rust());
            let mut rng = ChaCha8Rng::seed_from_u64(2);
            for round in 0..4 {
                let rows = [1, 7, 40, 333][round];
                let obs: Vec<f32> = (0..rows * W).map(|_| rng.random_range(-3.0..3.0)).collect();
                let plain = a.plain.as_mut().unwrap();
                if a.plain_stale {
                    plain.copy_from(&a.online);
                }
                let mut got = vec![];
                plain.forward(&obs, &mut got);
                let want = a.values(&obs);
                assert_eq!(got.len(), rows);
                for (g, w) in got.iter().zip(&want) {
                    assert!((g - w).abs() <= 1e-5 * w.abs().max(1.0), "{g} vs {w}");
                }
                // Learning moves the weights; the copy follows at the next scoring.
                for _ in 0..25 {
                    update(&mut a, 0.0);
                }
                assert!(a.plain_stale);
            }
            // Through the real path: a position's candidates valued as libtorch values them.
            let game = Game::new(3);
            a.score(&game).unwrap();
            let c = &a.candidates;
            let want = a.values(&c.obs);
            assert_eq!(c.values.len(), want.len());
            for (g, w) in c.values.iter().zip(&want) {
                assert!((g - w).abs() <= 1e-5 * w.abs().max(1.0), "{g} vs {w}");
            }
        }
    }

    /// A position `moves` random placements into game `seed` (None once it has ended).
    fn random_position(seed: u64, moves: usize) -> Option<Game> {
        let mut game = Game::new(seed);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut placements = vec![];
        for _ in 0..moves {
            game.placements_into(&mut placements, true);
            let p = placements[rng.random_range(0..placements.len())];
            game.place(&p).unwrap();
            if game.is_over() {
                return None;
            }
        }
        Some(game)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

        #[test]
        fn scoring_games_together_picks_for_each_what_scoring_it_alone_picks(
            positions in proptest::collection::vec((0u64..1_000_000, 0usize..40), 1..9),
            plain in proptest::bool::ANY,
        ) {
            let mut a = agent(&tiny(), 7);
            a.set_plain_scoring(plain);
            for _ in 0..10 {
                update(&mut a, 0.0);
            }
            let games: Vec<Game> = positions
                .iter()
                .filter_map(|&(seed, moves)| random_position(seed, moves))
                .collect();
            let alone: Vec<Placement> = games.iter().map(|g| a.choose(g).unwrap()).collect();
            let refs: Vec<&Game> = games.iter().collect();
            let mut pending = vec![None; games.len()];
            let mut rng = ChaCha8Rng::seed_from_u64(1);
            let together: Vec<Placement> = a
                .act_all(&refs, &mut pending, 0.0, &mut rng)
                .into_iter()
                .map(|action| action.unwrap().placement)
                .collect();
            proptest::prop_assert_eq!(together, alone);
        }
    }

    #[test]
    fn the_cnn_scores_boards() {
        let mut config = tiny();
        config.network = Network::Cnn {
            channels: vec![4],
            hidden: 8,
        };
        let mut a = agent(&config, 1);
        let len = a.encoding().len();
        assert_eq!(a.values(&vec![0.0; 5 * len]).len(), 5);
        a.batch = Batch {
            obs: vec![1.0; 2 * len],
            next_obs: vec![0.0; 2 * len],
            reward: vec![1.0; 2],
            done: vec![0.0; 2],
        };
        assert!(a.td_update().is_finite());
    }
}
