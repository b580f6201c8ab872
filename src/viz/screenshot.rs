//! Saves one PNG of the window after a delay, then exits: how the end-to-end tests (and the
//! README's pictures) see what a person would see.

use std::path::PathBuf;
use std::time::Duration;

use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};

/// When and where to take the screenshot.
#[derive(Resource, Debug)]
pub struct ScreenshotPlan {
    path: PathBuf,
    after: Duration,
    requested: bool,
    saved: Option<Result<(), String>>,
}

impl ScreenshotPlan {
    /// A plan to save `path` once `after` has passed since start-up.
    pub fn new(path: PathBuf, after: Duration) -> ScreenshotPlan {
        ScreenshotPlan {
            path,
            after,
            requested: false,
            saved: None,
        }
    }

    /// Whether the screenshot has been asked for and not yet written: the window must keep
    /// drawing until it is, whatever its idle pace.
    pub fn is_capturing(&self) -> bool {
        self.requested && self.saved.is_none()
    }
}

/// Registers the screenshot systems; needs a [`ScreenshotPlan`] resource.
pub fn plugin(app: &mut App) {
    app.add_systems(Update, (request_screenshot, exit_when_saved));
}

/// Asks for the screenshot once `after` has passed on the wall clock. (Not the virtual clock:
/// it advances at most 250 ms per update, so at the idle pace of one redraw a second it would
/// run four times slow.)
fn request_screenshot(
    mut commands: Commands,
    time: Res<Time<Real>>,
    mut plan: ResMut<ScreenshotPlan>,
) {
    if plan.requested || time.elapsed() < plan.after {
        return;
    }
    plan.requested = true;
    commands
        .spawn(Screenshot::primary_window())
        .observe(save_png);
}

/// Writes the image next to its destination and renames it into place, so a reader never sees
/// half a file.
fn save_png(captured: On<ScreenshotCaptured>, mut plan: ResMut<ScreenshotPlan>) {
    let result = captured
        .image
        .clone()
        .try_into_dynamic()
        .map_err(|e| format!("cannot convert the screenshot: {e}"))
        .and_then(|img| {
            let tmp = plan.path.with_extension("partial.png");
            img.to_rgb8()
                .save(&tmp)
                .map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
            std::fs::rename(&tmp, &plan.path)
                .map_err(|e| format!("cannot move the screenshot to {}: {e}", plan.path.display()))
        });
    plan.saved = Some(result);
}

fn exit_when_saved(plan: Res<ScreenshotPlan>, mut exit: MessageWriter<AppExit>) {
    match &plan.saved {
        None => {}
        Some(Ok(())) => {
            info!("screenshot saved to {}", plan.path.display());
            exit.write(AppExit::Success);
        }
        Some(Err(e)) => {
            error!("{e}");
            exit.write(AppExit::error());
        }
    }
}
