//! The Guideline's spawn drop: a new piece moves down one row at once when nothing blocks it,
//! and only then may it move. Placements, input paths and human play all start there.

use tetris_game::falling::{SPAWN_X, SPAWN_Y};
use tetris_game::{Board, Falling, Game, HumanGame, Input, Piece};

/// Column 0 filled from row 0 to 17, nothing else.
fn tall_column() -> Board {
    Board::from_rows(&[0b1; 18]).unwrap()
}

#[test]
fn an_upright_i_on_an_18_row_column_is_out_of_reach() {
    // From the spawn rows an I could turn upright and slide left onto the column (rows 18 to
    // 21); after the drop, turning upright puts it at rows 17 to 20, inside the column's
    // reach, so it cannot get there.
    let game = Game::from_position(tall_column(), Piece::I, None, &[Piece::O], 1).unwrap();
    let placements = game.placements();
    assert!(!placements.is_empty());
    for p in &placements {
        assert!(
            !p.cells().iter().all(|&(x, _)| x == 0),
            "the upright I reaches column 0: {:?}",
            p.cells()
        );
    }
    // The plain breadth-first reference agrees.
    let reference = tetris_game::path::reference_placements(game.board(), Piece::I, false);
    let mut a: Vec<_> = placements
        .iter()
        .filter(|p| !p.uses_hold())
        .map(|p| p.cell_key())
        .collect();
    let mut b: Vec<_> = reference.iter().map(|p| p.cell_key()).collect();
    a.sort();
    b.sort();
    assert_eq!(a, b);
}

#[test]
fn a_person_cannot_reach_it_either() {
    let game = Game::from_position(tall_column(), Piece::I, None, &[Piece::O], 1).unwrap();
    let mut human = HumanGame::from_game(game);
    assert_eq!(
        (human.falling().x, human.falling().y),
        (SPAWN_X, SPAWN_Y - 1)
    );
    human.input(Input::RotateCcw);
    for _ in 0..10 {
        human.input(Input::Left);
    }
    let lowest_x = human.falling().cells().iter().map(|c| c.0).min().unwrap();
    assert!(lowest_x >= 1, "the upright I passed the column");
}

#[test]
fn every_piece_enters_one_row_below_spawn_on_an_open_board() {
    for piece in Piece::ALL {
        let game = Game::from_position(Board::new(), piece, None, &[], 3).unwrap();
        let human = HumanGame::from_game(game.clone());
        assert_eq!(human.falling().y, SPAWN_Y - 1, "{piece:?}");
        // Each path replays from the entered position to its placement.
        for p in game.placements() {
            let path = game.input_path(&p).unwrap();
            let mut f = Falling::enter(p.piece(), game.board());
            for input in path.iter().filter(|&&i| i != Input::Hold) {
                f.apply(game.board(), *input);
            }
            let mut cells = f.cells();
            cells.sort();
            assert_eq!(cells, p.cell_key(), "{piece:?} {path:?}");
        }
    }
}

#[test]
fn a_stack_under_the_spawn_rows_stops_the_drop_but_is_no_block_out() {
    // Rows 0 to 19 filled but for column 9: the piece cannot drop, yet it spawns and can be
    // placed (it locks out above the field, which the game judges, not the search).
    let board = Board::from_rows(&[0b01_1111_1111; 20]).unwrap();
    let game = Game::from_position(board, Piece::T, None, &[], 1).unwrap();
    let f = Falling::enter(Piece::T, game.board());
    assert_eq!(f.y, SPAWN_Y);
    assert!(!game.placements().is_empty());
}

#[test]
fn another_current_piece_keeps_the_position_and_is_refused_where_it_cannot_spawn() {
    let mut game =
        Game::from_position(tall_column(), Piece::T, Some(Piece::O), &[Piece::S], 1).unwrap();
    game.set_streaks(3, true);
    let other = game.with_current(Piece::I).unwrap();
    assert_eq!(other.current(), Piece::I);
    assert_eq!(other.board(), game.board());
    assert_eq!(other.hold(), Some(Piece::O));
    assert_eq!((other.score().combo, other.score().back_to_back), (3, true));
    // A game that has topped out takes no piece.
    let mut over = Game::new(5);
    while !over.is_over() {
        let p = over.placements()[0];
        over.place(&p).unwrap();
    }
    assert!(Piece::ALL.iter().all(|&p| over.with_current(p).is_none()));
}
