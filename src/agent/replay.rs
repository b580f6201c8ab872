//! The replay ring: preallocated flat arrays, written in a circle, sampled uniformly with the
//! trainer's seeded RNG, and saved to a small binary file for exact resume. It can keep some
//! game-over transitions from being overwritten (see [`ReplayBuffer::keep_game_overs`]).
//!
//! One transition teaches the value of afterstate `obs`: its target is `reward + gamma x
//! V_target(next_obs)`, or just `reward` when `done` (the next placement ended the game, so
//! nothing is bootstrapped past game over).

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;

use rand::Rng;

use super::AgentError;

const MAGIC: &[u8; 8] = b"TDQNRPL1";

/// A sampled batch, flat, ready to become tensors.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Batch {
    /// `len x obs_len` afterstates whose value is learnt.
    pub obs: Vec<f32>,
    /// `len x obs_len` afterstates of the greedy next placement.
    pub next_obs: Vec<f32>,
    /// Reward of the next placement.
    pub reward: Vec<f32>,
    /// 1 where the next placement ended the game, else 0.
    pub done: Vec<f32>,
}

impl Batch {
    /// Transitions in the batch.
    pub fn len(&self) -> usize {
        self.reward.len()
    }

    /// Whether the batch is empty.
    pub fn is_empty(&self) -> bool {
        self.reward.is_empty()
    }
}

/// `n` zeros, written (not a zeroed allocation the OS maps on first touch).
fn resident_zeros(n: usize) -> Vec<f32> {
    let mut v = vec![0.0; n];
    // A write to every page (1024 floats is one 4 KiB page), which no optimiser may drop.
    for x in v.iter_mut().step_by(1024) {
        *x = std::hint::black_box(0.0);
    }
    v
}

/// A fixed-capacity ring of transitions.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplayBuffer {
    obs_len: usize,
    capacity: usize,
    len: usize,
    next: usize,
    obs: Vec<f32>,
    next_obs: Vec<f32>,
    reward: Vec<f32>,
    done: Vec<f32>,
    /// Game-over transitions that overwriting passes over while no more are held.
    keep_game_overs: usize,
    /// Game-over transitions held (derived from `done`).
    game_overs: usize,
}

impl ReplayBuffer {
    /// An empty ring; all memory is allocated here, and written once, so that it is resident
    /// from the start (zeroed allocations are mapped lazily, and a run's memory would grow
    /// while the ring first fills).
    pub fn new(capacity: usize, obs_len: usize) -> ReplayBuffer {
        ReplayBuffer {
            obs_len,
            capacity,
            len: 0,
            next: 0,
            obs: resident_zeros(capacity * obs_len),
            next_obs: resident_zeros(capacity * obs_len),
            reward: resident_zeros(capacity),
            done: resident_zeros(capacity),
            keep_game_overs: 0,
            game_overs: 0,
        }
    }

    /// Once full, overwriting passes over the oldest game-over transitions (`done`) while the
    /// ring holds no more than `n` of them (at most half the capacity), so an agent that has
    /// stopped topping out still learns from some top-outs. 0 (the start): a plain ring. Only
    /// the choice of slot to overwrite changes, so a saved ring loads the same either way.
    pub fn keep_game_overs(&mut self, n: usize) {
        self.keep_game_overs = n.min(self.capacity / 2);
    }

    /// Game-over transitions held.
    pub fn game_overs(&self) -> usize {
        self.game_overs
    }

    /// Transitions held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing is held yet.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Transitions it can hold.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Stores a transition, overwriting the oldest once full (passing over kept game overs).
    pub fn push(&mut self, obs: &[f32], reward: f32, next_obs: &[f32], done: bool) {
        debug_assert_eq!(obs.len(), self.obs_len);
        debug_assert_eq!(next_obs.len(), self.obs_len);
        let mut i = self.next;
        if self.len == self.capacity {
            // Ends: with at most half the ring kept, a slot that is not a game over is near.
            while self.done[i] == 1.0 && self.game_overs <= self.keep_game_overs {
                i = (i + 1) % self.capacity;
            }
            self.game_overs -= (self.done[i] == 1.0) as usize;
        }
        self.game_overs += done as usize;
        let row = i * self.obs_len..(i + 1) * self.obs_len;
        self.obs[row.clone()].copy_from_slice(obs);
        self.next_obs[row].copy_from_slice(next_obs);
        self.reward[i] = reward;
        self.done[i] = if done { 1.0 } else { 0.0 };
        self.next = (i + 1) % self.capacity;
        self.len = (self.len + 1).min(self.capacity);
    }

    /// Fills `batch` with `size` transitions drawn uniformly (with replacement).
    pub fn sample_into(&self, size: usize, rng: &mut impl Rng, batch: &mut Batch) {
        assert!(!self.is_empty(), "sampling an empty replay buffer");
        batch.obs.clear();
        batch.next_obs.clear();
        batch.reward.clear();
        batch.done.clear();
        for _ in 0..size {
            let i = rng.random_range(0..self.len);
            let row = i * self.obs_len..(i + 1) * self.obs_len;
            batch.obs.extend_from_slice(&self.obs[row.clone()]);
            batch.next_obs.extend_from_slice(&self.next_obs[row]);
            batch.reward.push(self.reward[i]);
            batch.done.push(self.done[i]);
        }
    }

    /// Writes the ring to `path` (only the filled part).
    pub fn save(&self, path: &Path) -> Result<(), AgentError> {
        let io = |error| AgentError::Io {
            path: path.to_owned(),
            error,
        };
        let mut w = BufWriter::new(File::create(path).map_err(io)?);
        w.write_all(MAGIC).map_err(io)?;
        for n in [self.obs_len, self.capacity, self.len, self.next] {
            w.write_all(&(n as u64).to_le_bytes()).map_err(io)?;
        }
        let rows = self.len * self.obs_len;
        for part in [
            &self.obs[..rows],
            &self.next_obs[..rows],
            &self.reward[..self.len],
            &self.done[..self.len],
        ] {
            for v in part {
                w.write_all(&v.to_le_bytes()).map_err(io)?;
            }
        }
        w.into_inner()
            .map_err(|e| io(e.into_error()))?
            .sync_all()
            .map_err(io)
    }

    /// Reads a ring saved by [`ReplayBuffer::save`]; it must have this capacity and
    /// observation length.
    pub fn load(path: &Path, capacity: usize, obs_len: usize) -> Result<ReplayBuffer, AgentError> {
        let corrupt = |what: String| AgentError::Corrupt {
            path: path.to_owned(),
            what,
        };
        let io = |error| AgentError::Io {
            path: path.to_owned(),
            error,
        };
        let file = File::open(path).map_err(io)?;
        let size = file.metadata().map_err(io)?.len();
        let mut r = BufReader::new(file);
        let mut magic = [0u8; 8];
        let mut header = [0u8; 32];
        if r.read_exact(&mut magic).is_err()
            || &magic != MAGIC
            || r.read_exact(&mut header).is_err()
        {
            return Err(corrupt("it is not a tetris-dqn replay file".into()));
        }
        let field = |i: usize| u64::from_le_bytes(header[i * 8..i * 8 + 8].try_into().unwrap());
        let (file_obs_len, file_capacity, len, next) = (field(0), field(1), field(2), field(3));
        if file_obs_len != obs_len as u64 || file_capacity != capacity as u64 {
            return Err(corrupt(format!(
                "it holds {file_capacity} transitions of {file_obs_len} floats, but the config \
                 needs {capacity} of {obs_len} (replay_capacity or network changed)"
            )));
        }
        if len > file_capacity
            || next >= file_capacity.max(1)
            || (len < file_capacity && next != len)
        {
            return Err(corrupt(format!(
                "its header is inconsistent (len {len}, next {next})"
            )));
        }
        let expected = 40 + 4 * (2 * len * file_obs_len + 2 * len);
        if size != expected {
            return Err(corrupt(format!(
                "it is {size} bytes, expected {expected} (truncated or corrupt)"
            )));
        }
        let mut buffer = ReplayBuffer::new(capacity, obs_len);
        buffer.len = len as usize;
        buffer.next = next as usize;
        let rows = buffer.len * obs_len;
        let len = buffer.len;
        let mut bytes = [0u8; 4];
        for part in [
            &mut buffer.obs[..rows],
            &mut buffer.next_obs[..rows],
            &mut buffer.reward[..len],
            &mut buffer.done[..len],
        ] {
            for v in part.iter_mut() {
                r.read_exact(&mut bytes).map_err(io)?;
                *v = f32::from_le_bytes(bytes);
            }
        }
        buffer.game_overs = buffer.done[..len].iter().filter(|&&d| d == 1.0).count();
        Ok(buffer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn filled(n: usize, capacity: usize) -> ReplayBuffer {
        let mut b = ReplayBuffer::new(capacity, 2);
        for i in 0..n {
            let v = i as f32;
            b.push(&[v, v], v, &[v + 0.5, v + 0.5], i.is_multiple_of(3));
        }
        b
    }

    #[test]
    fn the_ring_wraps_around_and_keeps_the_newest() {
        let b = filled(7, 5);
        assert_eq!(b.len(), 5);
        assert_eq!(b.next, 2);
        // Slots 0 and 1 were overwritten by transitions 5 and 6.
        assert_eq!(&b.reward, &[5.0, 6.0, 2.0, 3.0, 4.0]);
        assert_eq!(&b.obs[..4], &[5.0, 5.0, 6.0, 6.0]);
        assert_eq!(&b.done, &[0.0, 1.0, 0.0, 1.0, 0.0]);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut batch = Batch::default();
        b.sample_into(200, &mut rng, &mut batch);
        assert_eq!(batch.len(), 200);
        assert_eq!(batch.obs.len(), 400);
        assert!(batch.reward.iter().all(|r| (2.0..=6.0).contains(r)));
        for i in 0..200 {
            assert_eq!(batch.obs[2 * i], batch.reward[i]);
            assert_eq!(batch.next_obs[2 * i], batch.reward[i] + 0.5);
        }
    }

    #[test]
    fn a_ring_that_keeps_game_overs_passes_over_them_while_it_holds_few() {
        // Capacity 6, transitions 0..6 with game overs at 0 and 3; keep up to 2.
        let mut b = ReplayBuffer::new(6, 2);
        b.keep_game_overs(2);
        let push = |b: &mut ReplayBuffer, v: f32, done: bool| b.push(&[v, v], v, &[v, v], done);
        for i in 0..6 {
            push(&mut b, i as f32, i % 3 == 0);
        }
        assert_eq!(b.game_overs(), 2);
        // Full: 6 overwrites 1 (0 is a kept game over), 7 overwrites 2, 8 overwrites 4 (3 kept).
        for v in [6.0, 7.0, 8.0] {
            push(&mut b, v, false);
        }
        assert_eq!(&b.reward, &[0.0, 6.0, 7.0, 3.0, 8.0, 5.0]);
        assert_eq!(b.game_overs(), 2);
        // A third game over: now more than 2 are held, so the oldest one may go.
        push(&mut b, 9.0, true);
        assert_eq!(&b.reward, &[0.0, 6.0, 7.0, 3.0, 8.0, 9.0]);
        assert_eq!(b.game_overs(), 3);
        push(&mut b, 10.0, false);
        assert_eq!(&b.reward, &[10.0, 6.0, 7.0, 3.0, 8.0, 9.0]);
        assert_eq!(b.game_overs(), 2);
        // Then on from there: slot 1 (6) is the oldest.
        push(&mut b, 11.0, false);
        assert_eq!(&b.reward, &[10.0, 11.0, 7.0, 3.0, 8.0, 9.0]);
        // Saved and loaded, it holds the same and counts its game overs again.
        let path = std::env::temp_dir().join(format!("tdqn-keep-{}", std::process::id()));
        b.save(&path).unwrap();
        let mut loaded = ReplayBuffer::load(&path, 6, 2).unwrap();
        loaded.keep_game_overs(2);
        assert_eq!(loaded, b);
        std::fs::remove_file(&path).unwrap();
        // At most half the ring is kept.
        b.keep_game_overs(100);
        assert_eq!(b.keep_game_overs, 3);
    }

    #[test]
    fn save_and_load_round_trip_partial_and_full() {
        let dir = std::env::temp_dir().join(format!("tdqn-replay-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (n, cap) in [(0, 4), (3, 4), (9, 4)] {
            let b = filled(n, cap);
            let path = dir.join(format!("r{n}"));
            b.save(&path).unwrap();
            assert_eq!(ReplayBuffer::load(&path, cap, 2).unwrap(), b);
        }
        let path = dir.join("r9");
        let e = ReplayBuffer::load(&path, 8, 2).unwrap_err();
        assert!(e.to_string().contains("replay_capacity"), "{e}");
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
        let e = ReplayBuffer::load(&path, 4, 2).unwrap_err();
        assert!(e.to_string().contains("truncated"), "{e}");
        std::fs::write(&path, b"hello").unwrap();
        let e = ReplayBuffer::load(&path, 4, 2).unwrap_err();
        assert!(e.to_string().contains("not a tetris-dqn replay"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
