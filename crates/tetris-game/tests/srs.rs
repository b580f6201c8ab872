//! SRS against the published tables: every kick entry, checked by blocking the earlier kicks and
//! watching the rotation take exactly that one; and T-spin set-ups found and scored.

use tetris_game::{Board, Falling, Game, Piece, Rotation, Spin, TSpin};

/// The guideline tables as published (Tetris wiki, "SRS"), y up, transcribed independently of
/// the engine's arrays: transition, then the five offsets in test order.
const JLSTZ: &str = "
0->R ( 0, 0) (-1, 0) (-1,+1) ( 0,-2) (-1,-2)
R->0 ( 0, 0) (+1, 0) (+1,-1) ( 0,+2) (+1,+2)
R->2 ( 0, 0) (+1, 0) (+1,-1) ( 0,+2) (+1,+2)
2->R ( 0, 0) (-1, 0) (-1,+1) ( 0,-2) (-1,-2)
2->L ( 0, 0) (+1, 0) (+1,+1) ( 0,-2) (+1,-2)
L->2 ( 0, 0) (-1, 0) (-1,-1) ( 0,+2) (-1,+2)
L->0 ( 0, 0) (-1, 0) (-1,-1) ( 0,+2) (-1,+2)
0->L ( 0, 0) (+1, 0) (+1,+1) ( 0,-2) (+1,-2)
";
const I: &str = "
0->R ( 0, 0) (-2, 0) (+1, 0) (-2,-1) (+1,+2)
R->0 ( 0, 0) (+2, 0) (-1, 0) (+2,+1) (-1,-2)
R->2 ( 0, 0) (-1, 0) (+2, 0) (-1,+2) (+2,-1)
2->R ( 0, 0) (+1, 0) (-2, 0) (+1,-2) (-2,+1)
2->L ( 0, 0) (+2, 0) (-1, 0) (+2,+1) (-1,-2)
L->2 ( 0, 0) (-2, 0) (+1, 0) (-2,-1) (+1,+2)
L->0 ( 0, 0) (+1, 0) (-2, 0) (+1,-2) (-2,+1)
0->L ( 0, 0) (-1, 0) (+2, 0) (-1,+2) (+2,-1)
";

fn state(s: &str) -> Rotation {
    match s {
        "0" => Rotation::N,
        "R" => Rotation::E,
        "2" => Rotation::S,
        "L" => Rotation::W,
        _ => panic!("bad state {s}"),
    }
}

/// One line of a kick table: from, to, and the five offsets.
type KickRow = (Rotation, Rotation, Vec<(i32, i32)>);

fn parse(table: &str) -> Vec<KickRow> {
    table
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let (head, rest) = line.split_once(' ').unwrap();
            let (from, to) = head.split_once("->").unwrap();
            let nums: Vec<i32> = rest
                .replace(['(', ')', ','], " ")
                .split_whitespace()
                .map(|n| n.parse().unwrap())
                .collect();
            let kicks = nums.chunks(2).map(|c| (c[0], c[1])).collect();
            (state(from), state(to), kicks)
        })
        .collect()
}

fn cells(piece: Piece, r: Rotation, x: i32, y: i32) -> Vec<(i32, i32)> {
    piece
        .cells(r)
        .iter()
        .map(|&(dx, dy)| (x + dx as i32, y + dy as i32))
        .collect()
}

/// For kick `k` of a transition: block each earlier kick's target with one cell that neither
/// the piece nor kick `k`'s target covers, rotate, and expect to land on kick `k`. Some entries
/// can never be reached by some pieces (the earlier target is inside the later one), so each
/// entry must be reached by at least one of `pieces`; and every entry must equal the engine's.
fn check_table(pieces: &[Piece], table: &str) {
    let (x0, y0) = (4, 10);
    let entries = parse(table);
    let mut reached = vec![[false; 5]; entries.len()];
    for &piece in pieces {
        for (e, (from, to, kicks)) in entries.iter().enumerate() {
            let (from, to) = (*from, *to);
            let spin = if from.turned(Spin::Cw) == to {
                Spin::Cw
            } else {
                Spin::Ccw
            };
            assert_eq!(from.turned(spin), to);
            let engine: Vec<(i32, i32)> = piece
                .kicks(from, spin)
                .iter()
                .map(|&(x, y)| (x as i32, y as i32))
                .collect();
            assert_eq!(&engine, kicks, "{piece:?} {from:?}->{to:?}");
            'kick: for k in 0..5 {
                let source = cells(piece, from, x0, y0);
                let (kx, ky) = kicks[k];
                let target = cells(piece, to, x0 + kx, y0 + ky);
                let mut rows = vec![0u16; 20];
                for &(jx, jy) in &kicks[..k] {
                    let Some(blocker) = cells(piece, to, x0 + jx, y0 + jy)
                        .into_iter()
                        .find(|c| !source.contains(c) && !target.contains(c))
                    else {
                        continue 'kick;
                    };
                    rows[blocker.1 as usize] |= 1 << blocker.0;
                }
                let board = Board::from_rows(&rows).unwrap();
                let mut f = Falling {
                    piece,
                    rotation: from,
                    x: x0,
                    y: y0,
                    last_kick: None,
                };
                assert!(!f.collides(&board));
                assert!(
                    f.rotate(&board, spin),
                    "{piece:?} {from:?}->{to:?} kick {k}"
                );
                assert_eq!(
                    (f.rotation, f.x, f.y, f.last_kick),
                    (to, x0 + kx, y0 + ky, Some(k as u8)),
                    "{piece:?} {from:?}->{to:?} kick {k}"
                );
                reached[e][k] = true;
            }
        }
    }
    for (e, r) in reached.iter().enumerate() {
        assert_eq!(r, &[true; 5], "entry {:?}", entries[e]);
    }
}

#[test]
fn every_jlstz_kick_entry() {
    check_table(&[Piece::J, Piece::L, Piece::S, Piece::T, Piece::Z], JLSTZ);
}

#[test]
fn every_i_kick_entry() {
    check_table(&[Piece::I], I);
}

#[test]
fn rotation_fails_when_all_five_kicks_are_blocked() {
    // A T in a one-wide shaft cannot turn at all.
    let board = Board::from_ascii(
        "
        ###.######
        ###.######
        ###.######
        ###.######
        ",
    )
    .unwrap();
    let mut f = Falling {
        piece: Piece::I,
        rotation: Rotation::E,
        x: 2,
        y: 2,
        last_kick: None,
    };
    assert!(!f.collides(&board));
    let before = f;
    assert!(!f.rotate(&board, Spin::Cw));
    assert!(!f.rotate(&board, Spin::Ccw));
    assert_eq!(f, before);
}

fn find(game: &Game, cells: &[(i32, i32)]) -> tetris_game::Placement {
    let mut want = cells.to_vec();
    want.sort();
    game.placements()
        .into_iter()
        .find(|p| p.cell_key().to_vec() == want && !p.uses_hold())
        .unwrap_or_else(|| panic!("no placement on {want:?}"))
}

fn replay(game: &Game, p: &tetris_game::Placement) -> TSpin {
    let path = game.input_path(p).unwrap();
    let mut f = Falling::enter(p.piece(), game.board());
    for input in &path {
        f.apply(game.board(), *input);
    }
    let mut got = f.cells();
    got.sort();
    assert_eq!(got, p.cell_key(), "path {path:?}");
    f.tspin(game.board())
}

#[test]
fn t_spin_double_is_found_and_scored() {
    let board = Board::from_ascii(
        "
        ####......
        ###...####
        ####.#####
        ",
    )
    .unwrap();
    let mut game = Game::from_position(board, Piece::T, None, &[Piece::I], 1).unwrap();
    let p = find(&game, &[(3, 1), (4, 1), (5, 1), (4, 0)]);
    assert_eq!(p.tspin(), TSpin::Full);
    assert_eq!(replay(&game, &p), TSpin::Full);
    let out = game.place(&p).unwrap();
    assert_eq!((out.lines, out.tspin, out.points), (2, TSpin::Full, 1200));
}

#[test]
fn t_spin_triple_through_the_fifth_kick() {
    let board = Board::from_ascii(
        "
        .....#####
        ......####
        #####.####
        ####..####
        #####.####
        ",
    )
    .unwrap();
    let mut game = Game::from_position(board, Piece::T, None, &[Piece::I], 1).unwrap();
    let p = find(&game, &[(5, 0), (5, 1), (5, 2), (4, 1)]);
    assert_eq!(p.tspin(), TSpin::Full);
    let path = game.input_path(&p).unwrap();
    assert_eq!(
        path[path.len() - 2],
        tetris_game::Input::RotateCcw,
        "{path:?}"
    );
    assert_eq!(replay(&game, &p), TSpin::Full);
    let out = game.place(&p).unwrap();
    assert_eq!((out.lines, out.tspin, out.points), (3, TSpin::Full, 1600));
}

#[test]
fn t_spin_mini_single_against_the_wall() {
    let board = Board::from_ascii(".#########").unwrap();
    let mut game = Game::from_position(board, Piece::T, None, &[Piece::O], 1).unwrap();
    let p = find(&game, &[(0, 0), (0, 1), (0, 2), (1, 1)]);
    assert_eq!(p.tspin(), TSpin::Mini);
    assert_eq!(replay(&game, &p), TSpin::Mini);
    let out = game.place(&p).unwrap();
    assert_eq!((out.lines, out.tspin, out.points), (1, TSpin::Mini, 200));
}

#[test]
fn plain_drops_are_not_spins() {
    let game = Game::from_position(Board::new(), Piece::T, None, &[Piece::O], 1).unwrap();
    assert!(game.placements().iter().all(|p| p.tspin() == TSpin::None));
}
