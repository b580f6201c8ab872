//! Shortest input paths, by breadth-first search over single inputs from spawn. Also a plain,
//! slow enumeration of placements that the tests hold the bit-parallel search against.

use std::collections::{BTreeMap, VecDeque};

use crate::board::{Board, HEIGHT};
use crate::falling::{Falling, Input};
use crate::piece::Piece;
use crate::scoring::TSpin;
use crate::search::{Placement, SLOTS, X_MIN};

/// How the piece got to a state: 0 by a shift or drop (or spawn), 1 by a rotation, 2 by a
/// rotation through the fifth kick. Only tracked for T, where it decides T-spins.
const ARRIVALS: usize = 3;
const STATES: usize = 4 * SLOTS * HEIGHT * ARRIVALS;
const MOVES: [Input; 5] = [
    Input::Left,
    Input::Right,
    Input::SoftDrop,
    Input::RotateCw,
    Input::RotateCcw,
];

fn index(f: &Falling) -> usize {
    let arrival = match f.last_kick {
        Some(_) if f.piece != Piece::T => 0,
        None => 0,
        Some(4) => 2,
        Some(_) => 1,
    };
    (((f.rotation.index() * SLOTS) + (f.x - X_MIN) as usize) * HEIGHT + f.y as usize) * ARRIVALS
        + arrival
}

/// What locking with a hard drop from `f` produces: the cells (sorted) and the T-spin kind.
fn outcome(board: &Board, f: &Falling) -> ([(i32, i32); 4], TSpin) {
    let mut landed = *f;
    landed.apply(board, Input::HardDrop);
    let mut cells = landed.cells();
    cells.sort_unstable();
    (cells, landed.tspin(board))
}

/// Runs `visit` on every reachable state in breadth-first order, with the index of the state
/// and the parent table so far; stops early when `visit` returns true.
fn bfs(
    board: &Board,
    piece: Piece,
    mut visit: impl FnMut(&Falling, usize, &[(u32, Input)]) -> bool,
) {
    if Falling::spawn(piece).collides(board) {
        return; // block out
    }
    let start = Falling::enter(piece, board);
    let mut parent = vec![(u32::MAX, Input::HardDrop); STATES];
    let mut seen = vec![false; STATES];
    let mut queue = VecDeque::new();
    seen[index(&start)] = true;
    queue.push_back(start);
    while let Some(f) = queue.pop_front() {
        let i = index(&f);
        if visit(&f, i, &parent) {
            return;
        }
        for input in MOVES {
            let mut next = f;
            if next.apply(board, input) {
                let j = index(&next);
                if !seen[j] {
                    seen[j] = true;
                    parent[j] = (i as u32, input);
                    queue.push_back(next);
                }
            }
        }
    }
}

/// The shortest list of inputs from spawn that ends in `target` (cells and T-spin kind), the
/// final hard drop included; `None` if it is unreachable.
pub(crate) fn shortest_path(board: &Board, target: &Placement) -> Option<Vec<Input>> {
    let want = (target.cell_key(), target.tspin());
    let mut found = None;
    bfs(board, target.piece(), |f, i, parent| {
        if outcome(board, f) != want {
            return false;
        }
        let mut path = vec![Input::HardDrop];
        let mut at = i;
        while parent[at].0 != u32::MAX {
            path.push(parent[at].1);
            at = parent[at].0 as usize;
        }
        path.reverse();
        found = Some(path);
        true
    });
    found
}

/// Every placement of `piece`, by plain search over single inputs: slow, obviously right.
pub fn reference_placements(board: &Board, piece: Piece, hold: bool) -> Vec<Placement> {
    let mut best: BTreeMap<[(i32, i32); 4], (TSpin, Falling)> = BTreeMap::new();
    bfs(board, piece, |f, _, _| {
        let (cells, tspin) = outcome(board, f);
        let mut landed = *f;
        landed.apply(board, Input::HardDrop);
        let entry = best.entry(cells).or_insert((tspin, landed));
        if tspin > entry.0 {
            *entry = (tspin, landed);
        }
        false
    });
    best.into_values()
        .map(|(tspin, f)| Placement {
            piece,
            rotation: f.rotation,
            x: f.x as i8,
            y: f.y as i8,
            hold,
            tspin,
        })
        .collect()
}
