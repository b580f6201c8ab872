//! `<run-dir>/metrics.csv`: one row per finished game, appended as games end. On resume the
//! file is cut back to the games the checkpoint knows, so that a run resumed after a crash
//! has exactly one row per game.

use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use super::protocol::EpisodeStats;

/// The file name inside the run folder.
pub const METRICS_FILE: &str = "metrics.csv";
/// Its header; `wall_s` (seconds since the run started) is last because it is the only
/// column that differs between identical runs. The quality columns are
/// `tetris_game::Quality`'s (the tetris rate and attack per piece as fractions); `env` is which
/// of the games played side by side it was.
pub const HEADER: &str = "game,steps,lines,score,pieces,truncated,epsilon,loss,\
     tetris_rate,attack_per_piece,singles,doubles,triples,tetrises,tspin_minis,tspin_singles,\
     tspin_doubles,tspin_triples,perfect_clears,attack,longest_back_to_back,highest_stack,env,\
     wall_s";

/// An open metrics file.
#[derive(Debug)]
pub struct MetricsLog {
    path: PathBuf,
    file: File,
}

impl MetricsLog {
    /// Opens `run_dir/metrics.csv` keeping its header and first `keep_games` rows (creating
    /// it when missing).
    pub fn open(run_dir: &Path, keep_games: u64) -> std::io::Result<MetricsLog> {
        fs::create_dir_all(run_dir)?;
        let path = run_dir.join(METRICS_FILE);
        let mut kept = vec![HEADER.to_string()];
        if path.is_file() {
            let mut lines = BufReader::new(File::open(&path)?).lines();
            let old_header = lines.next().transpose()?.unwrap_or_default();
            let migrate = old_header != HEADER;
            for line in lines.take(keep_games as usize) {
                let line = line?;
                kept.push(if migrate {
                    in_new_columns(&old_header, &line)
                } else {
                    line
                });
            }
        }
        let file = rewrite_for_appending(&path, &kept)?;
        Ok(MetricsLog { path, file })
    }

    /// Appends one game.
    pub fn append(&mut self, e: &EpisodeStats, wall_s: f64) -> std::io::Result<()> {
        let loss = e.loss.map_or(String::new(), |l| l.to_string());
        let q = &e.quality;
        let clears: Vec<String> = q
            .clears
            .named()
            .iter()
            .map(|(_, n)| n.to_string())
            .collect();
        writeln!(
            self.file,
            "{},{},{},{},{},{},{},{},{:.4},{:.4},{},{},{},{},{},{:.3}",
            e.game,
            e.steps,
            e.lines,
            e.score,
            e.pieces,
            e.truncated,
            e.epsilon,
            loss,
            q.tetris_rate(),
            q.attack_per_piece(),
            clears.join(","),
            q.attack,
            q.longest_back_to_back,
            q.highest_stack,
            e.env,
            wall_s
        )
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// A row of a file written with an older `header` (before the quality columns, or before
/// `env`), in [`HEADER`]'s columns: each by its name, a column it did not have empty (`env`:
/// 0, the one game played then).
fn in_new_columns(header: &str, row: &str) -> String {
    let old: Vec<&str> = header.split(',').collect();
    let values: Vec<&str> = row.split(',').collect();
    HEADER
        .split(',')
        .map(|column| match old.iter().position(|c| *c == column) {
            Some(i) => values.get(i).copied().unwrap_or(""),
            None if column == "env" => "0",
            None => "",
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Replaces the file at `path` with `lines` (through a synced temporary file renamed over
/// it, so a crash leaves the old file or the new one, never half of one), then opens it for
/// appending. The run's CSV files are cut back this way on resume.
pub(super) fn rewrite_for_appending(path: &Path, lines: &[String]) -> std::io::Result<File> {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = path.with_file_name(format!(".{name}.tmp"));
    {
        let mut f = File::create(&tmp)?;
        for line in lines {
            writeln!(f, "{line}")?;
        }
        f.sync_all()?;
    }
    fs::rename(&tmp, path)?;
    OpenOptions::new().append(true).open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn episode(game: u64) -> EpisodeStats {
        EpisodeStats {
            game,
            env: 2,
            steps: game * 10,
            lines: 3,
            score: 400,
            pieces: 10,
            truncated: false,
            epsilon: 0.5,
            loss: Some(0.25),
            quality: Default::default(),
            mean_lines_100: 3.0,
            quality_100: Default::default(),
        }
    }

    #[test]
    fn rows_append_and_resume_cuts_back() {
        let dir = std::env::temp_dir().join(format!("tdqn-metrics-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let mut log = MetricsLog::open(&dir, 0).unwrap();
        for g in 1..=5 {
            log.append(&episode(g), 1.0).unwrap();
        }
        let text = fs::read_to_string(log.path()).unwrap();
        assert_eq!(text.lines().count(), 6);
        assert_eq!(
            text.lines().nth(1).unwrap(),
            "1,10,3,400,10,false,0.5,0.25,0.0000,0.0000,0,0,0,0,0,0,0,0,0,0,0,0,2,1.000"
        );
        let columns = HEADER.split(',').count();
        assert!(text.lines().all(|l| l.split(',').count() == columns));
        // The clear columns are named and ordered as `Clears::named` has them.
        let names: Vec<&str> = episode(1).quality.clears.named().map(|(n, _)| n).to_vec();
        assert!(HEADER.contains(&names.join(",")), "{HEADER}");
        let mut log = MetricsLog::open(&dir, 3).unwrap();
        log.append(&episode(4), 2.0).unwrap();
        let text = fs::read_to_string(log.path()).unwrap();
        let games: Vec<&str> = text.lines().skip(1).map(|l| &l[..1]).collect();
        assert_eq!(games, ["1", "2", "3", "4"]);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_file_from_before_the_quality_columns_is_padded_on_resume() {
        let dir = std::env::temp_dir().join(format!("tdqn-metrics-old-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        fs::write(
            dir.join(METRICS_FILE),
            "game,steps,lines,score,pieces,truncated,epsilon,loss,wall_s\n\
             1,10,3,400,10,false,0.5,0.25,1.000\n",
        )
        .unwrap();
        let mut log = MetricsLog::open(&dir, 1).unwrap();
        log.append(&episode(2), 2.0).unwrap();
        let text = fs::read_to_string(log.path()).unwrap();
        let columns = HEADER.split(',').count();
        assert_eq!(text.lines().next(), Some(HEADER));
        assert!(
            text.lines().all(|l| l.split(',').count() == columns),
            "{text}"
        );
        assert_eq!(
            text.lines().nth(1).unwrap(),
            "1,10,3,400,10,false,0.5,0.25,,,,,,,,,,,,,,,0,1.000"
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_file_from_before_env_gets_env_0_on_resume() {
        let dir = std::env::temp_dir().join(format!("tdqn-metrics-env-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let before_env = HEADER.replace(",env,", ",");
        let row = "1,10,3,400,10,false,0.5,0.25,0.0000,0.0000,0,0,0,0,0,0,0,0,0,0,0,0,1.000";
        fs::write(dir.join(METRICS_FILE), format!("{before_env}\n{row}\n")).unwrap();
        let mut log = MetricsLog::open(&dir, 1).unwrap();
        log.append(&episode(2), 2.0).unwrap();
        let text = fs::read_to_string(log.path()).unwrap();
        let rows: Vec<&str> = text.lines().collect();
        assert_eq!(rows[0], HEADER);
        assert_eq!(
            rows[1],
            "1,10,3,400,10,false,0.5,0.25,0.0000,0.0000,0,0,0,0,0,0,0,0,0,0,0,0,0,1.000"
        );
        assert!(rows[2].ends_with(",2,2.000"), "{text}");
        fs::remove_dir_all(&dir).unwrap();
    }
}
