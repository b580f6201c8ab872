//! Looking several pieces ahead: a beam search over the known queue with the value network as
//! the evaluation, the way strong bots search. Level by level, the `beam` best positions over
//! all branches (by the discounted rewards of their path plus the discounted Q of their best
//! placement) are played one piece further, every level's candidates valued in one batch; a
//! branch's value is then backed up from its deepest level: a node is worth the best of its
//! placements, each worth `reward + gamma x` the node it led to where that was played further,
//! its Q where not. Only pieces the frontend sent are played; the first unknown piece is
//! valued over the pieces the 7-bag may deal, as one piece further does.

use super::{Agent, Foresight};
use crate::game::{Game, Placement};

/// The most positions one level of the search plays further, whatever the beam: bounds a
/// huge `--lookahead` with a deep `--depth` to seconds, not forever.
pub const MAX_SEARCH_WIDTH: usize = 4096;

/// A position the search reached, its current piece known.
struct Node {
    /// The node one level up that it came from (for the first level, the root's beam slot).
    parent: usize,
    /// The position after the path's placements.
    game: Game,
    /// Pieces known after its current one.
    known_after: usize,
    /// Reward of the placement that led here.
    reward: f32,
    /// The path's rewards from the root position, discounted.
    path: f32,
    /// gamma to the power of the pieces played on the path.
    discount: f32,
    /// The best value of its placements: their Q at first, then the backed-up values of
    /// those played further.
    value: f32,
}

/// What follows a placement: a position whose current piece is known, a value over the
/// bag's pieces, or nothing known.
enum Child {
    Known(Box<Game>, usize),
    Valued(f32),
    Unknown,
}

impl Agent {
    /// Values each of `roots` (a placement of `game`, its reward, whether it ends the game)
    /// by a search `depth` pieces beyond it (see the module's text); None for a root whose
    /// next piece is not known. Scores other positions, so the candidates of `game` are gone.
    pub(super) fn value_deep(
        &mut self,
        game: &Game,
        roots: &[(Placement, f32, bool)],
        foresight: &Foresight,
        depth: usize,
    ) -> Vec<Option<f32>> {
        let gamma = self.settings.gamma as f32;
        let beam = self.lookahead.clamp(1, MAX_SEARCH_WIDTH);
        let mut out = vec![None; roots.len()];
        let mut level: Vec<Node> = vec![];
        for (slot, &(placement, reward, done)) in roots.iter().enumerate() {
            if done {
                out[slot] = Some(reward);
                continue;
            }
            match self.child(game, &placement, foresight.known_next, foresight) {
                Child::Known(after, known_after) => level.push(Node {
                    parent: slot,
                    game: *after,
                    known_after,
                    reward,
                    path: reward,
                    discount: gamma,
                    value: 0.0,
                }),
                Child::Valued(v) => out[slot] = Some(reward + gamma * v),
                Child::Unknown => {}
            }
        }
        let mut levels: Vec<Vec<Node>> = vec![];
        for d in 1..=depth {
            if level.is_empty() {
                break;
            }
            let c = &mut self.candidates;
            c.clear(self.encoding);
            for node in &level {
                let hold =
                    self.settings.use_hold && (node.game.hold().is_some() || node.known_after >= 1);
                c.add(&node.game, &self.settings.reward, gamma, hold);
            }
            self.value_candidates();
            let c = &self.candidates;
            // The branches to play further: the best over the whole level, not yet ended.
            let mut further: Vec<(f32, usize, usize)> = vec![];
            if d < depth {
                for (k, node) in level.iter().enumerate() {
                    for i in c.of(k).filter(|&i| !c.dones[i]) {
                        further.push((node.path + node.discount * c.q[i], k, i));
                    }
                }
                further.sort_by(|a, b| b.0.total_cmp(&a.0).then((a.1, a.2).cmp(&(b.1, b.2))));
                further.truncate(beam);
            }
            let picked: Vec<(usize, usize, Placement, f32, f32)> = further
                .iter()
                .map(|&(_, k, i)| (k, i, c.placements[i], c.rewards[i], c.q[i]))
                .collect();
            for (k, node) in level.iter_mut().enumerate() {
                node.value = c
                    .of(k)
                    .filter(|i| !picked.iter().any(|p| p.1 == *i))
                    .map(|i| c.q[i])
                    .fold(f32::NEG_INFINITY, f32::max);
                if c.of(k).is_empty() {
                    node.value = self.settings.reward.game_over;
                }
            }
            let mut next = vec![];
            for (k, _, placement, reward, q) in picked {
                let node = &level[k];
                let (path, discount) = (node.path + node.discount * reward, node.discount * gamma);
                match self.child(&node.game, &placement, node.known_after, foresight) {
                    Child::Known(after, known_after) => next.push(Node {
                        parent: k,
                        game: *after,
                        known_after,
                        reward,
                        path,
                        discount,
                        value: 0.0,
                    }),
                    Child::Valued(v) => {
                        let node = &mut level[k];
                        node.value = node.value.max(reward + gamma * v);
                    }
                    // Played no further: worth its Q, which the filter above left out.
                    Child::Unknown => {
                        let node = &mut level[k];
                        node.value = node.value.max(q);
                    }
                }
            }
            levels.push(std::mem::replace(&mut level, next));
        }
        // Back up from the deepest level.
        while let Some(deepest) = levels.pop() {
            match levels.last_mut() {
                Some(above) => {
                    for node in deepest {
                        let parent = &mut above[node.parent];
                        parent.value = parent.value.max(node.reward + gamma * node.value);
                    }
                }
                None => {
                    for node in deepest {
                        out[node.parent] = Some(node.reward + gamma * node.value);
                    }
                }
            }
        }
        out
    }

    /// The position after playing `placement` in `game` (whose pieces after the current one
    /// are known `known_after` deep), if its current piece is known; else its value over the
    /// bag's pieces where `foresight` knows them and this is the first unknown piece.
    fn child(
        &mut self,
        game: &Game,
        placement: &Placement,
        known_after: usize,
        foresight: &Foresight,
    ) -> Child {
        let mut after = game.clone();
        after
            .place(placement)
            .expect("the search's placements are legal in their game");
        // Holding into an empty hold places the queue's first piece: one more piece used.
        let used = 1 + usize::from(placement.uses_hold() && game.hold().is_none());
        if known_after >= used {
            return Child::Known(Box::new(after), known_after - used);
        }
        if foresight.bag.is_empty() || known_after + 1 < used {
            return Child::Unknown;
        }
        let mut sum = 0.0;
        for &piece in &foresight.bag {
            sum += match after.with_current(piece) {
                Some(position) => self.best_value(&position, 0),
                None => self.settings.reward.game_over,
            };
        }
        Child::Valued(sum / foresight.bag.len() as f32)
    }
}
