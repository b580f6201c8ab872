//! The players of a versus match: a trained agent (a checkpoint), the Dellacherie heuristic,
//! or any Tetris Bot Protocol bot run as a child process (`tbp_child`). Each is
//! asked for one placement at a time and told what the match did to its game.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::agent::{Agent, Device, Foresight, Lookahead};
use crate::config::Objective;
use crate::game::{Game, NEXT_VISIBLE, Piece, Placement, dellacherie};
use crate::training::{checkpoint, shipped};

/// Why a player lost a game without topping out.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Fault {
    /// The bot's process ended, or its pipes broke.
    #[error("crashed: {0}")]
    Crashed(String),
    /// It did not answer within the move time limit.
    #[error("no answer within {} ms", .0.as_millis())]
    TimedOut(Duration),
    /// Its answer was no placement its game allows.
    #[error("illegal move: {0}")]
    Illegal(String),
}

impl Fault {
    /// One word for the tables: crashed, time or illegal.
    pub fn word(&self) -> &'static str {
        match self {
            Fault::Crashed(_) => "crashed",
            Fault::TimedOut(_) => "time",
            Fault::Illegal(_) => "illegal",
        }
    }
}

/// A player of versus games.
pub trait Player {
    /// Its name in the tables.
    fn name(&self) -> &str;
    /// A game starts at `game` (a fresh one: both sides get the same pieces).
    fn new_game(&mut self, game: &Game) -> Result<(), Fault>;
    /// Its placement for `game` (its own side's game as the match has it now, garbage that
    /// landed included), with `pending` rows waiting to land on it; `None` while it has none
    /// yet (a person still moving the piece): the match asks again soon, with the same game.
    fn choose(&mut self, game: &Game, pending: u32) -> Result<Option<Placement>, Fault>;
    /// It played `placement`, and the match made `game` of it; `garbage` is whether garbage
    /// landed on it after the lock (the board then is not what its move alone made).
    fn played(&mut self, placement: &Placement, game: &Game, garbage: bool) -> Result<(), Fault>;
    /// The game is over (whoever won): a bot may stop thinking.
    fn end_game(&mut self) {}
    /// Whether its pieces already moved in real time while it chose (a person at the
    /// keyboard): the match then adds no input delays for the piece's path.
    fn moves_on_the_clock(&self) -> bool {
        false
    }
}

/// A player as the command line names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlayerSpec {
    /// A checkpoint folder's agent.
    Checkpoint(PathBuf),
    /// The Dellacherie heuristic (with hold).
    Dellacherie,
    /// A TBP bot: the program and its arguments.
    Tbp(Vec<String>),
    /// Someone at the keyboard (the window only).
    Human,
}

/// What a player argument may be, for error messages.
pub const SPEC_HELP: &str = "a checkpoint folder (e.g. checkpoints/<run>/best), a shipped agent \
     (tetris, attack, survival or versus), dellacherie, human, or tbp:PROGRAM [ARGS] for a Tetris Bot \
     Protocol bot";

impl PlayerSpec {
    /// Reads `text`: `dellacherie`, `human`, `tbp:PROGRAM ARGS...` (split at white space), a
    /// shipped agent's objective name (when no folder of that name exists), or a checkpoint
    /// folder.
    pub fn parse(text: &str) -> Result<PlayerSpec, String> {
        let text = text.trim();
        if let Some(command) = text.strip_prefix("tbp:") {
            let words: Vec<String> = command.split_whitespace().map(str::to_owned).collect();
            if words.is_empty() {
                return Err(format!(
                    "player {text:?} names no program; expected tbp:PROGRAM [ARGS]"
                ));
            }
            return Ok(PlayerSpec::Tbp(words));
        }
        match text {
            "" => Err(format!("a player is empty; expected {SPEC_HELP}")),
            "dellacherie" => Ok(PlayerSpec::Dellacherie),
            "human" => Ok(PlayerSpec::Human),
            _ => {
                let path = Path::new(text);
                if !path.exists()
                    && let Some(&objective) = OBJECTIVES
                        .iter()
                        .find(|&&o| shipped::folder_name(o) == text)
                {
                    let dir = shipped::agent_dir(objective).map_err(|e| e.to_string())?;
                    return Ok(PlayerSpec::Checkpoint(dir));
                }
                if !path.join(checkpoint::META_FILE).is_file() {
                    return Err(format!(
                        "player {text:?} is not a checkpoint folder (no {} in it); expected \
                         {SPEC_HELP}",
                        checkpoint::META_FILE
                    ));
                }
                Ok(PlayerSpec::Checkpoint(path.to_owned()))
            }
        }
    }
}

/// The objectives whose shipped agents a player may name.
const OBJECTIVES: [Objective; 4] = [
    Objective::Tetris,
    Objective::Attack,
    Objective::Survival,
    Objective::Versus,
];

/// A trained agent, greedy (with its lookahead).
pub struct AgentPlayer {
    agent: Agent,
    name: String,
}

impl AgentPlayer {
    /// The agent of checkpoint `dir`, looking ahead by `lookahead`.
    pub fn load(
        dir: &Path,
        lookahead: Lookahead,
    ) -> Result<AgentPlayer, checkpoint::CheckpointError> {
        let (mut agent, meta) = checkpoint::load_agent(dir, Device::CPU)?;
        lookahead.apply(&mut agent);
        crate::agent::use_torch_threads(meta.config.torch_threads as usize);
        Ok(AgentPlayer {
            agent,
            name: short_name(dir),
        })
    }
}

/// A checkpoint's name in the tables: its last two folder names (`tetris-.../best`, or
/// `agents/tetris`).
fn short_name(dir: &Path) -> String {
    let parts: Vec<String> = dir
        .components()
        .rev()
        .take(2)
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.into_iter().rev().collect::<Vec<_>>().join("/")
}

impl Player for AgentPlayer {
    fn name(&self) -> &str {
        &self.name
    }
    fn new_game(&mut self, _game: &Game) -> Result<(), Fault> {
        Ok(())
    }
    fn choose(&mut self, game: &Game, _pending: u32) -> Result<Option<Placement>, Fault> {
        // What a TBP bot is told: the previews, and the 7-bag's pieces that may follow them.
        let foresight = Foresight {
            known_next: NEXT_VISIBLE,
            bag: bag_left(game),
        };
        self.agent
            .rank(game, &foresight, 1)
            .first()
            .map(|&(p, _)| Some(p))
            .ok_or_else(|| Fault::Illegal("the agent found no placement".into()))
    }
    fn played(&mut self, _: &Placement, _: &Game, _: bool) -> Result<(), Fault> {
        Ok(())
    }
}

/// Pieces a game has dealt into view: every one placed, the current one, the queue shown and
/// the held one.
pub(super) fn dealt(game: &Game) -> u64 {
    game.pieces_placed() + 1 + NEXT_VISIBLE as u64 + u64::from(game.hold().is_some())
}

/// The pieces of the current 7-bag not yet dealt into view (a game from
/// [`Game::new`] deals whole bags from its first piece); all seven when a bag has just ended
/// (as TBP frontends send it).
pub(super) fn bag_left(game: &Game) -> Vec<Piece> {
    let into_bag = (dealt(game) % 7) as usize;
    // The last `into_bag` pieces dealt (at most 6) are the current bag's so far: the queue
    // from its end, then the current piece (a held piece was dealt before it).
    let mut seen: Vec<Piece> = game.next().collect();
    seen.reverse();
    seen.push(game.current());
    let recent = &seen[..into_bag.min(seen.len())];
    Piece::ALL
        .into_iter()
        .filter(|p| !recent.contains(p))
        .collect()
}

/// The Dellacherie heuristic, using hold.
pub struct Heuristic;

impl Player for Heuristic {
    fn name(&self) -> &str {
        "dellacherie"
    }
    fn new_game(&mut self, _game: &Game) -> Result<(), Fault> {
        Ok(())
    }
    fn choose(&mut self, game: &Game, _pending: u32) -> Result<Option<Placement>, Fault> {
        dellacherie::choose(game, true)
            .map(Some)
            .ok_or_else(|| Fault::Illegal("the heuristic found no placement".into()))
    }
    fn played(&mut self, _: &Placement, _: &Game, _: bool) -> Result<(), Fault> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_read_as_documented() {
        assert_eq!(
            PlayerSpec::parse("dellacherie").unwrap(),
            PlayerSpec::Dellacherie
        );
        assert_eq!(PlayerSpec::parse(" human ").unwrap(), PlayerSpec::Human);
        assert_eq!(
            PlayerSpec::parse("tbp:/bin/bot --fast  -x").unwrap(),
            PlayerSpec::Tbp(vec!["/bin/bot".into(), "--fast".into(), "-x".into()])
        );
        let e = PlayerSpec::parse("tbp:  ").unwrap_err();
        assert!(e.contains("names no program"), "{e}");
        let e = PlayerSpec::parse("no/such/folder").unwrap_err();
        assert!(
            e.contains("not a checkpoint folder") && e.contains("tbp:PROGRAM"),
            "{e}"
        );
    }

    #[test]
    fn a_checkpoint_is_named_by_its_last_two_folders() {
        assert_eq!(
            short_name(Path::new("checkpoints/run-1/best")),
            "run-1/best"
        );
        assert_eq!(
            short_name(Path::new("assets/agents/tetris")),
            "agents/tetris"
        );
    }
}
