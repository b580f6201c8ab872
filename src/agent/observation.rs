//! What the value network sees of an afterstate: the engineered features scaled to about
//! 0..1 (alone, or with what the player has in hand), or the visible board as 0/1 cells. One
//! flat `f32` row per afterstate.

use crate::config::Network;
use crate::game::{NUM_FEATURES, Piece, Preview, WIDTH, tsd_slots};

/// Board rows the CNN sees: the 20 visible rows and 2 above, where pieces may stick out.
pub const BOARD_ROWS: usize = 22;

/// Rough largest value of each feature (see `tetris_game::FEATURE_NAMES`), so that the
/// network's inputs are of order one.
const FEATURE_SCALE: [f32; NUM_FEATURES] = [
    40.0,  // holes
    200.0, // row_transitions
    200.0, // column_transitions
    50.0,  // well_cells
    200.0, // cumulative_wells
    100.0, // bumpiness
    200.0, // aggregate_height
    20.0,  // max_height
    20.0,  // landing_height
    16.0,  // eroded_piece_cells
    4.0,   // lines_cleared
    200.0, // hole_depth
    20.0,  // rows_with_holes
];

/// Numbers [`Encoding::FeaturesInContext`] adds to the features: back-to-back, combo, how far
/// off the next I is (hold and queue), and the board's T-spin double slots. (A first version
/// also had the next and hold pieces one-hot, 18 numbers: it trained worse; see README.)
pub const CONTEXT_LEN: usize = 4;

/// How afterstates become network input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// Scaled engineered features.
    Features,
    /// Scaled engineered features, then what the player has in hand after the placement
    /// ([`CONTEXT_LEN`] numbers): what a tetris or T-spin player plans with, which the board's
    /// shape alone does not show.
    FeaturesInContext,
    /// The board's cells, row-major from the floor.
    Board,
}

impl Encoding {
    /// The encoding a network config needs.
    pub fn for_network(network: &Network) -> Encoding {
        match network {
            Network::Mlp { context: false, .. } => Encoding::Features,
            Network::Mlp { context: true, .. } => Encoding::FeaturesInContext,
            Network::Cnn { .. } => Encoding::Board,
        }
    }

    /// Floats per afterstate.
    #[allow(clippy::len_without_is_empty)] // never empty: a count of inputs, not a collection
    pub fn len(self) -> usize {
        match self {
            Encoding::Features => NUM_FEATURES,
            Encoding::FeaturesInContext => NUM_FEATURES + CONTEXT_LEN,
            Encoding::Board => BOARD_ROWS * WIDTH,
        }
    }

    /// Appends the encoding of the placement `preview` describes to `out`.
    pub fn encode(self, preview: &Preview, out: &mut Vec<f32>) {
        let after = &preview.afterstate;
        let features = after
            .features
            .iter()
            .zip(FEATURE_SCALE)
            .map(|(f, scale)| f / scale);
        match self {
            Encoding::Features => out.extend(features),
            Encoding::FeaturesInContext => {
                out.extend(features);
                encode_context(preview, out);
            }
            Encoding::Board => {
                for &row in &after.board.rows()[..BOARD_ROWS] {
                    out.extend((0..WIDTH).map(|x| (row >> x & 1) as f32));
                }
            }
        }
    }
}

/// The [`CONTEXT_LEN`] numbers of [`Encoding::FeaturesInContext`], each in 0..=1.
fn encode_context(preview: &Preview, out: &mut Vec<f32>) {
    let hand = &preview.situation;
    out.push(if hand.back_to_back { 1.0 } else { 0.0 });
    out.push((hand.combo + 1).clamp(0, 10) as f32 / 10.0);
    // 0 when an I is in hand (to place, or in hold), k/6 when it is k-th in the queue, 1 when
    // none shows.
    let next_i = if hand.hold == Some(Piece::I) {
        0
    } else {
        std::iter::once(hand.current)
            .chain(hand.next)
            .position(|p| p == Piece::I)
            .unwrap_or(6)
    };
    out.push(next_i as f32 / 6.0);
    out.push(tsd_slots(&preview.afterstate.board).min(4) as f32 / 4.0);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::Game;

    #[test]
    fn encodings_have_their_length_and_are_small() {
        let game = Game::new(3);
        for p in game.placements() {
            let after = game.preview(&p).unwrap();
            for enc in [
                Encoding::Features,
                Encoding::FeaturesInContext,
                Encoding::Board,
            ] {
                let mut out = vec![];
                enc.encode(&after, &mut out);
                assert_eq!(out.len(), enc.len());
                assert!(out.iter().all(|v| (0.0..=1.0).contains(v)), "{out:?}");
            }
        }
    }

    #[test]
    fn the_board_encoding_shows_the_piece() {
        let game = Game::new(3);
        let p = game.placements()[0];
        let mut out = vec![];
        Encoding::Board.encode(&game.preview(&p).unwrap(), &mut out);
        assert_eq!(out.iter().filter(|&&v| v == 1.0).count(), 4);
        for (x, y) in p.cells() {
            assert_eq!(out[y as usize * WIDTH + x as usize], 1.0);
        }
    }

    #[test]
    fn the_context_shows_the_hand_after_the_placement() {
        use crate::game::{Board, Piece};
        // Hold is empty, so holding brings in the first next piece (an O) and keeps the T.
        let next = [Piece::O, Piece::S, Piece::Z, Piece::I, Piece::J];
        let game = Game::from_position(Board::new(), Piece::T, None, &next, 5).unwrap();
        let context = |p: &crate::game::Placement| {
            let mut out = vec![];
            Encoding::FeaturesInContext.encode(&game.preview(p).unwrap(), &mut out);
            out[NUM_FEATURES..].to_vec()
        };
        let placements = game.placements();
        let plain = placements.iter().find(|p| !p.uses_hold()).unwrap();
        // No back-to-back, no combo; O, S, Z, then the I: third in the queue; no T-slot.
        assert_eq!(context(plain), [0.0, 0.0, 3.0 / 6.0, 0.0]);
        let held = placements.iter().find(|p| p.uses_hold()).unwrap();
        // The O was played from hold: S, Z, I.
        assert_eq!(context(held), [0.0, 0.0, 2.0 / 6.0, 0.0]);
        // An I in hold is in hand.
        let game = Game::from_position(Board::new(), Piece::T, Some(Piece::I), &next, 5).unwrap();
        let plain = game
            .placements()
            .into_iter()
            .find(|p| !p.uses_hold())
            .unwrap();
        let mut out = vec![];
        Encoding::FeaturesInContext.encode(&game.preview(&plain).unwrap(), &mut out);
        assert_eq!(out[NUM_FEATURES + 2], 0.0);
    }
}
