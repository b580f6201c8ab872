//! The words around the training board: the state line a person needs first ("Paused",
//! "Visual off", "Finished", errors), the last save, the board's title, overlay and stats
//! column. The HUD panel shows the same lines.

use bevy::prelude::*;

use super::board::{BoardView, DrawBoard};
use super::bridge::{TrainerLink, TrainerStatus};
use super::controls::{SHORTCUTS, ShowShortcuts};
use super::trainer_board::{AnimateBoard, TrainerBoard};
use crate::training::{FinishReason, SaveReason};

/// Registers the board's texts; needs the bridge and the trainer board.
pub fn plugin(app: &mut App) {
    app.add_systems(Update, show_status.after(AnimateBoard).before(DrawBoard));
}

/// The state line a person needs first: paused, visual off, finished or failed.
pub fn state_line(status: &TrainerStatus) -> Option<String> {
    if let Some(reason) = &status.finished {
        return Some(match reason {
            FinishReason::Failed => format!(
                "Training failed:\n{}",
                status.errors.last().map_or("(no message)", String::as_str)
            ),
            FinishReason::StepsReached => "Finished:\nstep count reached".into(),
            FinishReason::Stopped => "Stopped".into(),
        });
    }
    let m = status.metrics.as_ref()?;
    if m.paused {
        Some("Paused".into())
    } else if let Some((done, all)) = m.evaluating {
        Some(format!(
            "Evaluating:\ngame {} of {all}",
            (done + 1).min(all)
        ))
    } else if !m.visual {
        Some("Visual off:\ntraining at\nfull speed".into())
    } else {
        None
    }
}

/// Lines of the best finished game ("-" before one has finished: a watched game can last
/// for hours).
pub fn best_lines(m: &crate::training::Metrics) -> String {
    if m.games > 0 {
        m.best_lines.to_string()
    } else {
        "-".into()
    }
}

/// "Saved best (tetris rate 95.1%, 0 of 3 games topped out) to ..." or "Saved latest (periodic) to ..." for the last
/// checkpoint; the reason's words are [`SaveReason`]'s own.
pub fn saved_line(status: &TrainerStatus) -> Option<String> {
    let (path, reason, steps) = status.last_saved.as_ref()?;
    let what = match reason {
        SaveReason::Best(_) => reason.to_string(),
        _ => format!("latest ({reason})"),
    };
    Some(format!(
        "Saved {what} to {} at step {steps}",
        path.display()
    ))
}

fn show_status(
    status: Res<TrainerStatus>,
    link: Res<TrainerLink>,
    board: Res<TrainerBoard>,
    help: Res<ShowShortcuts>,
    mut view: ResMut<BoardView>,
) {
    if !status.is_changed() && !help.is_changed() && !board.is_changed() {
        return;
    }
    let overlay = if help.0 {
        Some(SHORTCUTS.to_string())
    } else if board.is_game_over() {
        Some("GAME OVER".to_string())
    } else {
        state_line(&status)
    };
    if view.overlay != overlay {
        view.overlay = overlay;
    }
    let title = if link.0.is_watching() {
        "Watching the agent\nF1: shortcuts".to_string()
    } else if link.0.is_remote() {
        format!("Attached to {}\nF1: shortcuts", link.0.run_name())
    } else {
        format!("Training {}\nF1: shortcuts", link.0.run_name())
    };
    if view.title != title {
        view.title = title;
    }
    let Some(m) = &status.metrics else {
        return;
    };
    // The game on the board; the HUD beside it has the trainer's numbers. Before any board
    // frame (visual off from the start) the trainer's game in progress, as far as the
    // metrics tell it.
    let (game, lines, score, level, pieces) = match board.shown_game() {
        Some((g, number)) => (
            number.max(1),
            g.score().lines.to_string(),
            g.score().score.to_string(),
            g.score().level.to_string(),
            g.pieces_placed().to_string(),
        ),
        None => (
            m.games + 1,
            m.lines_this_game.to_string(),
            m.score_this_game.to_string(),
            "-".into(),
            "-".into(),
        ),
    };
    let stats: Vec<(String, String)> = vec![
        ("Game".into(), game.to_string()),
        ("Lines".into(), lines),
        ("Score".into(), score),
        ("Level".into(), level),
        ("Pieces".into(), pieces),
        ("Best".into(), best_lines(m)),
        ("Speed".into(), format!("{} ms", m.step_delay.as_millis())),
    ];
    if view.stats != stats {
        view.stats = stats;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::training::Metrics;

    #[test]
    fn the_state_line_says_when_the_trainer_is_evaluating() {
        let with = |m: Metrics| TrainerStatus {
            run: crate::training::watchers::RunStatus {
                metrics: Some(m),
                ..Default::default()
            },
            ..Default::default()
        };
        let training = Metrics {
            visual: true,
            ..Default::default()
        };
        assert_eq!(state_line(&with(training.clone())), None);
        let evaluating = Metrics {
            evaluating: Some((1, 3)),
            ..training.clone()
        };
        assert_eq!(
            state_line(&with(evaluating)).as_deref(),
            Some("Evaluating:\ngame 2 of 3")
        );
        let paused = Metrics {
            evaluating: Some((1, 3)),
            paused: true,
            ..training
        };
        assert_eq!(state_line(&with(paused)).as_deref(), Some("Paused"));
    }
}
