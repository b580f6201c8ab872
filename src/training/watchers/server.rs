//! Serves a run's watchers to other processes: a Unix socket `attach.sock` in the run folder
//! that only its owner may use (0600), and, when asked, TCP, where a client must first send
//! the token the run wrote to `attach.token` (0600) in its folder. Each connection gets two
//! threads: one reads its commands, one writes its events and at most [`FRAMES_PER_S`]
//! board frames a second. Anything wrong (garbage, an unknown or oversized message, a wrong
//! token, a client that stops reading) ends that connection with a logged reason; the run
//! goes on.

use std::fs;
use std::io::{BufReader, Read};
use std::net::{SocketAddr, TcpListener};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::select;

use super::hub::{Hub, Shared};
use super::watcher::{Farewell, Watcher, WatcherKind};
use super::wire::{
    self, ClientMessage, Hello, MAX_CLIENT_MESSAGE, ReadError, ServerMessage, Stream, TOKEN_LEN,
};
use crate::training::run_folder::{SOCKET_FILE, TOKEN_FILE};
/// Board frames a second a remote window gets at most (the newest each time).
pub const FRAMES_PER_S: u32 = 30;
/// Connections served at once; more are refused.
pub const MOST_CONNECTIONS: usize = 64;
/// How long a new connection has to say who it is.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a write may wait for a client that does not read before it is dropped.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// Why the run could not be served.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The socket could not be made.
    #[error(
        "cannot make the attach socket {path}: {error} (a Unix socket path must be under 108 \
         bytes; a shorter --run-dir helps)"
    )]
    Socket {
        path: PathBuf,
        error: std::io::Error,
    },
    /// The TCP address could not be listened on.
    #[error("--listen {addr}: {error}")]
    Listen { addr: String, error: std::io::Error },
    /// The token could not be written.
    #[error("cannot write the attach token {path}: {error}")]
    Token {
        path: PathBuf,
        error: std::io::Error,
    },
}

/// The listeners of one run; dropping it removes the socket and token files.
#[derive(Debug)]
pub struct Server {
    socket: PathBuf,
    token: Option<PathBuf>,
    tcp: Option<SocketAddr>,
}

impl Server {
    /// Starts serving `hub`'s run from `run_dir` (whose lock this process holds, so a socket
    /// already there is a dead run's and is replaced), and on `tcp` if given (from
    /// [`bind_tcp`], bound before the run started so that a bad address starts nothing).
    pub fn start(
        hub: &Hub,
        run_dir: &Path,
        tcp: Option<TcpListener>,
    ) -> Result<Server, ServeError> {
        let socket = run_dir.join(SOCKET_FILE);
        let unix = bind_private(run_dir, &socket)?;
        let connections = Arc::new(AtomicUsize::new(0));
        let shared = hub.shared().clone();
        {
            let (shared, connections) = (shared.clone(), connections.clone());
            spawn("attach-unix", move || {
                for conn in unix.incoming() {
                    match conn {
                        Ok(s) => {
                            admit(Stream::Unix(s), "local".into(), None, &shared, &connections)
                        }
                        Err(e) => pause_after_error(&e),
                    }
                }
            });
        }
        let mut server = Server {
            socket,
            token: None,
            tcp: None,
        };
        if let Some(listener) = tcp {
            let token_path = run_dir.join(TOKEN_FILE);
            let token = write_token(&token_path)?;
            server.token = Some(token_path);
            server.tcp = listener.local_addr().ok();
            spawn("attach-tcp", move || {
                for conn in listener.incoming() {
                    match conn {
                        Ok(s) => {
                            let peer = s.peer_addr().map_or("?".into(), |a| a.to_string());
                            let _ = s.set_nodelay(true);
                            admit(
                                Stream::Tcp(s),
                                peer,
                                Some(token.clone()),
                                &shared,
                                &connections,
                            );
                        }
                        Err(e) => pause_after_error(&e),
                    }
                }
            });
        }
        Ok(server)
    }

    /// The TCP address listened on, if any.
    pub fn tcp_addr(&self) -> Option<SocketAddr> {
        self.tcp
    }

    /// The token file, if TCP is served.
    pub fn token_path(&self) -> Option<&Path> {
        self.token.as_deref()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.socket);
        if let Some(token) = &self.token {
            let _ = fs::remove_file(token);
        }
    }
}

/// Binds `--listen ADDR:PORT` ("7878" alone: loopback).
pub fn bind_tcp(addr: &str) -> Result<TcpListener, ServeError> {
    let addr = listen_address(addr);
    TcpListener::bind(&addr).map_err(|error| ServeError::Listen { addr, error })
}

/// "7878" and ":7878" listen on loopback; anything else is the address named.
fn listen_address(addr: &str) -> String {
    let port = addr.strip_prefix(':').unwrap_or(addr);
    if port.parse::<u16>().is_ok() {
        format!("127.0.0.1:{port}")
    } else {
        addr.to_string()
    }
}

/// Binds the socket under a temporary name, makes it the owner's only, then renames it into
/// place: no one can connect before it is private, and a dead run's socket is replaced.
fn bind_private(run_dir: &Path, socket: &Path) -> Result<UnixListener, ServeError> {
    let err = |error| ServeError::Socket {
        path: socket.to_owned(),
        error,
    };
    let tmp = run_dir.join(format!(".attach-{}.sock", std::process::id()));
    let _ = fs::remove_file(&tmp);
    let listener = UnixListener::bind(&tmp).map_err(err)?;
    let private = fs::set_permissions(&tmp, fs::Permissions::from_mode(0o600))
        .and_then(|()| fs::rename(&tmp, socket));
    if let Err(e) = private {
        let _ = fs::remove_file(&tmp);
        return Err(err(e));
    }
    Ok(listener)
}

/// A fresh random token in a file only the owner can read.
fn write_token(path: &Path) -> Result<String, ServeError> {
    let err = |error| ServeError::Token {
        path: path.to_owned(),
        error,
    };
    let mut bytes = [0u8; TOKEN_LEN / 2];
    getrandom::fill(&mut bytes).map_err(|e| err(std::io::Error::other(e.to_string())))?;
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let tmp = path.with_extension("token.tmp");
    let _ = fs::remove_file(&tmp);
    let written = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .and_then(|mut f| std::io::Write::write_all(&mut f, format!("{token}\n").as_bytes()))
        .and_then(|()| fs::rename(&tmp, path));
    written.map_err(err)?;
    Ok(token)
}

fn spawn(name: &str, f: impl FnOnce() + Send + 'static) {
    if let Err(e) = std::thread::Builder::new().name(name.into()).spawn(f) {
        tracing::error!("cannot start the {name} thread: {e}");
    }
}

/// Out of file descriptors and the like: wait a little rather than spin.
fn pause_after_error(e: &std::io::Error) {
    tracing::warn!("accepting a watcher failed: {e}");
    std::thread::sleep(Duration::from_millis(100));
}

/// Why the handshake's `what` (hello, join) did not come.
fn handshake_failed(what: &str, e: ReadError) -> String {
    match e {
        ReadError::Io(e) if is_timeout(&e) => {
            format!("it sent no {what} within {} s", HANDSHAKE_TIMEOUT.as_secs())
        }
        e => format!("no {what}: {e}"),
    }
}

fn is_timeout(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    )
}

/// Serves one connection on its own thread, up to [`MOST_CONNECTIONS`] at once.
fn admit(
    stream: Stream,
    peer: String,
    token: Option<String>,
    shared: &Arc<Shared>,
    connections: &Arc<AtomicUsize>,
) {
    if connections.fetch_add(1, Ordering::SeqCst) >= MOST_CONNECTIONS {
        connections.fetch_sub(1, Ordering::SeqCst);
        tracing::warn!("watcher from {peer} refused: {MOST_CONNECTIONS} already connected");
        return;
    }
    let (shared, connections) = (shared.clone(), connections.clone());
    spawn("watcher", move || {
        match serve(stream, &peer, token.as_deref(), &shared) {
            Err(why) => tracing::warn!("watcher from {peer} disconnected: {why}"),
            Ok(WatcherKind::Status) => {}
            Ok(kind) => tracing::info!("a {kind:?} watcher from {peer} left"),
        }
        connections.fetch_sub(1, Ordering::SeqCst);
    });
}

/// The whole life of one connection; `Err` says why it was cut.
fn serve(
    mut stream: Stream,
    peer: &str,
    token: Option<&str>,
    shared: &Arc<Shared>,
) -> Result<WatcherKind, String> {
    let io = |e: std::io::Error| e.to_string();
    stream
        .set_read_timeout(Some(HANDSHAKE_TIMEOUT))
        .map_err(io)?;
    stream.set_write_timeout(Some(WRITE_TIMEOUT)).map_err(io)?;
    if let Some(token) = token {
        check_token(&mut stream, token)?;
    }
    let mut reader = BufReader::new(stream.try_clone().map_err(io)?);
    let kind = handshake(&mut stream, &mut reader)?;
    let mut watcher = Hub::watch_shared(shared, kind);
    let snapshot = watcher
        .take_snapshot()
        .expect("a new watcher has its snapshot");
    wire::write_message(&mut stream, &ServerMessage::Welcome(Box::new(snapshot))).map_err(io)?;
    if kind == WatcherKind::Status {
        return Ok(kind);
    }
    tracing::info!("a {kind:?} watcher joined from {peer}");
    stream.set_read_timeout(None).map_err(io)?;
    let writer = {
        let (stream, events, frames) = (
            stream.try_clone().map_err(io)?,
            watcher.events().clone(),
            watcher.frames().clone(),
        );
        let farewell = watcher.farewell_handle();
        std::thread::Builder::new()
            .name("watcher-writer".into())
            .spawn(move || write_all(stream, events, frames, &farewell))
            .map_err(io)?
    };
    let ended = read_commands(&mut reader, &watcher);
    // Either side's end ends both: the writer returns once its queue closes or its socket
    // shuts.
    stream.shutdown();
    drop(watcher);
    let wrote = writer.join().unwrap_or(Err("the writer failed".into()));
    ended.and(wrote).map(|()| kind)
}

/// A TCP client's first bytes must be the token and a newline; anything else is refused
/// before a message is read.
fn check_token(stream: &mut Stream, token: &str) -> Result<(), String> {
    let mut given = [0u8; TOKEN_LEN + 1];
    let read = stream.read_exact(&mut given);
    let expected = format!("{token}\n");
    // Compared as hashes: in constant time.
    if read.is_ok() && blake3::hash(&given) == blake3::hash(expected.as_bytes()) {
        return Ok(());
    }
    let refusal = Hello::ours(Some(
        "wrong or missing token (it is in the run folder's attach.token)".into(),
    ));
    let _ = wire::write_message(stream, &refusal);
    stream.shutdown();
    Err("refused: wrong or missing token".into())
}

/// The hellos and the join: the kind of watcher the client is, or why it cannot be served
/// (another protocol is told why in the run's hello).
fn handshake(stream: &mut Stream, reader: &mut BufReader<Stream>) -> Result<WatcherKind, String> {
    let hello: Hello =
        wire::read_message(reader, MAX_CLIENT_MESSAGE).map_err(|e| handshake_failed("hello", e))?;
    if hello.magic != wire::MAGIC {
        return Err("its hello is not a tetris-dqn attach hello".into());
    }
    if hello.protocol != wire::PROTOCOL {
        let why = format!(
            "this run speaks attach protocol {} (tetris-dqn {}), the client {} (tetris-dqn {}); \
             attach with the tetris-dqn that started the run",
            wire::PROTOCOL,
            wire::version(),
            hello.protocol,
            hello.version
        );
        let _ = wire::write_message(stream, &Hello::ours(Some(why.clone())));
        return Err(why);
    }
    wire::write_message(stream, &Hello::ours(None)).map_err(|e| e.to_string())?;
    match wire::read_message(reader, MAX_CLIENT_MESSAGE) {
        Ok(ClientMessage::Join(kind)) => Ok(kind),
        Ok(other) => Err(format!("it sent {other:?} before joining")),
        Err(e) => Err(handshake_failed("join", e)),
    }
}

/// Reads commands until the client leaves (Ok) or sends something wrong (Err).
fn read_commands(reader: &mut BufReader<Stream>, watcher: &Watcher) -> Result<(), String> {
    loop {
        match wire::read_message(reader, MAX_CLIENT_MESSAGE) {
            Ok(ClientMessage::Command(c)) => {
                // Checked as a local command is.
                watcher.send(c);
            }
            Ok(ClientMessage::Join(_)) => return Err("it joined twice".into()),
            Err(ReadError::Closed) => return Ok(()),
            Err(e) => return Err(format!("it sent {e}")),
        }
    }
}

/// Writes events as they come and the newest frame at most [`FRAMES_PER_S`] times a second,
/// until the queue closes (then a `Bye` with the reason, if the hub gave one) or a write
/// fails.
fn write_all(
    mut stream: Stream,
    events: crossbeam_channel::Receiver<crate::training::TrainerEvent>,
    frames: crossbeam_channel::Receiver<Arc<crate::training::BoardFrame>>,
    farewell: &Farewell,
) -> Result<(), String> {
    let interval = Duration::from_secs(1) / FRAMES_PER_S;
    let mut last_frame = Instant::now() - interval;
    let mut waiting = None;
    let fail = |stream: &Stream, e: std::io::Error| {
        stream.shutdown();
        use std::io::ErrorKind::{BrokenPipe, ConnectionAborted, ConnectionReset};
        match e.kind() {
            // It closed its end (a window closed, a process killed): it left.
            BrokenPipe | ConnectionReset | ConnectionAborted => Ok(()),
            _ if is_timeout(&e) => {
                Err(format!("it took nothing for {} s", WRITE_TIMEOUT.as_secs()))
            }
            _ => Err(format!("writing to it failed: {e}")),
        }
    };
    loop {
        let due = (last_frame + interval).saturating_duration_since(Instant::now());
        let timeout = if waiting.is_some() {
            due
        } else {
            Duration::from_secs(3600)
        };
        select! {
            recv(events) -> event => match event {
                Ok(event) => {
                    if let Err(e) = wire::write_message(&mut stream, &ServerMessage::Event(event)) {
                        return fail(&stream, e);
                    }
                }
                Err(_) => {
                    if let Some(why) = farewell.get() {
                        let _ = wire::write_message(&mut stream, &ServerMessage::Bye(why.clone()));
                        stream.shutdown();
                        return Err(why);
                    }
                    let _ = wire::write_message(&mut stream, &ServerMessage::Bye("the run has ended".into()));
                    stream.shutdown();
                    return Ok(());
                }
            },
            recv(frames) -> frame => {
                if let Ok(frame) = frame {
                    waiting = Some(frame);
                }
            },
            default(timeout) => {}
        }
        if waiting.is_some() && last_frame.elapsed() >= interval {
            let frame = waiting.take().expect("checked");
            let message = ServerMessage::Frame(Box::new((*frame).clone()));
            if let Err(e) = wire::write_message(&mut stream, &message) {
                return fail(&stream, e);
            }
            last_frame = Instant::now();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_port_listens_on_loopback_only() {
        assert_eq!(listen_address("7878"), "127.0.0.1:7878");
        assert_eq!(listen_address(":7878"), "127.0.0.1:7878");
        assert_eq!(listen_address("0.0.0.0:7878"), "0.0.0.0:7878");
        assert_eq!(listen_address("[::1]:7878"), "[::1]:7878");
    }
}
