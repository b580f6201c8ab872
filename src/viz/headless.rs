//! `--headless`: the Bevy app with `MinimalPlugins` and a schedule runner (no window, no
//! renderer), the bridge, and a progress line in the terminal. Ctrl-C (or SIGTERM) saves
//! `latest/` and exits 0 (see [`interrupt`]).

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use bevy::app::ScheduleRunnerPlugin;
use bevy::prelude::*;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::bridge::{self, FromTrainer, TrainerLink, TrainerStatus};
use super::interrupt;
use crate::training::watchers::Watcher;
use crate::training::{FinishReason, TrainerEvent};

/// How often the app's loop runs; the trainer does not wait for it.
const FRAME: Duration = Duration::from_millis(50);
/// How often a plain progress line is printed when stderr is not a terminal.
const PLAIN_EVERY: Duration = Duration::from_secs(10);

/// Runs training with no window until it finishes or Ctrl-C; returns how it ended. The
/// progress line is `watcher`'s (a [`crate::training::watchers::WatcherKind::Progress`] one).
pub fn run_headless(handle: Watcher) -> AppExit {
    interrupt::install();
    let mut app = App::new();
    app.add_plugins(MinimalPlugins.set(ScheduleRunnerPlugin::run_loop(FRAME)))
        .insert_resource(TrainerLink(handle))
        .add_plugins((bridge::plugin, plugin));
    app.run()
}

/// The progress line, Ctrl-C and exit on `Finished`.
pub fn plugin(app: &mut App) {
    app.insert_resource(Progress::new())
        .add_systems(Update, (watch_interrupt, show_progress).chain());
}

#[derive(Resource)]
struct Progress {
    bar: ProgressBar,
    plain: bool,
    last_plain: Instant,
    stopping: bool,
}

impl Progress {
    /// A line above the progress bar, or on its own when stderr is not a terminal.
    fn say(&self, line: String) {
        if self.plain {
            eprintln!("{line}");
        } else {
            self.bar.println(line);
        }
    }

    fn new() -> Progress {
        let plain = !std::io::stderr().is_terminal();
        let target = if plain {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        };
        let bar = ProgressBar::with_draw_target(None, target).with_style(
            ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_msg}")
                .expect("a valid template"),
        );
        Progress {
            bar,
            plain,
            last_plain: Instant::now(),
            stopping: false,
        }
    }
}

fn watch_interrupt(link: Res<TrainerLink>, mut progress: ResMut<Progress>) {
    if interrupt::interrupted() && !progress.stopping {
        progress.stopping = true;
        progress.say(interrupt::STOPPING_LINE.into());
        link.0.stop();
    }
}

/// The status line: steps, rate, games, lines (last, mean of 100, best), epsilon, loss, ETA.
pub fn status_line(status: &TrainerStatus) -> String {
    let Some(m) = &status.metrics else {
        return "starting".into();
    };
    let steps = match m.total_steps {
        Some(t) => format!("{}/{} steps", m.steps, t),
        None => format!("{} steps", m.steps),
    };
    let last = status
        .last_episode
        .as_ref()
        .map_or("-".into(), |e| e.lines.to_string());
    let mean = m.mean_lines_100.map_or("-".into(), |v| format!("{v:.1}"));
    let loss = m.loss.map_or("-".into(), |l| format!("{l:.4}"));
    let eta = match m.total_steps {
        Some(t) if m.steps_per_s > 0.0 => {
            let secs = (t.saturating_sub(m.steps)) as f64 / m.steps_per_s;
            format!(
                " | ETA {}",
                humantime::format_duration(Duration::from_secs(secs as u64))
            )
        }
        _ => String::new(),
    };
    let paused = if m.paused { " | PAUSED" } else { "" };
    let evaluating = m.evaluating.map_or(String::new(), |(done, all)| {
        format!(" | evaluating (game {} of {all})", (done + 1).min(all))
    });
    format!(
        "{steps} {:.0}/s | games {} | lines last {last} mean100 {mean} best {} | eps {:.3} | loss {loss}{eta}{paused}{evaluating}",
        m.steps_per_s, m.games, m.best_lines, m.epsilon
    )
}

fn show_progress(
    mut events: MessageReader<FromTrainer>,
    status: Res<TrainerStatus>,
    mut progress: ResMut<Progress>,
    mut exit: MessageWriter<AppExit>,
) {
    for FromTrainer(event) in events.read() {
        match event {
            TrainerEvent::Saved {
                path,
                reason,
                steps,
            } => progress.say(format!(
                "saved {reason} to {} at step {steps}",
                path.display()
            )),
            // A new best is reported by its save.
            TrainerEvent::Evaluated {
                record,
                best: false,
            } => progress.say(format!(
                "evaluated at step {}: {}",
                record.steps,
                record.summary()
            )),
            TrainerEvent::Error(e) => progress.say(format!("error: {e}")),
            TrainerEvent::Finished {
                reason,
                steps,
                games,
            } => {
                progress.bar.finish_and_clear();
                eprintln!("{}", status_line(&status));
                eprintln!("{}", reason.summary(*steps, *games));
                exit.write(if *reason == FinishReason::Failed {
                    AppExit::error()
                } else {
                    AppExit::Success
                });
            }
            _ => {}
        }
    }
    let line = status_line(&status);
    if progress.plain {
        if progress.last_plain.elapsed() >= PLAIN_EVERY {
            progress.last_plain = Instant::now();
            eprintln!("{line}");
        }
    } else {
        progress.bar.set_message(line);
        progress.bar.tick();
    }
}
