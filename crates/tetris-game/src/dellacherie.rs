//! A Dellacherie-style heuristic player: each placement scored by Pierre Dellacherie's six
//! weighted afterstate features (landing height, eroded piece cells, row and column
//! transitions, holes, wells), the best one played. A classic baseline that clears lines
//! for a long while without any learning: the simple opponent of the versus matches.

use crate::features::Features;
use crate::game::Game;
use crate::search::Placement;

/// Indices into [`Features`] (see `features::FEATURE_NAMES`) and Dellacherie's weights.
const WEIGHTS: [(usize, f32); 6] = [
    (8, -4.500_159), // landing height
    (9, 3.418_127),  // eroded piece cells
    (1, -3.217_888), // row transitions
    (2, -9.348_695), // column transitions
    (0, -7.899_265), // holes
    (4, -3.385_597), // cumulative wells
];

/// The heuristic's value of an afterstate's features (higher is better).
pub fn value(features: &Features) -> f32 {
    WEIGHTS.iter().map(|&(i, w)| w * features[i]).sum()
}

/// The placement of `game` (through hold too when `with_hold`) with the best value, the
/// first of equals in the search's order; None when the game is over. A placement that ends
/// the game is played only when every one does.
pub fn choose(game: &Game, with_hold: bool) -> Option<Placement> {
    let mut placements = Vec::new();
    game.placements_into(&mut placements, with_hold);
    let mut best: Option<(bool, f32, Placement)> = None;
    for p in placements {
        let preview = game
            .preview(&p)
            .expect("the search's placements are legal in their game");
        let survives = preview.outcome.top_out.is_none();
        let v = value(&preview.afterstate.features);
        if best.is_none_or(|(s, b, _)| (survives, v) > (s, b)) {
            best = Some((survives, v, p));
        }
    }
    best.map(|(_, _, p)| p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::FEATURE_NAMES;

    #[test]
    fn the_weights_read_the_features_they_name() {
        let names: Vec<&str> = WEIGHTS.iter().map(|&(i, _)| FEATURE_NAMES[i]).collect();
        assert_eq!(
            names,
            [
                "landing_height",
                "eroded_piece_cells",
                "row_transitions",
                "column_transitions",
                "holes",
                "cumulative_wells"
            ]
        );
    }

    #[test]
    fn it_clears_lines_for_a_thousand_pieces_without_topping_out() {
        let mut game = Game::new(7);
        for _ in 0..1000 {
            let p = choose(&game, false).expect("the game goes on");
            game.place(&p).unwrap();
            assert!(
                !game.is_over(),
                "topped out at {} pieces",
                game.pieces_placed()
            );
        }
        // About 0.4 lines a piece is what steady play clears (each line takes 10 cells, a
        // piece brings 4).
        assert!(game.score().lines >= 350, "{} lines", game.score().lines);
        assert!(game.board().max_height() < 12);
    }
}
