//! Afterstate features: a fixed-size description of the board after a placement, for the
//! agent's value network. Computed from the column bitboards in a few dozen instructions.

use crate::board::{Board, FULL_ROW, WIDTH};

/// Number of entries in [`Features`].
pub const NUM_FEATURES: usize = 13;

/// The feature vector; entry `i` is described by [`FEATURE_NAMES`]`[i]`.
pub type Features = [f32; NUM_FEATURES];

/// Short names of the features, in order (for logs, CSV headers and plots).
pub const FEATURE_NAMES: [&str; NUM_FEATURES] = [
    "holes",
    "row_transitions",
    "column_transitions",
    "well_cells",
    "cumulative_wells",
    "bumpiness",
    "aggregate_height",
    "max_height",
    "landing_height",
    "eroded_piece_cells",
    "lines_cleared",
    "hole_depth",
    "rows_with_holes",
];

/// What the lock itself contributes, beyond the resulting board.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LockFacts {
    /// Mean row of the piece's lowest and highest cell, where it locked (before clearing).
    pub landing_height: f32,
    /// Lines the lock cleared.
    pub lines_cleared: u32,
    /// Cells of the piece itself that were in the cleared lines.
    pub piece_cells_cleared: u32,
}

/// Computes the features of `board` (already cleared) after a lock described by `facts`.
///
/// - `holes`: empty cells with a filled cell somewhere above them in the same column.
/// - `row_transitions`: filled/empty changes along each row up to the stack top, walls filled.
/// - `column_transitions`: filled/empty changes up each column from the floor (filled) to the
///   column top.
/// - `well_cells`: empty cells above the column top whose left and right neighbours are
///   filled (walls count as filled).
/// - `cumulative_wells`: for each well, 1 + 2 + ... + depth (Dellacherie's measure).
/// - `bumpiness`: sum of absolute height differences of neighbouring columns.
/// - `aggregate_height`: sum of column heights. `max_height`: the tallest column.
/// - `landing_height`, `lines_cleared`: from `facts`.
/// - `eroded_piece_cells`: lines cleared times piece cells cleared.
/// - `hole_depth`: for each hole, the filled cells above it in its column, summed.
/// - `rows_with_holes`: rows that hold at least one hole.
pub fn afterstate_features(board: &Board, facts: &LockFacts) -> Features {
    let cols = board.columns();
    let heights = board.column_heights();
    let mut holes = 0u32;
    let mut hole_depth = 0u32;
    let mut hole_rows = 0u64;
    let mut column_transitions = 0u32;
    for (&col, &h) in cols.iter().zip(&heights) {
        let below_top = if h == 0 { 0 } else { (1u64 << h) - 1 };
        let empty = !col & below_top;
        holes += empty.count_ones();
        hole_rows |= empty;
        let mut e = empty;
        while e != 0 {
            let y = e.trailing_zeros();
            e &= e - 1;
            hole_depth += (col >> y).count_ones();
        }
        // Floor counts as filled: transitions between consecutive bits of (col << 1 | 1).
        let with_floor = (col << 1) | 1;
        column_transitions += ((with_floor ^ (with_floor >> 1)) & below_top).count_ones();
    }
    let top = board.max_height() as usize;
    let mut row_transitions = 0u32;
    for &row in &board.rows()[..top] {
        // Walls filled: bit 0 and bit 11 set around the 10 cells.
        let walled = ((row as u32) << 1) | 1 | (1 << (WIDTH + 1));
        row_transitions += (walled ^ (walled >> 1)).count_ones() - 1;
    }
    let mut well_cells = 0u32;
    let mut cumulative_wells = 0u32;
    for x in 0..WIDTH {
        let left = if x == 0 { u32::MAX } else { heights[x - 1] };
        let right = if x == WIDTH - 1 {
            u32::MAX
        } else {
            heights[x + 1]
        };
        let rim = left.min(right);
        if rim > heights[x] {
            let depth = rim - heights[x];
            // A wall-side column next to an empty neighbour has rim 0, never > height.
            let depth = depth.min(crate::board::HEIGHT as u32);
            well_cells += depth;
            cumulative_wells += depth * (depth + 1) / 2;
        }
    }
    let bumpiness: u32 = heights.windows(2).map(|w| w[0].abs_diff(w[1])).sum();
    let aggregate: u32 = heights.iter().sum();
    [
        holes as f32,
        row_transitions as f32,
        column_transitions as f32,
        well_cells as f32,
        cumulative_wells as f32,
        bumpiness as f32,
        aggregate as f32,
        board.max_height() as f32,
        facts.landing_height,
        (facts.lines_cleared * facts.piece_cells_cleared) as f32,
        facts.lines_cleared as f32,
        hole_depth as f32,
        hole_rows.count_ones() as f32,
    ]
}

/// T-spin double slots in `board`: places where a T turned point down would fill two rows at
/// once as a T-spin. A slot centred on the empty cell (x, y), 1 <= x <= 8: row y is full but for
/// x-1, x and x+1; row y-1 is full but for x (so the two lower corners are filled); at least
/// one upper corner, (x-1, y+1) or (x+1, y+1), is filled (the overhang that makes the third
/// corner of a T-spin); and (x, y+1) is empty, where the T's flat side enters. Whether the T
/// can be steered in (usually a spin from above the open side) is not checked.
pub fn tsd_slots(board: &Board) -> u32 {
    let rows = board.rows();
    let top = board.max_height() as usize;
    let mut slots = 0;
    for y in 1..top.min(rows.len() - 1) {
        let below = rows[y - 1];
        if below.count_ones() != WIDTH as u32 - 1 {
            continue;
        }
        let x = (!below & FULL_ROW).trailing_zeros() as usize;
        if x == 0 || x == WIDTH - 1 {
            continue;
        }
        let three = 0b111u16 << (x - 1);
        let above = rows[y + 1];
        let corners = (1u16 << (x - 1)) | (1 << (x + 1));
        if rows[y] == FULL_ROW & !three && above & corners != 0 && above & (1 << x) == 0 {
            slots += 1;
        }
    }
    slots
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(f: &Features, name: &str) -> f32 {
        f[FEATURE_NAMES.iter().position(|n| *n == name).unwrap()]
    }

    #[test]
    fn empty_board_is_all_zero_but_walls() {
        let f = afterstate_features(&Board::new(), &LockFacts::default());
        assert_eq!(f, [0.0; NUM_FEATURES]);
    }

    #[test]
    fn a_known_board() {
        let b = Board::from_ascii(
            "
            .#........
            .#.......#
            ##.#.....#
            #..##....#
            ",
        )
        .unwrap();
        let f = afterstate_features(&b, &LockFacts::default());
        // Heights: 2 4 0 2 1 0 0 0 0 3.
        assert_eq!(named(&f, "aggregate_height"), 12.0);
        assert_eq!(named(&f, "max_height"), 4.0);
        assert_eq!(
            named(&f, "bumpiness"),
            2. + 4. + 2. + 1. + 1. + 0. + 0. + 0. + 3.
        );
        // One hole: column 1, row 0, under three filled cells.
        assert_eq!(named(&f, "holes"), 1.0);
        assert_eq!(named(&f, "hole_depth"), 3.0);
        assert_eq!(named(&f, "rows_with_holes"), 1.0);
        // Wells: column 0 (wall and height 4 around height 2) and column 2 (heights 4 and 2
        // around 0), each 2 deep: 2 + 2 cells, 3 + 3 cumulative. Columns 4..8 have a lower
        // neighbour, so they are no wells.
        assert_eq!(named(&f, "well_cells"), 4.0);
        assert_eq!(named(&f, "cumulative_wells"), 6.0);
        // Column transitions, floor filled, up to each top: column 1 (empty, then filled)
        // has 2; columns 0, 3, 4 and 9 are solid from the floor: 0.
        assert_eq!(named(&f, "column_transitions"), 2.0);
        // Row transitions over the 4 rows, walls filled.
        let expected: u32 = ["#..##....#", "##.#.....#", ".#.......#", ".#........"]
            .iter()
            .map(|r| {
                let cells: Vec<bool> = std::iter::once(true)
                    .chain(r.chars().map(|c| c == '#'))
                    .chain(std::iter::once(true))
                    .collect();
                cells.windows(2).filter(|w| w[0] != w[1]).count() as u32
            })
            .sum();
        assert_eq!(named(&f, "row_transitions"), expected as f32);
    }

    #[test]
    fn column_transitions_count_floor_and_gaps() {
        // Column 0: floor(filled), row0 empty, row1 filled -> 2 transitions.
        let b = Board::from_ascii(
            "
            #.........
            ..........
            ",
        )
        .unwrap();
        let f = afterstate_features(&b, &LockFacts::default());
        assert_eq!(named(&f, "column_transitions"), 2.0);
        assert_eq!(named(&f, "holes"), 1.0);
    }

    #[test]
    fn lock_facts_feed_through() {
        let facts = LockFacts {
            landing_height: 1.5,
            lines_cleared: 2,
            piece_cells_cleared: 3,
        };
        let f = afterstate_features(&Board::new(), &facts);
        assert_eq!(named(&f, "landing_height"), 1.5);
        assert_eq!(named(&f, "eroded_piece_cells"), 6.0);
        assert_eq!(named(&f, "lines_cleared"), 2.0);
    }

    #[test]
    fn a_tsd_slot_is_counted_and_a_t_spin_double_fills_it() {
        use crate::{Game, Piece, TSpin};
        let b = Board::from_ascii(
            "
            ##........
            #...######
            ##.#######
            ",
        )
        .unwrap();
        assert_eq!(tsd_slots(&b), 1);
        let game = Game::from_position(b, Piece::T, None, &[Piece::I; 5], 1).unwrap();
        let tsd = game
            .placements()
            .into_iter()
            .find(|p| p.piece() == Piece::T && p.tspin() == TSpin::Full)
            .expect("the search finds the T-spin");
        let preview = game.preview(&tsd).unwrap();
        assert_eq!(preview.outcome.lines, 2);
        assert_eq!(tsd_slots(&preview.afterstate.board), 0);
    }

    #[test]
    fn no_slot_without_an_overhang_or_with_a_lower_row_open() {
        for picture in [
            // No upper corner: a plain T placement, not a spin.
            "
            ..........
            #...######
            ##.#######
            ",
            // The row below has two gaps.
            "
            ##........
            #...######
            ##.####.##
            ",
            // The centre above is covered.
            "
            ###.......
            #...######
            ##.#######
            ",
        ] {
            let b = Board::from_ascii(picture).unwrap();
            assert_eq!(tsd_slots(&b), 0, "{picture}");
        }
    }
}
