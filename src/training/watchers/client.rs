//! The other end of [`super::server`]: `tetris-dqn attach` connects to a run's socket (or its
//! TCP address with the token), checks the hello, and turns the connection into a
//! [`Watcher`] (a reader thread feeds its queues, a writer thread sends its commands), or
//! asks for one snapshot to list the runs that are going.

use std::fs;
use std::io::{BufReader, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::TrySendError;

use super::attach_error::AttachError;
use super::watcher::{Farewell, Snapshot, Source, WATCHER_QUEUE, Watcher, WatcherKind};
use super::wire::{
    self, ClientMessage, Hello, MAX_SERVER_MESSAGE, ReadError, ServerMessage, Stream,
};
use crate::training::protocol::Command;
use crate::training::run_folder::SOCKET_FILE;

/// How long a run has to answer the hello.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);

/// Where a run is served.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Address {
    /// A run folder's socket (the folder itself).
    Folder(PathBuf),
    /// TCP, with the token to present.
    Tcp { addr: String, token: String },
}

impl std::fmt::Display for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Address::Folder(dir) => write!(f, "{}", dir.display()),
            Address::Tcp { addr, .. } => f.write_str(addr),
        }
    }
}

impl Address {
    /// `RUN_DIR` or `HOST:PORT`; a TCP address takes its token from `token` or the file
    /// `token_file`.
    pub fn parse(
        target: &str,
        token: Option<String>,
        token_file: Option<&Path>,
    ) -> Result<Address, AttachError> {
        let looks_tcp = !Path::new(target).exists()
            && target
                .rsplit_once(':')
                .is_some_and(|(_, port)| port.parse::<u16>().is_ok());
        if !looks_tcp {
            return Ok(Address::Folder(PathBuf::from(target)));
        }
        let token = match (token, token_file) {
            (Some(t), _) => t,
            (None, Some(path)) => fs::read_to_string(path)
                .map_err(|error| AttachError::TokenFile {
                    path: path.to_owned(),
                    error,
                })?
                .trim()
                .to_string(),
            (None, None) => String::new(),
        };
        Ok(Address::Tcp {
            addr: target.to_string(),
            token,
        })
    }

    fn open(&self) -> Result<Stream, AttachError> {
        let io = |error| AttachError::Io {
            address: self.to_string(),
            error,
        };
        match self {
            Address::Folder(dir) => {
                let socket = dir.join(SOCKET_FILE);
                match UnixStream::connect(&socket) {
                    Ok(s) => Ok(Stream::Unix(s)),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        Err(AttachError::NoSocket(dir.clone()))
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                        Err(AttachError::NotRunning(dir.clone()))
                    }
                    Err(e) => Err(io(e)),
                }
            }
            Address::Tcp { addr, token } => {
                let mut s = TcpStream::connect(addr).map_err(io)?;
                let _ = s.set_nodelay(true);
                s.write_all(format!("{token}\n").as_bytes()).map_err(io)?;
                Ok(Stream::Tcp(s))
            }
        }
    }
}

/// Connects, exchanges hellos and joins; returns the stream, its reader and the snapshot.
fn join(
    address: &Address,
    kind: WatcherKind,
) -> Result<(Stream, BufReader<Stream>, Snapshot), AttachError> {
    let mut stream = address.open()?;
    let io = |error| AttachError::Io {
        address: address.to_string(),
        error,
    };
    let not_a_run = |why: String| AttachError::NotARun {
        address: address.to_string(),
        why,
    };
    stream.set_read_timeout(Some(ANSWER_TIMEOUT)).map_err(io)?;
    wire::write_message(&mut stream, &Hello::ours(None)).map_err(io)?;
    let mut reader = BufReader::new(stream.try_clone().map_err(io)?);
    let hello: Hello = match wire::read_message(&mut reader, wire::MAX_CLIENT_MESSAGE) {
        Ok(h) => h,
        Err(ReadError::Closed) if matches!(address, Address::Tcp { .. }) => {
            return Err(AttachError::Refused {
                address: address.to_string(),
                why: "it closed the connection (a wrong or missing token?)".into(),
            });
        }
        Err(e) => return Err(not_a_run(e.to_string())),
    };
    if hello.magic != wire::MAGIC {
        return Err(not_a_run("its hello is not tetris-dqn's".into()));
    }
    if let Some(why) = hello.refused {
        return Err(AttachError::Refused {
            address: address.to_string(),
            why,
        });
    }
    if hello.protocol != wire::PROTOCOL {
        return Err(AttachError::Refused {
            address: address.to_string(),
            why: format!(
                "it speaks attach protocol {} (tetris-dqn {}), this tetris-dqn {} ({}); attach \
                 with the tetris-dqn that started the run",
                hello.protocol,
                hello.version,
                wire::PROTOCOL,
                wire::version()
            ),
        });
    }
    wire::write_message(&mut stream, &ClientMessage::Join(kind)).map_err(io)?;
    let snapshot = match wire::read_message(&mut reader, MAX_SERVER_MESSAGE) {
        Ok(ServerMessage::Welcome(s)) if s.history.is_bounded() => *s,
        Ok(ServerMessage::Bye(why)) => {
            return Err(AttachError::Refused {
                address: address.to_string(),
                why,
            });
        }
        Ok(_) => return Err(not_a_run("it sent no welcome".into())),
        Err(e) => return Err(not_a_run(e.to_string())),
    };
    stream.set_read_timeout(None).map_err(io)?;
    Ok((stream, reader, snapshot))
}

/// The run at `address` as it is now.
pub fn status(address: &Address) -> Result<Snapshot, AttachError> {
    join(address, WatcherKind::Status).map(|(_, _, snapshot)| snapshot)
}

/// Watches the run at `address`.
pub fn connect(address: &Address, kind: WatcherKind) -> Result<Watcher, AttachError> {
    let (stream, reader, snapshot) = join(address, kind)?;
    let io = |error| AttachError::Io {
        address: address.to_string(),
        error,
    };
    let (events_tx, events) = crossbeam_channel::bounded(WATCHER_QUEUE);
    let (frames_tx, frames) = crossbeam_channel::bounded(1);
    let (commands, commands_rx) = crossbeam_channel::unbounded::<Command>();
    let farewell = Farewell::default();
    {
        let (farewell, stale) = (farewell.clone(), frames.clone());
        let mut reader = reader;
        std::thread::Builder::new()
            .name("attach-reader".into())
            .spawn(move || {
                loop {
                    match wire::read_message(&mut reader, MAX_SERVER_MESSAGE) {
                        Ok(ServerMessage::Event(e)) => {
                            // Waits when the window is behind: the run then drops this
                            // watcher, never the other way round.
                            if events_tx.send(e).is_err() {
                                return;
                            }
                        }
                        Ok(ServerMessage::Frame(f)) => {
                            let f = Arc::new(*f);
                            if let Err(TrySendError::Full(f)) = frames_tx.try_send(f) {
                                let _ = stale.try_recv();
                                let _ = frames_tx.try_send(f);
                            }
                        }
                        Ok(ServerMessage::Bye(why)) => return farewell.say(why),
                        Ok(ServerMessage::Welcome(_)) => {
                            return farewell.say("the run broke the protocol (a second welcome)");
                        }
                        Err(ReadError::Closed) => return farewell.say("the run has gone"),
                        Err(e) => return farewell.say(format!("the connection was lost: {e}")),
                    }
                }
            })
            .map_err(io)?;
    }
    {
        let mut stream = stream;
        std::thread::Builder::new()
            .name("attach-writer".into())
            .spawn(move || {
                for c in commands_rx {
                    if wire::write_message(&mut stream, &ClientMessage::Command(c)).is_err() {
                        break;
                    }
                }
                // The watcher is gone (closed window): leave, which ends the reader too.
                stream.shutdown();
            })
            .map_err(io)?;
    }
    Ok(Watcher::new(
        snapshot.info.clone(),
        kind,
        snapshot,
        events,
        frames,
        commands,
        farewell,
        Box::new(address.clone()),
    ))
}

impl Source for Address {
    fn rejoin(&self, kind: WatcherKind) -> Result<Watcher, AttachError> {
        connect(self, kind)
    }

    /// The connection's own threads end it when the watcher's command sender goes.
    fn leave(&self) {}

    fn address(&self) -> Option<String> {
        Some(self.to_string())
    }
}

/// One run folder with a socket, as `attach --list` shows it.
#[derive(Debug)]
pub struct Listed {
    pub dir: PathBuf,
    /// Its snapshot, or why there is none (not running: a dead socket).
    pub status: Result<Snapshot, AttachError>,
    /// When its socket was made (the newest running run is attach's default).
    pub since: std::time::SystemTime,
}

/// Every folder under `checkpoints` with a socket, newest socket first.
pub fn list(checkpoints: &Path) -> Vec<Listed> {
    let Ok(entries) = fs::read_dir(checkpoints) else {
        return vec![];
    };
    let mut found: Vec<Listed> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter_map(|dir| {
            let meta = fs::symlink_metadata(dir.join(SOCKET_FILE)).ok()?;
            let since = meta.modified().unwrap_or(std::time::UNIX_EPOCH);
            let status = status(&Address::Folder(dir.clone()));
            Some(Listed { dir, status, since })
        })
        .collect();
    found.sort_by_key(|l| std::cmp::Reverse(l.since));
    found
}

/// The newest running run under `checkpoints`.
pub fn newest_running(checkpoints: &Path) -> Result<PathBuf, AttachError> {
    list(checkpoints)
        .into_iter()
        .find(|l| l.status.as_ref().is_ok_and(|s| s.status.finished.is_none()))
        .map(|l| l.dir)
        .ok_or_else(|| AttachError::NoneRunning(checkpoints.to_owned()))
}
