//! Scoring every candidate placement of a position in one batched forward pass: reward +
//! gamma x V(afterstate), with no V term for placements that end the game. Shared by
//! training, evaluation and watching, so they all choose alike.

use crate::agent::Agent;
use crate::config::Reward;
use crate::game::{Game, PlaceOutcome, Placement};

/// The reward `config` gives a placement with this outcome.
pub fn reward_of(config: &Reward, outcome: &PlaceOutcome) -> f32 {
    let mut r = config.lines[outcome.lines.min(4) as usize] + config.points * outcome.points as f32;
    if outcome.top_out.is_some() {
        r += config.game_over;
    } else {
        r += config.survival;
    }
    r
}

/// The candidates of one position, with their encodings, rewards and values; buffers are
/// reused from step to step.
#[derive(Debug, Default)]
pub struct Candidates {
    /// Every placement (current piece, and hold's when enabled).
    pub placements: Vec<Placement>,
    /// Row `i` encodes the afterstate of placement `i`.
    pub obs: Vec<f32>,
    /// Reward of each placement.
    pub rewards: Vec<f32>,
    /// Whether each placement ends the game.
    pub dones: Vec<bool>,
    /// reward + gamma x V(afterstate) (V omitted when done).
    pub q: Vec<f32>,
    obs_len: usize,
}

impl Candidates {
    /// Finds and scores the candidates of `game`; returns the index of the best (the first
    /// of equals), or None when there is none (the game is over).
    pub fn score(
        &mut self,
        game: &Game,
        agent: &Agent,
        reward: &Reward,
        gamma: f64,
        use_hold: bool,
    ) -> Option<usize> {
        let encoding = agent.encoding();
        self.obs_len = encoding.len();
        game.placements_into(&mut self.placements, use_hold);
        self.obs.clear();
        self.rewards.clear();
        self.dones.clear();
        for p in &self.placements {
            let preview = game
                .preview(p)
                .expect("the search's placements are legal in their game");
            encoding.encode(&preview.afterstate, &mut self.obs);
            self.rewards.push(reward_of(reward, &preview.outcome));
            self.dones.push(preview.outcome.top_out.is_some());
        }
        if self.placements.is_empty() {
            return None;
        }
        let values = agent.values(&self.obs);
        self.q.clear();
        self.q.extend(
            values
                .iter()
                .zip(&self.rewards)
                .zip(&self.dones)
                .map(|((v, r), &done)| if done { *r } else { r + gamma as f32 * v }),
        );
        let mut best = 0;
        for (i, &q) in self.q.iter().enumerate() {
            if q > self.q[best] {
                best = i;
            }
        }
        Some(best)
    }

    /// The encoding of candidate `i`.
    pub fn obs_of(&self, i: usize) -> &[f32] {
        &self.obs[i * self.obs_len..(i + 1) * self.obs_len]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::{TSpin, TopOut};

    fn outcome(lines: u32, points: u32, top_out: bool) -> PlaceOutcome {
        PlaceOutcome {
            lines,
            cleared_rows: 0,
            points,
            tspin: TSpin::None,
            back_to_back: false,
            combo: -1,
            top_out: top_out.then_some(TopOut::BlockOut),
        }
    }

    #[test]
    fn rewards_follow_the_config() {
        let r = Reward {
            survival: 1.0,
            lines: vec![0.0, 10.0, 40.0, 90.0, 160.0],
            points: 0.01,
            game_over: -20.0,
        };
        assert_eq!(reward_of(&r, &outcome(0, 0, false)), 1.0);
        assert_eq!(reward_of(&r, &outcome(4, 800, false)), 1.0 + 160.0 + 8.0);
        assert_eq!(reward_of(&r, &outcome(0, 0, true)), -20.0);
        assert_eq!(reward_of(&r, &outcome(2, 300, true)), 40.0 + 3.0 - 20.0);
    }
}
