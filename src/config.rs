//! The run configuration: a RON file parsed, range-checked and turned into [`Config`] in one
//! place, so the rest of the program never re-checks a value.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::game::GarbageSchedule;
use serde::{Deserialize, Serialize};

/// Where the network runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
pub enum DeviceChoice {
    /// The CPU (deterministic for a fixed seed).
    Cpu,
    /// The first CUDA GPU; an error when none is visible.
    Cuda,
    /// CUDA when a GPU is visible, otherwise the CPU.
    Auto,
}

impl fmt::Display for DeviceChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DeviceChoice::Cpu => "cpu",
            DeviceChoice::Cuda => "cuda",
            DeviceChoice::Auto => "auto",
        })
    }
}

/// What the value network sees of an afterstate, and its shape.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Network {
    /// The engineered afterstate features (13 numbers) into a multi-layer perceptron with
    /// these hidden layer widths. Fast; the default. With `context` the network also sees the
    /// state of play after the placement: back-to-back, the combo, how far off the next I is,
    /// and the T-spin double slots of the board (4 more numbers; `agent::observation`). Off by
    /// default: it trained worse for tetrises (README).
    Mlp {
        hidden: Vec<u32>,
        #[serde(default)]
        context: bool,
    },
    /// The raw visible board (22 rows x 10 columns, filled = 1) into a small CNN: 3x3
    /// convolutions with these channel counts, then one hidden layer. For the GPU.
    Cnn { channels: Vec<u32>, hidden: u32 },
}

/// Reward for one placement: `survival + lines[n] + points * points_gained + attack *
/// attack_sent`, plus `game_over` when the placement ends the game (and no `survival`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Reward {
    /// For every placement that does not end the game.
    pub survival: f32,
    /// For clearing 0, 1, 2, 3 and 4 lines (five numbers).
    pub lines: Vec<f32>,
    /// Times the guideline points the placement scored (T-spins, back-to-back, combos).
    pub points: f32,
    /// Added when the placement ends the game (usually negative).
    pub game_over: f32,
    /// Times the lines of garbage the placement sends by the common versus table (T-spins,
    /// tetrises, back-to-back, combos, perfect clears; `tetris_game::scoring::attack`).
    pub attack: f32,
    /// Shaping towards T-spin doubles: each T-spin double slot on the board
    /// (`tetris_game::tsd_slots`, at most [`TSD_SLOTS_COUNTED`]) is a potential worth this
    /// much, and a placement earns `gamma x potential after - potential before` (none after a
    /// top-out). Building a slot pays at once, filling it gives that back: potential-based
    /// shaping (Ng, Harada and Russell, 1999), so the best play is unchanged. 0: off.
    pub tsd_slot: f32,
}

/// T-spin double slots that count towards [`Reward::tsd_slot`]'s potential.
pub const TSD_SLOTS_COUNTED: u32 = 2;

/// Most games a trainer plays side by side ([`Config::envs`]).
pub const MAX_ENVS: u32 = 1024;

impl Default for Reward {
    fn default() -> Reward {
        Reward {
            survival: 1.0,
            lines: vec![0.0, 0.0, 0.0, 0.0, 100.0],
            points: 0.0,
            game_over: -20.0,
            attack: 0.0,
            tsd_slot: 0.0,
        }
    }
}

/// What a run plays for: the figure its periodic evaluation ranks agents by, so that `best/`
/// is the agent that plays best by it. The reward is what teaches it; see the presets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Objective {
    /// Lines per game.
    Survival,
    /// The tetris rate: the share of lines cleared four at a time.
    Tetris,
    /// Attack per piece (lines of garbage sent, common versus table).
    Attack,
    /// Pieces a game lasts with the run's `garbage` arriving (versus play: surviving what
    /// the other side sends); the evaluation's games take that garbage too.
    Versus,
}

impl Objective {
    /// The figure's name, as the HUD, logs and files show it.
    pub fn figure_name(self) -> &'static str {
        match self {
            Objective::Survival => "lines per game",
            Objective::Tetris => "tetris rate",
            Objective::Attack => "attack per piece",
            Objective::Versus => "pieces under garbage",
        }
    }
}

/// The periodic evaluation that chooses `best/`: every `every_steps` steps the trainer stops
/// to play `games` greedy games of at most `max_pieces` pieces (the same seeded games each
/// time), and saves `best/` when they beat every earlier evaluation: fewer top-outs first,
/// then a higher figure of the objective.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Evaluation {
    /// Steps between evaluations (0: never, and no `best/`).
    pub every_steps: u64,
    /// Games per evaluation.
    pub games: u32,
    /// Piece cap of each game.
    pub max_pieces: u64,
    /// Seed of the games' seeds (the same games every time, unlike training's).
    pub seed: u64,
}

impl Default for Evaluation {
    fn default() -> Evaluation {
        Evaluation {
            every_steps: 250_000,
            games: 3,
            max_pieces: 10_000,
            seed: 1_000,
        }
    }
}

/// The exploration schedule: epsilon falls linearly from `start` to `end` over `decay_steps`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Epsilon {
    /// Epsilon at step 0.
    pub start: f64,
    /// Epsilon from `decay_steps` on.
    pub end: f64,
    /// Steps over which epsilon falls.
    pub decay_steps: u64,
}

impl Default for Epsilon {
    fn default() -> Epsilon {
        Epsilon {
            start: 1.0,
            end: 0.001,
            decay_steps: 100_000,
        }
    }
}

/// Everything a training run needs; every field is documented in README.md too.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Name of the run; new runs go to `checkpoints/<run_name>-<UTC time>/`.
    pub run_name: String,
    /// Seed of the games, the exploration, the replay sampling and the initial weights.
    pub seed: u64,
    /// Where the network runs: `Cpu`, `Cuda` or `Auto`.
    pub device: DeviceChoice,
    /// Threads libtorch may use (1 keeps CPU training deterministic and leaves a core for
    /// the window).
    pub torch_threads: u32,
    /// Stop after this many steps (placements) in all; 0 trains until stopped.
    pub total_steps: u64,
    /// Games the trainer plays side by side; one forward pass scores the candidates of all
    /// of them, and each step of the trainer is one placement in each. Every placement counts
    /// as a step (for the schedules, saves and `total_steps`) and is stored in the one replay
    /// ring; the window shows the first game.
    pub envs: u32,
    /// The value network.
    pub network: Network,
    /// What the run plays for: the figure that chooses `best/`.
    pub objective: Objective,
    /// The reward.
    pub reward: Reward,
    /// Whether the agent may use hold (its candidates then include the other piece's).
    pub use_hold: bool,
    /// End a training game after this many pieces (0: never). Keeps episodes finite once the
    /// agent is good, so that stats and best checkpoints keep coming.
    pub max_pieces_per_game: u64,
    /// Discount factor, 0 to 1.
    pub gamma: f64,
    /// Adam's learning rate.
    pub learning_rate: f64,
    /// Transitions per learning step.
    pub batch_size: u32,
    /// Transitions the replay ring holds.
    pub replay_capacity: u32,
    /// Game-over transitions the ring keeps: once full, overwriting passes over the oldest game
    /// overs while it holds no more than this many (at most half of `replay_capacity`), so an
    /// agent that has stopped topping out still sees what a top-out costs. 0: a plain ring.
    pub replay_keep_game_overs: u32,
    /// Steps played before learning starts (the replay must hold a batch).
    pub learning_starts: u64,
    /// Learn once every this many steps.
    pub train_every: u64,
    /// Copy the network into the target network every this many steps.
    pub target_update_every: u64,
    /// Largest gradient L2 norm; larger gradients are scaled down (0: no clipping).
    pub grad_clip: f64,
    /// Huber loss threshold between its quadratic and linear parts.
    pub huber_delta: f64,
    /// The exploration schedule.
    pub epsilon: Epsilon,
    /// Save `latest/` every this many steps (0: only on stop).
    pub save_every_steps: u64,
    /// The periodic evaluation that chooses `best/`.
    pub evaluation: Evaluation,
    /// Garbage sent to every training game by a made-up opponent (off by default): it waits,
    /// is countered and lands by versus rules, so the agent learns to play under attack.
    pub garbage: GarbageSchedule,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            run_name: "default".into(),
            seed: 1,
            device: DeviceChoice::Cpu,
            torch_threads: 1,
            total_steps: 0,
            envs: 16,
            network: Network::Mlp {
                hidden: vec![64, 64],
                context: false,
            },
            objective: Objective::Tetris,
            reward: Reward::default(),
            use_hold: true,
            max_pieces_per_game: 25_000,
            gamma: 0.95,
            learning_rate: 2e-3,
            batch_size: 256,
            replay_capacity: 200_000,
            replay_keep_game_overs: 0,
            learning_starts: 5_000,
            train_every: 16,
            target_update_every: 2_000,
            grad_clip: 10.0,
            huber_delta: 1.0,
            epsilon: Epsilon::default(),
            save_every_steps: 50_000,
            evaluation: Evaluation::default(),
            garbage: GarbageSchedule::default(),
        }
    }
}

/// Why a config file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {error}")]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    /// The file is not valid RON for a config, or names an unknown field.
    #[error(
        "config file {path}, line {line}, column {column}: {message}. Every field is listed, with its meaning, in README.md and configs/default.ron"
    )]
    Parse {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    /// A value is out of its range.
    #[error("config file {path}, {place}: field `{field}` {message}")]
    Invalid {
        path: PathBuf,
        place: String,
        field: &'static str,
        message: String,
    },
}

impl Config {
    /// Reads, parses and checks a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
            path: path.to_owned(),
            error,
        })?;
        Config::parse(&text, path)
    }

    /// Parses and checks config text; `path` is only used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let config: Config = ron::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            line: e.position.line,
            column: e.position.col,
            message: e.code.to_string(),
        })?;
        config.check_in(text, 0, path)?;
        Ok(config)
    }

    /// [`Config::check`] for a config that was read from `text` (the file at `path`), whose
    /// fields start at byte `from` of it: the error names the file, the field and the line
    /// and column where it stands. A checkpoint's `meta.ron` holds its config this way.
    pub fn check_in(&self, text: &str, from: usize, path: &Path) -> Result<(), ConfigError> {
        self.check()
            .map_err(|(field, message)| ConfigError::Invalid {
                path: path.to_owned(),
                place: field_place(text, from, field),
                field,
                message,
            })
    }

    /// The config as RON, as written into checkpoints.
    pub fn to_ron(&self) -> String {
        ron::ser::to_string_pretty(self, ron::ser::PrettyConfig::default())
            .expect("a config always serializes")
    }

    /// Checks every range; the error names the field (its last path segment) and what was
    /// expected.
    pub fn check(&self) -> Result<(), FieldError> {
        self.check_run_name()?;
        range("torch_threads", self.torch_threads, 1, 256)?;
        range("envs", self.envs, 1, MAX_ENVS)?;
        self.check_network()?;
        self.reward.check()?;
        self.check_learning()?;
        range("start", self.epsilon.start, 0.0, 1.0)?;
        range("end", self.epsilon.end, 0.0, 1.0)?;
        let e = &self.evaluation;
        if e.every_steps > 0 {
            range("games", e.games, 1, 1_000)?;
            range("max_pieces", e.max_pieces, 1, 10_000_000)?;
        }
        let g = &self.garbage;
        range("chance", g.chance, 0.0, 1.0)?;
        range("max_attack", g.max_attack, 1, 20)?;
        range("garbage_cap", g.rules.garbage_cap, 1, 40)?;
        range("garbage_delay", g.rules.garbage_delay, 0, 1_000)?;
        range("messiness", g.rules.messiness, 0.0, 1.0)?;
        if self.objective == Objective::Versus && !g.is_on() {
            return Err((
                "chance",
                format!(
                    "is {}; objective Versus ranks agents by the pieces they last under \
                     garbage, so garbage needs a chance above 0 (e.g. garbage: (chance: 0.25))",
                    g.chance
                ),
            ));
        }
        Ok(())
    }

    /// The run name names a folder: letters, digits, '-', '_', '.', not starting with '.'.
    fn check_run_name(&self) -> Result<(), FieldError> {
        let name = &self.run_name;
        let allowed = |c: char| c.is_ascii_alphanumeric() || "-_.".contains(c);
        if name.is_empty() || !name.chars().all(allowed) || name.starts_with('.') {
            return Err((
                "run_name",
                format!(
                    "is {name:?}; expected letters, digits, '-', '_' or '.' (it names a folder)"
                ),
            ));
        }
        Ok(())
    }

    /// Layer counts and widths of the network.
    fn check_network(&self) -> Result<(), FieldError> {
        match &self.network {
            Network::Mlp { hidden, .. } => {
                if hidden.is_empty() || hidden.len() > 8 {
                    return Err(("hidden", "expected 1 to 8 layer widths".into()));
                }
                for &w in hidden {
                    range("hidden", w, 1, 4096)?;
                }
            }
            Network::Cnn { channels, hidden } => {
                if channels.is_empty() || channels.len() > 4 {
                    return Err(("channels", "expected 1 to 4 channel counts".into()));
                }
                for &c in channels {
                    range("channels", c, 1, 512)?;
                }
                range("hidden", *hidden, 1, 4096)?;
            }
        }
        Ok(())
    }

    /// The learning step: discount, Adam, batch and replay sizes, schedules, clipping.
    fn check_learning(&self) -> Result<(), FieldError> {
        range("gamma", self.gamma, 0.0, 1.0)?;
        if !(self.learning_rate > 0.0 && self.learning_rate <= 1.0) {
            return Err((
                "learning_rate",
                format!("is {}; expected more than 0, at most 1", self.learning_rate),
            ));
        }
        range("batch_size", self.batch_size, 1, 65_536)?;
        range(
            "replay_capacity",
            self.replay_capacity,
            self.batch_size,
            50_000_000,
        )
        .map_err(|(f, m)| (f, format!("{m} (at least batch_size)")))?;
        range(
            "replay_keep_game_overs",
            self.replay_keep_game_overs,
            0,
            self.replay_capacity / 2,
        )
        .map_err(|(f, m)| (f, format!("{m} (at most half of replay_capacity)")))?;
        if self.learning_starts < self.batch_size as u64 {
            return Err((
                "learning_starts",
                format!(
                    "is {}; expected at least batch_size ({})",
                    self.learning_starts, self.batch_size
                ),
            ));
        }
        range("train_every", self.train_every, 1, 1_000_000)?;
        range(
            "target_update_every",
            self.target_update_every,
            1,
            100_000_000,
        )?;
        range("grad_clip", self.grad_clip, 0.0, 1e6)?;
        if !(self.huber_delta > 0.0 && self.huber_delta <= 1e6) {
            return Err((
                "huber_delta",
                format!("is {}; expected more than 0", self.huber_delta),
            ));
        }
        Ok(())
    }
}

impl Reward {
    /// Five line rewards, and every number finite and at most 1e6 in size.
    fn check(&self) -> Result<(), FieldError> {
        if self.lines.len() != 5 {
            return Err((
                "lines",
                format!(
                    "has {} numbers; expected 5, the rewards for clearing 0, 1, 2, 3 and 4 lines",
                    self.lines.len()
                ),
            ));
        }
        let scalars = [
            self.survival,
            self.points,
            self.game_over,
            self.attack,
            self.tsd_slot,
        ];
        for &v in scalars.iter().chain(&self.lines) {
            if !v.is_finite() || v.abs() > 1e6 {
                return Err((
                    "reward",
                    format!("holds {v}; expected finite values of at most 1e6 in size"),
                ));
            }
        }
        Ok(())
    }
}

/// A field that is out of range: its name (the last path segment) and what was expected.
pub type FieldError = (&'static str, String);

/// `value` of `field` within `lo..=hi` (NaN never is).
fn range<T: PartialOrd + fmt::Display>(
    field: &'static str,
    value: T,
    lo: T,
    hi: T,
) -> Result<(), FieldError> {
    if value >= lo && value <= hi {
        Ok(())
    } else {
        Err((field, format!("is {value}; expected {lo} to {hi}")))
    }
}

/// "line L, column C" of the first `field:` in the text from byte `from` on, or a note that
/// the field took its default.
fn field_place(text: &str, from: usize, field: &str) -> String {
    let bytes = text.as_bytes();
    let mut from = from.min(text.len());
    while let Some(found) = text[from..].find(field) {
        let at = from + found;
        let end = at + field.len();
        let starts_word =
            at == 0 || !(bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_');
        let rest = text[end..].trim_start();
        if starts_word && rest.starts_with(':') {
            let line = text[..at].matches('\n').count() + 1;
            let column = at - text[..at].rfind('\n').map_or(0, |n| n + 1) + 1;
            return format!("line {line}, column {column}");
        }
        from = end;
    }
    "(field not in the file, so its default applies)".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("test.ron"))
    }

    #[test]
    fn an_empty_struct_gives_the_defaults() {
        assert_eq!(parse("()").unwrap(), Config::default());
        Config::default().check().unwrap();
    }

    #[test]
    fn the_shipped_configs_parse_and_default_ron_is_the_default() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("configs");
        let default = Config::load(&dir.join("default.ron")).unwrap();
        assert_eq!(default, Config::default());
        Config::load(&dir.join("smoke.ron")).unwrap();
        // The objective presets differ from the default (the tetris preset) in their
        // objective, reward and name; attack's network also sees the context (it doubled its
        // attack per piece) and survival's replay keeps game overs (without them a 60-minute
        // run collapsed; README).
        for (name, objective, reward) in [
            ("tetris", Objective::Tetris, Reward::default()),
            (
                "attack",
                Objective::Attack,
                Reward {
                    lines: vec![0.0; 5],
                    attack: 25.0,
                    ..Reward::default()
                },
            ),
            (
                "survival",
                Objective::Survival,
                Reward {
                    lines: vec![0.0, 10.0, 40.0, 90.0, 160.0],
                    ..Reward::default()
                },
            ),
        ] {
            let preset = Config::load(&dir.join(format!("{name}.ron"))).unwrap();
            assert_eq!(preset.reward, reward, "{name}");
            assert_eq!(preset.objective, objective, "{name}");
            assert_eq!(preset.run_name, name);
            let context = name == "attack";
            assert_eq!(
                preset.network,
                Network::Mlp {
                    hidden: vec![64, 64],
                    context
                },
                "{name}"
            );
            let keep = if name == "survival" { 1000 } else { 0 };
            assert_eq!(preset.replay_keep_game_overs, keep, "{name}");
            // The attack and survival presets keep the trainer their shipped agents were made
            // with: one game at a time, learning every 4 placements at 0.0005.
            let pinned = matches!(name, "attack" | "survival");
            let trainer = (preset.envs, preset.train_every, preset.learning_rate);
            if pinned {
                assert_eq!(trainer, (1, 4, 0.0005), "{name}");
            }
            assert_eq!(
                Config {
                    run_name: "default".into(),
                    reward: Reward::default(),
                    objective: Objective::Tetris,
                    network: default.network.clone(),
                    replay_keep_game_overs: 0,
                    envs: default.envs,
                    train_every: default.train_every,
                    learning_rate: default.learning_rate,
                    ..preset
                },
                default,
                "{name}"
            );
            if !pinned {
                assert_eq!(trainer, (16, 16, 0.002), "{name}");
            }
        }
        // The versus preset: the tetris preset under garbage, paid for every clear and attack.
        let versus = Config::load(&dir.join("versus.ron")).unwrap();
        assert_eq!(versus.objective, Objective::Versus);
        assert!(versus.garbage.is_on());
        assert_eq!(versus.reward.attack, 5.0);
        assert_eq!(
            Config {
                run_name: "default".into(),
                objective: Objective::Tetris,
                reward: Reward::default(),
                garbage: GarbageSchedule::default(),
                ..versus
            },
            default
        );
        let e = Config {
            objective: Objective::Versus,
            ..Config::default()
        }
        .check()
        .unwrap_err();
        assert!(e.0 == "chance" && e.1.contains("objective Versus"), "{e:?}");
    }

    #[test]
    fn a_config_round_trips_through_ron() {
        let c = Config {
            network: Network::Cnn {
                channels: vec![16, 32],
                hidden: 64,
            },
            ..Config::default()
        };
        assert_eq!(parse(&c.to_ron()).unwrap(), c);
    }

    #[test]
    fn unknown_fields_are_refused_with_their_place() {
        let e = parse("(\n  seed: 3,\n  learning_rat: 0.1,\n)").unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("test.ron, line 3"), "{msg}");
        assert!(msg.contains("learning_rat"), "{msg}");
    }

    /// Every numeric field of a config, as the RON that sets it to `{}`.
    const NUMERIC_FIELDS: &[&str] = &[
        "seed: {}",
        "torch_threads: {}",
        "total_steps: {}",
        "envs: {}",
        "network: Mlp(hidden: [{}])",
        "network: Cnn(channels: [{}], hidden: 8)",
        "network: Cnn(channels: [4], hidden: {})",
        "reward: (survival: {})",
        "reward: (lines: [0, 0, 0, 0, {}])",
        "reward: (points: {})",
        "reward: (game_over: {})",
        "reward: (attack: {})",
        "reward: (tsd_slot: {})",
        "max_pieces_per_game: {}",
        "gamma: {}",
        "learning_rate: {}",
        "batch_size: {}",
        "replay_capacity: {}",
        "replay_keep_game_overs: {}",
        "learning_starts: {}",
        "train_every: {}",
        "target_update_every: {}",
        "grad_clip: {}",
        "huber_delta: {}",
        "epsilon: (start: {})",
        "epsilon: (end: {})",
        "epsilon: (decay_steps: {})",
        "save_every_steps: {}",
        "evaluation: (every_steps: {})",
        "evaluation: (games: {})",
        "evaluation: (max_pieces: {})",
        "evaluation: (seed: {})",
    ];

    use proptest::strategy::Strategy;

    proptest::proptest! {
        #[test]
        fn no_number_in_a_config_panics_and_refusals_name_their_field(
            field in proptest::sample::select(NUMERIC_FIELDS),
            value in proptest::prop_oneof![
                proptest::sample::select(vec![
                    "0", "1", "-1", "18446744073709551615", "18446744073709551616",
                    "-9223372036854775808", "1e20", "1e300", "-1e300", "NaN", "inf", "-inf",
                    "0.5", "4294967296",
                ]).prop_map(str::to_string),
                proptest::num::i128::ANY.prop_map(|v| v.to_string()),
                proptest::num::f64::ANY.prop_map(|v| format!("{v:?}")),
            ],
        ) {
            let text = format!("({})", field.replace("{}", &value));
            match parse(&text) {
                Ok(config) => proptest::prop_assert!(config.check().is_ok()),
                Err(ConfigError::Invalid { field: name, .. }) => {
                    // The field named is the one set, or one whose bound the value moved.
                    let bound_by_others = ["learning_starts", "replay_capacity", "replay_keep_game_overs"];
                    proptest::prop_assert!(
                        text.contains(name) || bound_by_others.contains(&name),
                        "{text}: {name}"
                    );
                }
                Err(ConfigError::Parse { .. }) => {}
                Err(e) => proptest::prop_assert!(false, "{text}: {e}"),
            }
        }
    }

    #[test]
    fn out_of_range_values_name_field_line_and_column() {
        let e = parse("(\n  seed: 3,\n    gamma: 1.5,\n)").unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("test.ron, line 3, column 5: field `gamma` is 1.5; expected 0 to 1"),
            "{msg}"
        );
        let e = parse("(batch_size: 512, learning_starts: 100)").unwrap_err();
        assert!(e.to_string().contains("`learning_starts`"), "{e}");
        let e = parse("(run_name: \"../x\")").unwrap_err();
        assert!(e.to_string().contains("`run_name`"), "{e}");
        let e = parse("(reward: (lines: [1.0]))").unwrap_err();
        assert!(
            e.to_string().contains("`lines` has 1 numbers; expected 5"),
            "{e}"
        );
        let e = parse("(network: Mlp(hidden: []))").unwrap_err();
        assert!(e.to_string().contains("`hidden`"), "{e}");
        let e = parse("(replay_capacity: 1000, replay_keep_game_overs: 501)").unwrap_err();
        assert!(
            e.to_string().contains(
                "`replay_keep_game_overs` is 501; expected 0 to 500 (at most half of replay_capacity)"
            ),
            "{e}"
        );
    }

    #[test]
    fn syntax_errors_have_a_position() {
        let e = parse("(seed: \"three\")").unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.starts_with("config file test.ron, line 1, column"),
            "{msg}"
        );
    }
}
