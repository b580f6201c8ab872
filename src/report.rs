//! `tetris-dqn report RUN_DIR`: a run's learning curves as a PNG (and, with `--html`, one
//! self-contained HTML page): lines per game with the rolling mean of 100, the objective's
//! figure over the last 100 games with the periodic evaluations, loss and epsilon, under a
//! caption of the run's config and counters, and a line that says whether learning held. It
//! only reads the run's files, so it works on a run that is still going.

use std::fs;
use std::path::{Path, PathBuf};

use plotters::prelude::*;
use plotters::style::FontStyle;

use crate::config::Objective;
use crate::training::learner::ROLLING_GAMES;
pub use crate::training::run_record::{EvalRow, GameRow, RunRecord, RunRecordError};

/// The picture's size in pixels.
pub const SIZE: (u32, u32) = (1400, 1000);
/// Points drawn per curve at most (a long run is thinned evenly).
const MOST_POINTS: usize = 3000;
const FONT: &str = "sans-serif";

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The run folder could not be read.
    #[error(transparent)]
    Read(#[from] RunRecordError),
    /// A file could not be written.
    #[error("{path}: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    /// Drawing failed.
    #[error("drawing {path}: {message}")]
    Draw { path: PathBuf, message: String },
}

impl RunRecord {
    /// Whether learning held: once the last-100 figure first reaches 90% of its best, the
    /// lowest it falls to relative to its best so far (it holds at 90% or more).
    pub fn holds(&self) -> String {
        let series: Vec<(u64, f64)> = self
            .rolling()
            .into_iter()
            .filter(|r| r.full)
            .map(|r| (r.steps, r.figure))
            .collect();
        let name = self.objective.figure_name();
        if series.is_empty() {
            return format!(
                "Learning check: fewer than {ROLLING_GAMES} games so far ({}), nothing to judge yet.",
                self.games.len()
            );
        }
        let best = series.iter().map(|s| s.1).fold(0.0, f64::max);
        if best <= 0.0 {
            return format!(
                "Learning check: the {name} over {ROLLING_GAMES} games has stayed at 0 so far ({} games): nothing learnt to hold yet.",
                self.games.len()
            );
        }
        let start = series.iter().position(|s| s.1 >= 0.9 * best).unwrap_or(0);
        let (mut so_far, mut worst) = (0.0f64, (1.0f64, series[start].0));
        for &(steps, figure) in &series[start..] {
            so_far = so_far.max(figure);
            let ratio = if so_far > 0.0 { figure / so_far } else { 1.0 };
            if ratio < worst.0 {
                worst = (ratio, steps);
            }
        }
        let verdict = if worst.0 >= 0.9 {
            "holds"
        } else {
            "does NOT hold"
        };
        format!(
            "Learning check: best {name} over {ROLLING_GAMES} games {}; from step {} (first at 90% \
             of it) it fell at most to {:.1}% of its best so far (at step {}): learning {verdict} \
             (criterion: 90%).",
            self.figure_text(best),
            series[start].0,
            100.0 * worst.0,
            worst.1
        )
    }

    fn figure_text(&self, v: f64) -> String {
        match self.objective {
            Objective::Tetris => format!("{:.1}%", 100.0 * v),
            Objective::Attack => format!("{v:.3}"),
            Objective::Survival | Objective::Versus => format!("{v:.0}"),
        }
    }

    /// The caption: the run, its counters and its config in a few lines.
    pub fn caption(&self) -> Vec<String> {
        let name = self.dir.file_name().map_or_else(
            || self.dir.display().to_string(),
            |n| n.to_string_lossy().into(),
        );
        let steps = self.games.last().map_or(0, |g| g.steps);
        let mut lines = vec![format!(
            "{name}: {} games, {steps} steps at the last finished game, {} evaluations; objective: {}",
            self.games.len(),
            self.evals.len(),
            self.objective.figure_name()
        )];
        match &self.latest {
            Some((c, saved_steps, wall)) => {
                lines.push(format!(
                    "latest/ at {saved_steps} steps, {:.0} min of training; seed {}, network {:?}, \
                     gamma {}, learning rate {}, batch {}, replay {}",
                    wall / 60.0,
                    c.seed,
                    c.network,
                    c.gamma,
                    c.learning_rate,
                    c.batch_size,
                    c.replay_capacity
                ));
                lines.push(format!(
                    "reward {:?}; epsilon {} -> {} over {} steps; learn every {}, target every {}",
                    c.reward,
                    c.epsilon.start,
                    c.epsilon.end,
                    c.epsilon.decay_steps,
                    c.train_every,
                    c.target_update_every
                ));
            }
            None => lines.push("no latest/ checkpoint yet: the config is not known".into()),
        }
        lines
    }
}

/// Every `k`-th point so that at most [`MOST_POINTS`] remain (the last always kept).
fn thin<T: Copy>(points: &[T]) -> Vec<T> {
    let k = points.len().div_ceil(MOST_POINTS).max(1);
    let mut out: Vec<T> = points.iter().step_by(k).copied().collect();
    if let Some(&last) = points.last()
        && !(points.len() - 1).is_multiple_of(k)
    {
        out.push(last);
    }
    out
}

fn draw_err(path: &Path) -> impl Fn(String) -> ReportError + '_ {
    move |message| ReportError::Draw {
        path: path.to_owned(),
        message,
    }
}

/// A named, coloured set of (steps, value) points.
type Series<'a> = (&'a str, RGBColor, Vec<(f64, f64)>);

/// One chart: `series` as lines, `marks` as points.
fn chart(
    area: &DrawingArea<BitMapBackend, plotters::coord::Shift>,
    title: &str,
    x_max: f64,
    series: &[Series],
    marks: &[Series],
) -> Result<(), String> {
    let all = series
        .iter()
        .chain(marks)
        .flat_map(|s| s.2.iter().map(|p| p.1));
    let (lo, hi) = all.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), y| {
        (lo.min(y), hi.max(y))
    });
    let (lo, hi) = if lo.is_finite() && hi > lo {
        (lo.min(0.0), hi + (hi - lo) * 0.05)
    } else if lo.is_finite() {
        (lo.min(0.0), lo.max(0.0) + 1.0)
    } else {
        (0.0, 1.0)
    };
    let mut c = ChartBuilder::on(area)
        .caption(title, (FONT, 20))
        .margin(12)
        .x_label_area_size(30)
        .y_label_area_size(60)
        .build_cartesian_2d(0f64..x_max.max(1.0), lo..hi)
        .map_err(|e| e.to_string())?;
    c.configure_mesh()
        .x_desc("steps")
        .label_style((FONT, 13))
        .draw()
        .map_err(|e| e.to_string())?;
    for (name, colour, points) in series {
        let colour = *colour;
        c.draw_series(LineSeries::new(
            points.iter().copied(),
            colour.stroke_width(2),
        ))
        .map_err(|e| e.to_string())?
        .label(*name)
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], colour));
    }
    for (name, colour, points) in marks {
        let colour = *colour;
        c.draw_series(points.iter().map(|&p| Circle::new(p, 5, colour.filled())))
            .map_err(|e| e.to_string())?
            .label(*name)
            .legend(move |(x, y)| Circle::new((x + 8, y), 4, colour.filled()));
    }
    if !series.is_empty() || !marks.is_empty() {
        c.configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .label_font((FONT, 14))
            .position(SeriesLabelPosition::UpperLeft)
            .draw()
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Draws the report of `record` into the PNG at `path` (written whole, then renamed in).
pub fn draw_png(record: &RunRecord, path: &Path) -> Result<(), ReportError> {
    // egui's own font, so no system fonts are needed; registering twice is harmless.
    let _ =
        plotters::style::register_font(FONT, FontStyle::Normal, epaint_default_fonts::UBUNTU_LIGHT);
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = path.with_file_name(format!(".{name}.tmp.png"));
    {
        let root = BitMapBackend::new(&tmp, SIZE).into_drawing_area();
        draw_all(record, &root).map_err(draw_err(path))?;
        root.present().map_err(|e| draw_err(path)(e.to_string()))?;
    }
    fs::rename(&tmp, path).map_err(|error| ReportError::Io {
        path: path.to_owned(),
        error,
    })
}

fn draw_all(
    record: &RunRecord,
    root: &DrawingArea<BitMapBackend, plotters::coord::Shift>,
) -> Result<(), String> {
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let (top, rest) = root.split_vertically(100);
    let (charts, bottom) = rest.split_vertically(SIZE.1 - 100 - 44);
    draw_words(record, &top, &bottom)?;
    draw_charts(record, &charts)
}

/// The caption above the charts and the learning check below them.
fn draw_words(
    record: &RunRecord,
    top: &DrawingArea<BitMapBackend, plotters::coord::Shift>,
    bottom: &DrawingArea<BitMapBackend, plotters::coord::Shift>,
) -> Result<(), String> {
    for (i, line) in record.caption().iter().enumerate() {
        let size = if i == 0 { 22 } else { 15 };
        top.draw_text(
            line,
            &(FONT, size).into_text_style(top),
            (16, 12 + 28 * i as i32),
        )
        .map_err(|e| e.to_string())?;
    }
    bottom
        .draw_text(
            &record.holds(),
            &(FONT, 16).into_text_style(bottom),
            (16, 12),
        )
        .map_err(|e| e.to_string())
}

/// The four charts: lines per game, the objective's figure with the evaluations, loss and
/// epsilon.
fn draw_charts(
    record: &RunRecord,
    charts: &DrawingArea<BitMapBackend, plotters::coord::Shift>,
) -> Result<(), String> {
    let x_max = record
        .games
        .last()
        .map_or(1, |g| g.steps)
        .max(record.evals.last().map_or(1, |e| e.steps)) as f64;
    let areas = charts.split_evenly((2, 2));
    let games = thin(&record.games);
    let lines: Vec<(f64, f64)> = games
        .iter()
        .map(|g| (g.steps as f64, g.lines as f64))
        .collect();
    let rolling = thin(&record.rolling());
    let mean: Vec<(f64, f64)> = rolling
        .iter()
        .map(|r| (r.steps as f64, r.mean_lines))
        .collect();
    let blue = RGBColor(52, 101, 164);
    let orange = RGBColor(230, 126, 34);
    let green = RGBColor(39, 174, 96);
    let red = RGBColor(192, 57, 43);
    chart(
        &areas[0],
        "Lines per game",
        x_max,
        &[
            ("game", RGBColor(150, 180, 220), lines),
            ("mean of 100", orange, mean),
        ],
        &[],
    )?;
    let figure: Vec<(f64, f64)> = rolling.iter().map(|r| (r.steps as f64, r.figure)).collect();
    let evals: Vec<(f64, f64)> = record
        .evals
        .iter()
        .map(|e| (e.steps as f64, e.figure))
        .collect();
    let best: Vec<(f64, f64)> = record
        .evals
        .iter()
        .filter(|e| e.best)
        .map(|e| (e.steps as f64, e.figure))
        .collect();
    let name = record.objective.figure_name();
    chart(
        &areas[1],
        &format!("{name}: last 100 games and evaluations"),
        x_max,
        &[("last 100 games", blue, figure)],
        &[("evaluation", orange, evals), ("new best", green, best)],
    )?;
    let loss: Vec<(f64, f64)> = games
        .iter()
        .filter_map(|g| g.loss.map(|l| (g.steps as f64, l)))
        .collect();
    chart(
        &areas[2],
        "Loss (last learning step of each game)",
        x_max,
        &[("loss", red, loss)],
        &[],
    )?;
    let epsilon: Vec<(f64, f64)> = games.iter().map(|g| (g.steps as f64, g.epsilon)).collect();
    chart(
        &areas[3],
        "Epsilon",
        x_max,
        &[("epsilon", blue, epsilon)],
        &[],
    )?;
    Ok(())
}

/// A single self-contained HTML page: the PNG inline, the caption, the check and the
/// evaluations as a table.
pub fn html(record: &RunRecord, png: &[u8]) -> String {
    use base64::Engine;
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let caption: Vec<String> = record
        .caption()
        .iter()
        .map(|l| format!("<p>{}</p>", escape(l)))
        .collect();
    let rows: Vec<String> = record
        .evals
        .iter()
        .map(|e| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{} of {}</td><td>{}</td></tr>",
                e.steps,
                record.figure_text(e.figure),
                e.topped_out,
                e.games,
                if e.best { "best" } else { "" }
            )
        })
        .collect();
    let title = record
        .dir
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{title}: learning curves</title>\
         <style>body{{font-family:sans-serif;margin:2em;max-width:1450px}}img{{max-width:100%}}\
         table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 10px;text-align:right}}</style>\
         </head><body><h1>{title}</h1>{}\n<img alt=\"learning curves\" src=\"data:image/png;base64,{}\">\n\
         <p><b>{}</b></p><h2>Periodic evaluations</h2><table><tr><th>steps</th><th>{}</th>\
         <th>topped out</th><th></th></tr>{}</table></body></html>\n",
        caption.join(""),
        base64::engine::general_purpose::STANDARD.encode(png),
        escape(&record.holds()),
        record.objective.figure_name(),
        rows.join("")
    )
}

/// Makes the report of the run in `dir`: the PNG at `png`, and with `html` a page beside it
/// (same name, `.html`). Returns the files written.
pub fn make(dir: &Path, png: &Path, html_too: bool) -> Result<Vec<PathBuf>, ReportError> {
    let record = RunRecord::read(dir)?;
    draw_png(&record, png)?;
    let mut written = vec![png.to_owned()];
    if html_too {
        let bytes = fs::read(png).map_err(|error| ReportError::Io {
            path: png.to_owned(),
            error,
        })?;
        let page = png.with_extension("html");
        fs::write(&page, html(&record, &bytes)).map_err(|error| ReportError::Io {
            path: page.clone(),
            error,
        })?;
        written.push(page);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(objective: Objective, games: &[(u64, u64)]) -> RunRecord {
        RunRecord {
            dir: PathBuf::from("run"),
            games: games
                .iter()
                .enumerate()
                .map(|(i, &(lines, tetrises))| GameRow {
                    steps: 10 * (i as u64 + 1),
                    lines,
                    pieces: 10,
                    tetrises,
                    ..GameRow::default()
                })
                .collect(),
            evals: vec![],
            latest: None,
            objective,
        }
    }

    #[test]
    fn the_rolling_figure_pools_the_last_100_games() {
        // 100 games of 4 lines, all tetrises, then 100 of 4 lines, none.
        let games: Vec<(u64, u64)> = (0..200).map(|i| (4, u64::from(i < 100))).collect();
        let r = record(Objective::Tetris, &games);
        let f = r.rolling();
        assert_eq!((f[99].steps, f[99].figure, f[99].full), (1000, 1.0, true));
        assert!((f[149].figure - 0.5).abs() < 1e-12);
        assert_eq!(f[199].figure, 0.0);
        assert!(r.holds().contains("does NOT hold"), "{}", r.holds());
        let steady = record(Objective::Survival, &[(5, 0); 150]);
        assert!(
            steady.holds().contains("learning holds"),
            "{}",
            steady.holds()
        );
        let few = record(Objective::Survival, &[(5, 0); 20]);
        assert!(few.holds().contains("fewer than 100 games"));
        let none = record(Objective::Tetris, &[(1, 0); 120]);
        assert!(none.holds().contains("stayed at 0"), "{}", none.holds());
    }

    #[test]
    fn thinning_keeps_the_ends_and_the_bound() {
        let points: Vec<u32> = (0..10_001).collect();
        let t = thin(&points);
        assert!(t.len() <= MOST_POINTS + 1);
        assert_eq!(t.first(), Some(&0));
        assert_eq!(t.last(), Some(&10_000));
        assert_eq!(thin(&[1, 2, 3]), [1, 2, 3]);
    }
}
