//! Engine throughput: random play (placement search included) and the search alone.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tetris_game::random_play::{low_stack_game, play_random};
use tetris_game::{Game, Piece};

fn random_play(c: &mut Criterion) {
    let mut g = c.benchmark_group("random_play");
    g.throughput(Throughput::Elements(1000));
    g.bench_function("1000_pieces_current_only", |b| {
        b.iter(|| black_box(play_random(1000, 7, false)))
    });
    g.bench_function("1000_pieces_with_hold", |b| {
        b.iter(|| black_box(play_random(1000, 7, true)))
    });
    g.finish();
}

fn search(c: &mut Criterion) {
    // A mid-game board: 30 pieces, each placed where it leaves the stack lowest (random play
    // would top out), then every piece searched on it.
    let game = low_stack_game(3, 30);
    let mut buf = Vec::with_capacity(128);
    let mut g = c.benchmark_group("search");
    for piece in Piece::ALL {
        let Ok(position) = Game::from_position(game.board().clone(), piece, None, &[piece], 1)
        else {
            continue;
        };
        g.bench_function(format!("{piece}"), |b| {
            b.iter(|| {
                position.placements_into(&mut buf, false);
                black_box(buf.len())
            })
        });
    }
    g.finish();
}

criterion_group!(benches, random_play, search);
criterion_main!(benches);
