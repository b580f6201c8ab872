//! Quick throughput check: `cargo run --release -p tetris-game --example speed [PIECES] [nohold]`.
fn main() {
    let pieces = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2_000_000);
    let modes: &[bool] = if std::env::args().nth(2).as_deref() == Some("nohold") {
        &[false]
    } else {
        &[false, true]
    };
    for &with_hold in modes {
        let t = std::time::Instant::now();
        let s = tetris_game::random_play::play_random(pieces, 1, with_hold);
        let dt = t.elapsed().as_secs_f64();
        println!(
            "hold={with_hold}: {:.0} pieces/s, {:.0} placements/s, {:.1} placements/piece",
            s.pieces as f64 / dt,
            s.placements_enumerated as f64 / dt,
            s.placements_enumerated as f64 / s.pieces as f64
        );
    }
}
