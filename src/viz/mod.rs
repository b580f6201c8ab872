//! Bevy plugins: `bridge` drains the trainer's channel; `headless` is the windowless runner
//! with a progress line; `board` draws a [`board::BoardView`]; `demo` fills it from the
//! engine playing random placements; `screenshot` saves a PNG and exits.

pub mod board;
pub mod bridge;
pub mod demo;
pub mod headless;
pub mod screenshot;

pub use headless::run_headless;

use std::path::PathBuf;
use std::time::Duration;

use bevy::prelude::*;

/// What the demo window does.
#[derive(Clone, Debug)]
pub struct DemoOptions {
    /// Seed of the first game and of the random choices.
    pub seed: u64,
    /// Milliseconds per input while a piece moves along its path.
    pub input_ms: u64,
    /// Where to save a screenshot before exiting, if anywhere.
    pub screenshot: Option<PathBuf>,
    /// Seconds after start-up to take it.
    pub screenshot_after: f32,
}

/// Window size in logical pixels.
pub const WINDOW_SIZE: (u32, u32) = (900, 760);

/// Opens the window with the random-play demo; returns how the app ended.
pub fn run_demo(options: DemoOptions) -> AppExit {
    let mut app = App::new();
    app.add_plugins(DefaultPlugins.set(WindowPlugin {
        primary_window: Some(Window {
            title: "tetris-dqn".into(),
            resolution: WINDOW_SIZE.into(),
            ..default()
        }),
        ..default()
    }));
    app.insert_resource(demo::DemoSettings {
        seed: options.seed,
        input_delay: Duration::from_millis(options.input_ms),
    });
    app.add_plugins((board::plugin, demo::plugin));
    if let Some(path) = options.screenshot {
        app.insert_resource(screenshot::ScreenshotPlan::new(
            path,
            Duration::from_secs_f32(options.screenshot_after),
        ));
        app.add_plugins(screenshot::plugin);
    }
    app.run()
}
