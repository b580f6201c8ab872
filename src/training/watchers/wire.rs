//! The watchers' wire format: JSON lines, every message one line of serde_json (compact JSON
//! never holds a raw newline, so the newline frames it; the game's types flatten some
//! structs, which the compact binary formats cannot carry). Each side first sends a
//! [`Hello`], whose layout never changes, so a client of another version learns so in words
//! instead of reading garbage. Reading is bounded: a message longer than the reader's limit
//! is refused before it is all read.

use std::io::{self, BufRead, Read, Write};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::watcher::{Snapshot, WatcherKind};
use crate::training::protocol::{BoardFrame, Command, TrainerEvent};

/// What both sides must agree on; raised whenever a message below changes.
pub const PROTOCOL: u32 = 1;
/// The first words of every hello: what is talking.
pub const MAGIC: &str = "tetris-dqn attach";
/// The longest message a client may send (a hello, a join, a command).
pub const MAX_CLIENT_MESSAGE: usize = 4 * 1024;
/// The longest message a run may send (its snapshot, with the charts' history, is the
/// largest).
pub const MAX_SERVER_MESSAGE: usize = 16 * 1024 * 1024;
/// Hex digits of a TCP token; a TCP client sends them and a newline before anything else.
pub const TOKEN_LEN: usize = 64;

/// The first message each way.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    /// Always [`MAGIC`].
    pub magic: String,
    /// [`PROTOCOL`] of the sender.
    pub protocol: u32,
    /// The sender's program version, for people.
    pub version: String,
    /// From a run: why it will not serve this client (it closes the connection next).
    pub refused: Option<String>,
}

impl Hello {
    /// This program's hello.
    pub fn ours(refused: Option<String>) -> Hello {
        Hello {
            magic: MAGIC.into(),
            protocol: PROTOCOL,
            version: version(),
            refused,
        }
    }
}

/// "0.1.0": the program version a hello names.
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// What a client sends after the hellos.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ClientMessage {
    /// Once, first: what kind of watcher this is.
    Join(WatcherKind),
    /// A command for the trainer.
    Command(Command),
}

/// What a run sends after the hellos.
// One message lives at a time, on its way to or from the socket: its size does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum ServerMessage {
    /// Once, first: the run as it is now.
    Welcome(Box<Snapshot>),
    /// One trainer event, in order.
    Event(TrainerEvent),
    /// A board frame (the newest; older ones may have been left out).
    Frame(Box<BoardFrame>),
    /// The run is dropping this client, and why; nothing follows.
    Bye(String),
}

/// Why a message could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The other side closed the connection between messages.
    #[error("the connection was closed")]
    Closed,
    /// A message longer than the limit.
    #[error("a message longer than {0} bytes")]
    TooLarge(usize),
    /// Bytes that are not a message of this protocol.
    #[error("a message that is not one of this protocol ({0})")]
    Garbage(String),
    /// Reading failed (a timeout, a reset).
    #[error("{0}")]
    Io(#[from] io::Error),
}

/// The byte that ends every message.
const END: u8 = b'\n';

/// Encodes one message, framed.
pub fn encode<T: Serialize>(message: &T) -> io::Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec(message)?;
    bytes.push(END);
    Ok(bytes)
}

/// Writes one message, serialised straight into a buffer of the writer (a snapshot is a few
/// hundred kilobytes: no copy of it is made as text).
pub fn write_message<T: Serialize>(w: &mut impl Write, message: &T) -> io::Result<()> {
    let mut buffered = io::BufWriter::with_capacity(16 * 1024, &mut *w);
    serde_json::to_writer(&mut buffered, message)?;
    buffered.write_all(&[END])?;
    buffered.flush()
}

/// Decodes one framed message (its closing newline included or not).
pub fn decode<T: DeserializeOwned>(frame: &[u8]) -> Result<T, ReadError> {
    let bytes = frame.strip_suffix(&[END]).unwrap_or(frame);
    serde_json::from_slice(bytes).map_err(|e| ReadError::Garbage(e.to_string()))
}

/// Reads one message of at most `limit` bytes.
pub fn read_message<T: DeserializeOwned>(
    r: &mut impl BufRead,
    limit: usize,
) -> Result<T, ReadError> {
    let mut frame = Vec::new();
    (&mut *r)
        .take(limit as u64 + 1)
        .read_until(END, &mut frame)?;
    match frame.last() {
        None => Err(ReadError::Closed),
        Some(&END) => decode(&frame),
        Some(_) if frame.len() > limit => Err(ReadError::TooLarge(limit)),
        Some(_) => Err(ReadError::Garbage(
            "the connection was closed mid-message".into(),
        )),
    }
}

/// A connection to or from a run: a Unix socket or TCP.
#[derive(Debug)]
pub(crate) enum Stream {
    Unix(std::os::unix::net::UnixStream),
    Tcp(std::net::TcpStream),
}

impl Stream {
    pub(crate) fn try_clone(&self) -> io::Result<Stream> {
        Ok(match self {
            Stream::Unix(s) => Stream::Unix(s.try_clone()?),
            Stream::Tcp(s) => Stream::Tcp(s.try_clone()?),
        })
    }

    /// Ends the connection both ways (a thread blocked reading or writing it returns).
    pub(crate) fn shutdown(&self) {
        let _ = match self {
            Stream::Unix(s) => s.shutdown(std::net::Shutdown::Both),
            Stream::Tcp(s) => s.shutdown(std::net::Shutdown::Both),
        };
    }

    pub(crate) fn set_read_timeout(&self, t: Option<std::time::Duration>) -> io::Result<()> {
        match self {
            Stream::Unix(s) => s.set_read_timeout(t),
            Stream::Tcp(s) => s.set_read_timeout(t),
        }
    }

    pub(crate) fn set_write_timeout(&self, t: Option<std::time::Duration>) -> io::Result<()> {
        match self {
            Stream::Unix(s) => s.set_write_timeout(t),
            Stream::Tcp(s) => s.set_write_timeout(t),
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Unix(s) => s.read(buf),
            Stream::Tcp(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Unix(s) => s.write(buf),
            Stream::Tcp(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Unix(s) => s.flush(),
            Stream::Tcp(s) => s.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::io::Cursor;
    use std::time::Duration;

    #[test]
    fn messages_go_through_and_a_long_one_is_refused() {
        let mut bytes = encode(&Hello::ours(None)).unwrap();
        bytes.extend(encode(&ClientMessage::Join(WatcherKind::Window)).unwrap());
        bytes.extend(
            encode(&ClientMessage::Command(Command::SetStepDelay(
                Duration::from_millis(40),
            )))
            .unwrap(),
        );
        let mut r = Cursor::new(bytes);
        assert_eq!(
            read_message::<Hello>(&mut r, 100).unwrap(),
            Hello::ours(None)
        );
        assert_eq!(
            read_message::<ClientMessage>(&mut r, 100).unwrap(),
            ClientMessage::Join(WatcherKind::Window)
        );
        assert!(matches!(
            read_message::<ClientMessage>(&mut r, 100).unwrap(),
            ClientMessage::Command(Command::SetStepDelay(d)) if d == Duration::from_millis(40)
        ));
        assert!(matches!(
            read_message::<ClientMessage>(&mut r, 100),
            Err(ReadError::Closed)
        ));
        let long = encode(&Hello::ours(Some("x".repeat(500)))).unwrap();
        assert!(matches!(
            read_message::<Hello>(&mut Cursor::new(long), 100),
            Err(ReadError::TooLarge(100))
        ));
    }

    #[test]
    fn a_snapshot_with_a_board_frame_goes_through() {
        use crate::game::Game;
        use crate::training::protocol::Metrics;
        let (frame, _) = BoardFrame::of_placement(&Game::new(3), 2);
        let mut status = super::super::record::RunStatus::default();
        status.record(&TrainerEvent::Metrics(Metrics {
            steps: 7,
            ..Metrics::default()
        }));
        let snapshot = Snapshot {
            info: super::super::watcher::RunInfo {
                run_name: "r".into(),
                run_dir: "checkpoints/r".into(),
                device_name: "cpu".into(),
                watching: false,
                pid: 9,
            },
            status,
            history: Default::default(),
            frame: Some(frame.clone()),
        };
        let bytes = encode(&ServerMessage::Welcome(Box::new(snapshot))).unwrap();
        let Ok(ServerMessage::Welcome(back)) =
            read_message::<ServerMessage>(&mut Cursor::new(bytes), MAX_SERVER_MESSAGE)
        else {
            panic!("no welcome");
        };
        let got = back.frame.unwrap();
        assert_eq!(got.before, frame.before);
        assert_eq!(got.placement, frame.placement);
        assert_eq!(back.status.metrics.unwrap().steps, 7);
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic_the_decoders(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let mut r = Cursor::new(bytes.clone());
            for _ in 0..8 {
                if read_message::<ClientMessage>(&mut r, MAX_CLIENT_MESSAGE).is_err() {
                    break;
                }
            }
            let mut r = Cursor::new(bytes.clone());
            for _ in 0..8 {
                if read_message::<ServerMessage>(&mut r, MAX_SERVER_MESSAGE).is_err() {
                    break;
                }
            }
            let _ = decode::<Hello>(&bytes);
        }

        #[test]
        fn a_message_with_bytes_changed_never_panics(flip in 0usize..200, to in any::<u8>()) {
            let mut bytes = encode(&ClientMessage::Command(Command::SetVisual(true))).unwrap();
            bytes.extend(encode(&Hello::ours(Some("why".into()))).unwrap());
            let i = flip % bytes.len();
            bytes[i] = to;
            let mut r = Cursor::new(bytes);
            let _ = read_message::<ClientMessage>(&mut r, MAX_CLIENT_MESSAGE);
            let _ = read_message::<Hello>(&mut r, MAX_CLIENT_MESSAGE);
        }
    }
}
