//! Run folders and who writes them: one process at a time (a lock the OS releases when the
//! process dies, so a run killed with -9 can be resumed at once), and resuming anything but a
//! run's newest `latest` branches into a new folder that starts with the run's history up to
//! the checkpoint, so no run's files are ever rewritten by continuing an older state.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use super::checkpoint::Slot;
use super::eval_log::EVALS_FILE;
use super::metrics_log::METRICS_FILE;

/// The watchers' socket in a run folder, there while the run trains.
pub const SOCKET_FILE: &str = "attach.sock";
/// The TCP token in a run folder, there while the run serves TCP.
pub const TOKEN_FILE: &str = "attach.token";

/// The lock file inside a run folder.
pub const LOCK_FILE: &str = ".lock";

/// Why a run folder cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum RunFolderError {
    /// Another process holds the folder's lock.
    #[error(
        "run folder {dir} is in use by another process ({holder}); stop that run first, or \
         choose another --run-dir"
    )]
    Busy { dir: PathBuf, holder: String },
    /// The file system refused.
    #[error("run folder {path}: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> RunFolderError + '_ {
    move |error| RunFolderError::Io {
        path: path.to_owned(),
        error,
    }
}

/// The exclusive right to write one run folder, for as long as this value lives (or the
/// process does: the OS drops the lock with it).
#[derive(Debug)]
pub struct RunLock {
    _file: File,
}

impl RunLock {
    /// Takes `dir`'s lock (creating the folder), or names the process that holds it.
    pub fn acquire(dir: &Path) -> Result<RunLock, RunFolderError> {
        fs::create_dir_all(dir).map_err(io(dir))?;
        let path = dir.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io(&path))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = match holder.trim() {
                    "" => "a process that has not yet written its id".to_string(),
                    text => text.replace('\n', ", "),
                };
                return Err(RunFolderError::Busy {
                    dir: dir.to_owned(),
                    holder,
                });
            }
            Err(TryLockError::Error(error)) => return Err(io(&path)(error)),
        }
        // Ours now: say who holds it, for the next one who asks.
        let me = format!(
            "process {}: {}\n",
            std::process::id(),
            std::env::args().collect::<Vec<_>>().join(" ")
        );
        file.set_len(0).map_err(io(&path))?;
        file.write_all(me.as_bytes()).map_err(io(&path))?;
        file.flush().map_err(io(&path))?;
        Ok(RunLock { _file: file })
    }
}

/// The run folder a checkpoint folder belongs to (its parent), when that is a run folder
/// (it has a `latest`, `best` or metrics file).
pub fn run_of(checkpoint: &Path) -> Option<PathBuf> {
    let parent = checkpoint
        .components()
        .as_path()
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let is_run = [Slot::Latest.name(), Slot::Best.name(), METRICS_FILE]
        .iter()
        .any(|f| parent.join(f).exists());
    is_run.then_some(parent)
}

/// Whether `checkpoint` is the newest `latest` of the run folder `run`: the one checkpoint a
/// run may continue in place.
pub fn is_newest_latest(run: &Path, checkpoint: &Path) -> bool {
    same_folder(&run.join(Slot::Latest.name()), checkpoint)
}

/// Whether two paths name the same existing folder.
pub fn same_folder(a: &Path, b: &Path) -> bool {
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// A new folder for a branch of the checkpoint `checkpoint` at step `steps`: beside its run
/// folder when it has one, `<run>-from-<steps>` (with `-2`, `-3`, ... when taken), otherwise
/// `checkpoints/<checkpoint folder>-from-<steps>`.
pub fn branch_dir(checkpoint: &Path, steps: u64) -> PathBuf {
    let (parent, name) = match run_of(checkpoint) {
        Some(run) => {
            let name = fs::canonicalize(&run)
                .ok()
                .and_then(|r| r.file_name().map(|n| n.to_string_lossy().into_owned()))
                .unwrap_or_else(|| "run".into());
            let parent = run
                .parent()
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
            (parent, name)
        }
        None => {
            let name = checkpoint
                .file_name()
                .map_or_else(|| "run".into(), |n| n.to_string_lossy().into_owned());
            (PathBuf::from("checkpoints"), name)
        }
    };
    let base = format!("{name}-from-{steps}");
    let mut dir = parent.join(&base);
    let mut n = 2;
    while dir.exists() {
        dir = parent.join(format!("{base}-{n}"));
        n += 1;
    }
    dir
}

/// Copies the run's history files (`metrics.csv`, `evals.csv`) from `from` into the new run
/// folder `to`, where opening them cuts them back to the branch's checkpoint. Files `from`
/// does not have are skipped; nothing in `from` changes.
pub fn copy_history(from: &Path, to: &Path) -> Result<(), RunFolderError> {
    fs::create_dir_all(to).map_err(io(to))?;
    for name in [METRICS_FILE, EVALS_FILE] {
        let source = from.join(name);
        if source.is_file() {
            let target = to.join(name);
            fs::copy(&source, &target).map_err(io(&target))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("tdqn-run-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn a_second_lock_on_a_folder_is_refused_with_the_holder_and_free_once_dropped() {
        let dir = temp("lock");
        let first = RunLock::acquire(&dir).unwrap();
        let err = RunLock::acquire(&dir).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains(&format!("process {}", std::process::id())),
            "{text}"
        );
        assert!(text.contains("in use by another process"), "{text}");
        drop(first);
        RunLock::acquire(&dir).unwrap();
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn only_the_newest_latest_continues_in_place_and_branches_get_free_names() {
        let root = temp("branch");
        let run = root.join("smoke-1");
        fs::create_dir_all(run.join(".latest-2")).unwrap();
        fs::create_dir_all(run.join(".best-1")).unwrap();
        std::os::unix::fs::symlink(".latest-2", run.join("latest")).unwrap();
        std::os::unix::fs::symlink(".best-1", run.join("best")).unwrap();
        assert!(is_newest_latest(&run, &run.join("latest")));
        assert!(is_newest_latest(&run, &run.join(".latest-2")));
        assert!(!is_newest_latest(&run, &run.join("best")));
        assert_eq!(run_of(&run.join("best")), Some(run.clone()));
        assert_eq!(
            branch_dir(&run.join("best"), 1000),
            root.join("smoke-1-from-1000")
        );
        fs::create_dir_all(root.join("smoke-1-from-1000")).unwrap();
        assert_eq!(
            branch_dir(&run.join("best"), 1000),
            root.join("smoke-1-from-1000-2")
        );
        // A checkpoint outside any run (a shipped agent) branches under checkpoints/.
        let lone = root.join("agents").join("tetris");
        fs::create_dir_all(&lone).unwrap();
        assert_eq!(run_of(&lone), None);
        assert_eq!(
            branch_dir(&lone, 7),
            PathBuf::from("checkpoints").join("tetris-from-7")
        );
        fs::remove_dir_all(&root).unwrap();
    }
}
