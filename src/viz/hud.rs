//! The HUD: an egui side panel beside the board (the board camera's viewport is shrunk so the
//! panel never covers it, as bevy_egui's side_panel example does) with the run's state, a
//! control bar (Pause/Resume, Visual, speed slider, Save now, Stop), the trainer's numbers
//! and egui_plot charts: lines per game (with a rolling mean of 100), the tetris rate and
//! attack per piece of the last 100 games, the periodic evaluations (best marked), loss and
//! epsilon over steps; when watching, the game in progress's quality first. Charts keep
//! updating in visual-off mode: they come from metrics and game events, not from board frames.

use std::time::Duration;

use bevy::camera::visibility::RenderLayers;
use bevy::camera::{CameraOutputMode, Viewport};
use bevy::prelude::*;
use bevy::render::render_resource::BlendState;
use bevy::window::PrimaryWindow;
use bevy_egui::{
    EguiContext, EguiContexts, EguiGlobalSettings, EguiPlugin, EguiPrimaryContextPass,
    PrimaryEguiContext, egui,
};
use egui_plot::{Legend, Line, Plot, PlotPoints, Points};

use super::bridge::{FromTrainer, Joined, TrainerLink, TrainerStatus};
use super::controls::{Action, Asked, Quitting, SHORTCUTS, ShowShortcuts, perform};
use super::status_text::{best_lines, saved_line, state_line};
use crate::config::Objective;
use crate::training::protocol::MAX_STEP_DELAY;
use crate::training::watchers::{ChartHistory, Watcher};

/// Width of the side panel, in logical pixels.
pub const PANEL_WIDTH: f32 = 400.0;

/// The series the charts draw (the run's [`ChartHistory`], filled from the snapshot the
/// window joined with, then live).
#[derive(Resource, Default, Debug, Deref, DerefMut)]
pub struct History(pub ChartHistory);

/// Registers egui, the HUD camera, the history and the panel; needs the bridge.
pub fn plugin(app: &mut App) {
    app.add_plugins(EguiPlugin::default())
        .init_resource::<History>()
        .add_systems(Startup, spawn_hud_camera)
        .add_systems(Update, record_history)
        .add_systems(EguiPrimaryContextPass, draw_hud);
}

fn spawn_hud_camera(mut commands: Commands, mut settings: ResMut<EguiGlobalSettings>) {
    // egui gets its own camera so that the board camera's viewport can shrink beside it.
    settings.auto_create_primary_context = false;
    commands.spawn((
        PrimaryEguiContext,
        Camera2d,
        // egui smooths its own edges; multisampling would only cost the renderer.
        Msaa::Off,
        RenderLayers::none(),
        Camera {
            order: 1,
            output_mode: CameraOutputMode::Write {
                blend_state: Some(BlendState::ALPHA_BLENDING),
                clear_color: ClearColorConfig::None,
            },
            clear_color: ClearColorConfig::Custom(Color::NONE),
            ..default()
        },
    ));
}

fn record_history(
    mut joined: MessageReader<Joined>,
    mut events: MessageReader<FromTrainer>,
    mut history: ResMut<History>,
) {
    if let Some(j) = joined.read().last() {
        history.0 = j.history.clone();
    }
    for FromTrainer(event) in events.read() {
        history.record(event);
    }
}

fn fmt_duration(secs: f64) -> String {
    let s = secs as u64;
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

#[allow(clippy::too_many_arguments)]
fn draw_hud(
    mut contexts: EguiContexts,
    mut board_camera: Single<&mut Camera, Without<EguiContext>>,
    window: Single<&Window, With<PrimaryWindow>>,
    link: Res<TrainerLink>,
    status: Res<TrainerStatus>,
    history: Res<History>,
    mut help: ResMut<ShowShortcuts>,
    mut quitting: ResMut<Quitting>,
    mut asked: ResMut<Asked>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let handle = &link.0;
    let mut root = egui::Ui::new(
        ctx.clone(),
        "viewport".into(),
        egui::UiBuilder::new()
            .layer_id(egui::LayerId::background())
            .max_rect(ctx.viewport_rect()),
    );
    let panel = egui::Panel::right("hud")
        .exact_size(PANEL_WIDTH)
        .resizable(false)
        .show(&mut root, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                header(ui, handle, &status);
                ui.separator();
                controls(ui, handle, &status, &mut help, &mut quitting, &mut asked);
                ui.separator();
                numbers(ui, &status);
                ui.separator();
                charts(ui, &history, handle.is_watching());
                if help.0 {
                    ui.separator();
                    ui.monospace(SHORTCUTS);
                }
            });
        });
    if asked.confirm_stop {
        confirm_stop(ctx, handle, &status, &mut help, &mut quitting, &mut asked);
    }
    // The board gets the rest of the window.
    let scale = window.scale_factor();
    let panel_px = (panel.response.rect.width() * scale) as u32;
    let size = UVec2::new(
        window.physical_width().saturating_sub(panel_px).max(1),
        window.physical_height().max(1),
    );
    board_camera.viewport = Some(Viewport {
        physical_position: UVec2::ZERO,
        physical_size: size,
        ..default()
    });
    Ok(())
}

/// The run's name, device and folder, and its state in colour (red: finished or failing,
/// yellow: paused, green: going), with the last error.
fn header(ui: &mut egui::Ui, handle: &Watcher, status: &TrainerStatus) {
    ui.heading(format!("tetris-dqn: {}", handle.run_name()));
    ui.label(format!(
        "{} | {}",
        handle.device_name(),
        handle.run_dir().display()
    ));
    let state = state_line(status)
        .map(|s| s.replace('\n', " "))
        .unwrap_or_else(|| {
            if handle.is_watching() {
                "Watching"
            } else {
                "Training"
            }
            .into()
        });
    let red = egui::Color32::from_rgb(240, 90, 80);
    let colour = if status.finished.is_some() || status.gone.is_some() || !status.errors.is_empty()
    {
        red
    } else if status.metrics.as_ref().is_some_and(|m| m.paused) {
        egui::Color32::from_rgb(240, 200, 60)
    } else {
        egui::Color32::from_rgb(120, 210, 140)
    };
    ui.label(egui::RichText::new(state).strong().size(17.0).color(colour));
    if let Some(error) = status.errors.last() {
        ui.colored_label(red, error);
    }
    if let Some(gone) = &status.gone {
        ui.colored_label(red, format!("Disconnected: {gone}"));
    }
}

/// The control bar: the same [`Action`]s as the keys.
fn controls(
    ui: &mut egui::Ui,
    handle: &Watcher,
    status: &TrainerStatus,
    help: &mut ShowShortcuts,
    quitting: &mut Quitting,
    asked: &mut Asked,
) {
    let m = status.metrics.as_ref();
    let paused = m.is_some_and(|m| m.paused);
    let visual = m.is_none_or(|m| m.visual);
    let running = status.finished.is_none();
    let mut clicked = None;
    ui.horizontal(|ui| {
        ui.add_enabled_ui(running, |ui| {
            let pause = if paused {
                "Resume (Space)"
            } else {
                "Pause (Space)"
            };
            if ui.button(pause).clicked() {
                clicked = Some(Action::TogglePause);
            }
            let visual = if visual {
                "Visual off (V)"
            } else {
                "Visual on (V)"
            };
            if ui.button(visual).clicked() {
                clicked = Some(Action::ToggleVisual);
            }
        });
        if ui.button("Shortcuts (F1)").clicked() {
            clicked = Some(Action::ToggleShortcuts);
        }
    });
    ui.horizontal(|ui| {
        ui.add_enabled_ui(running, |ui| {
            if handle.is_watching() {
                if ui.button("New game (R)").clicked() {
                    clicked = Some(Action::NewGame);
                }
            } else if ui.button("Save now (S)").clicked() {
                clicked = Some(Action::SaveNow);
            }
            if let Some(action) = stop_and_leave(ui, handle) {
                clicked = Some(action);
            }
        });
    });
    let mut ms = m.map_or(0, |m| m.step_delay.as_millis() as u32);
    let max = MAX_STEP_DELAY.as_millis() as u32;
    let slider = ui.add_enabled(
        running && visual,
        egui::Slider::new(&mut ms, 0..=max)
            .suffix(" ms")
            .text("delay per step (+/-)"),
    );
    if slider.changed() {
        clicked = Some(Action::SetStepDelay(Duration::from_millis(ms as u64)));
    }
    if let Some(action) = clicked {
        perform(action, handle, status, help, quitting, asked);
    }
}

/// The Stop button and, when training, Go headless (in an attached window: Detach).
fn stop_and_leave(ui: &mut egui::Ui, handle: &Watcher) -> Option<Action> {
    let mut clicked = None;
    let stop = if handle.is_remote() {
        "Stop the run"
    } else {
        "Stop (Esc)"
    };
    if ui.button(stop).clicked() {
        clicked = Some(Action::Stop);
    }
    if !handle.is_watching() {
        let leave = if handle.is_remote() {
            "Detach (H)"
        } else {
            "Go headless (H)"
        };
        if ui
            .button(leave)
            .on_hover_text("close this window; the run goes on")
            .clicked()
        {
            clicked = Some(Action::Leave);
        }
    }
    clicked
}

/// An attached window's question before Stop: the run is someone's long job.
fn confirm_stop(
    ctx: &egui::Context,
    handle: &Watcher,
    status: &TrainerStatus,
    help: &mut ShowShortcuts,
    quitting: &mut Quitting,
    asked: &mut Asked,
) {
    let mut answer = None;
    egui::Window::new("Stop the run?")
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
        .show(ctx, |ui| {
            ui.label(format!(
                "Training in {} stops for good (latest/ is saved first). To leave it running, \
                 detach instead.",
                handle.run_dir().display()
            ));
            ui.horizontal(|ui| {
                if ui.button("Stop the run").clicked() {
                    answer = Some(true);
                }
                if ui.button("Cancel").clicked() {
                    answer = Some(false);
                }
            });
        });
    match answer {
        Some(true) => perform(Action::ConfirmStop, handle, status, help, quitting, asked),
        Some(false) => asked.confirm_stop = false,
        None => {}
    }
}

fn numbers(ui: &mut egui::Ui, status: &TrainerStatus) {
    let Some(m) = &status.metrics else {
        ui.label("Starting...");
        return;
    };
    let steps = match m.total_steps {
        Some(t) => format!("{} / {}", m.steps, t),
        None => m.steps.to_string(),
    };
    let quality = quality_rows(m);
    if m.watching {
        let mut rows = vec![
            ("Pieces", m.steps.to_string()),
            ("Pieces/s", format!("{:.0}", m.steps_per_s)),
            ("Games finished", m.games.to_string()),
            ("Lines this game", m.lines_this_game.to_string()),
            ("Score this game", m.score_this_game.to_string()),
            ("Best lines", best_lines(m)),
            (
                "Mean lines",
                m.mean_lines_100.map_or("-".into(), |v| format!("{v:.1}")),
            ),
        ];
        rows.extend(quality);
        number_grid(ui, &rows);
        ui.label("Watching: greedy play, no learning, nothing saved");
        return;
    }
    let mut rows: Vec<(&str, String)> = vec![
        ("Steps", steps),
        ("Steps/s", format!("{:.0}", m.steps_per_s)),
        ("Games", games(m)),
        ("Lines this game", m.lines_this_game.to_string()),
        ("Score this game", m.score_this_game.to_string()),
        ("Best lines", m.best_lines.to_string()),
        (
            "Mean lines (last 100)",
            m.mean_lines_100.map_or("-".into(), |v| format!("{v:.1}")),
        ),
        ("Epsilon", format!("{:.4}", m.epsilon)),
        ("Loss", m.loss.map_or("-".into(), |l| format!("{l:.4}"))),
        (
            "Replay",
            format!(
                "{} / {} ({:.0}%)",
                m.replay_len,
                m.replay_capacity,
                100.0 * m.replay_len as f64 / m.replay_capacity.max(1) as f64
            ),
        ),
        ("Elapsed", fmt_duration(m.elapsed_s)),
    ];
    rows.extend(quality);
    rows.extend(eval_rows(m));
    number_grid(ui, &rows);
    ui.label(saved_line(status).unwrap_or_else(|| "No checkpoint saved yet".into()));
}

/// Games finished, and how many are played side by side when more than one (the board shows
/// the first): "1234 (16 at a time)".
fn games(m: &crate::training::Metrics) -> String {
    if m.envs > 1 {
        format!("{} ({} at a time)", m.games, m.envs)
    } else {
        m.games.to_string()
    }
}

/// Quality of play, this game and the last 100 games together: "this / last 100" ("-" for
/// the last 100 until a game has finished: a watched game can last for hours).
fn quality_rows(m: &crate::training::Metrics) -> Vec<(&'static str, String)> {
    let (g, h) = (&m.quality_this_game, &m.quality_100);
    let finished = m.games > 0;
    let pct = |v: f64| format!("{:.0}%", 100.0 * v);
    let last_100 = |text: String| if finished { text } else { "-".into() };
    let (counted, of) = if finished {
        ("Tetrises, TSDs (last 100)", h)
    } else {
        ("Tetrises, TSDs (this game)", g)
    };
    vec![
        (
            "Tetris rate (game / 100)",
            format!(
                "{} / {}",
                pct(g.tetris_rate()),
                last_100(pct(h.tetris_rate()))
            ),
        ),
        (
            "Attack/piece (game / 100)",
            format!(
                "{:.3} / {}",
                g.attack_per_piece(),
                last_100(format!("{:.3}", h.attack_per_piece()))
            ),
        ),
        (
            counted,
            format!("{}, {}", of.clears.tetrises, of.clears.tspin_doubles),
        ),
    ]
}

/// The periodic evaluation: the last one and the best (what `best/` holds).
fn eval_rows(m: &crate::training::Metrics) -> Vec<(&'static str, String)> {
    // Short enough for the panel: "95.1% tetris, 0/3 out @ 1.25M".
    let line = |e: &crate::training::EvalRecord| {
        let figure = match e.objective {
            Objective::Survival => format!("{:.0} lines", e.figure),
            Objective::Tetris => format!("{:.1}% tetris", 100.0 * e.figure),
            Objective::Attack => format!("{:.3} atk/pc", e.figure),
            Objective::Versus => format!("{:.0} pcs (garbage)", e.figure),
        };
        format!(
            "{figure}, {}/{} out @ {}",
            e.topped_out,
            e.games,
            short_count(e.steps)
        )
    };
    vec![
        (
            "Evaluation, last",
            m.last_eval.as_deref().map_or("not yet".into(), line),
        ),
        (
            "Evaluation, best",
            m.best_eval.as_deref().map_or("-".into(), line),
        ),
    ]
}

/// 950, 12.5k, 1.25M.
fn short_count(n: u64) -> String {
    match n {
        0..1_000 => n.to_string(),
        1_000..1_000_000 => format!("{:.1}k", n as f64 / 1e3),
        _ => format!("{:.2}M", n as f64 / 1e6),
    }
}

/// A chart of a tetris rate and an attack per piece series, 0 to 1.
fn quality_plot(ui: &mut egui::Ui, id: &str, tetris_rate: &[[f64; 2]], attack: &[[f64; 2]]) {
    Plot::new(id)
        .height(100.0)
        .legend(Legend::default())
        .allow_scroll(false)
        .include_y(0.0)
        .include_y(1.0)
        .show(ui, |plot| {
            plot.line(
                Line::new("tetris rate", PlotPoints::from(tetris_rate.to_vec()))
                    .color(egui::Color32::from_rgb(0, 220, 230)),
            );
            plot.line(
                Line::new("attack per piece", PlotPoints::from(attack.to_vec()))
                    .color(egui::Color32::from_rgb(230, 40, 50)),
            );
        });
}

/// Two columns: what, and its value in monospace.
fn number_grid(ui: &mut egui::Ui, rows: &[(&str, String)]) {
    egui::Grid::new("numbers")
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| {
            for (k, v) in rows {
                ui.label(*k);
                ui.monospace(v);
                ui.end_row();
            }
        });
}

fn charts(ui: &mut egui::Ui, history: &History, watching: bool) {
    if watching {
        // A watched game can last for hours: its own curve comes first, and the charts of
        // finished games only once there is one.
        ui.label("This game: tetris rate and attack per piece, by piece");
        quality_plot(
            ui,
            "this game",
            &history.game_tetris_rate,
            &history.game_attack_per_piece,
        );
        if history.lines.is_empty() {
            return;
        }
    }
    lines_chart(ui, history);
    ui.label("Tetris rate and attack per piece (last 100 games)");
    quality_plot(
        ui,
        "quality",
        &history.tetris_rate,
        &history.attack_per_piece,
    );
    if watching {
        return; // nothing learns: no loss, no exploration
    }
    evaluations_chart(ui, history);
    ui.label("Loss");
    series_chart(ui, "loss", 90.0, &history.loss, None);
    ui.label("Epsilon");
    series_chart(ui, "epsilon", 80.0, &history.epsilon, Some(1.0));
}

/// Lines of each game and the rolling mean of 100.
fn lines_chart(ui: &mut egui::Ui, history: &History) {
    ui.label("Lines per game");
    Plot::new("lines")
        .height(130.0)
        .legend(Legend::default())
        .allow_scroll(false)
        .include_y(0.0)
        .show(ui, |plot| {
            plot.line(
                Line::new("game", PlotPoints::from(history.lines.clone()))
                    .color(egui::Color32::from_rgb(90, 140, 230)),
            );
            plot.line(
                Line::new("mean of 100", PlotPoints::from(history.mean_lines.clone()))
                    .color(egui::Color32::from_rgb(245, 150, 20))
                    .width(2.0),
            );
        });
}

/// The periodic evaluations by the objective's figure, new bests as dots.
fn evaluations_chart(ui: &mut egui::Ui, history: &History) {
    ui.label(format!(
        "Evaluation: {} (greedy, seeded games; dots: new best)",
        history
            .eval_figure
            .as_deref()
            .unwrap_or("the objective's figure")
    ));
    Plot::new("evals")
        .height(80.0)
        .legend(Legend::default())
        .allow_scroll(false)
        .include_y(0.0)
        .show(ui, |plot| {
            plot.line(
                Line::new("evaluation", PlotPoints::from(history.evals.clone()))
                    .color(egui::Color32::from_rgb(160, 0, 240)),
            );
            plot.points(
                Points::new("best", PlotPoints::from(history.best_evals.clone()))
                    .radius(3.0)
                    .color(egui::Color32::from_rgb(0, 200, 0)),
            );
        });
}

/// One series over steps, from 0 (and up to `top` at least, when given).
fn series_chart(ui: &mut egui::Ui, name: &str, height: f32, points: &[[f64; 2]], top: Option<f64>) {
    let mut plot = Plot::new(name)
        .height(height)
        .allow_scroll(false)
        .include_y(0.0);
    if let Some(top) = top {
        plot = plot.include_y(top);
    }
    plot.show(ui, |plot| {
        plot.line(Line::new(name, PlotPoints::from(points.to_vec())));
    });
}
