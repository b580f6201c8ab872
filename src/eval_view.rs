//! How `eval` looks in the terminal: its progress on stderr (a bar on a terminal, else a line
//! per game) and the summary table.

use std::io::IsTerminal;
use std::path::Path;

use tetris_dqn::training::eval::{EvalProgress, EvalReport};

/// Eval's progress on stderr, in table and JSON modes alike: a bar on a terminal, else a line
/// per game.
pub struct EvalProgressView {
    bar: Option<indicatif::ProgressBar>,
}

impl EvalProgressView {
    /// A view for `games` games.
    pub fn new(games: u32) -> EvalProgressView {
        let bar = std::io::stderr().is_terminal().then(|| {
            indicatif::ProgressBar::new(u64::from(games)).with_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:30} {pos}/{len} games [{elapsed_precise}] {msg}",
                )
                .expect("a valid template"),
            )
        });
        EvalProgressView { bar }
    }

    /// Shows one piece of progress.
    pub fn show(&mut self, progress: EvalProgress) {
        match progress {
            EvalProgress::Playing { game, pieces } => {
                if let Some(bar) = &self.bar {
                    bar.set_message(format!("game {}: {pieces} pieces", game + 1));
                }
            }
            EvalProgress::Ended { game, result: g } => {
                let line = format!(
                    "game {:>3} seed {:>20}: {:>7} lines {:>10} score {:>8} pieces{}, tetris \
                     rate {:.0}%, attack per piece {:.3}",
                    game + 1,
                    g.seed,
                    g.lines,
                    g.score,
                    g.pieces,
                    if g.topped_out { "" } else { " (cap)" },
                    100.0 * g.tetris_rate,
                    g.attack_per_piece
                );
                match &self.bar {
                    Some(bar) => {
                        bar.println(line);
                        bar.inc(1);
                    }
                    None => eprintln!("{line}"),
                }
            }
        }
    }

    /// Clears the bar at the end.
    pub fn done(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// The summary table of `r`, for the checkpoint at `checkpoint` played with `seed` and a cap
/// of `max_pieces` pieces (0: none).
pub fn table(checkpoint: &Path, seed: u64, max_pieces: u64, r: &EvalReport) -> String {
    let cap = if max_pieces == 0 {
        "no piece cap".to_string()
    } else {
        format!("cap {max_pieces} pieces")
    };
    let play = match r.lookahead {
        0 => "greedy".to_string(),
        beam => format!(
            "greedy (lookahead {})",
            tetris_dqn::agent::Lookahead {
                beam,
                depth: r.depth
            }
        ),
    };
    format!(
        "{} (trained {} steps): {} {play} games, seed {}, {cap}\n\
         {:<8}{:>12}{:>12}{:>12}{:>12}\n\
         {:<8}{:>12.1}{:>12.1}{:>12.0}{:>12.0}\n\
         {:<8}{:>12.0}{:>12.0}{:>12.0}{:>12.0}\n\
         {:.0} pieces/s\n\
         {}",
        checkpoint.display(),
        r.checkpoint_steps,
        r.games.len(),
        seed,
        "",
        "mean",
        "median",
        "min",
        "max",
        "lines",
        r.lines.mean,
        r.lines.median,
        r.lines.min,
        r.lines.max,
        "score",
        r.score.mean,
        r.score.median,
        r.score.min,
        r.score.max,
        r.pieces_per_s,
        quality_lines(r)
    )
}

/// Quality over all games: top-outs, clears by kind, the tetris rate, attack and the rest.
fn quality_lines(r: &EvalReport) -> String {
    let q = &r.quality;
    let clears: Vec<String> = q
        .clears
        .named()
        .iter()
        .map(|(name, n)| format!("{} {n}", name.replace('_', " ")))
        .collect();
    format!(
        "{} of {} games topped out\n\
         clears: {}\n\
         tetris rate {:.1}%, attack per piece {:.3}, base points per line {:.0}, longest \
         back-to-back {}, highest stack {}",
        r.topped_out,
        r.games.len(),
        clears.join(", "),
        100.0 * r.tetris_rate,
        r.attack_per_piece,
        r.base_points_per_line,
        q.longest_back_to_back,
        q.highest_stack
    )
}
