//! What the value network sees of an afterstate: the engineered features scaled to about
//! 0..1, or the visible board as 0/1 cells. One flat `f32` row per afterstate.

use crate::config::Network;
use crate::game::{Afterstate, NUM_FEATURES, WIDTH};

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

/// How afterstates become network input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// Scaled engineered features.
    Features,
    /// The board's cells, row-major from the floor.
    Board,
}

impl Encoding {
    /// The encoding a network config needs.
    pub fn for_network(network: &Network) -> Encoding {
        match network {
            Network::Mlp { .. } => Encoding::Features,
            Network::Cnn { .. } => Encoding::Board,
        }
    }

    /// Floats per afterstate.
    #[allow(clippy::len_without_is_empty)] // never empty: a count of inputs, not a collection
    pub fn len(self) -> usize {
        match self {
            Encoding::Features => NUM_FEATURES,
            Encoding::Board => BOARD_ROWS * WIDTH,
        }
    }

    /// Appends the encoding of `after` to `out`.
    pub fn encode(self, after: &Afterstate, out: &mut Vec<f32>) {
        match self {
            Encoding::Features => out.extend(
                after
                    .features
                    .iter()
                    .zip(FEATURE_SCALE)
                    .map(|(f, scale)| f / scale),
            ),
            Encoding::Board => {
                for &row in &after.board.rows()[..BOARD_ROWS] {
                    out.extend((0..WIDTH).map(|x| (row >> x & 1) as f32));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::Game;

    #[test]
    fn encodings_have_their_length_and_are_small() {
        let game = Game::new(3);
        for p in game.placements() {
            let after = game.afterstate(&p).unwrap();
            for enc in [Encoding::Features, Encoding::Board] {
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
        Encoding::Board.encode(&game.afterstate(&p).unwrap(), &mut out);
        assert_eq!(out.iter().filter(|&&v| v == 1.0).count(), 4);
        for (x, y) in p.cells() {
            assert_eq!(out[y as usize * WIDTH + x as usize], 1.0);
        }
    }
}
