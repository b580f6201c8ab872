//! A Tetris Bot Protocol bot as a versus player: our side of the protocol (the frontend). The
//! bot runs as a child process; we send `rules`, then per game a `start` (again the moment
//! garbage changes its board), `suggest` for each piece, `play` with the move it chose and
//! `new_piece` for each piece the queue reveals. A thread reads its answers, so a bot that
//! does not answer within the move time limit, crashes, or suggests no legal move loses that
//! game (a [`Fault`]), and is started afresh for the next one.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use tbp::MaybeUnknown;
use tbp::bot_msg::BotMessage;
use tbp::data::Move;
use tbp::frontend_msg::{FrontendMessage, NewPiece, Play, Rules, Start, Stop, Suggest};
use tbp::randomizer::{RandomizerRule, RandomizerState, SevenBag};

use crate::game::{Game, Piece, Placement};
use crate::tbp::convert::{board_to_tbp, location_cells, move_of, piece_to_tbp};

use super::player::{Fault, Player, bag_left, dealt};

/// The longest a bot may take to start and say it is ready (loading a network, building
/// tables).
const STARTUP_LIMIT: Duration = Duration::from_secs(20);
/// How long to wait before asking again a bot that suggested no move.
const RETRY_AFTER: Duration = Duration::from_millis(2);

/// What the reading thread passes on.
enum Line {
    /// A protocol message.
    Message(Box<BotMessage>),
    /// A line that is not one (ignored).
    Junk,
    /// Standard output ended or failed.
    Closed(String),
}

/// The running process.
struct Running {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<Line>,
}

impl Running {
    /// Starts `command` and reads its output on a thread.
    fn spawn(command: &[String], stderr: bool) -> Result<Running, String> {
        let mut child = Command::new(&command[0])
            .args(&command[1..])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(if stderr {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", command[0]))?;
        let stdin = child.stdin.take().expect("stdin was piped");
        let stdout = child.stdout.take().expect("stdout was piped");
        let (tx, lines) = channel();
        std::thread::Builder::new()
            .name("tbp-bot-reader".into())
            .spawn(move || {
                let mut reader = BufReader::new(stdout);
                let mut buf = Vec::new();
                loop {
                    buf.clear();
                    let line = match reader.read_until(b'\n', &mut buf) {
                        Ok(0) => Line::Closed("its output ended".into()),
                        Ok(_) => match serde_json::from_slice::<BotMessage>(&buf) {
                            Ok(m) => Line::Message(Box::new(m)),
                            Err(_) => Line::Junk,
                        },
                        Err(e) => Line::Closed(format!("reading its output failed: {e}")),
                    };
                    let last = matches!(line, Line::Closed(_));
                    if tx.send(line).is_err() || last {
                        break;
                    }
                }
            })
            .map_err(|e| format!("cannot start a thread to read the bot: {e}"))?;
        Ok(Running {
            child,
            stdin,
            lines,
        })
    }

    /// Sends one message.
    fn send(&mut self, message: FrontendMessage) -> Result<(), Fault> {
        let mut line = serde_json::to_string(&message).expect("frontend messages serialise");
        line.push('\n');
        self.stdin
            .write_all(line.as_bytes())
            .and_then(|()| self.stdin.flush())
            .map_err(|e| Fault::Crashed(format!("cannot write to the bot: {e}")))
    }

    /// The next message `wanted` picks out (others are skipped), within `limit`.
    fn wait_for<T>(
        &mut self,
        limit: Duration,
        wanted: impl FnMut(BotMessage) -> Option<Result<T, Fault>>,
    ) -> Result<T, Fault> {
        self.wait_until(Instant::now() + limit, limit, wanted)
    }

    /// The next message `wanted` picks out before `deadline`, the end of a `limit` (named in
    /// the fault when it passes).
    fn wait_until<T>(
        &mut self,
        deadline: Instant,
        limit: Duration,
        mut wanted: impl FnMut(BotMessage) -> Option<Result<T, Fault>>,
    ) -> Result<T, Fault> {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(Line::Message(m)) => {
                    if let Some(answer) = wanted(*m) {
                        return answer;
                    }
                }
                Ok(Line::Junk) => {}
                Ok(Line::Closed(why)) => return Err(Fault::Crashed(self.ended(why))),
                Err(RecvTimeoutError::Timeout) => return Err(Fault::TimedOut(limit)),
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(Fault::Crashed(self.ended("its output ended".into())));
                }
            }
        }
    }

    /// `why`, with the exit status when the process has ended.
    fn ended(&mut self, why: String) -> String {
        // A moment for the exit to be seen after the pipe closes.
        for _ in 0..20 {
            if let Ok(Some(status)) = self.child.try_wait() {
                return format!("{why} ({status})");
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        why
    }

    /// Ends the process: `quit`, a moment to leave, then kill.
    fn close(mut self) {
        let _ = self.send(tbp::frontend_msg::Quit::new().into());
        for _ in 0..20 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A TBP bot playing one side.
pub struct TbpBot {
    command: Vec<String>,
    name: String,
    move_limit: Duration,
    stderr: bool,
    /// None before the first game and after a fault: started at the next game.
    running: Option<Running>,
    /// Pieces this game has shown the bot so far (the current one, the queue, new pieces).
    shown: u64,
    /// The move the bot chose, sent back as it sent it.
    chosen: Option<Move>,
}

impl TbpBot {
    /// Starts `command` (program and arguments) and greets it; `move_limit` is the longest
    /// it may take per suggestion.
    pub fn start(command: &[String], move_limit: Duration, stderr: bool) -> anyhow::Result<TbpBot> {
        let mut bot = TbpBot {
            command: command.to_vec(),
            name: command[0].clone(),
            move_limit,
            stderr,
            running: None,
            shown: 0,
            chosen: None,
        };
        bot.ensure_running().map_err(|fault| {
            let e = match fault {
                Fault::Crashed(why) => why,
                other => other.to_string(),
            };
            anyhow::anyhow!(
                "versus: the TBP bot `{}` did not start: {e} (expected a program that speaks \
                 the Tetris Bot Protocol on stdin/stdout and sends `info`, then `ready` to \
                 `rules`)",
                command.join(" ")
            )
        })?;
        Ok(bot)
    }

    /// Starts the process if it is not running: waits for its `info`, sends `rules`, waits
    /// for `ready`.
    fn ensure_running(&mut self) -> Result<(), Fault> {
        if self.running.is_some() {
            return Ok(());
        }
        let mut running = Running::spawn(&self.command, self.stderr).map_err(Fault::Crashed)?;
        let name = running.wait_for(STARTUP_LIMIT, |m| match m {
            BotMessage::Info(info) => Some(Ok(format!("{} {}", info.name, info.version))),
            _ => None,
        })?;
        let mut rules = Rules::new();
        rules.randomizer = RandomizerRule::SevenBag;
        running.send(rules.into())?;
        running.wait_for(STARTUP_LIMIT, |m| match m {
            BotMessage::Ready(_) => Some(Ok(())),
            BotMessage::Error(e) => Some(Err(Fault::Crashed(format!(
                "it refused the rules ({:?})",
                e.reason
            )))),
            _ => None,
        })?;
        self.name = name.trim().to_owned();
        self.running = Some(running);
        Ok(())
    }

    /// Runs `f` on the process; a fault ends it (it is started afresh for the next game).
    fn with_running<T>(
        &mut self,
        f: impl FnOnce(&mut Running) -> Result<T, Fault>,
    ) -> Result<T, Fault> {
        let running = self
            .running
            .as_mut()
            .ok_or_else(|| Fault::Crashed("the bot is not running".into()))?;
        let result = f(running);
        if result.is_err()
            && let Some(r) = self.running.take()
        {
            r.close();
        }
        result
    }

    /// The `start` message for `game`: its board, current piece and queue, hold, streaks and
    /// the 7-bag's pieces still to come after the queue.
    fn start_message(&self, game: &Game) -> Start {
        let queue: Vec<MaybeUnknown<tbp::data::Piece>> = std::iter::once(game.current())
            .chain(game.next())
            .map(|p| piece_to_tbp(p).into())
            .collect();
        let mut start = Start::new(
            game.hold().map(|p| piece_to_tbp(p).into()),
            queue,
            // Ours counts from -1 (no clears in a row); TBP's from 0.
            (game.score().combo + 1).max(0) as u32,
            game.score().back_to_back,
            board_to_tbp(game.board()),
        );
        start.randomizer = RandomizerState::SevenBag(SevenBag::new(
            bag_left(game)
                .into_iter()
                .map(piece_to_tbp)
                .collect::<Vec<_>>(),
        ));
        start
    }
}

impl Player for TbpBot {
    fn name(&self) -> &str {
        &self.name
    }

    fn new_game(&mut self, game: &Game) -> Result<(), Fault> {
        self.ensure_running()?;
        self.shown = dealt(game);
        self.chosen = None;
        // Sent now, so that a bot that thinks in the background has the spawn delay.
        let start = self.start_message(game);
        self.with_running(|r| r.send(start.into()))
    }

    fn choose(&mut self, game: &Game, _pending: u32) -> Result<Option<Placement>, Fault> {
        let limit = self.move_limit;
        let deadline = Instant::now() + limit;
        // A bot that has not searched yet may answer with no moves: it is asked again until
        // the limit; no moves then is giving up.
        let moves = self.with_running(|r| {
            loop {
                r.send(Suggest::new().into())?;
                let moves = r.wait_until(deadline, limit, |m| match m {
                    BotMessage::Suggestion(s) => Some(Ok(s.moves)),
                    _ => None,
                })?;
                if !moves.is_empty() || Instant::now() + RETRY_AFTER >= deadline {
                    return Ok(moves);
                }
                std::thread::sleep(RETRY_AFTER);
            }
        })?;
        let found = moves.iter().find_map(|mv| legal(game, mv).map(|p| (mv, p)));
        match found {
            Some((mv, p)) => {
                self.chosen = Some(mv.clone());
                Ok(Some(p))
            }
            None => {
                let what = match moves.first() {
                    None => format!(
                        "it suggested no move within {} ms (gave up)",
                        limit.as_millis()
                    ),
                    Some(mv) => format!(
                        "none of its {} moves can be played (the first: {})",
                        moves.len(),
                        serde_json::to_string(mv).unwrap_or_default()
                    ),
                };
                if let Some(r) = self.running.take() {
                    r.close();
                }
                Err(Fault::Illegal(what))
            }
        }
    }

    fn played(&mut self, placement: &Placement, game: &Game, garbage: bool) -> Result<(), Fault> {
        let mv = self.chosen.take().unwrap_or_else(|| move_of(placement));
        let now = dealt(game);
        let new: Vec<Piece> = {
            let next: Vec<Piece> = game.next().collect();
            let count = (now.saturating_sub(self.shown) as usize).min(next.len());
            next[next.len() - count..].to_vec()
        };
        self.shown = now;
        if garbage {
            // Its board is no longer what its move made: a fresh start, at once.
            let start = self.start_message(game);
            return self.with_running(|r| r.send(start.into()));
        }
        self.with_running(|r| {
            r.send(Play::new(mv).into())?;
            for p in new {
                r.send(NewPiece::new(piece_to_tbp(p).into()).into())?;
            }
            Ok(())
        })
    }

    fn end_game(&mut self) {
        let _ = self.with_running(|r| r.send(Stop::new().into()));
    }
}

impl Drop for TbpBot {
    fn drop(&mut self) {
        if let Some(r) = self.running.take() {
            r.close();
        }
    }
}

/// The placement of `game` a TBP move names, when it is one: the piece is the current one or
/// the one hold brings in, its cells are reachable from spawn; a T-spin counts only when the
/// bot claims one and our engine finds it there.
fn legal(game: &Game, mv: &Move) -> Option<Placement> {
    let (piece, cells) = location_cells(&mv.location).ok()?;
    let claims_spin = !matches!(mv.spin, MaybeUnknown::Known(tbp::data::Spin::None));
    game.placements()
        .into_iter()
        .find(|p| {
            p.piece() == piece
                && p.cell_key() == cells
                && (p.uses_hold() == (piece != game.current()))
        })
        .map(|p| {
            if claims_spin {
                p
            } else {
                p.with_tspin(crate::game::TSpin::None)
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bag_left_is_what_the_queue_has_not_shown() {
        let mut game = Game::new(5);
        for _ in 0..30 {
            let left = bag_left(&game);
            // The pieces in view from the last bag boundary, and what is left, make a bag.
            let into_bag = (dealt(&game) % 7) as usize;
            assert_eq!(left.len(), 7 - into_bag);
            let p = crate::game::dellacherie::choose(&game, true).unwrap();
            game.place(&p).unwrap();
        }
    }

    #[test]
    fn a_move_is_legal_only_where_its_piece_can_go() {
        let game = Game::new(3);
        let p = game.placements()[0];
        assert_eq!(
            legal(&game, &move_of(&p)).map(|q| q.cell_key()),
            Some(p.cell_key())
        );
        let mut far = move_of(&p);
        far.location.y += 30;
        assert_eq!(legal(&game, &far), None);
    }
}
