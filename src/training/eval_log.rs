//! `<run-dir>/evals.csv`: one row per periodic evaluation, the run's learning curve by its
//! objective's own figure. On resume the file is cut back to the evaluations the checkpoint
//! knows (those at or before its step), as `metrics.csv` is to its games.

use std::fs::{self, File};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use super::metrics_log::rewrite_for_appending;
use super::protocol::EvalRecord;

/// The file name inside the run folder.
pub const EVALS_FILE: &str = "evals.csv";
/// Its header. `figure` is the objective's (`objective` names it); `best` says whether the
/// evaluation beat every earlier one and so was saved as `best/`; `wall_s` is last because it
/// is the only column that differs between identical runs.
pub const HEADER: &str = "steps,objective,figure,games,topped_out,mean_lines,tetris_rate,\
     attack_per_piece,tetrises,tspin_doubles,perfect_clears,longest_back_to_back,best,wall_s";

/// An open evaluations file.
#[derive(Debug)]
pub struct EvalLog {
    path: PathBuf,
    file: File,
}

impl EvalLog {
    /// Opens `run_dir/evals.csv` keeping its rows of evaluations at or before step
    /// `keep_until` (creating it when missing).
    pub fn open(run_dir: &Path, keep_until: u64) -> std::io::Result<EvalLog> {
        fs::create_dir_all(run_dir)?;
        let path = run_dir.join(EVALS_FILE);
        let mut kept = vec![HEADER.to_string()];
        if path.is_file() {
            for line in BufReader::new(File::open(&path)?).lines().skip(1) {
                let line = line?;
                let steps = line.split(',').next().and_then(|s| s.parse::<u64>().ok());
                if steps.is_some_and(|s| s <= keep_until) {
                    kept.push(line);
                }
            }
        }
        let file = rewrite_for_appending(&path, &kept)?;
        Ok(EvalLog { path, file })
    }

    /// Appends one evaluation.
    pub fn append(&mut self, e: &EvalRecord, best: bool, wall_s: f64) -> std::io::Result<()> {
        let q = &e.quality;
        writeln!(
            self.file,
            "{},{:?},{:.4},{},{},{:.1},{:.4},{:.4},{},{},{},{},{},{:.3}",
            e.steps,
            e.objective,
            e.figure,
            e.games,
            e.topped_out,
            e.mean_lines,
            q.tetris_rate(),
            q.attack_per_piece(),
            q.clears.tetrises,
            q.clears.tspin_doubles,
            q.clears.perfect_clears,
            q.longest_back_to_back,
            best,
            wall_s
        )
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Objective;
    use crate::game::Quality;

    fn record(steps: u64) -> EvalRecord {
        EvalRecord {
            steps,
            objective: Objective::Tetris,
            games: 3,
            topped_out: 1,
            figure: 0.5,
            mean_lines: 12.0,
            quality: Quality::default(),
        }
    }

    #[test]
    fn rows_after_the_checkpoint_are_dropped_on_reopen() {
        let dir = std::env::temp_dir().join(format!("eval-log-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let mut log = EvalLog::open(&dir, 0).unwrap();
        for steps in [100, 200, 300] {
            log.append(&record(steps), steps == 200, 1.5).unwrap();
        }
        drop(log);
        let text = fs::read_to_string(dir.join(EVALS_FILE)).unwrap();
        assert_eq!(text.lines().count(), 4);
        assert_eq!(
            text.lines().nth(2).unwrap(),
            "200,Tetris,0.5000,3,1,12.0,0.0000,0.0000,0,0,0,0,true,1.500"
        );
        EvalLog::open(&dir, 250).unwrap();
        let text = fs::read_to_string(dir.join(EVALS_FILE)).unwrap();
        let steps: Vec<&str> = text.lines().map(|l| l.split(',').next().unwrap()).collect();
        assert_eq!(steps, ["steps", "100", "200"]);
        fs::remove_dir_all(&dir).unwrap();
    }
}
