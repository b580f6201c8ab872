//! The seeded 7-bag randomizer: each run of seven pieces from a bag boundary is a permutation.

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::piece::Piece;

/// Deals pieces seven at a time, each bag a fresh shuffle of all seven.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bag {
    rng: ChaCha8Rng,
}

impl Bag {
    /// A bag whose whole sequence is fixed by `seed`.
    pub fn new(seed: u64) -> Bag {
        Bag {
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// The next seven pieces.
    pub fn deal(&mut self) -> [Piece; 7] {
        let mut bag = Piece::ALL;
        bag.shuffle(&mut self.rng);
        bag
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bag_is_a_permutation() {
        let mut bag = Bag::new(7);
        for _ in 0..1000 {
            let mut b = bag.deal();
            b.sort();
            assert_eq!(b, Piece::ALL);
        }
    }

    #[test]
    fn same_seed_same_pieces() {
        let (mut a, mut b, mut c) = (Bag::new(1), Bag::new(1), Bag::new(2));
        let xs: Vec<_> = (0..10).map(|_| a.deal()).collect();
        let ys: Vec<_> = (0..10).map(|_| b.deal()).collect();
        let zs: Vec<_> = (0..10).map(|_| c.deal()).collect();
        assert_eq!(xs, ys);
        assert_ne!(xs, zs);
    }

    #[test]
    fn no_i_drought_longer_than_twelve() {
        let mut bag = Bag::new(42);
        let mut since_i = 0;
        for _ in 0..20_000 {
            for p in bag.deal() {
                if p == Piece::I {
                    since_i = 0;
                } else {
                    since_i += 1;
                    assert!(since_i <= 12, "I drought of {since_i}");
                }
            }
        }
    }
}
