//! A person as a versus player: the match's side ([`HumanSeat`]) sends each position to the
//! window's side ([`HumanDesk`]), where the person moves the piece in real time with the
//! `play` keys, and takes back the piece as it locked. The match never waits for the person:
//! until the piece locks, [`Player::choose`] answers "not yet" and the other side plays on.

use crossbeam_channel::{Receiver, Sender, TryRecvError};

use crate::game::{Game, Locked, Placement};

use super::player::{Fault, Player};

/// What the match tells the window.
#[derive(Clone, Debug)]
pub enum Ask {
    /// Your move: `game` with its current piece about to enter.
    Move(Box<Game>),
    /// The game is over: no piece is in play until the next `Move`.
    Over,
}

/// The match's end of a person's seat.
pub struct HumanSeat {
    asks: Sender<Ask>,
    answers: Receiver<Locked>,
    /// The position asked about and not answered yet.
    asked: Option<Game>,
}

/// The window's end of a person's seat.
pub struct HumanDesk {
    /// The match's asks, in order.
    pub asks: Receiver<Ask>,
    /// Where the window sends each piece as it locked.
    pub answers: Sender<Locked>,
}

/// A seat and its desk, connected.
pub fn seat() -> (HumanSeat, HumanDesk) {
    let (ask_tx, ask_rx) = crossbeam_channel::unbounded();
    let (answer_tx, answer_rx) = crossbeam_channel::unbounded();
    (
        HumanSeat {
            asks: ask_tx,
            answers: answer_rx,
            asked: None,
        },
        HumanDesk {
            asks: ask_rx,
            answers: answer_tx,
        },
    )
}

/// The placement of `game` that `locked` made, scored with the spin the person's last move
/// made.
pub fn placement_of(game: &Game, locked: &Locked) -> Option<Placement> {
    let mut cells = locked.cells;
    cells.sort_unstable();
    game.placements()
        .into_iter()
        .find(|p| {
            p.piece() == locked.piece && p.cell_key() == cells && p.uses_hold() == locked.held
        })
        .map(|p| p.with_tspin(locked.tspin))
}

const WINDOW_GONE: &str = "the window closed";

impl Player for HumanSeat {
    fn name(&self) -> &str {
        "you"
    }

    fn new_game(&mut self, _game: &Game) -> Result<(), Fault> {
        self.asked = None;
        // A piece that locked after the last game ended is not a move of this one.
        while self.answers.try_recv().is_ok() {}
        Ok(())
    }

    fn choose(&mut self, game: &Game, _pending: u32) -> Result<Option<Placement>, Fault> {
        if self.asked.as_ref() != Some(game) {
            self.asks
                .send(Ask::Move(Box::new(game.clone())))
                .map_err(|_| Fault::Crashed(WINDOW_GONE.into()))?;
            self.asked = Some(game.clone());
        }
        match self.answers.try_recv() {
            Ok(locked) => {
                self.asked = None;
                placement_of(game, &locked).map(Some).ok_or_else(|| {
                    Fault::Illegal(format!(
                        "no placement of {:?} covers {:?}",
                        locked.piece, locked.cells
                    ))
                })
            }
            Err(TryRecvError::Empty) => Ok(None),
            Err(TryRecvError::Disconnected) => Err(Fault::Crashed(WINDOW_GONE.into())),
        }
    }

    fn played(&mut self, _: &Placement, _: &Game, _: bool) -> Result<(), Fault> {
        Ok(())
    }

    fn end_game(&mut self) {
        self.asked = None;
        let _ = self.asks.send(Ask::Over);
    }

    fn moves_on_the_clock(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::{HumanGame, Input};

    #[test]
    fn a_piece_the_person_locked_is_the_placement_the_match_plays() {
        let (mut seat, desk) = seat();
        let game = Game::new(4);
        seat.new_game(&game).unwrap();
        assert_eq!(seat.choose(&game, 0).unwrap(), None);
        let Ask::Move(asked) = desk.asks.try_recv().unwrap() else {
            panic!("no move asked");
        };
        assert_eq!(*asked, game);
        // Asked again while the person moves: no second ask.
        assert_eq!(seat.choose(&game, 0).unwrap(), None);
        assert!(desk.asks.try_recv().is_err());
        let mut person = HumanGame::from_game(*asked);
        person.input(Input::Hold);
        person.input(Input::Left);
        person.input(Input::HardDrop);
        desk.answers.send(person.last_lock().unwrap()).unwrap();
        let placement = seat.choose(&game, 0).unwrap().expect("the piece locked");
        assert!(placement.uses_hold());
        let mut played = game.clone();
        played.place(&placement).unwrap();
        assert_eq!(played.board(), person.game().board());
        seat.end_game();
        assert!(matches!(desk.asks.try_recv(), Ok(Ask::Over)));
        drop(desk);
        assert!(matches!(seat.choose(&game, 0), Err(Fault::Crashed(_))));
    }
}
