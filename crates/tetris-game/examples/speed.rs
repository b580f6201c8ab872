//! Quick throughput check: `cargo run --release -p tetris-game --example speed`.
fn main() {
    for with_hold in [false, true] {
        let t = std::time::Instant::now();
        let s = tetris_game::random_play::play_random(2_000_000, 1, with_hold);
        let dt = t.elapsed().as_secs_f64();
        println!(
            "hold={with_hold}: {:.0} pieces/s, {:.0} placements/s, {:.1} placements/piece",
            s.pieces as f64 / dt,
            s.placements_enumerated as f64 / dt,
            s.placements_enumerated as f64 / s.pieces as f64
        );
    }
}
