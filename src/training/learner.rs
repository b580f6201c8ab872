//! The training loop's bookkeeping around the agent, with no threads and no files: the game
//! in progress, step and game counters, the rolling mean, episode statistics, and the RNG
//! that exact resume restores. Each step asks the agent to act (which also remembers the
//! previous transition), plays the placement, and lets the agent learn; the algorithm itself
//! is `agent::dqn`. The trainer thread, the bench and the tests all drive this.

use std::collections::VecDeque;
use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::eval::PeriodicEvaluation;
use super::protocol::{EpisodeStats, EvalRecord};
use crate::agent::{Agent, Device, Encoding, ReplayBuffer, epsilon_at};
use crate::config::Config;
use crate::game::{Game, PlaceOutcome, Placement, Quality};

/// Games whose lines make the rolling mean.
pub const ROLLING_GAMES: usize = 100;

/// Everything besides the networks and the replay ring that exact resume needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LearnerState {
    /// Steps (placements) made.
    pub steps: u64,
    /// Games finished.
    pub games: u64,
    /// The game in progress.
    pub game: Game,
    /// Afterstate of the last placement, waiting for the next step's greedy choice to
    /// become a transition.
    pub pending: Option<Vec<f32>>,
    /// Most lines in one game.
    pub best_lines: u32,
    /// Lines of the last [`ROLLING_GAMES`] games.
    pub recent_lines: VecDeque<u32>,
    /// Loss of the last learning step.
    pub last_loss: Option<f32>,
    /// Quality of play of the game in progress.
    #[serde(default)]
    pub quality: Quality,
    /// Quality of play of the last [`ROLLING_GAMES`] games.
    #[serde(default)]
    pub recent_quality: VecDeque<Quality>,
    /// The last periodic evaluation.
    #[serde(default)]
    pub last_eval: Option<EvalRecord>,
    /// The best periodic evaluation so far (what `best/` holds).
    #[serde(default)]
    pub best_eval: Option<EvalRecord>,
    /// The periodic evaluation due at `steps` has started and not finished: a learner restored
    /// from this state plays it again from its first game before it trains on.
    #[serde(default)]
    pub evaluating: bool,
    /// The RNG of exploration, replay sampling and new games' seeds.
    pub rng: ChaCha8Rng,
}

impl LearnerState {
    /// Nothing played yet; the first game's seed is drawn from `rng`.
    fn start(mut rng: ChaCha8Rng) -> LearnerState {
        LearnerState {
            steps: 0,
            games: 0,
            game: Game::new(rng.random()),
            pending: None,
            best_lines: 0,
            recent_lines: VecDeque::with_capacity(ROLLING_GAMES),
            last_loss: None,
            quality: Quality::default(),
            recent_quality: VecDeque::with_capacity(ROLLING_GAMES),
            last_eval: None,
            best_eval: None,
            evaluating: false,
            rng,
        }
    }

    /// Checks what the config cannot: the state restored from a checkpoint fits a network
    /// whose observations are `obs_len` numbers. The message names the field.
    pub fn check(&self, obs_len: usize) -> Result<(), String> {
        if let Some(p) = &self.pending
            && p.len() != obs_len
        {
            return Err(format!(
                "state.pending holds {} numbers; the config's network reads {obs_len}",
                p.len()
            ));
        }
        if self.recent_lines.len() > ROLLING_GAMES || self.recent_quality.len() > ROLLING_GAMES {
            return Err(format!(
                "state.recent_lines and state.recent_quality hold at most {ROLLING_GAMES} games"
            ));
        }
        if self.game.is_over() {
            return Err("state.game is a finished game; a checkpoint holds one in progress".into());
        }
        Ok(())
    }
}

/// What one step did.
#[derive(Debug)]
pub struct StepReport {
    /// The placement made.
    pub placement: Placement,
    /// Whether it was a random choice.
    pub explored: bool,
    /// What it did.
    pub outcome: PlaceOutcome,
    /// Set when this step ended a game (by top-out or the piece cap).
    pub episode: Option<EpisodeStats>,
}

/// The agent and the game it plays.
#[derive(Debug)]
pub struct Learner {
    config: Config,
    /// False when watching a trained agent: greedy play, nothing stored or learnt.
    learning: bool,
    agent: Agent,
    state: LearnerState,
    /// The periodic evaluation in progress (while `state.evaluating`).
    evaluation: Option<PeriodicEvaluation>,
}

impl Learner {
    /// A fresh learner: weights, games and exploration all follow `config.seed`.
    pub fn new(config: Config, device: Device) -> Learner {
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
        let obs_len = Encoding::for_network(&config.network).len();
        let replay = ReplayBuffer::new(config.replay_capacity as usize, obs_len);
        let agent = Agent::new(&config, device, &mut rng, replay);
        Learner::from_parts(config, agent, LearnerState::start(rng))
    }

    /// A learner from restored parts (see `checkpoint`); an evaluation that was in progress
    /// when they were saved starts again from its first game.
    pub fn from_parts(config: Config, agent: Agent, state: LearnerState) -> Learner {
        let mut learner = Learner {
            config,
            learning: true,
            agent,
            state,
            evaluation: None,
        };
        if learner.state.evaluating {
            learner.start_evaluation();
        }
        learner
    }

    /// A trained agent playing greedily from game seed `seed` with no learning, no
    /// exploration and no piece cap: what `watch` shows.
    pub fn watching(mut config: Config, agent: Agent, seed: u64) -> Learner {
        config.max_pieces_per_game = 0;
        let state = LearnerState::start(ChaCha8Rng::seed_from_u64(seed));
        Learner {
            learning: false,
            ..Learner::from_parts(config, agent, state)
        }
    }

    /// Whether this learner learns (false when watching).
    pub fn is_learning(&self) -> bool {
        self.learning
    }

    /// Abandons the game in progress (it is not counted) and starts a new one.
    pub fn restart_game(&mut self) {
        self.state.pending = None;
        self.state.quality = Quality::default();
        self.state.game = Game::new(self.state.rng.random());
    }

    /// One placement: act (remembering the previous transition), play, learn. Never called
    /// on a finished game (a game that ends is replaced by the next one within the same step)
    /// nor while an evaluation is in progress.
    pub fn step(&mut self) -> StepReport {
        debug_assert!(self.evaluation.is_none(), "step during an evaluation");
        let epsilon = self.epsilon();
        let st = &mut self.state;
        let action = self
            .agent
            .act(&st.game, &mut st.pending, epsilon, &mut st.rng)
            .expect("a game in progress always has a placement: block out ends it first");
        let outcome = st
            .game
            .place(&action.placement)
            .expect("the search's placements are legal in their game");
        st.steps += 1;
        st.quality.record(&outcome, st.game.board());

        let over = st.game.is_over();
        let capped = self.config.max_pieces_per_game > 0
            && st.game.pieces_placed() >= self.config.max_pieces_per_game;
        let episode = if over || capped {
            // A capped game's last transition is dropped rather than bootstrapped: one sample
            // in thousands, and it keeps the step simple.
            Some(self.end_game(epsilon, !over))
        } else {
            if self.learning {
                self.state.pending = Some(self.agent.afterstate_of(&action));
            }
            None
        };
        if self.learning
            && let Some(loss) = self.agent.learn(self.state.steps, &mut self.state.rng)
        {
            self.state.last_loss = Some(loss);
        }
        StepReport {
            placement: action.placement,
            explored: action.explored,
            outcome,
            episode,
        }
    }

    fn end_game(&mut self, epsilon: f64, truncated: bool) -> EpisodeStats {
        let st = &mut self.state;
        st.pending = None;
        st.games += 1;
        let lines = st.game.score().lines;
        st.best_lines = st.best_lines.max(lines);
        if st.recent_lines.len() == ROLLING_GAMES {
            st.recent_lines.pop_front();
        }
        st.recent_lines.push_back(lines);
        if st.recent_quality.len() == ROLLING_GAMES {
            st.recent_quality.pop_front();
        }
        st.recent_quality.push_back(st.quality);
        let stats = EpisodeStats {
            game: st.games,
            steps: st.steps,
            lines,
            score: st.game.score().score,
            pieces: st.game.pieces_placed(),
            truncated,
            epsilon,
            loss: st.last_loss,
            quality: std::mem::take(&mut st.quality),
            mean_lines_100: self.mean_recent_lines().unwrap_or(lines as f64),
            quality_100: self.recent_quality(),
        };
        self.state.game = Game::new(self.state.rng.random());
        stats
    }

    /// Whether the periodic evaluation is due after this step (learning only, and not begun).
    pub fn evaluation_due(&self) -> bool {
        let every = self.config.evaluation.every_steps;
        self.learning
            && every > 0
            && self.state.steps.is_multiple_of(every)
            && self.evaluation.is_none()
    }

    /// Begins the periodic evaluation at this step: until it has finished, the learner plays its
    /// seeded greedy games ([`Learner::advance_evaluation`]) instead of training. The game in
    /// progress, the replay and the RNG are untouched, so training goes on exactly as without.
    pub fn start_evaluation(&mut self) {
        let c = &self.config;
        self.evaluation = Some(PeriodicEvaluation::new(
            &c.evaluation,
            c.objective,
            self.state.steps,
        ));
        self.state.evaluating = true;
    }

    /// Whether a periodic evaluation is in progress (the learner must not step until it ends).
    pub fn is_evaluating(&self) -> bool {
        self.evaluation.is_some()
    }

    /// The evaluation in progress, if any: (games finished, games in all).
    pub fn evaluation_progress(&self) -> Option<(u32, u32)> {
        self.evaluation
            .as_ref()
            .map(|e| (e.games_done(), e.games()))
    }

    /// Plays the evaluation in progress until `deadline`; once it has finished, keeps and
    /// returns its record and whether it beat every earlier evaluation.
    pub fn advance_evaluation(&mut self, deadline: Instant) -> Option<(EvalRecord, bool)> {
        let record = self
            .evaluation
            .as_mut()?
            .advance(&mut self.agent, deadline)?;
        self.evaluation = None;
        self.state.evaluating = false;
        let best = self
            .state
            .best_eval
            .as_ref()
            .is_none_or(|b| record.beats(b));
        if best {
            self.state.best_eval = Some(record.clone());
        }
        self.state.last_eval = Some(record.clone());
        Some((record, best))
    }

    /// Runs the periodic evaluation now, to the end; returns its record and whether it beat
    /// every earlier evaluation.
    pub fn evaluate(&mut self) -> (EvalRecord, bool) {
        self.start_evaluation();
        self.advance_evaluation(super::eval::no_deadline())
            .expect("with no deadline it plays to the end")
    }

    /// The quality of play of the last [`ROLLING_GAMES`] games together (its rates pool their
    /// lines and pieces).
    pub fn recent_quality(&self) -> Quality {
        let mut total = Quality::default();
        for q in &self.state.recent_quality {
            total.add(q);
        }
        total
    }

    /// Mean lines of the last [`ROLLING_GAMES`] games.
    pub fn mean_recent_lines(&self) -> Option<f64> {
        let r = &self.state.recent_lines;
        (!r.is_empty()).then(|| r.iter().map(|&l| l as f64).sum::<f64>() / r.len() as f64)
    }

    /// Exploration rate at the current step.
    pub fn epsilon(&self) -> f64 {
        if self.learning {
            epsilon_at(&self.config.epsilon, self.state.steps)
        } else {
            0.0
        }
    }

    /// The config it trains with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The agent.
    pub fn agent(&self) -> &Agent {
        &self.agent
    }

    /// The agent's replay ring.
    pub fn replay(&self) -> &ReplayBuffer {
        self.agent.replay()
    }

    /// Counters, the game in progress and the RNG.
    pub fn state(&self) -> &LearnerState {
        &self.state
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::config::Network;

    pub(crate) fn tiny_config() -> Config {
        Config {
            seed: 3,
            network: Network::Mlp {
                hidden: vec![8],
                context: true,
            },
            max_pieces_per_game: 60,
            batch_size: 16,
            replay_capacity: 500,
            learning_starts: 50,
            train_every: 2,
            target_update_every: 40,
            epsilon: crate::config::Epsilon {
                start: 1.0,
                end: 0.1,
                decay_steps: 200,
            },
            ..Config::default()
        }
    }

    #[test]
    fn an_evaluation_plays_the_same_games_each_time_and_keeps_the_best() {
        let mut config = tiny_config();
        config.evaluation.games = 2;
        config.evaluation.max_pieces = 30;
        let mut l = Learner::new(config, Device::CPU);
        let before = l.state().clone();
        let (first, best) = l.evaluate();
        assert!(best, "the first evaluation is the best so far");
        assert_eq!(first.games, 2);
        assert!(first.quality.placements <= 60);
        // The training game, its RNG and the counters are untouched.
        assert_eq!(l.state().game, before.game);
        assert_eq!(l.state().rng, before.rng);
        let (again, best) = l.evaluate();
        assert_eq!(again, first, "same network, same seeded games");
        assert!(!best, "a tie is not a new best");
        assert_eq!(l.state().best_eval.as_ref(), Some(&first));
        assert_eq!(l.state().last_eval.as_ref(), Some(&first));
    }

    #[test]
    fn steps_games_and_learning_add_up() {
        let mut l = Learner::new(tiny_config(), Device::CPU);
        let mut episodes = vec![];
        for _ in 0..400 {
            if let Some(e) = l.step().episode {
                episodes.push(e);
            }
        }
        assert_eq!(l.state().steps, 400);
        assert_eq!(l.state().games, episodes.len() as u64);
        assert!(!episodes.is_empty());
        assert!(episodes.iter().all(|e| e.pieces <= 60));
        assert!(l.state().last_loss.is_some_and(f32::is_finite));
        // Every step but each game's last makes one transition (capped once full).
        let pieces: u64 = episodes.iter().map(|e| e.pieces).sum();
        let in_progress = l.state().game.pieces_placed();
        assert_eq!(pieces + in_progress, 400);
        let transitions = 400 - episodes.len() as u64 - u64::from(in_progress > 0);
        assert_eq!(l.replay().len() as u64, transitions.min(500));
    }

    #[test]
    fn each_game_carries_the_mean_of_the_last_100() {
        let mut config = tiny_config();
        config.max_pieces_per_game = 3;
        let mut l = Learner::new(config, Device::CPU);
        let episodes: Vec<EpisodeStats> = (0..600).filter_map(|_| l.step().episode).collect();
        assert!(episodes.len() > 150);
        for (i, e) in episodes.iter().enumerate() {
            let window = &episodes[i.saturating_sub(99)..=i];
            let mean = window.iter().map(|e| e.lines as f64).sum::<f64>() / window.len() as f64;
            assert!((e.mean_lines_100 - mean).abs() < 1e-9, "game {}", e.game);
        }
        assert_eq!(
            l.mean_recent_lines(),
            episodes.last().map(|e| e.mean_lines_100)
        );
    }

    #[test]
    fn the_same_seed_trains_the_same() {
        let run = || {
            let mut l = Learner::new(tiny_config(), Device::CPU);
            let lines: Vec<u32> = (0..300)
                .filter_map(|_| l.step().episode)
                .map(|e| e.lines)
                .collect();
            (lines, l.agent().weights(), l.state().clone())
        };
        let (a, b) = (run(), run());
        assert_eq!(a.0, b.0);
        assert_eq!(a.1, b.1);
        assert_eq!(a.2, b.2);
    }
}
