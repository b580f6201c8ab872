//! What a run folder has recorded, read as it is now: the games of `metrics.csv`, the
//! evaluations of `evals.csv` and `latest/`'s config. `report` draws it; a window attached to
//! a run (or a run resumed from it) charts it before its new games. Reading never waits for
//! the writer: a last line still being written is left out.

use std::fs;
use std::path::{Path, PathBuf};

use super::checkpoint::{self, Slot};
use super::eval_log::EVALS_FILE;
use super::learner::ROLLING_GAMES;
use super::metrics_log::METRICS_FILE;
use crate::config::{Config, Objective};

/// Why a run folder could not be read.
#[derive(Debug, thiserror::Error)]
pub enum RunRecordError {
    /// The folder holds no run.
    #[error(
        "{0} is not a training run folder: it has no metrics.csv (expected a folder such as \
         checkpoints/<run>)"
    )]
    NotARun(PathBuf),
    /// A file could not be read.
    #[error("{path}: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
}

/// The objective's figures over the last [`ROLLING_GAMES`] games, at one game's end.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rolling {
    /// Steps when the game ended.
    pub steps: u64,
    /// The objective's figure (pooled: tetris rate = 4 x tetrises / lines, attack / pieces,
    /// mean lines).
    pub figure: f64,
    /// Mean lines per game.
    pub mean_lines: f64,
    /// Tetris rate, pooled.
    pub tetris_rate: f64,
    /// Attack per piece, pooled.
    pub attack_per_piece: f64,
    /// Whether the window was full.
    pub full: bool,
}

/// One finished game, as metrics.csv records it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct GameRow {
    pub steps: u64,
    pub lines: u64,
    pub pieces: u64,
    pub truncated: bool,
    pub epsilon: f64,
    pub loss: Option<f64>,
    pub tetrises: u64,
    pub attack: u64,
}

/// One periodic evaluation, as evals.csv records it.
#[derive(Clone, Debug, PartialEq)]
pub struct EvalRow {
    pub steps: u64,
    pub figure: f64,
    pub games: u64,
    pub topped_out: u64,
    pub best: bool,
}

/// What a run folder holds, read as it is now.
#[derive(Debug)]
pub struct RunRecord {
    pub dir: PathBuf,
    pub games: Vec<GameRow>,
    pub evals: Vec<EvalRow>,
    /// The config and counters of `latest/`, when there is one.
    pub latest: Option<(Config, u64, f64)>,
    pub objective: Objective,
}

/// Rows of a CSV file by column name; a last line still being written is skipped.
fn rows(path: &Path) -> Result<Vec<std::collections::HashMap<String, String>>, RunRecordError> {
    let text = match fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
        Err(error) => {
            return Err(RunRecordError::Io {
                path: path.to_owned(),
                error,
            });
        }
    };
    let mut lines = text.lines();
    let Some(header) = lines.next() else {
        return Ok(vec![]);
    };
    let names: Vec<&str> = header.split(',').collect();
    let all: Vec<&str> = lines.collect();
    // A file that does not end with a newline is being appended to: its last line is partial.
    let keep = if text.ends_with('\n') {
        all.len()
    } else {
        all.len().saturating_sub(1)
    };
    Ok(all[..keep]
        .iter()
        .filter(|l| l.split(',').count() == names.len())
        .map(|l| {
            names
                .iter()
                .zip(l.split(','))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .collect())
}

impl RunRecord {
    /// Reads `dir`'s metrics.csv, evals.csv and `latest/meta.ron` (when there).
    pub fn read(dir: &Path) -> Result<RunRecord, RunRecordError> {
        let metrics = dir.join(METRICS_FILE);
        if !metrics.is_file() {
            return Err(RunRecordError::NotARun(dir.to_owned()));
        }
        let num = |r: &std::collections::HashMap<String, String>, k: &str| {
            r.get(k).and_then(|v| v.parse::<f64>().ok())
        };
        let games = rows(&metrics)?
            .iter()
            .filter_map(|r| {
                Some(GameRow {
                    steps: num(r, "steps")? as u64,
                    lines: num(r, "lines")? as u64,
                    pieces: num(r, "pieces")? as u64,
                    truncated: r.get("truncated").is_some_and(|v| v == "true"),
                    epsilon: num(r, "epsilon").unwrap_or(0.0),
                    loss: num(r, "loss").filter(|l| l.is_finite()),
                    tetrises: num(r, "tetrises").unwrap_or(0.0) as u64,
                    attack: num(r, "attack").unwrap_or(0.0) as u64,
                })
            })
            .collect();
        let eval_rows = rows(&dir.join(EVALS_FILE))?;
        let evals = eval_rows
            .iter()
            .filter_map(|r| {
                Some(EvalRow {
                    steps: num(r, "steps")? as u64,
                    figure: num(r, "figure")?,
                    games: num(r, "games").unwrap_or(0.0) as u64,
                    topped_out: num(r, "topped_out").unwrap_or(0.0) as u64,
                    best: r.get("best").is_some_and(|v| v == "true"),
                })
            })
            .collect();
        let latest = checkpoint::read_meta(&dir.join(Slot::Latest.name()))
            .ok()
            .map(|m| (m.config, m.steps, m.wall_time_s));
        let from_evals = eval_rows
            .first()
            .and_then(|r| r.get("objective"))
            .and_then(|o| match o.to_ascii_lowercase().as_str() {
                "survival" => Some(Objective::Survival),
                "tetris" => Some(Objective::Tetris),
                "attack" => Some(Objective::Attack),
                "versus" => Some(Objective::Versus),
                _ => None,
            });
        let objective = latest
            .as_ref()
            .map(|(c, _, _)| c.objective)
            .or(from_evals)
            .unwrap_or(Objective::Tetris);
        Ok(RunRecord {
            dir: dir.to_owned(),
            games,
            evals,
            latest,
            objective,
        })
    }

    /// At each game's end, the figures over the last [`ROLLING_GAMES`] games.
    pub fn rolling(&self) -> Vec<Rolling> {
        let mut out = Vec::with_capacity(self.games.len());
        let (mut lines, mut pieces, mut tetrises, mut attack) = (0u64, 0u64, 0u64, 0u64);
        for (i, g) in self.games.iter().enumerate() {
            lines += g.lines;
            pieces += g.pieces;
            tetrises += g.tetrises;
            attack += g.attack;
            if i >= ROLLING_GAMES {
                let old = &self.games[i - ROLLING_GAMES];
                lines -= old.lines;
                pieces -= old.pieces;
                tetrises -= old.tetrises;
                attack -= old.attack;
            }
            let mean_lines = lines as f64 / (i + 1).min(ROLLING_GAMES) as f64;
            let tetris_rate = 4.0 * tetrises as f64 / lines.max(1) as f64;
            let attack_per_piece = attack as f64 / pieces.max(1) as f64;
            let figure = match self.objective {
                Objective::Tetris => tetris_rate,
                Objective::Attack => attack_per_piece,
                Objective::Survival => mean_lines,
                // Training games take the run's garbage: their pieces per game.
                Objective::Versus => pieces as f64 / (i + 1).min(ROLLING_GAMES) as f64,
            };
            out.push(Rolling {
                steps: g.steps,
                figure,
                mean_lines,
                tetris_rate,
                attack_per_piece,
                full: i + 1 >= ROLLING_GAMES,
            });
        }
        out
    }
}
