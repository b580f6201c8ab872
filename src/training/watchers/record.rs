//! What a watcher knows of a run, kept the same way in every watcher and in the hub that
//! hands a newcomer its snapshot: [`RunStatus`] (the latest metrics, game, save, errors, end)
//! and [`ChartHistory`] (the series the HUD charts, thinned to a fixed size, so a run of any
//! length costs the same memory).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::super::protocol::{EpisodeStats, FinishReason, Metrics, SaveReason, TrainerEvent};
use super::super::run_record::RunRecord;

/// Errors kept for a newcomer (the window shows the last one).
const ERRORS_KEPT: usize = 20;
/// Points kept per chart before older ones are thinned out (every other one dropped).
pub const MAX_POINTS: usize = 4000;

/// The latest state of a run, as its events tell it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct RunStatus {
    /// The latest metrics.
    pub metrics: Option<Metrics>,
    /// The last game that ended.
    pub last_episode: Option<EpisodeStats>,
    /// The last checkpoint written: where, why, at which step.
    pub last_saved: Option<(PathBuf, SaveReason, u64)>,
    /// Errors reported, oldest first (the last [`ERRORS_KEPT`] in a snapshot).
    pub errors: Vec<String>,
    /// Set once the trainer has ended.
    pub finished: Option<FinishReason>,
}

impl RunStatus {
    /// Records one event.
    pub fn record(&mut self, event: &TrainerEvent) {
        match event {
            TrainerEvent::Metrics(m) => self.metrics = Some(m.clone()),
            TrainerEvent::Episode(e) => self.last_episode = Some(e.clone()),
            TrainerEvent::Saved {
                path,
                reason,
                steps,
            } => self.last_saved = Some((path.clone(), reason.clone(), *steps)),
            TrainerEvent::Error(e) => {
                self.errors.push(e.clone());
                if self.errors.len() > ERRORS_KEPT {
                    self.errors.remove(0);
                }
            }
            // The metrics carry the last and best evaluation; the HUD charts the events.
            TrainerEvent::Evaluated { .. } => {}
            TrainerEvent::Finished { reason, .. } => self.finished = Some(reason.clone()),
        }
    }
}

/// The series the charts draw, x = steps.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ChartHistory {
    /// Lines of each game, at the step it ended.
    pub lines: Vec<[f64; 2]>,
    /// The learner's mean lines of the last 100 games, at each game's end.
    pub mean_lines: Vec<[f64; 2]>,
    /// Tetris rate of the last 100 games together, at each game's end.
    pub tetris_rate: Vec<[f64; 2]>,
    /// Attack per piece of the last 100 games together, at each game's end.
    pub attack_per_piece: Vec<[f64; 2]>,
    /// Loss, sampled with the metrics.
    pub loss: Vec<[f64; 2]>,
    /// Epsilon, sampled with the metrics.
    pub epsilon: Vec<[f64; 2]>,
    /// The objective's figure at each periodic evaluation.
    pub evals: Vec<[f64; 2]>,
    /// The periodic evaluations that became `best/`.
    pub best_evals: Vec<[f64; 2]>,
    /// What the evaluations measure ("tetris rate", ...), once one has run.
    pub eval_figure: Option<String>,
    /// Watching: the game in progress's tetris rate, sampled with the metrics (x = its
    /// pieces; cleared when a new game starts).
    pub game_tetris_rate: Vec<[f64; 2]>,
    /// Watching: the game in progress's attack per piece, sampled with the metrics.
    pub game_attack_per_piece: Vec<[f64; 2]>,
    /// Watching: games finished when the game in progress's curve began.
    curve_after_games: u64,
}

impl ChartHistory {
    /// The history a run folder has recorded so far (metrics.csv and evals.csv): what a run
    /// resumed from it, or a window attached to it, charts before its new games.
    pub fn from_record(record: &RunRecord) -> ChartHistory {
        let mut history = ChartHistory::default();
        for (game, rolling) in record.games.iter().zip(record.rolling()) {
            let x = game.steps as f64;
            push(&mut history.lines, [x, game.lines as f64]);
            push(&mut history.mean_lines, [x, rolling.mean_lines]);
            push(&mut history.tetris_rate, [x, rolling.tetris_rate]);
            push(&mut history.attack_per_piece, [x, rolling.attack_per_piece]);
            if let Some(loss) = game.loss {
                push(&mut history.loss, [x, loss]);
            }
            push(&mut history.epsilon, [x, game.epsilon]);
        }
        for eval in &record.evals {
            let point = [eval.steps as f64, eval.figure];
            push(&mut history.evals, point);
            if eval.best {
                push(&mut history.best_evals, point);
            }
        }
        if !record.evals.is_empty() {
            history.eval_figure = Some(record.objective.figure_name().to_string());
        }
        history
    }

    /// Adds one trainer event to the series.
    pub fn record(&mut self, event: &TrainerEvent) {
        match event {
            TrainerEvent::Episode(e) => {
                let x = e.steps as f64;
                if self.lines.last().is_some_and(|p| p[0] >= x) {
                    return; // already in the history read from the run folder
                }
                push(&mut self.lines, [x, e.lines as f64]);
                push(&mut self.mean_lines, [x, e.mean_lines_100]);
                push(&mut self.tetris_rate, [x, e.quality_100.tetris_rate()]);
                push(
                    &mut self.attack_per_piece,
                    [x, e.quality_100.attack_per_piece()],
                );
            }
            TrainerEvent::Evaluated { record, best } => {
                let point = [record.steps as f64, record.figure];
                if self.evals.last().is_some_and(|p| p[0] >= point[0]) {
                    return;
                }
                push(&mut self.evals, point);
                if *best {
                    push(&mut self.best_evals, point);
                }
                self.eval_figure = Some(record.objective.figure_name().to_string());
            }
            TrainerEvent::Metrics(m) => {
                let x = m.steps as f64;
                if self.epsilon.last().is_none_or(|p| p[0] < x) {
                    if let Some(loss) = m.loss {
                        push(&mut self.loss, [x, loss as f64]);
                    }
                    push(&mut self.epsilon, [x, m.epsilon]);
                }
                if m.watching {
                    self.record_game_in_progress(m);
                }
            }
            _ => {}
        }
    }

    /// Watching: the game in progress's quality, by its own piece count. Another finished
    /// game count (a top-out) or a piece count lower than the last point's (R) means a new
    /// game: its curve starts afresh.
    fn record_game_in_progress(&mut self, m: &Metrics) {
        let q = &m.quality_this_game;
        let x = q.placements as f64;
        let mut last = self.game_tetris_rate.last().map(|p| p[0]);
        if m.games != self.curve_after_games || last.is_some_and(|last| x < last) {
            self.game_tetris_rate.clear();
            self.game_attack_per_piece.clear();
            self.curve_after_games = m.games;
            last = None;
        }
        if last.is_none_or(|last| x != last) {
            push(&mut self.game_tetris_rate, [x, q.tetris_rate()]);
            push(&mut self.game_attack_per_piece, [x, q.attack_per_piece()]);
        }
    }

    /// Whether every series is within [`MAX_POINTS`] (what a received snapshot must keep to).
    pub fn is_bounded(&self) -> bool {
        [
            &self.lines,
            &self.mean_lines,
            &self.tetris_rate,
            &self.attack_per_piece,
            &self.loss,
            &self.epsilon,
            &self.evals,
            &self.best_evals,
            &self.game_tetris_rate,
            &self.game_attack_per_piece,
        ]
        .iter()
        .all(|s| s.len() <= MAX_POINTS)
    }
}

fn push(series: &mut Vec<[f64; 2]>, point: [f64; 2]) {
    if series.len() >= MAX_POINTS {
        // Thin the history evenly so a long run still fits: keep every other point.
        let mut i = 0;
        series.retain(|_| {
            i += 1;
            i % 2 == 1
        });
    }
    series.push(point);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::training::protocol::EpisodeStats;

    fn episode(game: u64, steps: u64, lines: u32) -> TrainerEvent {
        TrainerEvent::Episode(EpisodeStats {
            game,
            env: 0,
            steps,
            lines,
            score: 0,
            pieces: 10,
            truncated: false,
            epsilon: 0.5,
            loss: None,
            quality: Default::default(),
            mean_lines_100: lines as f64,
            quality_100: Default::default(),
        })
    }

    #[test]
    fn a_long_run_keeps_a_bounded_history_with_both_ends() {
        let mut history = ChartHistory::default();
        for game in 1..=100_000 {
            history.record(&episode(game, game * 10, 1));
        }
        assert!(history.is_bounded());
        assert_eq!(history.lines.first().map(|p| p[0]), Some(10.0));
        assert_eq!(history.lines.last().map(|p| p[0]), Some(1_000_000.0));
    }

    #[test]
    fn games_already_read_from_the_run_folder_are_not_charted_twice() {
        let mut history = ChartHistory::default();
        history.record(&episode(1, 100, 1));
        history.record(&episode(2, 200, 2));
        history.record(&episode(1, 100, 1));
        assert_eq!(history.lines, vec![[100.0, 1.0], [200.0, 2.0]]);
    }

    #[test]
    fn a_status_keeps_its_last_errors() {
        let mut status = RunStatus::default();
        for i in 0..100 {
            status.record(&TrainerEvent::Error(format!("e{i}")));
        }
        assert_eq!(status.errors.len(), ERRORS_KEPT);
        assert_eq!(status.errors.last().map(String::as_str), Some("e99"));
    }

    #[test]
    fn the_watched_game_s_curve_restarts_with_each_game() {
        let mut history = ChartHistory::default();
        let watched = |steps: u64, pieces: u64| {
            let mut m = crate::training::Metrics {
                steps,
                watching: true,
                ..Default::default()
            };
            m.quality_this_game.placements = pieces;
            TrainerEvent::Metrics(m)
        };
        for (steps, pieces) in [(10, 10), (20, 20), (20, 20), (30, 30)] {
            history.record(&watched(steps, pieces));
        }
        let xs = |h: &ChartHistory| h.game_tetris_rate.iter().map(|p| p[0]).collect::<Vec<_>>();
        assert_eq!(xs(&history), [10.0, 20.0, 30.0]);
        // R: a new game at 35 steps in all, 5 pieces in.
        history.record(&watched(35, 5));
        history.record(&watched(40, 10));
        assert_eq!(xs(&history), [5.0, 10.0]);
        assert_eq!(history.game_attack_per_piece.len(), 2);
        // A top-out counts a game: the next curve starts even when sampled late.
        let mut next = watched(80, 40);
        if let TrainerEvent::Metrics(m) = &mut next {
            m.games = 1;
        }
        history.record(&next);
        assert_eq!(xs(&history), [40.0]);
    }

    #[test]
    fn long_histories_are_thinned_not_cut() {
        let mut series = vec![];
        for i in 0..10_000 {
            push(&mut series, [i as f64, 0.0]);
        }
        assert!(series.len() <= MAX_POINTS);
        assert_eq!(series[0][0], 0.0);
        assert_eq!(series.last().unwrap()[0], 9999.0);
    }
}
