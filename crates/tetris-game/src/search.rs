//! Placement search: every final resting position a piece can reach from spawn by shifts, SRS
//! rotations with kicks and soft drops, found with bit-parallel flood fill.
//!
//! For each rotation and column the search keeps one `u64` whose bits are the rows where the
//! piece fits (`free`) and one for the rows it can reach (`reach`). Rows are stored flipped,
//! bit `63 - y` for row `y`, so that falling (y decreasing) is a carry towards higher bits and
//! a whole column of soft drops is one addition. A shortest input path for any one placement
//! is found separately, by [`crate::path`], when it is needed.
//!
//! Speed (random play is about 90% search): the search is compiled once per piece, so shapes,
//! kicks and the columns a piece fits in are constants; every loop over columns is free of
//! data-dependent branches; each rotation is flooded just before it is turned; T-spins are
//! classified for whole columns at once; and on x86-64 CPUs with AVX2 and BMI a second copy
//! compiled for them is picked at run time.

// The search walks several parallel [rotation][slot] tables in step; index loops say so best.
#![allow(clippy::needless_range_loop)]

use serde::{Deserialize, Serialize};

use crate::board::{Board, HEIGHT, WIDTH};
use crate::falling::{SPAWN_X, SPAWN_Y};
use crate::piece::{Piece, Rotation, Spin};
use crate::scoring::TSpin;

/// A final resting position of a piece, as found by the search.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Placement {
    pub(crate) piece: Piece,
    pub(crate) rotation: Rotation,
    pub(crate) x: i8,
    pub(crate) y: i8,
    pub(crate) hold: bool,
    pub(crate) tspin: TSpin,
}

impl Placement {
    /// The piece placed.
    pub fn piece(&self) -> Piece {
        self.piece
    }
    /// Its rotation state (for pieces whose states repeat, the lowest of the equivalent ones).
    pub fn rotation(&self) -> Rotation {
        self.rotation
    }
    /// Column of its rotation centre.
    pub fn x(&self) -> i32 {
        self.x as i32
    }
    /// Row of its rotation centre.
    pub fn y(&self) -> i32 {
        self.y as i32
    }
    /// Whether the piece comes through hold (the hold piece, or the next one if hold is empty).
    pub fn uses_hold(&self) -> bool {
        self.hold
    }
    /// The T-spin it scores as, when its best path ends with a rotation.
    pub fn tspin(&self) -> TSpin {
        self.tspin
    }
    /// The same cells, scored as `tspin`: for a move another program made, whose path (and
    /// so its spin) it knows better.
    pub fn with_tspin(mut self, tspin: TSpin) -> Placement {
        self.tspin = if self.piece == Piece::T {
            tspin
        } else {
            TSpin::None
        };
        self
    }
    /// The board cells it covers.
    pub fn cells(&self) -> [(i32, i32); 4] {
        self.piece
            .cells_at(self.rotation, self.x as i32, self.y as i32)
    }
    /// The cells sorted, a key that is equal exactly when two placements cover the same cells.
    pub fn cell_key(&self) -> [(i32, i32); 4] {
        let mut c = self.cells();
        c.sort_unstable();
        c
    }
}

/// Column slots searched: centre x from `X_MIN` to `X_MIN + SLOTS - 1` (every centre column
/// at which some piece fits on the board).
pub(crate) const X_MIN: i32 = -1;
pub(crate) const SLOTS: usize = 12;
/// Lanes: the slots with two always-blocked lanes each side, so a kick (at most two columns)
/// from any slot lands on a lane and needs no bounds test. Slot `s` is lane `s + PAD`.
const PAD: usize = 2;
const LANES: usize = SLOTS + 2 * PAD;
/// One mask per lane.
type Lanes = [u64; LANES];
/// Extended columns: walls two wide each side of the board.
const EXT_MIN: i32 = -2;
const EXT: usize = 15;
/// Flipped-mask bits at or below this index are rows at or above [`HEIGHT`]: the ceiling.
const CEILING: u64 = (1u64 << (64 - HEIGHT)) - 1;

#[inline]
fn bit_of_row(y: i32) -> u32 {
    (63 - y) as u32
}

/// Masks of blocked rows per extended column, flipped (bit `63 - y`).
fn flipped_columns(board: &Board) -> [u64; EXT] {
    let mut ext = [u64::MAX; EXT];
    for (x, &col) in board.columns().iter().enumerate() {
        ext[(x as i32 - EXT_MIN) as usize] = col.reverse_bits() | CEILING;
    }
    ext
}

/// Moves a flipped mask by `dy` rows up (positive) or down; rows moved in from beyond the
/// mask read as `fill`.
#[inline(always)]
fn move_rows(mask: u64, dy: i8, fill: bool) -> u64 {
    let d = dy.unsigned_abs() as u32;
    if dy >= 0 {
        let high = if fill && d > 0 { !(u64::MAX >> d) } else { 0 };
        (mask >> d) | high
    } else {
        let low = if fill { (1u64 << d) - 1 } else { 0 };
        (mask << d) | low
    }
}

/// The lanes where piece `p` in rotation `r` fits between the walls: `lo..hi`.
const fn valid_lanes(p: Piece, r: usize) -> (usize, usize) {
    let cells = p.cells(Rotation::ALL[r]);
    let (mut min, mut max) = (cells[0].0, cells[0].0);
    let mut c = 1;
    while c < 4 {
        if cells[c].0 < min {
            min = cells[c].0;
        }
        if cells[c].0 > max {
            max = cells[c].0;
        }
        c += 1;
    }
    let lo = -(min as i32) - X_MIN + PAD as i32;
    let hi = WIDTH as i32 - 1 - max as i32 - X_MIN + PAD as i32 + 1;
    (lo as usize, hi as usize)
}

/// Rows (flipped bits) where piece `P` in rotation `R` fits, per lane; padding lanes are 0.
#[inline(always)]
fn free_lanes<const P: usize, const R: usize>(ext: &[u64; EXT]) -> Lanes {
    let cells = const { Piece::ALL[P].cells(Rotation::ALL[R]) };
    let (lo, hi) = const { valid_lanes(Piece::ALL[P], R) };
    let mut free = [0u64; LANES];
    for lane in lo..hi {
        let slot = lane - PAD;
        let x = slot as i32 + X_MIN;
        let mut blocked = 0u64;
        for &(dx, dy) in &cells {
            let col = ext[(x + dx as i32 - EXT_MIN) as usize];
            // Position row y is blocked if row y + dy is: flipped bit 63-y reads bit 63-y-dy.
            blocked |= move_rows(col, -dy, true);
        }
        free[lane] = !blocked;
    }
    free
}

/// Extends `seed` (a subset of `free`) through every row it can fall to within `free`.
#[inline(always)]
fn fall(seed: u64, free: u64) -> u64 {
    ((free.wrapping_add(seed) ^ free) & free) | seed
}

/// Closes `reach` under falling and sideways moves within one rotation state, by sweeps to
/// the right and to the left until a sweep adds nothing.
#[inline(always)]
fn flood(reach: &mut Lanes, free: &Lanes, (lo, hi): (usize, usize)) {
    let mut first = true;
    loop {
        let mut added = 0u64;
        for i in lo..hi {
            let next = fall(reach[i] | (reach[i - 1] & free[i]), free[i]);
            added |= next ^ reach[i];
            reach[i] = next;
        }
        if added == 0 && !first {
            return;
        }
        first = false;
        added = 0;
        for i in (lo..hi).rev() {
            let next = fall(reach[i] | (reach[i + 1] & free[i]), free[i]);
            added |= next ^ reach[i];
            reach[i] = next;
        }
        if added == 0 {
            return;
        }
    }
}

/// Rows reached in each rotation, and for T the rows reached by a rotation and by the fifth
/// kick, which decide T-spins.
struct Reach {
    rows: [Lanes; 4],
    /// Rows already turned both ways.
    turned: [Lanes; 4],
    spun: [Lanes; 4],
    spun_long: [Lanes; 4],
}

/// Turns the `fresh` rows of rotation `FROM` by one spin of piece `P` (clockwise when `CW`),
/// trying the SRS kicks in order; returns whether rotation `to` gained rows.
#[inline(always)]
fn turn<const P: usize, const FROM: usize, const CW: bool>(
    fresh: &Lanes,
    free: &[Lanes; 4],
    reach: &mut Reach,
) -> bool {
    let spin = if CW { Spin::Cw } else { Spin::Ccw };
    let to = Rotation::ALL[FROM].turned(spin).index();
    let kicks =
        const { *Piece::ALL[P].kicks(Rotation::ALL[FROM], if CW { Spin::Cw } else { Spin::Ccw }) };
    let track_spins = P == Piece::T.index();
    let mut landed_all = [0u64; LANES];
    let (lo, hi) = const { valid_lanes(Piece::ALL[P], FROM) };
    for i in lo..hi {
        let mut pending = fresh[i];
        for (k, &(dx, dy)) in kicks.iter().enumerate() {
            let t = (i as isize + dx as isize) as usize;
            let ok = pending & move_rows(free[to][t], -dy, false);
            pending &= !ok;
            let landed = move_rows(ok, dy, false);
            landed_all[t] |= landed;
            if track_spins && k == 4 {
                reach.spun_long[to][t] |= landed;
            }
        }
    }
    let mut grew = 0u64;
    let (to_lo, to_hi) = const {
        valid_lanes(
            Piece::ALL[P],
            Rotation::ALL[FROM]
                .turned(if CW { Spin::Cw } else { Spin::Ccw })
                .index(),
        )
    };
    for i in to_lo..to_hi {
        grew |= landed_all[i] & !reach.rows[to][i];
        reach.rows[to][i] |= landed_all[i];
        if track_spins {
            reach.spun[to][i] |= landed_all[i];
        }
    }
    grew != 0
}

/// Turns every row of rotation `FROM` not turned yet, both ways; marks the rotations that grew.
#[inline(always)]
fn turn_both<const P: usize, const FROM: usize>(
    free: &[Lanes; 4],
    reach: &mut Reach,
    dirty: &mut [bool; 4],
) {
    let mut fresh = [0u64; LANES];
    let mut any = 0u64;
    let (lo, hi) = const { valid_lanes(Piece::ALL[P], FROM) };
    for i in lo..hi {
        fresh[i] = reach.rows[FROM][i] & !reach.turned[FROM][i];
        any |= fresh[i];
        reach.turned[FROM][i] |= fresh[i];
    }
    if any == 0 {
        return;
    }
    let cw = Rotation::ALL[FROM].turned(Spin::Cw).index();
    let ccw = Rotation::ALL[FROM].turned(Spin::Ccw).index();
    dirty[cw] |= turn::<P, FROM, true>(&fresh, free, reach);
    dirty[ccw] |= turn::<P, FROM, false>(&fresh, free, reach);
}

/// Floods rotation `R` when it has gained rows since it was last flooded, then turns its new
/// rows both ways.
#[inline(always)]
fn settle<const P: usize, const R: usize>(
    free: &[Lanes; 4],
    reach: &mut Reach,
    dirty: &mut [bool; 4],
) {
    if std::mem::take(&mut dirty[R]) {
        flood(
            &mut reach.rows[R],
            &free[R],
            const { valid_lanes(Piece::ALL[P], R) },
        );
        turn_both::<P, R>(free, reach, dirty);
    }
}

/// Pieces whose rotation states cover the same cells in pairs: state S at (x, y) equals N at
/// (x, y - 1) and W at (x, y) equals E at (x - 1, y).
fn has_half_turn_symmetry(piece: Piece) -> bool {
    matches!(piece, Piece::I | Piece::S | Piece::Z)
}

/// Appends to `out` every placement of `piece` on `board`, deduplicated by cells.
pub(crate) fn search(board: &Board, piece: Piece, hold: bool, out: &mut Vec<Placement>) {
    #[cfg(target_arch = "x86_64")]
    if x86_64_v3::detected() {
        // SAFETY: the CPU has every feature `x86_64_v3::search` is compiled for.
        unsafe { x86_64_v3::search(board, piece, hold, out) };
        return;
    }
    search_portable(board, piece, hold, out);
}

/// The search compiled for the baseline instruction set of the target.
pub(crate) fn search_portable(board: &Board, piece: Piece, hold: bool, out: &mut Vec<Placement>) {
    search_any(board, piece, hold, out);
}

/// The search compiled for x86-64-v3 CPUs (AVX2, BMI1/2, LZCNT, POPCNT: every x86-64 CPU
/// since about 2015), chosen at run time. The bit tricks of the search gain about a third.
#[cfg(target_arch = "x86_64")]
mod x86_64_v3 {
    use super::*;

    static DETECTED: std::sync::LazyLock<bool> = std::sync::LazyLock::new(|| {
        std::is_x86_feature_detected!("avx2")
            && std::is_x86_feature_detected!("bmi1")
            && std::is_x86_feature_detected!("bmi2")
            && std::is_x86_feature_detected!("lzcnt")
            && std::is_x86_feature_detected!("popcnt")
    });

    #[inline]
    pub(super) fn detected() -> bool {
        *DETECTED
    }

    #[target_feature(enable = "avx2,bmi1,bmi2,lzcnt,popcnt")]
    pub(super) fn search(board: &Board, piece: Piece, hold: bool, out: &mut Vec<Placement>) {
        search_any(board, piece, hold, out);
    }
}

/// One copy of the search per piece, so shapes and kicks are constants; inlined into each
/// instruction-set variant above.
#[inline(always)]
fn search_any(board: &Board, piece: Piece, hold: bool, out: &mut Vec<Placement>) {
    match piece {
        Piece::I => search_piece::<0>(board, hold, out),
        Piece::O => search_piece::<1>(board, hold, out),
        Piece::T => search_piece::<2>(board, hold, out),
        Piece::S => search_piece::<3>(board, hold, out),
        Piece::Z => search_piece::<4>(board, hold, out),
        Piece::J => search_piece::<5>(board, hold, out),
        Piece::L => search_piece::<6>(board, hold, out),
    }
}

#[inline(always)]
fn search_piece<const P: usize>(board: &Board, hold: bool, out: &mut Vec<Placement>) {
    let piece = Piece::ALL[P];
    let ext = flipped_columns(board);
    let free = [
        free_lanes::<P, 0>(&ext),
        free_lanes::<P, 1>(&ext),
        free_lanes::<P, 2>(&ext),
        free_lanes::<P, 3>(&ext),
    ];
    let spawn_lane = (SPAWN_X - X_MIN) as usize + PAD;
    let spawn_bit = 1u64 << bit_of_row(SPAWN_Y);
    if free[0][spawn_lane] & spawn_bit == 0 {
        return; // block out: nothing can be placed
    }
    // The Guideline's spawn drop: the piece enters one row lower when that row is free, and
    // only moves from there (`Falling::enter`). Row y - 1 is the next bit up.
    let below = spawn_bit << 1;
    let start = if free[0][spawn_lane] & below != 0 {
        below
    } else {
        spawn_bit
    };
    let mut reach = Reach {
        rows: [[0; LANES]; 4],
        turned: [[0; LANES]; 4],
        spun: [[0; LANES]; 4],
        spun_long: [[0; LANES]; 4],
    };
    reach.rows[0][spawn_lane] = start;
    let rotations = if piece == Piece::O { 1 } else { 4 };
    if rotations == 1 {
        flood(
            &mut reach.rows[0],
            &free[0],
            const { valid_lanes(Piece::ALL[P], 0) },
        );
    } else {
        // Each rotation is flooded just before it is turned, so one pass usually finds
        // everything and a second confirms it.
        let mut dirty = [true, false, false, false];
        while dirty.iter().any(|&d| d) {
            settle::<P, 0>(&free, &mut reach, &mut dirty);
            settle::<P, 1>(&free, &mut reach, &mut dirty);
            settle::<P, 2>(&free, &mut reach, &mut dirty);
            settle::<P, 3>(&free, &mut reach, &mut dirty);
        }
    }

    // Resting rows: the row below is blocked.
    let mut rest = [[0u64; SLOTS]; 4];
    for r in 0..rotations {
        for slot in 0..SLOTS {
            let i = slot + PAD;
            rest[r][slot] = reach.rows[r][i] & !(free[r][i] >> 1);
        }
    }
    if has_half_turn_symmetry(piece) {
        for slot in 0..SLOTS {
            // S at y is N at y - 1: one row lower is one flipped bit higher.
            rest[0][slot] |= rest[2][slot] << 1;
            rest[2][slot] = 0;
            if slot > 0 {
                rest[1][slot - 1] |= rest[3][slot];
            }
            rest[3][slot] = 0;
        }
    }
    let corners = TCorners::new(&ext);
    for r in 0..rotations {
        for slot in 0..SLOTS {
            let mut bits = rest[r][slot];
            if bits == 0 {
                continue;
            }
            let i = slot + PAD;
            let (full, mini) = if piece == Piece::T {
                corners.t_spins(slot, r, reach.spun[r][i], reach.spun_long[r][i])
            } else {
                (0, 0)
            };
            while bits != 0 {
                let b = bits.trailing_zeros();
                bits &= bits - 1;
                let tspin = if full >> b & 1 == 1 {
                    TSpin::Full
                } else if mini >> b & 1 == 1 {
                    TSpin::Mini
                } else {
                    TSpin::None
                };
                out.push(Placement {
                    piece,
                    rotation: Rotation::ALL[r],
                    x: (slot as i32 + X_MIN) as i8,
                    y: (63 - b as i32) as i8,
                    hold,
                    tspin,
                });
            }
        }
    }
}

/// The 3-corner rule of [`crate::falling::t_corners`] for whole columns of T positions at once.
struct TCorners<'a> {
    ext: &'a [u64; EXT],
}

impl TCorners<'_> {
    fn new(ext: &[u64; EXT]) -> TCorners<'_> {
        TCorners { ext }
    }

    /// Masks of the full and the mini T-spins among the rows `spun` (reached by a rotation;
    /// `spun_long`: by the fifth kick) of a T in `rotation` centred on column slot `slot`.
    #[inline]
    fn t_spins(&self, slot: usize, rotation: usize, spun: u64, spun_long: u64) -> (u64, u64) {
        let x = slot as i32 + X_MIN;
        // Corners clockwise from top-left; outside the board counts as filled.
        let left = self.ext[(x - 1 - EXT_MIN) as usize];
        let right = self.ext[(x + 1 - EXT_MIN) as usize];
        let corners = [
            move_rows(left, -1, true),
            move_rows(right, -1, true),
            move_rows(right, 1, true),
            move_rows(left, 1, true),
        ];
        let [a, b, c, d] = corners;
        let three = (a & b & (c | d)) | (c & d & (a | b));
        let spun = spun & three;
        let front = corners[rotation] & corners[(rotation + 1) % 4];
        let full = front | spun_long;
        (spun & full, spun & !full)
    }
}

// Keep the constants honest: the search assumes these board dimensions.
const _: () = assert!(WIDTH == 10 && HEIGHT <= 63 && SLOTS as i32 + X_MIN > WIDTH as i32);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn falling_fills_a_run_downwards_only() {
        // Flipped: higher bit = lower row. Free rows are bits 2..=6; seed at bit 3.
        let free = 0b0111_1100;
        assert_eq!(fall(0b1000, free), 0b0111_1000);
        assert_eq!(fall(0, free), 0);
    }

    #[test]
    fn every_instruction_set_variant_finds_the_same_placements() {
        // `search` is the x86-64-v3 copy only where the CPU has it; elsewhere both names call
        // the portable copy and there is nothing to compare.
        #[cfg(target_arch = "x86_64")]
        let fast_copy = x86_64_v3::detected();
        #[cfg(not(target_arch = "x86_64"))]
        let fast_copy = false;
        if !fast_copy {
            eprintln!("skipped: this CPU runs only the portable search (no x86-64-v3)");
            return;
        }
        // Random play visits crowded, holey boards; every piece is searched on each.
        let mut game = crate::Game::new(11);
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        let (mut fast, mut portable) = (Vec::new(), Vec::new());
        for _ in 0..3000 {
            for piece in Piece::ALL {
                fast.clear();
                portable.clear();
                search(game.board(), piece, false, &mut fast);
                search_portable(game.board(), piece, false, &mut portable);
                assert_eq!(fast, portable, "{piece:?} on {:?}", game.board());
            }
            let options = game.placements();
            if options.is_empty() || game.is_over() {
                game = crate::Game::new(rng);
                continue;
            }
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            game.place(&options[rng as usize % options.len()]).unwrap();
        }
    }

    #[test]
    fn empty_board_counts() {
        let board = Board::new();
        let count = |p| {
            let mut v = Vec::new();
            search(&board, p, false, &mut v);
            v.len()
        };
        // Flat board: O 9; I 7 + 10; T, J, L 8 + 9 + 8 + 9; S, Z 8 + 9.
        assert_eq!(count(Piece::O), 9);
        assert_eq!(count(Piece::I), 17);
        assert_eq!(count(Piece::T), 34);
        assert_eq!(count(Piece::J), 34);
        assert_eq!(count(Piece::L), 34);
        assert_eq!(count(Piece::S), 17);
        assert_eq!(count(Piece::Z), 17);
    }
}
