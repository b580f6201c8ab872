//! The window and the headless runner, as Bevy plugins, one per file:
//! - `bridge` drains the trainer's channel into messages and the [`bridge::TrainerStatus`];
//! - `headless` is the windowless runner with its progress line;
//! - `board` draws a [`board::BoardView`]; `trainer_board` animates the trainer's frames on
//!   it, `status_text` writes the words around it;
//! - `hud` is the egui panel with the numbers, the control bar and the charts; `redraw` paces
//!   the window's redraws;
//! - `controls` turns keys (and the HUD's buttons) into trainer commands;
//! - `play` lets a person play, `demo` shows random placements, `arena` shows a versus match
//!   on two boards (and lets a person play one side);
//! - `screenshot` saves a PNG and exits, `interrupt` makes Ctrl-C save and quit.
//!
//! Not plugins: `display` checks that a window can open before anything starts; `animation`
//! is the one placement animation that `trainer_board` and `demo` both play.

pub mod animation;
pub mod arena;
pub mod board;
pub mod bridge;
pub mod controls;
pub mod demo;
pub mod display;
pub mod headless;
pub mod hud;
pub mod interrupt;
pub mod play;
pub mod redraw;
pub mod screenshot;
pub mod status_text;
pub mod trainer_board;

pub use headless::run_headless;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bevy::prelude::*;

/// What the demo window does.
#[derive(Clone, Debug)]
pub struct DemoOptions {
    /// Seed of the first game and of the random choices.
    pub seed: u64,
    /// Milliseconds per input while a piece moves along its path.
    pub input_ms: u64,
    /// The screenshot to take, if any.
    pub shot: ScreenshotOptions,
}

/// Window size in logical pixels.
pub const WINDOW_SIZE: (u32, u32) = (900, 760);
/// The training window: the board's area plus the HUD panel.
pub const TRAINING_WINDOW_SIZE: (u32, u32) = (900 + hud::PANEL_WIDTH as u32, 760);

/// Screenshot options of a window.
#[derive(Clone, Debug, Default)]
pub struct ScreenshotOptions {
    /// Where to save a screenshot before exiting, if anywhere.
    pub path: Option<PathBuf>,
    /// Seconds after start-up to take it.
    pub after: f32,
}

/// Takes the screenshot `shot` asks for, if any, and then exits.
fn add_screenshot(app: &mut App, shot: ScreenshotOptions) {
    if let Some(path) = shot.path {
        app.insert_resource(screenshot::ScreenshotPlan::new(
            path,
            Duration::from_secs_f32(shot.after),
        ));
        app.add_plugins(screenshot::plugin);
    }
}

/// Bevy's default plugins for a window of `size`, with our own Ctrl-C handling
/// ([`interrupt`]) in place of Bevy's.
fn window_plugins(size: (u32, u32)) -> impl PluginGroup {
    DefaultPlugins
        .set(WindowPlugin {
            primary_window: Some(Window {
                title: "tetris-dqn".into(),
                resolution: size.into(),
                ..default()
            }),
            ..default()
        })
        .disable::<bevy::app::TerminalCtrlCHandlerPlugin>()
}

/// How a training window ended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum WindowEnd {
    /// Closed, Esc, or the run finished.
    #[default]
    Closed,
    /// H, Go headless or Detach: the run goes on without this window.
    Left,
}

/// Where the window leaves word of how it ended, for whoever opened it (the app itself is
/// gone by then).
#[derive(Resource, Clone, Default, Debug)]
pub struct EndOfWindow(Arc<Mutex<WindowEnd>>);

impl EndOfWindow {
    /// Records how the window ends.
    pub fn set(&self, end: WindowEnd) {
        if let Ok(mut e) = self.0.lock() {
            *e = end;
        }
    }

    /// How it ended.
    pub fn get(&self) -> WindowEnd {
        self.0.lock().map(|e| *e).unwrap_or_default()
    }
}

/// Opens the training window on a run: the board animated from its frames, its metrics, the
/// history so far and the controls. Returns how the window ended: closing a window in the
/// training process stops the run (saving `latest/`) unless it was left with H; an attached
/// window only ever detaches, unless Stop was confirmed.
pub fn run_training_window(
    watcher: crate::training::watchers::Watcher,
    shot: ScreenshotOptions,
) -> (AppExit, WindowEnd) {
    let end = EndOfWindow::default();
    let mut app = App::new();
    app.add_plugins(window_plugins(TRAINING_WINDOW_SIZE))
        .insert_resource(bridge::TrainerLink(watcher))
        .insert_resource(end.clone())
        .add_plugins((
            bridge::plugin,
            board::plugin,
            controls::plugin,
            trainer_board::plugin,
            status_text::plugin,
            hud::plugin,
            redraw::plugin,
            interrupt::plugin,
        ));
    add_screenshot(&mut app, shot);
    let exit = app.run();
    (exit, end.get())
}

/// Opens the window for a person to play, first game from `seed`, with the agent's
/// suggestion marked with small grey squares when `hint` is given.
pub fn run_play(
    seed: u64,
    hint: Option<crate::training::hint::HintWorker>,
    shot: ScreenshotOptions,
) -> AppExit {
    let mut app = App::new();
    app.add_plugins(window_plugins(WINDOW_SIZE))
        .insert_resource(play::Play::new(seed))
        .add_plugins((board::plugin, play::plugin, interrupt::plugin));
    if let Some(worker) = hint {
        app.insert_resource(play::Hints::new(worker));
    }
    add_screenshot(&mut app, shot);
    app.run()
}

/// The versus window: two boards with the score line above them.
pub const VERSUS_WINDOW_SIZE: (u32, u32) = (1240, 800);

/// Opens the versus window on a running match; `human` is the side a person plays here, with
/// its desk. Returns how the app ended (the caller stops the match).
pub fn run_versus_window(
    feed: crate::versus::live::Feed,
    human: Option<(crate::game::Side, crate::versus::human::HumanDesk)>,
    shot: ScreenshotOptions,
) -> AppExit {
    let clock = feed.clock.clone();
    let mut app = App::new();
    app.add_plugins(window_plugins(VERSUS_WINDOW_SIZE))
        .insert_resource(board::BoardLayout::two(700.0, 1.18))
        .insert_resource(arena::Arena::new(feed, human))
        .add_plugins((board::plugin, arena::plugin, interrupt::plugin));
    add_screenshot(&mut app, shot);
    let exit = app.run();
    // Stopped before the app (and the person's desk in it) is dropped: a game cut short is
    // left out, not lost by the person.
    clock.stop();
    exit
}

/// Opens the window with the random-play demo; returns how the app ended.
pub fn run_demo(options: DemoOptions) -> AppExit {
    let mut app = App::new();
    app.add_plugins(window_plugins(WINDOW_SIZE));
    app.insert_resource(demo::DemoSettings {
        seed: options.seed,
        input_delay: Duration::from_millis(options.input_ms),
    });
    app.add_plugins((board::plugin, demo::plugin, interrupt::plugin));
    add_screenshot(&mut app, options.shot);
    app.run()
}
