//! `tetris-dqn tbp`: a Tetris Bot Protocol bot on standard input and output, playing with a
//! trained agent. The bot keeps the frontend's position (board, hold, queue, combo,
//! back-to-back, and the 7-bag's state when the frontend shares it) in step through `start`,
//! `play` and `new_piece`, and answers `suggest` with the agent's placements, best first.
//! Only protocol messages go to stdout; everything else goes to stderr. Bad input is reported
//! on stderr and never ends the bot: the next `start` finds it ready.

pub mod convert;

use std::collections::VecDeque;
use std::io::{BufRead, Read, Write};
use std::path::Path;
use std::time::Instant;

use serde_json::Value;
use tbp::bot_msg::{BotMessage, Info, Ready, Suggestion};
use tbp::frontend_msg::{FrontendMessage, Play, Start};
use tbp::move_info::MoveInfo;
use tbp::randomizer::RandomizerState;
use tbp::{MaybeUnknown, data::Move};

use crate::agent::{Agent, Device, Foresight, Lookahead};
use crate::game::{Board, Game, Piece};
use crate::training::checkpoint::{self, CheckpointError};
use convert::{
    ConvertError, board_from_tbp, location_cells, move_of, piece_from_tbp, spin_from_tbp,
};

/// Moves a suggestion offers, best first.
pub const SUGGESTED_MOVES: usize = 5;
/// The frontend message types this bot reads; others are ignored, as the spec says.
const KNOWN_TYPES: [&str; 7] = [
    "rules",
    "start",
    "stop",
    "suggest",
    "play",
    "new_piece",
    "quit",
];

/// The largest combo taken from a frontend's `start` (the versus table ends at 12).
const MOST_COMBO: u32 = 10_000;

/// Why the bot cannot start.
#[derive(Debug, thiserror::Error)]
pub enum TbpError {
    /// No checkpoint was given and the shipped agent is missing.
    #[error("tbp: {0}")]
    NoAgent(#[from] crate::training::shipped::NoShippedAgent),
    /// The checkpoint could not be loaded.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// Standard input or output failed.
    #[error("standard input/output: {0}")]
    Io(#[from] std::io::Error),
}

/// The frontend's game as the bot knows it.
#[derive(Clone, Debug)]
struct Position {
    board: Board,
    hold: Option<Piece>,
    /// The current piece first, then the queue the frontend has shown.
    queue: VecDeque<Piece>,
    /// Ours: consecutive clearing locks minus one (-1 for none).
    combo: i32,
    back_to_back: bool,
    /// What is left of the current 7-bag after the last piece in `queue`, when the frontend
    /// shares it (the randomizer extension).
    bag: Option<Vec<Piece>>,
    /// Pieces the bag foretold and a hold already used; their `new_piece` adds nothing.
    foretold: usize,
}

impl Position {
    fn from_start(start: &Start) -> Result<Position, ConvertError> {
        let queue = start
            .queue
            .iter()
            .map(piece_from_tbp)
            .collect::<Result<VecDeque<_>, _>>()?;
        let hold = start.hold.as_ref().map(piece_from_tbp).transpose()?;
        let bag = match &start.randomizer {
            RandomizerState::SevenBag(b) => Some(
                b.bag_state
                    .iter()
                    .map(|p| piece_from_tbp(&MaybeUnknown::Known(p.clone())))
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            _ => None,
        };
        Ok(Position {
            board: board_from_tbp(&start.board)?,
            hold,
            queue,
            // TBP counts the clears in a row (0: none); ours counts from -1. Any u32 may come;
            // past the combo table's end more changes nothing, so cap it well within i32.
            combo: start.combo.min(MOST_COMBO) as i32 - 1,
            back_to_back: start.back_to_back,
            bag,
            foretold: 0,
        })
    }

    /// The piece hold would bring in, if the bot knows it: the held piece, the next one in
    /// the queue, or the bag's last piece when only one is left in it.
    fn hold_candidate(&self) -> Option<Piece> {
        self.hold
            .or_else(|| self.queue.get(1).copied())
            .or_else(|| self.bag.as_ref().filter(|b| b.len() == 1).map(|b| b[0]))
    }

    /// Our game at this position, and what is known of the pieces to come: the engine deals
    /// on past the known queue from a bag of its own, and the agent must not look at those.
    /// Err when there is no piece to place or it cannot spawn.
    fn game(&self) -> Result<(Game, Foresight), String> {
        let &current = self.queue.front().ok_or("the queue is empty")?;
        let mut next: Vec<Piece> = self.queue.iter().skip(1).copied().collect();
        let mut bag = self.bag.clone();
        if next.is_empty()
            && self.hold.is_none()
            && let Some(p) = self.hold_candidate()
        {
            next.push(p);
            // The bag's last piece: what follows is a new bag.
            bag = bag.map(|_| Vec::new());
        }
        let mut game = Game::from_position(self.board.clone(), current, self.hold, &next, 0)
            .map_err(|e| e.to_string())?;
        game.set_streaks(self.combo, self.back_to_back);
        let foresight = Foresight {
            known_next: next.len(),
            bag: match bag {
                None => Vec::new(),
                Some(b) if b.is_empty() => Piece::ALL.to_vec(),
                Some(b) => b,
            },
        };
        Ok((game, foresight))
    }

    /// A piece joins the queue; the bag, if known, gives it up (and refills when empty).
    fn push_piece(&mut self, piece: Piece) {
        if self.foretold > 0 {
            self.foretold -= 1;
            return;
        }
        self.queue.push_back(piece);
        if let Some(bag) = &mut self.bag {
            if bag.is_empty() {
                bag.extend(Piece::ALL);
            }
            if let Some(i) = bag.iter().position(|&p| p == piece) {
                bag.remove(i);
            } else {
                // Not a 7-bag after all: stop pretending to know it.
                self.bag = None;
            }
        }
    }
}

/// A TBP bot around an agent.
pub struct Bot {
    agent: Agent,
    position: Option<Position>,
}

/// What handling one line asks of the loop.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    /// Read the next line.
    Continue,
    /// `quit`: exit.
    Quit,
}

impl Bot {
    /// A bot that plays with `agent`.
    pub fn new(agent: Agent) -> Bot {
        Bot {
            agent,
            position: None,
        }
    }

    /// The `info` message sent at launch.
    pub fn info() -> BotMessage {
        let randomizer = MaybeUnknown::Unknown(Value::String("randomizer".into()));
        Info::new(
            "tetris-dqn".into(),
            env!("CARGO_PKG_VERSION").into(),
            "tetris-dqn contributors".into(),
            vec![randomizer],
        )
        .into()
    }

    /// Handles one line from the frontend: the replies to send (often none), and whether to
    /// go on. Problems are logged to stderr.
    pub fn handle(&mut self, line: &str) -> (Vec<BotMessage>, Next) {
        match self.parse(line) {
            Some(message) => self.answer(message),
            None => (vec![], Next::Continue),
        }
    }

    /// The frontend message on `line`; none for an empty line, a line that is not JSON, a
    /// message of a type the bot does not know (ignored, as the spec says) or a malformed one
    /// (logged; a malformed `start` also drops the game in progress).
    fn parse(&mut self, line: &str) -> Option<FrontendMessage> {
        let line = line.trim();
        if line.is_empty() {
            return None;
        }
        let value: Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => {
                log(&format!(
                    "ignored a line that is not JSON ({e}): {}",
                    clip(line)
                ));
                return None;
            }
        };
        let Some(kind) = value.get("type").and_then(Value::as_str).map(str::to_owned) else {
            log(&format!(
                "ignored a message without a \"type\": {}",
                clip(line)
            ));
            return None;
        };
        if !KNOWN_TYPES.contains(&kind.as_str()) {
            return None;
        }
        match serde_json::from_value(value) {
            Ok(m) => Some(m),
            Err(e) => {
                log(&format!(
                    "ignored a malformed {kind} message ({e}): {}",
                    clip(line)
                ));
                if kind == "start" {
                    self.position = None;
                }
                None
            }
        }
    }

    /// What the bot does with one message: the replies, and whether to go on.
    fn answer(&mut self, message: FrontendMessage) -> (Vec<BotMessage>, Next) {
        match message {
            // Any randomizer is playable: the agent looks at the board and the known pieces.
            FrontendMessage::Rules(_) => return (vec![Ready::new().into()], Next::Continue),
            FrontendMessage::Suggest(_) => return (vec![self.suggest().into()], Next::Continue),
            FrontendMessage::Quit(_) => return (vec![], Next::Quit),
            FrontendMessage::Start(start) => {
                self.position = Position::from_start(&start)
                    .map_err(|e| log(&format!("cannot take up this start position: {e}")))
                    .ok();
            }
            FrontendMessage::Stop(_) => self.position = None,
            FrontendMessage::Play(play) => {
                if let Err(e) = self.play(&play) {
                    log(&format!("{e}; waiting for the next start"));
                    self.position = None;
                }
            }
            FrontendMessage::NewPiece(new) => {
                match (piece_from_tbp(&new.piece), &mut self.position) {
                    (Ok(p), Some(position)) => position.push_piece(p),
                    (Ok(_), None) => log("ignored new_piece: no game in progress"),
                    (Err(e), _) => log(&format!("ignored new_piece: {e}")),
                }
            }
            _ => {}
        }
        (vec![], Next::Continue)
    }

    /// The agent's moves for the current position, best first (none when there is no game
    /// or no move: the frontend then takes the bot as forfeiting).
    fn suggest(&mut self) -> Suggestion {
        let started = Instant::now();
        let mut moves: Vec<Move> = vec![];
        let mut info = MoveInfo::new();
        match self.position.as_ref().map(Position::game) {
            None => log("suggest with no game in progress: no moves"),
            Some(Err(e)) => log(&format!("no moves: {e}")),
            Some(Ok((game, foresight))) => {
                let ranked = self.agent.rank(&game, &foresight, SUGGESTED_MOVES);
                moves = ranked.iter().map(|(p, _)| move_of(p)).collect();
                let nodes = self.agent.candidates_scored() as f64;
                let seconds = started.elapsed().as_secs_f64().max(1e-9);
                info.nodes = Some(nodes);
                info.nps = Some(nodes / seconds);
                info.depth = Some(if self.agent.lookahead() > 0 {
                    1.0 + self.agent.depth() as f64
                } else {
                    1.0
                });
                if let Some((_, q)) = ranked.first() {
                    info.extra = Some(format!("q {q:.3}"));
                }
            }
        }
        let mut suggestion = Suggestion::new(moves);
        suggestion.move_info = info;
        suggestion
    }

    /// Applies a move the frontend played (ours or not), with the spin it says.
    fn play(&mut self, play: &Play) -> Result<(), String> {
        let position = self
            .position
            .as_mut()
            .ok_or("play with no game in progress")?;
        let (piece, cells) = location_cells(&play.mv.location).map_err(|e| format!("play: {e}"))?;
        let spin = spin_from_tbp(&play.mv.spin).map_err(|e| format!("play: {e}"))?;
        let current = *position.queue.front().ok_or("play with an empty queue")?;
        // Hold is implied by the piece placed.
        let hold = if piece == current {
            false
        } else if position.hold_candidate() == Some(piece) {
            true
        } else {
            return Err(format!(
                "play: a {piece} cannot be placed now (current {current}, hold {})",
                position.hold.map_or("empty".to_string(), |h| h.to_string())
            ));
        };
        let (mut game, _) = position.game()?;
        let placement = game
            .placements()
            .into_iter()
            .find(|p| p.uses_hold() == hold && p.piece() == piece && p.cell_key() == cells)
            .ok_or_else(|| format!("play: the {piece} on {cells:?} cannot be reached from spawn"))?
            .with_tspin(spin);
        game.place(&placement).map_err(|e| format!("play: {e}"))?;
        // The queue gives up the piece placed, and with a first hold the one held too (which
        // the bag may have foretold before the frontend showed it).
        let consumed = if hold && position.hold.is_none() {
            2
        } else {
            1
        };
        for _ in 0..consumed {
            if position.queue.pop_front().is_none() {
                if let Some(bag) = &mut position.bag {
                    bag.retain(|&p| p != piece);
                }
                position.foretold += 1;
            }
        }
        position.board = game.board().clone();
        position.hold = game.hold();
        position.combo = game.score().combo;
        position.back_to_back = game.score().back_to_back;
        Ok(())
    }
}

/// Runs the bot on stdin/stdout with the agent of `checkpoint`, looking ahead by `lookahead`,
/// until `quit` or the end of input.
pub fn run(checkpoint: Option<&Path>, lookahead: Lookahead) -> Result<(), TbpError> {
    let dir = match checkpoint {
        Some(dir) => dir.to_owned(),
        None => crate::training::shipped::default_agent()?,
    };
    let (mut agent, meta) = checkpoint::load_agent(&dir, Device::CPU)?;
    lookahead.apply(&mut agent);
    crate::agent::use_torch_threads(meta.config.torch_threads as usize);
    log(&format!(
        "playing with {} ({} steps of training)",
        dir.display(),
        meta.steps
    ));
    let mut bot = Bot::new(agent);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    send(&mut out, &Bot::info())?;
    let mut input = std::io::stdin().lock();
    let mut buf = Vec::new();
    while let Some(line) = next_line(&mut input, &mut buf)? {
        let (replies, next) = bot.handle(&line);
        for reply in &replies {
            send(&mut out, reply)?;
        }
        if next == Next::Quit {
            break;
        }
    }
    Ok(())
}

/// The longest frontend message read, in bytes (a start with a full 40-row board is about
/// 4 KiB); a longer line is skipped whole.
const MAX_LINE: usize = 1 << 20;

/// The next line of `input` without its line end, None at the end of input. A line over
/// [`MAX_LINE`] bytes, or one that is not UTF-8, is skipped with a log line: the bot reads on.
fn next_line(input: &mut impl BufRead, buf: &mut Vec<u8>) -> std::io::Result<Option<String>> {
    loop {
        buf.clear();
        let read = Read::take(&mut *input, MAX_LINE as u64 + 1).read_until(b'\n', buf)?;
        if read == 0 {
            return Ok(None);
        }
        if buf.len() > MAX_LINE && buf.last() != Some(&b'\n') {
            let mut skipped = buf.len();
            loop {
                buf.clear();
                let more = Read::take(&mut *input, MAX_LINE as u64).read_until(b'\n', buf)?;
                skipped += more;
                if more == 0 || buf.last() == Some(&b'\n') {
                    break;
                }
            }
            log(&format!(
                "skipped a line of {skipped} bytes: a message is at most {MAX_LINE} bytes"
            ));
            continue;
        }
        match std::str::from_utf8(buf) {
            Ok(text) => return Ok(Some(text.trim_end_matches(['\n', '\r']).to_string())),
            Err(e) => log(&format!(
                "skipped a line that is not UTF-8 (a bad byte at {} of {})",
                e.valid_up_to(),
                buf.len()
            )),
        }
    }
}

fn send(out: &mut impl Write, message: &BotMessage) -> std::io::Result<()> {
    let text = serde_json::to_string(message).expect("bot messages always serialize");
    writeln!(out, "{text}")?;
    out.flush()
}

fn log(message: &str) {
    eprintln!("tbp: {message}");
}

/// A line cut short for a log message.
fn clip(line: &str) -> String {
    const MAX: usize = 200;
    match line.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}...", &line[..i]),
        None => line.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::{Encoding, ReplayBuffer};
    use crate::training::learner::tests::tiny_config;
    use proptest::prelude::*;
    use rand::SeedableRng;
    use tbp::BotMessage;

    fn bot() -> Bot {
        let config = tiny_config();
        let replay = ReplayBuffer::new(1, Encoding::for_network(&config.network).len());
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        Bot::new(Agent::new(&config, Device::CPU, &mut rng, replay))
    }

    /// A game after `moves` random placements of seed `seed` (hold used at random too).
    fn random_position(seed: u64, moves: usize) -> Game {
        let mut game = Game::new(seed);
        let mut x = seed | 1;
        for _ in 0..moves {
            let options = game.placements();
            if options.is_empty() {
                break;
            }
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let mut next = game.clone();
            next.place(&options[x as usize % options.len()]).unwrap();
            if next.is_over() {
                break;
            }
            game = next;
        }
        game
    }

    fn start_line(game: &Game) -> String {
        let letter = |p: Piece| p.letter().to_string();
        let mut queue = vec![letter(game.current())];
        queue.extend(game.next().map(letter));
        serde_json::json!({
            "type": "start",
            "hold": game.hold().map(letter),
            "queue": queue,
            "combo": game.score().combo + 1,
            "back_to_back": game.score().back_to_back,
            "board": convert::board_to_tbp(game.board()),
        })
        .to_string()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Every suggested move is a placement of the current or the hold piece that the
        /// search (which starts from the Guideline's spawn) reaches, with its spin.
        #[test]
        fn suggestions_are_legal_reachable_and_spun_as_the_engine_says(
            seed in 0u64..1_000_000,
            moves in 0usize..60,
        ) {
            let game = random_position(seed, moves);
            let mut bot = bot();
            bot.handle(&start_line(&game));
            let (replies, _) = bot.handle(r#"{"type":"suggest"}"#);
            let BotMessage::Suggestion(s) = &replies[0] else { panic!("{replies:?}") };
            prop_assert!(!s.moves.is_empty());
            let legal = game.placements();
            for mv in &s.moves {
                let (piece, cells) = location_cells(&mv.location).unwrap();
                let hold = piece != game.current();
                prop_assert!(!hold || piece == game.hold_candidate());
                let p = legal
                    .iter()
                    .find(|p| p.piece() == piece && p.uses_hold() == hold && p.cell_key() == cells);
                prop_assert!(p.is_some(), "{mv:?} is not a placement");
                let p = p.unwrap();
                prop_assert_eq!(spin_from_tbp(&mv.spin).unwrap(), p.tspin());
                // Reachable by plain search over single inputs from the Guideline's spawn.
                let reference = crate::game::path::reference_placements(game.board(), piece, hold);
                prop_assert!(reference.iter().any(|r| r.cell_key() == cells));
            }
        }
    }
}
