//! Checkpoints: `<run-dir>/latest` and `<run-dir>/best`, each a complete folder (weights,
//! target weights, optimizer, replay for latest, `meta.ron`) written under a fresh hidden
//! name and then published by atomically replacing the `latest`/`best` symlink. Killing the
//! process at any moment leaves the previous checkpoint in place and loadable.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::checksums::{self, Checksums, Damage};
use super::learner::{Learner, LearnerState};
use crate::agent::{
    Agent, AgentError, Device, Encoding, MODEL_FILE, OPTIMIZER_FILE, ReplayBuffer, TARGET_FILE,
};
use crate::config::Config;

/// The checkpoint format this build writes. Version 4 holds the games played side by side
/// (`state.envs`, where older versions hold one `state.game`, still read). Version 3 added the config's `objective` and
/// `evaluation`, the MLP's `context` (absent: false) and the evaluations in the learner's
/// state; version 2 added `checksums`; version 1 (no checksums, nothing to verify) is still
/// read.
pub const FORMAT_VERSION: u32 = 4;
/// The oldest format version this build reads.
const OLDEST_READABLE_VERSION: u32 = 1;
/// Counters, RNG, config and the game in progress.
pub const META_FILE: &str = "meta.ron";
/// The replay ring (latest only).
pub const REPLAY_FILE: &str = "replay.bin";

/// Which checkpoint of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// The most recent state, with the replay ring; what `--resume` continues.
    Latest,
    /// The agent of the best periodic evaluation so far, judged by the run's objective.
    Best,
}

impl Slot {
    /// The folder name inside the run folder.
    pub fn name(self) -> &'static str {
        match self {
            Slot::Latest => "latest",
            Slot::Best => "best",
        }
    }
}

/// `meta.ron`: what a checkpoint is, and the trainer state exact resume needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    /// [`FORMAT_VERSION`] of the writer.
    pub format_version: u32,
    /// Steps made.
    pub steps: u64,
    /// Games finished. (Written as `episodes` before this name was settled; still read.)
    #[serde(alias = "episodes")]
    pub games: u64,
    /// Exploration rate at `steps`.
    pub epsilon: f64,
    /// Most lines in one game.
    pub best_lines: u32,
    /// Why it was written.
    pub reason: String,
    /// Seconds of training, including before earlier resumes.
    pub wall_time_s: f64,
    /// When it was written (UTC).
    pub saved_at: String,
    /// `git describe` of the program that wrote it.
    pub git_describe: String,
    /// The device it trained on.
    pub device: String,
    /// The full config of the run.
    pub config: Config,
    /// Counters, the game in progress, the pending transition and the RNG.
    pub state: LearnerState,
    /// BLAKE3 of every other file of the checkpoint, checked before loading.
    #[serde(default)]
    pub checksums: Checksums,
}

#[derive(Deserialize)]
struct VersionOnly {
    format_version: u32,
}

/// Why a checkpoint could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// The folder is not there.
    #[error("checkpoint {0} does not exist (expected a folder such as checkpoints/<run>/latest)")]
    NotFound(PathBuf),
    /// `meta.ron` is missing: not a checkpoint.
    #[error("{0} is not a tetris-dqn checkpoint: it has no meta.ron")]
    NoMeta(PathBuf),
    /// A run folder was given where one of its checkpoints was meant.
    #[error(
        "{0} is a run folder, not a checkpoint; name one of its checkpoints: {0}/latest (to \
         continue it) or {0}/best"
    )]
    RunFolder(PathBuf),
    /// Written by another format version.
    #[error(
        "{path}: checkpoint format version {found}, but this build reads versions {oldest} to {newest}"
    )]
    Version {
        path: PathBuf,
        found: u32,
        oldest: u32,
        newest: u32,
    },
    /// `meta.ron` cannot be parsed.
    #[error("{path}, line {line}, column {column}: {message} (corrupt or hand-edited meta.ron)")]
    Meta {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    /// The config inside `meta.ron` is out of range (as a config file's would be).
    #[error("{error} (the config this checkpoint trained with; was meta.ron edited by hand?)")]
    Config { error: crate::config::ConfigError },
    /// The trainer state inside `meta.ron` does not fit its config.
    #[error("{path}: {message} (corrupt or hand-edited meta.ron)")]
    State { path: PathBuf, message: String },
    /// A file inside could not be used.
    #[error("checkpoint {dir}: {error}")]
    Agent { dir: PathBuf, error: AgentError },
    /// A file differs from the checksum `meta.ron` recorded, or is gone.
    #[error(transparent)]
    Damaged(#[from] Damage),
    /// The file system refused.
    #[error("{path}: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> CheckpointError + '_ {
    move |error| CheckpointError::Io {
        path: path.to_owned(),
        error,
    }
}

/// Writes `slot` of `learner` into `run_dir` and returns its path (`run_dir/<slot>`).
pub fn save(
    learner: &Learner,
    run_dir: &Path,
    slot: Slot,
    reason: &str,
    wall_time_s: f64,
) -> Result<PathBuf, CheckpointError> {
    fs::create_dir_all(run_dir).map_err(io(run_dir))?;
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    let real_name = format!(".{}-{stamp}", slot.name());
    let real = run_dir.join(&real_name);
    fs::create_dir(&real).map_err(io(&real))?;
    let agent_err = |error| CheckpointError::Agent {
        dir: real.clone(),
        error,
    };
    learner.agent().save(&real, true).map_err(agent_err)?;
    if slot == Slot::Latest {
        learner
            .replay()
            .save(&real.join(REPLAY_FILE))
            .map_err(agent_err)?;
    }
    let checksums = checksums::of_folder(&real, META_FILE)?;
    let state = learner.state();
    let meta = Meta {
        format_version: FORMAT_VERSION,
        steps: state.steps,
        games: state.games,
        epsilon: learner.epsilon(),
        best_lines: state.best_lines,
        reason: reason.to_string(),
        wall_time_s,
        saved_at: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        git_describe: env!("TETRIS_DQN_GIT_DESCRIBE").to_string(),
        device: learner.agent().device().to_string(),
        config: learner.config().clone(),
        state: state.clone(),
        checksums,
    };
    let text = ron::ser::to_string_pretty(&meta, ron::ser::PrettyConfig::default())
        .expect("meta always serializes");
    let text = checksums::seal(&text);
    let meta_path = real.join(META_FILE);
    let mut f = fs::File::create(&meta_path).map_err(io(&meta_path))?;
    f.write_all(text.as_bytes()).map_err(io(&meta_path))?;
    f.sync_all().map_err(io(&meta_path))?;
    sync_dir(&real)?;

    // Publish: a new symlink renamed over the old one is atomic.
    let link = run_dir.join(slot.name());
    let tmp_link = run_dir.join(format!(".{}.link-{stamp}", slot.name()));
    std::os::unix::fs::symlink(&real_name, &tmp_link).map_err(io(&tmp_link))?;
    fs::rename(&tmp_link, &link).map_err(io(&link))?;
    sync_dir(run_dir)?;

    // Older folders of this slot (and any a killed save left) are no longer referenced.
    let prefix = format!(".{}-", slot.name());
    if let Ok(entries) = fs::read_dir(run_dir) {
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(&prefix) && name != real_name {
                let _ = fs::remove_dir_all(entry.path());
            }
        }
    }
    Ok(link)
}

fn sync_dir(dir: &Path) -> Result<(), CheckpointError> {
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io(dir))
}

/// Reads and checks `meta.ron` of the checkpoint in `dir`.
pub fn read_meta(dir: &Path) -> Result<Meta, CheckpointError> {
    if !dir.is_dir() {
        return Err(CheckpointError::NotFound(dir.to_owned()));
    }
    let path = dir.join(META_FILE);
    if !path.is_file() {
        if dir.join(Slot::Latest.name()).join(META_FILE).is_file() {
            return Err(CheckpointError::RunFolder(dir.to_owned()));
        }
        return Err(CheckpointError::NoMeta(dir.to_owned()));
    }
    let text = fs::read_to_string(&path).map_err(io(&path))?;
    // Its own checksum first: a damaged meta.ron is named before anything in it is used.
    let text = checksums::unseal(&path, &text)?;
    let meta_err = |e: ron::error::SpannedError| CheckpointError::Meta {
        path: path.clone(),
        line: e.position.line,
        column: e.position.col,
        message: e.code.to_string(),
    };
    let version: VersionOnly = ron::from_str(text).map_err(meta_err)?;
    if !(OLDEST_READABLE_VERSION..=FORMAT_VERSION).contains(&version.format_version) {
        return Err(CheckpointError::Version {
            path,
            found: version.format_version,
            oldest: OLDEST_READABLE_VERSION,
            newest: FORMAT_VERSION,
        });
    }
    let meta: Meta = ron::from_str(text).map_err(meta_err)?;
    // The config inside is input like a config file: the same checks, naming this file.
    let config_at = text.find("config:").unwrap_or(0);
    meta.config
        .check_in(text, config_at, &path)
        .map_err(|error| CheckpointError::Config { error })?;
    meta.state
        .check(Encoding::for_network(&meta.config.network).len())
        .map_err(|message| CheckpointError::State {
            path: path.clone(),
            message,
        })?;
    Ok(meta)
}

/// A learner continuing the checkpoint in `dir` exactly, with `config` (the checkpoint's
/// own, or one whose network and replay capacity match it).
pub fn load_learner(
    dir: &Path,
    config: Config,
    device: Device,
) -> Result<(Learner, Meta), CheckpointError> {
    let meta = read_meta(dir)?;
    checksums::verify(
        dir,
        &meta.checksums,
        [MODEL_FILE, TARGET_FILE, OPTIMIZER_FILE, REPLAY_FILE],
    )?;
    let agent_err = |error| CheckpointError::Agent {
        dir: dir.to_owned(),
        error,
    };
    let replay_path = dir.join(REPLAY_FILE);
    let capacity = config.replay_capacity as usize;
    let obs_len = Encoding::for_network(&config.network).len();
    let replay = if replay_path.is_file() {
        ReplayBuffer::load(&replay_path, capacity, obs_len).map_err(agent_err)?
    } else {
        tracing::warn!(
            "{} has no replay buffer (a best checkpoint?); training continues with an empty one",
            dir.display()
        );
        ReplayBuffer::new(capacity, obs_len)
    };
    let mut agent = fresh_agent(&config, device, replay);
    agent.load(dir, true).map_err(agent_err)?;
    let learner = Learner::from_parts(config, agent, meta.state.clone());
    Ok((learner, meta))
}

/// The network of the checkpoint in `dir`, for playing (no optimizer, no replay), and the
/// config it was trained with.
pub fn load_agent(dir: &Path, device: Device) -> Result<(Agent, Meta), CheckpointError> {
    let meta = read_meta(dir)?;
    checksums::verify(dir, &meta.checksums, [MODEL_FILE])?;
    // Playing stores nothing: a one-transition ring.
    let replay = ReplayBuffer::new(1, Encoding::for_network(&meta.config.network).len());
    let mut agent = fresh_agent(&meta.config, device, replay);
    agent
        .load(dir, false)
        .map_err(|error| CheckpointError::Agent {
            dir: dir.to_owned(),
            error,
        })?;
    Ok((agent, meta))
}

fn fresh_agent(config: &Config, device: Device, replay: ReplayBuffer) -> Agent {
    use rand::SeedableRng;
    // The weights are overwritten by the checkpoint's; any seed will do.
    Agent::new(
        config,
        device,
        &mut rand_chacha::ChaCha8Rng::seed_from_u64(0),
        replay,
    )
}
