//! The training loop's bookkeeping around the agent, with no threads and no files: the games
//! in progress (`envs` of them, side by side), step and game counters, the rolling mean,
//! episode statistics, and the RNG that exact resume restores. Each step asks the agent to act
//! in every game at once (one forward pass; acting also remembers each game's previous
//! transition), plays the placements, and lets the agent learn as often as the placements made
//! call for; the algorithm itself is `agent::dqn`. The trainer thread, the bench and the tests
//! all drive this.

use std::collections::VecDeque;
use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::eval::PeriodicEvaluation;
use super::protocol::{EpisodeStats, EvalRecord};
use crate::agent::{Agent, Device, Encoding, ReplayBuffer, epsilon_at};
use crate::config::Config;
use crate::game::{Game, GarbageSchedule, Incoming, PlaceOutcome, Placement, Quality};

/// Games whose lines make the rolling mean.
pub const ROLLING_GAMES: usize = 100;

/// One of the games a learner plays side by side.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EnvState {
    /// Games started before this one, plus one: what the window calls it. (Games are counted
    /// in [`LearnerState::games`] as they end, so the numbers of games played side by side
    /// need not match their order of ending.)
    pub number: u64,
    /// The game.
    pub game: Game,
    /// Afterstate of its last placement, waiting for the next step's greedy choice to become
    /// a transition.
    pub pending: Option<Vec<f32>>,
    /// Its quality of play so far.
    #[serde(default)]
    pub quality: Quality,
    /// The garbage coming to it, when the config sends garbage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incoming: Option<Incoming>,
}

impl EnvState {
    /// Game `number`, its seed drawn from `rng`, then, when `garbage` sends any, the seed of
    /// its garbage.
    fn new(number: u64, rng: &mut ChaCha8Rng, garbage: &GarbageSchedule) -> EnvState {
        let game = Game::new(rng.random());
        let incoming = garbage
            .is_on()
            .then(|| Incoming::new(rng.random(), garbage.clone()));
        EnvState {
            number,
            game,
            pending: None,
            quality: Quality::default(),
            incoming,
        }
    }
}

/// Everything besides the networks and the replay ring that exact resume needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(from = "StoredState")]
pub struct LearnerState {
    /// Steps (placements, in all games) made.
    pub steps: u64,
    /// Games finished.
    pub games: u64,
    /// Games started (finished, abandoned or in progress).
    pub games_started: u64,
    /// The games in progress, side by side (never empty).
    pub envs: Vec<EnvState>,
    /// Most lines in one game.
    pub best_lines: u32,
    /// Lines of the last [`ROLLING_GAMES`] games.
    pub recent_lines: VecDeque<u32>,
    /// Loss of the last learning step.
    pub last_loss: Option<f32>,
    /// Quality of play of the last [`ROLLING_GAMES`] games.
    pub recent_quality: VecDeque<Quality>,
    /// The last periodic evaluation.
    pub last_eval: Option<EvalRecord>,
    /// The best periodic evaluation so far (what `best/` holds).
    pub best_eval: Option<EvalRecord>,
    /// The periodic evaluation due at `steps` has started and not finished: a learner restored
    /// from this state plays it again from its first game before it trains on.
    pub evaluating: bool,
    /// The RNG of exploration, replay sampling and new games' seeds.
    pub rng: ChaCha8Rng,
}

/// [`LearnerState`] as `meta.ron` holds it: checkpoints before format 4 held one game
/// (`game`, `pending`, `quality`) where there are now `envs`.
#[derive(Deserialize)]
struct StoredState {
    steps: u64,
    games: u64,
    #[serde(default, deserialize_with = "some")]
    games_started: Option<u64>,
    #[serde(default)]
    envs: Vec<EnvState>,
    #[serde(default, deserialize_with = "some")]
    game: Option<Game>,
    #[serde(default)]
    pending: Option<Vec<f32>>,
    #[serde(default)]
    quality: Quality,
    best_lines: u32,
    recent_lines: VecDeque<u32>,
    last_loss: Option<f32>,
    #[serde(default)]
    recent_quality: VecDeque<Quality>,
    #[serde(default)]
    last_eval: Option<EvalRecord>,
    #[serde(default)]
    best_eval: Option<EvalRecord>,
    #[serde(default)]
    evaluating: bool,
    rng: ChaCha8Rng,
}

/// A field that may be absent (older checkpoints) but is written as a plain value when there.
fn some<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

impl From<StoredState> for LearnerState {
    fn from(s: StoredState) -> LearnerState {
        let mut envs = s.envs;
        if let Some(game) = s.game {
            envs.insert(
                0,
                EnvState {
                    number: s.games + 1,
                    game,
                    pending: s.pending,
                    quality: s.quality,
                    incoming: None,
                },
            );
        }
        LearnerState {
            steps: s.steps,
            games: s.games,
            games_started: s.games_started.unwrap_or(s.games + envs.len() as u64),
            envs,
            best_lines: s.best_lines,
            recent_lines: s.recent_lines,
            last_loss: s.last_loss,
            recent_quality: s.recent_quality,
            last_eval: s.last_eval,
            best_eval: s.best_eval,
            evaluating: s.evaluating,
            rng: s.rng,
        }
    }
}

impl LearnerState {
    /// Nothing played yet; the seeds of the `envs` first games are drawn from `rng`, in turn.
    fn start(mut rng: ChaCha8Rng, envs: usize, garbage: &GarbageSchedule) -> LearnerState {
        let envs = (1..=envs as u64)
            .map(|number| EnvState::new(number, &mut rng, garbage))
            .collect::<Vec<_>>();
        LearnerState {
            steps: 0,
            games: 0,
            games_started: envs.len() as u64,
            envs,
            best_lines: 0,
            recent_lines: VecDeque::with_capacity(ROLLING_GAMES),
            last_loss: None,
            recent_quality: VecDeque::with_capacity(ROLLING_GAMES),
            last_eval: None,
            best_eval: None,
            evaluating: false,
            rng,
        }
    }

    /// The game the window shows: the first one.
    pub fn game(&self) -> &Game {
        &self.envs[0].game
    }

    /// Checks what the config cannot: the state restored from a checkpoint fits a network
    /// whose observations are `obs_len` numbers. The message names the field.
    pub fn check(&self, obs_len: usize) -> Result<(), String> {
        if self.envs.is_empty() {
            return Err("state.envs is empty; a checkpoint holds at least one game".into());
        }
        if self.envs.len() > crate::config::MAX_ENVS as usize {
            return Err(format!(
                "state.envs holds {} games; at most {}",
                self.envs.len(),
                crate::config::MAX_ENVS
            ));
        }
        for (i, env) in self.envs.iter().enumerate() {
            if let Some(p) = &env.pending
                && p.len() != obs_len
            {
                return Err(format!(
                    "state.envs[{i}].pending holds {} numbers; the config's network reads \
                     {obs_len}",
                    p.len()
                ));
            }
            if env.game.is_over() {
                return Err(format!(
                    "state.envs[{i}].game is a finished game; a checkpoint holds games in \
                     progress"
                ));
            }
        }
        if self.recent_lines.len() > ROLLING_GAMES || self.recent_quality.len() > ROLLING_GAMES {
            return Err(format!(
                "state.recent_lines and state.recent_quality hold at most {ROLLING_GAMES} games"
            ));
        }
        Ok(())
    }
}

/// Whether counting from `from` to `to` passes a multiple of `every` (never when `every` is
/// 0): what "every N steps" means when a step of the trainer makes several placements.
pub fn crossed(from: u64, to: u64, every: u64) -> bool {
    every > 0 && to / every > from / every
}

/// What one placement of a step did.
#[derive(Debug)]
pub struct StepReport {
    /// The game it was made in (an index into [`LearnerState::envs`]).
    pub env: usize,
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
    /// Steps before the last step of the trainer (what "every N steps" is counted from).
    steps_before: u64,
}

impl Learner {
    /// A fresh learner: weights, games and exploration all follow `config.seed`.
    pub fn new(config: Config, device: Device) -> Learner {
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
        let obs_len = Encoding::for_network(&config.network).len();
        let replay = ReplayBuffer::new(config.replay_capacity as usize, obs_len);
        let agent = Agent::new(&config, device, &mut rng, replay);
        let state = LearnerState::start(rng, config.envs as usize, &config.garbage);
        Learner::from_parts(config, agent, state)
    }

    /// A learner from restored parts (see `checkpoint`); an evaluation that was in progress
    /// when they were saved starts again from its first game. When the config plays another
    /// number of games side by side than the state holds, the last games are abandoned (not
    /// counted) or new ones started.
    pub fn from_parts(config: Config, agent: Agent, mut state: LearnerState) -> Learner {
        let envs = config.envs as usize;
        state.envs.truncate(envs);
        while state.envs.len() < envs {
            state.games_started += 1;
            let env = EnvState::new(state.games_started, &mut state.rng, &config.garbage);
            state.envs.push(env);
        }
        let mut learner = Learner {
            config,
            learning: true,
            agent,
            steps_before: state.steps,
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
        config.envs = 1;
        // Solo games: garbage is the versus command's.
        config.garbage = GarbageSchedule::default();
        let state = LearnerState::start(ChaCha8Rng::seed_from_u64(seed), 1, &config.garbage);
        Learner {
            learning: false,
            ..Learner::from_parts(config, agent, state)
        }
    }

    /// Whether this learner learns (false when watching).
    pub fn is_learning(&self) -> bool {
        self.learning
    }

    /// Abandons the game the window shows (it is not counted) and starts a new one there.
    pub fn restart_game(&mut self) {
        let st = &mut self.state;
        st.games_started += 1;
        st.envs[0] = EnvState::new(st.games_started, &mut st.rng, &self.config.garbage);
    }

    /// One step of the trainer: a placement in every game ([`Learner::step_games`]).
    pub fn step(&mut self) -> Vec<StepReport> {
        self.step_games(self.state.envs.len())
    }

    /// A placement in each of the first `count` games (at least one, at most all), chosen
    /// together in one forward pass: act (remembering each game's previous transition), play,
    /// then learn once for every `train_every` placements passed. Never called while an
    /// evaluation is in progress; a game that ends is replaced by the next one within the step.
    pub fn step_games(&mut self, count: usize) -> Vec<StepReport> {
        debug_assert!(self.evaluation.is_none(), "step during an evaluation");
        let count = count.clamp(1, self.state.envs.len());
        let epsilon = self.epsilon();
        let st = &mut self.state;
        let mut pending: Vec<Option<Vec<f32>>> = st.envs[..count]
            .iter_mut()
            .map(|e| e.pending.take())
            .collect();
        let games: Vec<&Game> = st.envs[..count].iter().map(|e| &e.game).collect();
        let actions = self
            .agent
            .act_all(&games, &mut pending, epsilon, &mut st.rng);
        self.steps_before = st.steps;
        let mut reports = Vec::with_capacity(count);
        for (env, action) in actions.into_iter().enumerate() {
            let action =
                action.expect("a game in progress always has a placement: block out ends it first");
            let st = &mut self.state;
            let e = &mut st.envs[env];
            let outcome = e
                .game
                .place(&action.placement)
                .expect("the search's placements are legal in their game");
            st.steps += 1;
            e.quality.record(&outcome, e.game.board());
            if let Some(incoming) = &mut e.incoming {
                incoming.after_lock(&mut e.game, &outcome);
            }
            let over = e.game.is_over();
            if over && outcome.top_out.is_none() && self.learning {
                // Garbage ended it: the placement's afterstate led to the end.
                self.agent.remember_end(&action);
            }
            let capped = self.config.max_pieces_per_game > 0
                && e.game.pieces_placed() >= self.config.max_pieces_per_game;
            let episode = if over || capped {
                // A capped game's last transition is dropped rather than bootstrapped: one
                // sample in thousands, and it keeps the step simple.
                Some(self.end_game(env, epsilon, !over))
            } else {
                if self.learning {
                    self.state.envs[env].pending = Some(self.agent.afterstate_of(&action));
                }
                None
            };
            reports.push(StepReport {
                env,
                placement: action.placement,
                explored: action.explored,
                outcome,
                episode,
            });
        }
        if self.learning {
            // As if each placement were a step of its own: the same schedule of updates and
            // target syncs, whatever the number of games.
            for steps in self.steps_before + 1..=self.state.steps {
                if let Some(loss) = self.agent.learn(steps, &mut self.state.rng) {
                    self.state.last_loss = Some(loss);
                }
            }
        }
        reports
    }

    /// Steps before the last step of the trainer, whose placements brought them to
    /// `state().steps`.
    pub fn steps_before_last_step(&self) -> u64 {
        self.steps_before
    }

    fn end_game(&mut self, env: usize, epsilon: f64, truncated: bool) -> EpisodeStats {
        let st = &mut self.state;
        st.games += 1;
        st.games_started += 1;
        let next = EnvState::new(st.games_started, &mut st.rng, &self.config.garbage);
        let finished = std::mem::replace(&mut st.envs[env], next);
        let lines = finished.game.score().lines;
        st.best_lines = st.best_lines.max(lines);
        if st.recent_lines.len() == ROLLING_GAMES {
            st.recent_lines.pop_front();
        }
        st.recent_lines.push_back(lines);
        if st.recent_quality.len() == ROLLING_GAMES {
            st.recent_quality.pop_front();
        }
        st.recent_quality.push_back(finished.quality);
        EpisodeStats {
            game: st.games,
            env: env as u32,
            steps: st.steps,
            lines,
            score: finished.game.score().score,
            pieces: finished.game.pieces_placed(),
            truncated,
            epsilon,
            loss: st.last_loss,
            quality: finished.quality,
            mean_lines_100: self.mean_recent_lines().unwrap_or(lines as f64),
            quality_100: self.recent_quality(),
        }
    }

    /// Whether the periodic evaluation is due after this step (learning only, and not begun).
    pub fn evaluation_due(&self) -> bool {
        let every = self.config.evaluation.every_steps;
        self.learning
            && crossed(self.steps_before, self.state.steps, every)
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
            &c.garbage,
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
            envs: 1,
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

    fn episodes_of(reports: Vec<StepReport>) -> Vec<EpisodeStats> {
        reports.into_iter().filter_map(|r| r.episode).collect()
    }

    #[test]
    fn games_side_by_side_each_make_a_placement_a_step_and_every_one_counts() {
        let config = Config {
            envs: 4,
            ..tiny_config()
        };
        let mut l = Learner::new(config, Device::CPU);
        let mut episodes = vec![];
        for _ in 0..100 {
            let reports = l.step();
            let envs: Vec<usize> = reports.iter().map(|r| r.env).collect();
            assert_eq!(envs, [0, 1, 2, 3]);
            episodes.extend(episodes_of(reports));
        }
        assert_eq!(l.state().steps, 400);
        assert_eq!(l.state().games, episodes.len() as u64);
        assert!(episodes.iter().any(|e| e.env == 3));
        // Games are numbered as they end, steps counted placement by placement.
        let numbers: Vec<u64> = episodes.iter().map(|e| e.game).collect();
        assert_eq!(numbers, (1..=episodes.len() as u64).collect::<Vec<_>>());
        assert!(episodes.windows(2).all(|w| w[0].steps < w[1].steps));
        let envs = &l.state().envs;
        let pieces: u64 = episodes.iter().map(|e| e.pieces).sum();
        let in_progress: u64 = envs.iter().map(|e| e.game.pieces_placed()).sum();
        assert_eq!(pieces + in_progress, 400);
        // Every placement but each game's last makes one transition, in the one ring.
        let started = envs.iter().filter(|e| e.game.pieces_placed() > 0).count() as u64;
        assert_eq!(
            l.replay().len() as u64,
            400 - episodes.len() as u64 - started
        );
        assert_eq!(l.state().games_started, l.state().games + 4);
        // A short last step plays the first games only.
        let reports = l.step_games(2);
        assert_eq!(reports.len(), 2);
        assert_eq!(l.state().steps, 402);
        assert_eq!(l.steps_before_last_step(), 400);
    }

    #[test]
    fn games_under_garbage_train_the_same_for_a_seed_and_a_garbage_end_is_remembered() {
        let run = || {
            let config = Config {
                envs: 4,
                garbage: GarbageSchedule {
                    chance: 0.5,
                    max_attack: 4,
                    ..GarbageSchedule::default()
                },
                ..tiny_config()
            };
            let mut l = Learner::new(config, Device::CPU);
            let (mut ended, mut by_garbage) = (0u64, 0u64);
            for _ in 0..100 {
                for r in l.step() {
                    if let Some(e) = &r.episode
                        && !e.truncated
                    {
                        ended += 1;
                        by_garbage += u64::from(r.outcome.top_out.is_none());
                    }
                }
            }
            let landed: u64 = l
                .state()
                .envs
                .iter()
                .map(|e| e.incoming.as_ref().unwrap().totals().landed)
                .sum();
            (
                ended,
                by_garbage,
                landed,
                l.replay().len(),
                l.agent().weights(),
                l.state().clone(),
            )
        };
        let (a, b) = (run(), run());
        assert_eq!(a.5, b.5);
        assert_eq!(a.4, b.4);
        let (ended, by_garbage, landed, ring, ..) = a;
        assert!(landed > 0, "no garbage landed in the games in progress");
        assert!(by_garbage > 0, "no game of {ended} ended by garbage");
        // Every placement makes a transition but a game's last, unless garbage ended it.
        let capped = b.5.games - ended;
        let started =
            b.5.envs
                .iter()
                .filter(|e| e.game.pieces_placed() > 0)
                .count() as u64;
        assert_eq!(ring as u64, 400 - (ended - by_garbage) - capped - started);
    }

    #[test]
    fn four_games_side_by_side_train_the_same_for_the_same_seed() {
        let run = || {
            let config = Config {
                envs: 4,
                ..tiny_config()
            };
            let mut l = Learner::new(config, Device::CPU);
            let lines: Vec<(u32, u32)> = (0..150)
                .flat_map(|_| episodes_of(l.step()))
                .map(|e| (e.env, e.lines))
                .collect();
            (lines, l.agent().weights(), l.state().clone())
        };
        let (a, b) = (run(), run());
        assert!(a.2.last_loss.is_some(), "it learnt");
        assert_eq!(a.0, b.0);
        assert_eq!(a.1, b.1);
        assert_eq!(a.2, b.2);
    }

    #[test]
    fn only_a_crossed_multiple_counts() {
        assert!(crossed(3, 4, 4));
        assert!(crossed(0, 16, 16));
        assert!(crossed(14, 18, 16));
        assert!(!crossed(16, 31, 16));
        assert!(!crossed(5, 9, 0));
        assert!(crossed(99, 100, 1));
    }

    #[test]
    fn a_state_with_one_game_from_before_envs_is_read_as_one_env() {
        // The shape of `state` in meta.ron before format 4.
        #[derive(Serialize)]
        struct Before {
            steps: u64,
            games: u64,
            game: Game,
            pending: Option<Vec<f32>>,
            best_lines: u32,
            recent_lines: VecDeque<u32>,
            last_loss: Option<f32>,
            quality: Quality,
            rng: ChaCha8Rng,
        }
        let game = Game::new(5);
        let before = Before {
            steps: 70,
            games: 2,
            game: game.clone(),
            pending: Some(vec![0.5; 3]),
            best_lines: 4,
            recent_lines: [1, 4].into(),
            last_loss: Some(0.5),
            quality: Quality::default(),
            rng: ChaCha8Rng::seed_from_u64(1),
        };
        let text = ron::to_string(&before).unwrap();
        let state: LearnerState = ron::from_str(&text).unwrap();
        assert_eq!(state.envs.len(), 1);
        assert_eq!(state.envs[0].game, game);
        assert_eq!(state.envs[0].pending, Some(vec![0.5; 3]));
        assert_eq!(state.envs[0].number, 3);
        assert_eq!(state.games_started, 3);
        // And the state written now reads back as it was.
        let again: LearnerState = ron::from_str(&ron::to_string(&state).unwrap()).unwrap();
        assert_eq!(again, state);
        // A learner with more games side by side starts the missing ones.
        let config = Config {
            envs: 3,
            ..tiny_config()
        };
        let agent = Learner::new(config.clone(), Device::CPU).agent;
        let l = Learner::from_parts(config, agent, state);
        assert_eq!(l.state().envs.len(), 3);
        assert_eq!(l.state().envs[0].game, game);
        let numbers: Vec<u64> = l.state().envs.iter().map(|e| e.number).collect();
        assert_eq!(numbers, [3, 4, 5]);
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
        assert_eq!(l.state().envs, before.envs);
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
            episodes.extend(l.step().into_iter().filter_map(|r| r.episode));
        }
        assert_eq!(l.state().steps, 400);
        assert_eq!(l.state().games, episodes.len() as u64);
        assert!(!episodes.is_empty());
        assert!(episodes.iter().all(|e| e.pieces <= 60));
        assert!(l.state().last_loss.is_some_and(f32::is_finite));
        // Every step but each game's last makes one transition (capped once full).
        let pieces: u64 = episodes.iter().map(|e| e.pieces).sum();
        let in_progress = l.state().game().pieces_placed();
        assert_eq!(pieces + in_progress, 400);
        let transitions = 400 - episodes.len() as u64 - u64::from(in_progress > 0);
        assert_eq!(l.replay().len() as u64, transitions.min(500));
    }

    #[test]
    fn each_game_carries_the_mean_of_the_last_100() {
        let mut config = tiny_config();
        config.max_pieces_per_game = 3;
        let mut l = Learner::new(config, Device::CPU);
        let episodes: Vec<EpisodeStats> = (0..600).flat_map(|_| episodes_of(l.step())).collect();
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
                .flat_map(|_| episodes_of(l.step()))
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
