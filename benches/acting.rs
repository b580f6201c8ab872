//! Acting: one step of the trainer scores every candidate placement of its games. Timed for
//! one game and for 16 side by side, with the network run through libtorch and in plain Rust
//! (`agent::plain_mlp`), so the four figures come from one run. The default config's network
//! (13 features into 64-64-1), one torch thread.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use tetris_dqn::agent::{Agent, Device, Encoding, ReplayBuffer, use_torch_threads};
use tetris_dqn::config::Config;
use tetris_dqn::game::Game;
use tetris_dqn::game::random_play::low_stack_game;

/// `n` mid-game positions, 20 to 39 pieces in.
fn positions(n: usize) -> Vec<Game> {
    (0..n as u64)
        .map(|seed| low_stack_game(seed, 20 + (seed % 20) as u32))
        .collect()
}

fn acting(c: &mut Criterion) {
    use_torch_threads(1);
    let config = Config::default();
    let replay = ReplayBuffer::new(1, Encoding::for_network(&config.network).len());
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let mut agent = Agent::new(&config, Device::CPU, &mut rng, replay);
    let mut g = c.benchmark_group("act_all");
    for n in [1usize, 16] {
        let games = positions(n);
        let refs: Vec<&Game> = games.iter().collect();
        g.throughput(Throughput::Elements(n as u64));
        for (name, plain) in [("libtorch", false), ("plain_rust", true)] {
            agent.set_plain_scoring(plain);
            g.bench_function(format!("{n}_games_{name}"), |b| {
                b.iter(|| {
                    let mut pending = vec![None; n];
                    black_box(agent.act_all(&refs, &mut pending, 0.0, &mut rng))
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, acting);
criterion_main!(benches);
