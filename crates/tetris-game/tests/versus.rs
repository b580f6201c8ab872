//! The versus engine: attack by the table, countering, the garbage delay and cap, gaps and
//! messiness, win detection, determinism, and (a property test) that no garbage row is lost
//! or counted twice between the two sides; the made-up opponent of training (`Incoming`).

use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tetris_game::versus::GarbageTotals;
use tetris_game::{Board, Game, Piece, Placement, Side, TopOut, Versus, VersusRules, WIDTH};

/// The placement of `side`'s current piece (no hold) that clears the most lines, then leaves
/// the stack lowest: enough to make tetrises on a prepared well.
fn best_clear(v: &Versus, side: Side) -> Placement {
    let game = v.game(side);
    let mut ps = vec![];
    game.placements_into(&mut ps, false);
    *ps.iter()
        .max_by_key(|p| {
            let a = game.afterstate(p).unwrap();
            (a.lines, std::cmp::Reverse(a.board.max_height()))
        })
        .unwrap()
}

/// A random placement of `side`'s current piece, hold included, drawn from `rng`.
fn random_placement(v: &Versus, side: Side, rng: &mut ChaCha8Rng) -> Placement {
    let ps = v.game(side).placements();
    ps[rng.random_range(0..ps.len())]
}

/// The lowest-stack placement of `side`'s piece (keeps a game alive for a long while).
fn low_placement(v: &Versus, side: Side) -> Placement {
    let game = v.game(side);
    *game
        .placements()
        .iter()
        .min_by_key(|p| {
            let a = game.afterstate(p).unwrap();
            (a.board.max_height(), a.board.filled_cells())
        })
        .unwrap()
}

/// The lowest-stack placement of `side`'s piece that clears nothing (so garbage may land).
fn quiet_placement(v: &Versus, side: Side) -> Placement {
    let game = v.game(side);
    *game
        .placements()
        .iter()
        .filter(|p| game.afterstate(p).unwrap().lines == 0)
        .min_by_key(|p| {
            let a = game.afterstate(p).unwrap();
            (a.board.max_height(), a.board.filled_cells())
        })
        .expect("some placement clears nothing")
}

/// Rows at the bottom of `board` that are garbage: full but for exactly one column.
fn garbage_gaps(board: &Board) -> Vec<usize> {
    let mut gaps = vec![];
    for &row in board.rows() {
        let empty: Vec<usize> = (0..WIDTH).filter(|x| row & (1 << x) == 0).collect();
        if empty.len() != 1 {
            break;
        }
        gaps.push(empty[0]);
    }
    gaps
}

/// Checks the bookkeeping of both sides: each side's attack is what it cancelled plus what it
/// sent, and what was sent to a side has landed, waits, or was cancelled by it.
fn assert_conserved(v: &Versus) {
    for side in Side::BOTH {
        let mine: GarbageTotals = v.totals(side);
        let theirs = v.totals(side.other());
        assert_eq!(
            mine.attack,
            mine.cancelled + mine.sent,
            "{side:?}: {mine:?}"
        );
        assert_eq!(
            theirs.sent,
            mine.landed + u64::from(v.pending_lines(side)) + mine.cancelled,
            "{side:?}: sent to it {}, landed {}, waiting {}, cancelled {}",
            theirs.sent,
            mine.landed,
            v.pending_lines(side),
            mine.cancelled
        );
    }
}

#[test]
fn both_sides_get_the_same_pieces_and_the_default_is_the_guideline_setting() {
    let v = Versus::new(9, VersusRules::default());
    let (a, b) = (v.game(Side::Left), v.game(Side::Right));
    assert_eq!(a, b);
    let rules = VersusRules::default();
    assert!(rules.countering);
    assert_eq!((rules.garbage_delay, rules.garbage_cap), (1, 8));
    assert_eq!(rules.messiness, 0.0);
    assert_eq!(Side::Left.other(), Side::Right);
}

/// A match where the left side has a well ready for a tetris: 4 rows full but column 9, an I
/// to place. The right side plays on an empty board.
fn tetris_ready(seed: u64, rules: VersusRules) -> Versus {
    let mut v = Versus::new(seed, rules);
    v.set_game(Side::Left, well_with_an_i(5));
    v
}

/// Four rows full but column 9 under a few cells (so the tetris is no perfect clear), an I
/// to place, then O pieces.
fn well_with_an_i(seed: u64) -> Game {
    let mut rows = [0b01_1111_1111u16; 5];
    rows[4] = 0b00_0000_0011;
    let well = Board::from_rows(&rows).unwrap();
    Game::from_position(well, Piece::I, None, &[Piece::O; 3], seed).unwrap()
}

#[test]
fn a_tetris_sends_four_rows_that_land_after_the_delay_in_one_clean_column() {
    let mut v = tetris_ready(3, VersusRules::default());
    let out = v.place(Side::Left, &best_clear(&v, Side::Left)).unwrap();
    assert_eq!(out.outcome.lines, 4);
    assert_eq!((out.attack, out.cancelled, out.sent), (4, 0, 4));
    assert_eq!(v.pending_lines(Side::Right), 4);
    // The delay: the receiver's first lock passes it, the next that clears nothing lands it.
    let first = v
        .place(Side::Right, &quiet_placement(&v, Side::Right))
        .unwrap();
    assert_eq!(first.landed, 0);
    assert_eq!(v.pending_lines(Side::Right), 4);
    let second = v
        .place(Side::Right, &quiet_placement(&v, Side::Right))
        .unwrap();
    assert_eq!(second.landed, 4);
    assert_eq!(v.pending_lines(Side::Right), 0);
    let gaps = garbage_gaps(v.game(Side::Right).board());
    assert_eq!(gaps.len(), 4, "{:?}", v.game(Side::Right).board());
    assert!(
        gaps.windows(2).all(|w| w[0] == w[1]),
        "one column: {gaps:?}"
    );
    assert_conserved(&v);
}

#[test]
fn an_attack_counters_what_waits_first_and_sends_the_rest() {
    let mut v = tetris_ready(
        3,
        VersusRules {
            garbage_delay: 5,
            ..VersusRules::default()
        },
    );
    // The right side sends 4 first (its own well), then the left side's tetris cancels them.
    v.set_game(Side::Right, well_with_an_i(6));
    let sent = v.place(Side::Right, &best_clear(&v, Side::Right)).unwrap();
    assert_eq!(sent.sent, 4);
    assert_eq!(v.pending_lines(Side::Left), 4);
    let counter = v.place(Side::Left, &best_clear(&v, Side::Left)).unwrap();
    assert_eq!((counter.attack, counter.cancelled, counter.sent), (4, 4, 0));
    assert_eq!(v.pending_lines(Side::Left), 0);
    assert_eq!(v.pending_lines(Side::Right), 0);
    assert_conserved(&v);

    // Without countering, both attacks stand.
    let mut v = tetris_ready(
        3,
        VersusRules {
            countering: false,
            garbage_delay: 5,
            ..VersusRules::default()
        },
    );
    v.set_game(Side::Right, well_with_an_i(6));
    v.place(Side::Right, &best_clear(&v, Side::Right)).unwrap();
    let out = v.place(Side::Left, &best_clear(&v, Side::Left)).unwrap();
    assert_eq!((out.cancelled, out.sent), (0, 4));
    assert_eq!(v.pending_lines(Side::Left), 4);
    assert_conserved(&v);
}

#[test]
fn garbage_waits_while_the_receiver_clears_and_lands_at_most_the_cap_at_once() {
    let mut v = tetris_ready(
        3,
        VersusRules {
            garbage_delay: 0,
            garbage_cap: 3,
            ..VersusRules::default()
        },
    );
    v.place(Side::Left, &best_clear(&v, Side::Left)).unwrap();
    // The right side clears a line on its first lock: nothing lands then.
    let almost = Board::from_rows(&[0b00_0011_1111, 0b00_0000_0001]).unwrap();
    v.set_game(
        Side::Right,
        Game::from_position(almost, Piece::I, None, &[Piece::O, Piece::O], 6).unwrap(),
    );
    let clear = v.place(Side::Right, &best_clear(&v, Side::Right)).unwrap();
    assert_eq!(clear.outcome.lines, 1);
    assert_eq!(clear.landed, 0);
    let next = v
        .place(Side::Right, &quiet_placement(&v, Side::Right))
        .unwrap();
    assert_eq!(next.landed, 3, "the cap");
    assert_eq!(v.pending_lines(Side::Right), 1);
    let last = v
        .place(Side::Right, &quiet_placement(&v, Side::Right))
        .unwrap();
    assert_eq!(last.landed, 1);
    assert_conserved(&v);
}

#[test]
fn messiness_moves_the_gap_within_an_attack_and_each_attack_takes_a_new_column() {
    let count_moves = |messiness: f64| {
        let mut moves = 0;
        let mut rows = 0;
        for seed in 0..20 {
            let mut v = tetris_ready(
                seed,
                VersusRules {
                    garbage_delay: 0,
                    messiness,
                    ..VersusRules::default()
                },
            );
            v.place(Side::Left, &best_clear(&v, Side::Left)).unwrap();
            v.place(Side::Right, &quiet_placement(&v, Side::Right))
                .unwrap();
            let gaps = garbage_gaps(v.game(Side::Right).board());
            assert_eq!(gaps.len(), 4);
            moves += gaps.windows(2).filter(|w| w[0] != w[1]).count();
            rows += 3;
        }
        moves as f64 / rows as f64
    };
    assert_eq!(count_moves(0.0), 0.0);
    assert_eq!(count_moves(1.0), 1.0);
    let half = count_moves(0.5);
    assert!((0.25..=0.75).contains(&half), "{half}");

    // Two attacks in a row: the second's column differs from the first's.
    let mut v = tetris_ready(
        3,
        VersusRules {
            garbage_delay: 0,
            ..VersusRules::default()
        },
    );
    v.place(Side::Left, &best_clear(&v, Side::Left)).unwrap();
    v.place(Side::Right, &quiet_placement(&v, Side::Right))
        .unwrap();
    v.set_game(Side::Left, well_with_an_i(1));
    v.place(Side::Left, &best_clear(&v, Side::Left)).unwrap();
    v.place(Side::Right, &quiet_placement(&v, Side::Right))
        .unwrap();
    let gaps = garbage_gaps(v.game(Side::Right).board());
    assert_eq!(gaps.len(), 8);
    assert_ne!(gaps[0], gaps[4], "{gaps:?}");
}

#[test]
fn garbage_that_pushes_the_stack_out_wins_the_match_for_the_sender() {
    let mut v = tetris_ready(
        3,
        VersusRules {
            garbage_delay: 0,
            ..VersusRules::default()
        },
    );
    // The right side's stack is 17 rows high: 4 more and an O cannot spawn.
    let high = Board::from_rows(&[0b11_1111_1110u16; 17]).unwrap();
    v.set_game(
        Side::Right,
        Game::from_position(high, Piece::O, None, &[Piece::O; 3], 2).unwrap(),
    );
    v.place(Side::Left, &best_clear(&v, Side::Left)).unwrap();
    let out = v
        .place(Side::Right, &quiet_placement(&v, Side::Right))
        .unwrap();
    assert_eq!(out.winner, Some(Side::Left));
    assert_eq!(v.winner(), Some(Side::Left));
    assert!(matches!(
        v.game(Side::Right).top_out(),
        Some(TopOut::BlockOut | TopOut::GarbageOut)
    ));
    assert!(
        v.place(Side::Left, &low_placement(&v, Side::Left)).is_err(),
        "over"
    );
}

#[test]
fn topping_out_loses_and_forfeiting_hands_the_other_side_the_win() {
    let mut v = Versus::new(4, VersusRules::default());
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    while v.winner().is_none() {
        // The left side plays at random and tops out; the right side keeps low.
        let p = random_placement(&v, Side::Left, &mut rng);
        v.place(Side::Left, &p).unwrap();
        if v.winner().is_none() {
            let p = low_placement(&v, Side::Right);
            v.place(Side::Right, &p).unwrap();
        }
    }
    assert_eq!(v.winner(), Some(Side::Right));
    assert!(v.game(Side::Left).is_over());

    let mut v = Versus::new(4, VersusRules::default());
    v.forfeit(Side::Right);
    v.forfeit(Side::Left);
    assert_eq!(v.winner(), Some(Side::Left), "the first forfeit decides");
}

/// Plays a match of random placements from `seed` for `turns` turns each (alternating, left
/// first); returns it.
fn random_match(seed: u64, turns: usize, rules: VersusRules) -> Versus {
    let mut v = Versus::new(seed, rules);
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
    'play: for _ in 0..turns {
        for side in Side::BOTH {
            if v.winner().is_some() {
                break 'play;
            }
            // Mostly the low placement (so games last and attacks happen), sometimes random.
            let p = if rng.random_bool(0.3) {
                random_placement(&v, side, &mut rng)
            } else {
                low_placement(&v, side)
            };
            let out = v.place(side, &p).unwrap();
            assert!(out.landed <= v.rules().garbage_cap);
            assert_conserved(&v);
        }
    }
    v
}

#[test]
fn the_same_seed_and_placements_make_the_same_match() {
    let rules = VersusRules {
        messiness: 0.3,
        garbage_delay: 0,
        ..VersusRules::default()
    };
    let a = random_match(11, 150, rules.clone());
    let b = random_match(11, 150, rules.clone());
    assert_eq!(a, b);
    assert_ne!(a, random_match(12, 150, rules));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn no_garbage_is_lost_or_counted_twice(
        seed in any::<u64>(),
        turns in 1usize..120,
        countering in any::<bool>(),
        delay in 0u32..3,
        cap in 1u32..10,
        messiness in 0.0f64..=1.0,
    ) {
        let rules = VersusRules { countering, garbage_delay: delay, garbage_cap: cap, messiness };
        let v = random_match(seed, turns, rules);
        assert_conserved(&v);
        for side in Side::BOTH {
            prop_assert!(v.totals(side).pieces <= turns as u64);
            prop_assert!(v.pending(side).all(|p| p.lines > 0 && p.wait <= delay));
        }
    }
}

#[test]
fn a_back_to_back_tetris_sends_five_and_a_row_pushed_off_the_top_ends_the_game() {
    let mut v = tetris_ready(3, VersusRules::default());
    let mut b2b = well_with_an_i(5);
    b2b.set_streaks(-1, true);
    v.set_game(Side::Left, b2b);
    let out = v.place(Side::Left, &best_clear(&v, Side::Left)).unwrap();
    assert!(out.outcome.back_to_back);
    assert_eq!(out.sent, 5);

    // A garbage row pushes everything up one row; a board full to the top cannot take one.
    let mut board = Board::from_rows(&[0b00_0000_0001]).unwrap();
    assert!(board.push_garbage_row(3));
    assert_eq!(board.rows()[0], 0b11_1111_0111);
    assert_eq!(board.rows()[1], 0b00_0000_0001);
    assert_eq!(board.column_heights()[0], 2);
    assert_eq!(board.column_heights()[3], 0);
    let mut full = Board::from_rows(&[0b01_1111_1111; tetris_game::HEIGHT]).unwrap();
    assert!(!full.push_garbage_row(0));
    let mut game = Game::new(1);
    assert!(!game.receive_garbage(&[0; 10]));
    assert!(game.receive_garbage(&[0; 30]), "pushed out or blocked");
    assert!(matches!(
        game.top_out(),
        Some(TopOut::GarbageOut | TopOut::BlockOut)
    ));
}

#[test]
fn the_dellacherie_player_beats_random_play() {
    for seed in 0..5 {
        let mut v = Versus::new(seed, VersusRules::default());
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        while v.winner().is_none() {
            let p = tetris_game::dellacherie::choose(v.game(Side::Left), true).unwrap();
            v.place(Side::Left, &p).unwrap();
            if v.winner().is_none() {
                let p = random_placement(&v, Side::Right, &mut rng);
                v.place(Side::Right, &p).unwrap();
            }
            assert_conserved(&v);
        }
        assert_eq!(v.winner(), Some(Side::Left), "seed {seed}");
    }
}

/// The Dellacherie heuristic's placement (it plays a long while).
fn lowest(game: &Game) -> Placement {
    tetris_game::dellacherie::choose(game, false).unwrap()
}

/// Plays `locks` heuristic placements of a seed-3 game against `incoming`; the rows that landed.
fn play_against(incoming: &mut tetris_game::Incoming, locks: usize) -> (Game, u32) {
    let mut game = Game::new(3);
    let mut landed = 0;
    for _ in 0..locks {
        if game.is_over() {
            break;
        }
        let outcome = game.place(&lowest(&game)).unwrap();
        landed += incoming.after_lock(&mut game, &outcome);
    }
    (game, landed)
}

#[test]
fn a_schedule_of_no_chance_sends_nothing() {
    let schedule = tetris_game::GarbageSchedule::default();
    assert!(!schedule.is_on());
    let mut incoming = tetris_game::Incoming::new(1, schedule);
    let (game, landed) = play_against(&mut incoming, 200);
    assert_eq!(landed, 0);
    assert_eq!(incoming.pending_lines(), 0);
    assert_eq!(game.pieces_placed(), 200);
}

#[test]
fn scheduled_garbage_lands_counters_and_is_the_same_for_a_seed() {
    let schedule = tetris_game::GarbageSchedule {
        chance: 0.3,
        max_attack: 3,
        rules: VersusRules::default(),
    };
    assert!((schedule.rows_per_lock() - 0.6).abs() < 1e-12);
    let mut a = tetris_game::Incoming::new(9, schedule.clone());
    let (game_a, landed) = play_against(&mut a, 300);
    assert!(landed > 20, "only {landed} rows landed in 300 locks");
    let t = a.totals();
    assert_eq!(t.landed, u64::from(landed));
    assert_eq!(t.attack, t.cancelled + t.sent);
    assert!(
        t.cancelled > 0,
        "the game's clears countered nothing: {t:?}"
    );
    let mut b = tetris_game::Incoming::new(9, schedule.clone());
    let (game_b, _) = play_against(&mut b, 300);
    assert_eq!(a, b);
    assert_eq!(game_a.board(), game_b.board());
    let mut c = tetris_game::Incoming::new(10, schedule);
    play_against(&mut c, 300);
    assert_ne!(a, c, "another seed, other garbage");
}

#[test]
fn scheduled_garbage_waits_its_delay_and_lands_only_on_a_lock_that_clears_nothing() {
    let schedule = tetris_game::GarbageSchedule {
        chance: 1.0,
        max_attack: 1,
        rules: VersusRules {
            countering: false,
            garbage_delay: 1,
            ..VersusRules::default()
        },
    };
    let mut incoming = tetris_game::Incoming::new(2, schedule);
    let mut game = Game::new(3);
    // Lock 1 sends a row (wait 1); lock 2 ticks it to 0 and sends another; lock 3 lands one.
    let mut landed = vec![];
    for _ in 0..3 {
        let outcome = game.place(&lowest(&game)).unwrap();
        assert_eq!(outcome.lines, 0);
        landed.push(incoming.after_lock(&mut game, &outcome));
    }
    assert_eq!(landed, [0, 0, 1]);
    assert_eq!(incoming.pending_lines(), 2);
}
