//! Property tests over random play: the bit-parallel search agrees with plain search, every
//! placement is legal and distinct and its input path replays to it, locks never overlap or
//! leave the board, reported lines equal full rows removed, and seeds replay bit for bit.

use std::collections::HashSet;

use proptest::prelude::*;
use tetris_game::path::reference_placements;
use tetris_game::{Board, FULL_ROW_MASK, Falling, Game, Input, Placement, WIDTH};

fn replay_path(game: &Game, p: &Placement) {
    let path = game.input_path(p).unwrap();
    let mut inputs = path.iter().copied().peekable();
    let piece = if inputs.peek() == Some(&Input::Hold) {
        inputs.next();
        game.hold_candidate()
    } else {
        game.current()
    };
    assert_eq!(piece, p.piece());
    let mut f = Falling::enter(piece, game.board());
    let n = path.len();
    for (i, input) in inputs.enumerate() {
        let moved = f.apply(game.board(), input);
        // Every input moves the piece, except perhaps the final hard drop from rest.
        assert!(
            moved || input == Input::HardDrop,
            "input {i} {input:?} of {path:?}"
        );
    }
    assert_eq!(path.last(), Some(&Input::HardDrop));
    let mut cells = f.cells();
    cells.sort();
    assert_eq!(cells, p.cell_key(), "path {path:?} (len {n})");
    assert_eq!(f.tspin(game.board()), p.tspin(), "path {path:?}");
}

fn check_placements(game: &Game, placements: &[Placement], paths_to_check: &[usize]) {
    let mut keys = HashSet::new();
    for p in placements {
        assert!(keys.insert(p.cell_key()), "duplicate {p:?}");
        for (x, y) in p.cells() {
            assert!((0..WIDTH as i32).contains(&x) && (0..40).contains(&y));
        }
        assert!(!game.board().collides(p.piece(), p.rotation(), p.x(), p.y()));
        assert!(
            game.board()
                .collides(p.piece(), p.rotation(), p.x(), p.y() - 1)
        );
    }
    // The same set as plain breadth-first search, T-spin kinds included.
    let mut expected = reference_placements(game.board(), game.current(), false);
    if game.hold_candidate() != game.current() {
        expected.extend(reference_placements(
            game.board(),
            game.hold_candidate(),
            true,
        ));
    }
    let key = |p: &Placement| (p.uses_hold(), p.cell_key(), p.tspin());
    let got: HashSet<_> = placements.iter().map(key).collect();
    let want: HashSet<_> = expected.iter().map(key).collect();
    assert_eq!(got, want, "board {:?}", game.board());
    for &i in paths_to_check {
        replay_path(game, &placements[i % placements.len()]);
    }
}

/// Plays `choices` from `seed`, checking everything at every step. Returns the final game.
fn play(seed: u64, choices: &[u16], check_paths: bool) -> Game {
    let mut game = Game::new(seed);
    for &c in choices {
        if game.is_over() {
            break;
        }
        let placements = game.placements();
        assert!(!placements.is_empty());
        let pick = c as usize % placements.len();
        let paths: &[usize] = if check_paths {
            &[pick, pick * 7 + 3]
        } else {
            &[]
        };
        check_placements(&game, &placements, paths);
        let p = placements[pick];
        let before = game.board().clone();
        let filled_before = before.filled_cells();
        // Full rows the lock makes, counted on a copy with the piece put in.
        let mut rows = *before.rows();
        for (x, y) in p.cells() {
            assert_eq!(rows[y as usize] >> x & 1, 0, "overlap");
            rows[y as usize] |= 1 << x;
        }
        let full = rows.iter().filter(|&&r| r == FULL_ROW_MASK).count() as u32;
        let preview = game.preview(&p).unwrap();
        let after = game.afterstate(&p).unwrap();
        let out = game.place(&p).unwrap();
        // The preview is exactly what placing did: outcome, board and features.
        assert_eq!(preview.outcome, out);
        assert_eq!(&preview.afterstate.board, game.board());
        assert_eq!(preview.afterstate.features, after.features);
        assert_eq!(out.lines, full);
        assert_eq!(out.cleared_rows.count_ones(), full);
        assert_eq!(game.board().filled_cells(), filled_before + 4 - 10 * full);
        assert!(
            game.board()
                .rows()
                .iter()
                .all(|&r| r != FULL_ROW_MASK && r & !FULL_ROW_MASK == 0)
        );
        // Columns and rows stay two views of one board.
        assert_eq!(
            Board::from_rows(game.board().rows()).unwrap(),
            *game.board()
        );
    }
    game
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_play_keeps_every_invariant(seed in any::<u64>(), choices in prop::collection::vec(any::<u16>(), 1..80)) {
        play(seed, &choices, true);
    }

    #[test]
    fn same_seed_same_game(seed in any::<u64>(), choices in prop::collection::vec(any::<u16>(), 1..40)) {
        let a = play(seed, &choices, false);
        let b = play(seed, &choices, false);
        prop_assert_eq!(&a, &b);
        prop_assert_eq!(a.next().collect::<Vec<_>>(), b.next().collect::<Vec<_>>());
    }
}

#[test]
fn messy_boards_agree_with_plain_search() {
    // Tall, holey boards exercise tucks, slides under overhangs and kicks more than random
    // play from an empty board does.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..300 {
        let mut rows = vec![0u16; 14];
        for row in rows.iter_mut() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            *row = (state as u16) & FULL_ROW_MASK & !(1 << ((state >> 20) % 10));
        }
        let board = Board::from_rows(&rows).unwrap();
        for piece in tetris_game::Piece::ALL {
            let Ok(game) = Game::from_position(board.clone(), piece, None, &[piece], 3) else {
                continue;
            };
            let placements = game.placements();
            check_placements(&game, &placements, &[0, 5, 11]);
        }
    }
}

#[test]
fn a_game_serializes_and_continues_identically() {
    let mut a = play(11, &[3, 1, 4, 1, 5, 9, 2, 6], false);
    let text = ron::to_string(&a).unwrap();
    let mut b: Game = ron::from_str(&text).unwrap();
    assert_eq!(a, b);
    for c in [5u16, 3, 5] {
        let pa = a.placements()[c as usize % a.placements().len()];
        let pb = b.placements()[c as usize % b.placements().len()];
        a.place(&pa).unwrap();
        b.place(&pb).unwrap();
    }
    assert_eq!(a, b);
}
