//! Random play, the engine's throughput workload: list the placements, pick one at random,
//! place it, start a new game on top-out. Used by the benches and `tetris-dqn bench`.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::game::Game;
use crate::search::Placement;

/// What a stretch of random play did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RandomPlayStats {
    /// Pieces placed.
    pub pieces: u64,
    /// Placements the search listed, over all pieces.
    pub placements_enumerated: u64,
    /// Lines cleared.
    pub lines: u64,
    /// Games finished (topped out).
    pub games_finished: u64,
}

/// Game `seed` after `pieces` pieces, each placed where it leaves the stack lowest (then with
/// the fewest cells): a mid-game position for benches, which random play would top out of.
pub fn low_stack_game(seed: u64, pieces: u32) -> Game {
    let mut game = Game::new(seed);
    for _ in 0..pieces {
        let p = *game
            .placements()
            .iter()
            .min_by_key(|p| {
                let after = game
                    .afterstate(p)
                    .expect("the search's placements are legal");
                (after.board.max_height(), after.board.filled_cells())
            })
            .expect("a low stack always has placements");
        game.place(&p).expect("the search's placements are legal");
    }
    game
}

/// Places `pieces` random placements (searching hold too when `with_hold`), from `seed`.
pub fn play_random(pieces: u64, seed: u64, with_hold: bool) -> RandomPlayStats {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut game = Game::new(rng.random());
    let mut buf: Vec<Placement> = Vec::with_capacity(128);
    let mut stats = RandomPlayStats::default();
    while stats.pieces < pieces {
        game.placements_into(&mut buf, with_hold);
        if buf.is_empty() {
            stats.games_finished += 1;
            game = Game::new(rng.random());
            continue;
        }
        stats.placements_enumerated += buf.len() as u64;
        let p = buf[rng.random_range(0..buf.len())];
        let out = game.place(&p).expect("search results are placeable");
        stats.pieces += 1;
        stats.lines += out.lines as u64;
        if game.is_over() {
            stats.games_finished += 1;
            game = Game::new(rng.random());
        }
    }
    stats
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plays_exactly_the_pieces_asked_and_is_seeded() {
        let a = play_random(500, 1, true);
        assert_eq!(a.pieces, 500);
        assert!(a.placements_enumerated >= 500 * 9);
        assert!(
            a.games_finished > 0,
            "random play tops out within 500 pieces"
        );
        assert_eq!(a, play_random(500, 1, true));
        assert_ne!(a, play_random(500, 2, true));
    }
}
