//! The trained agents that ship with the program, one per objective, in
//! `assets/agents/<objective>/` (the network and its `meta.ron`; `scripts/make-agents.sh`
//! makes them). `watch`, `play --hint` and `tbp` use the default one when no checkpoint is
//! given, so a newcomer sees good play before training anything.

use std::path::{Path, PathBuf};

use crate::config::Objective;

/// The agent used when none is named: what people want to watch.
pub const DEFAULT_OBJECTIVE: Objective = Objective::Tetris;

/// Where the shipped agents live, relative to the repository (and to the current folder).
pub const AGENTS_DIR: &str = "assets/agents";

/// The folder name of an objective's agent.
pub fn folder_name(objective: Objective) -> &'static str {
    match objective {
        Objective::Survival => "survival",
        Objective::Tetris => "tetris",
        Objective::Attack => "attack",
        Objective::Versus => "versus",
    }
}

/// Why no shipped agent was found.
#[derive(Debug, thiserror::Error)]
#[error(
    "no shipped {name} agent: looked for {tried} (a checkpoint folder with meta.ron). Pass a \
     checkpoint instead, e.g. checkpoints/<run>/best, or run scripts/make-agents.sh to build it"
)]
pub struct NoShippedAgent {
    name: &'static str,
    tried: String,
}

/// Names a folder that holds the agents instead (`<folder>/<objective>/`), for an installed
/// binary away from its source tree.
pub const AGENTS_ENV: &str = "TETRIS_DQN_AGENTS";

/// The checkpoint folder of the shipped agent for `objective`: under `$TETRIS_DQN_AGENTS` when
/// it is set, else under the current folder's `assets/agents/`, else under the source tree
/// this binary was built from.
pub fn agent_dir(objective: Objective) -> Result<PathBuf, NoShippedAgent> {
    let name = folder_name(objective);
    let candidates = match std::env::var_os(AGENTS_ENV) {
        Some(root) => vec![PathBuf::from(root).join(name)],
        None => vec![
            PathBuf::from(AGENTS_DIR).join(name),
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join(AGENTS_DIR)
                .join(name),
        ],
    };
    candidates
        .iter()
        .find(|dir| dir.join(super::checkpoint::META_FILE).is_file())
        .cloned()
        .ok_or_else(|| NoShippedAgent {
            name,
            tried: candidates
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(" and "),
        })
}

/// The default shipped agent's folder.
pub fn default_agent() -> Result<PathBuf, NoShippedAgent> {
    agent_dir(DEFAULT_OBJECTIVE)
}
