//! Ctrl-C and SIGTERM for every run, headless or windowed: the first asks for the same stop as
//! Esc (the trainer saves `latest/`, then the program exits); a second one, at least
//! [`DELIBERATE_AFTER`] later, quits at once without waiting for the save. Signals that
//! arrive together count as one: GNU `timeout -s INT`, for one, signals the process and its
//! process group, which delivers two SIGINTs in the same instant.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bevy::prelude::*;

use super::bridge::TrainerLink;
use super::controls::Quitting;

/// How long after the first signal a second one counts as a deliberate "quit now".
pub const DELIBERATE_AFTER: Duration = Duration::from_secs(2);

/// When the process started listening; signal times are kept relative to it.
static LISTENING_SINCE: OnceLock<Instant> = OnceLock::new();
/// Milliseconds after [`LISTENING_SINCE`] of the first signal, plus one; 0 = none yet.
static FIRST_SIGNAL: AtomicU64 = AtomicU64::new(0);

/// Installs the handler (once per process; later calls do nothing). Bevy's own Ctrl-C plugin
/// must stay out of the app, or it would be the one to get the signal.
pub fn install() {
    let since = *LISTENING_SINCE.get_or_init(Instant::now);
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let result = ctrlc::set_handler(move || {
            let now = since.elapsed().as_millis() as u64 + 1;
            if let Err(first) =
                FIRST_SIGNAL.compare_exchange(0, now, Ordering::SeqCst, Ordering::SeqCst)
                && now.saturating_sub(first) >= DELIBERATE_AFTER.as_millis() as u64
            {
                eprintln!("\nsecond Ctrl-C: quitting without waiting for the save");
                std::process::exit(130);
            }
        });
        if let Err(e) = result {
            eprintln!("warning: Ctrl-C will not save before quitting: {e}");
        }
    });
}

/// Whether Ctrl-C or SIGTERM has come.
pub fn interrupted() -> bool {
    FIRST_SIGNAL.load(Ordering::SeqCst) != 0
}

/// The line printed when the first signal is taken.
pub const STOPPING_LINE: &str =
    "Ctrl-C: saving latest/ and stopping (Ctrl-C again after 2 s quits at once)";

/// In a window: a signal stops the trainer, which saves, and the window closes once it has
/// (as Esc does); with no trainer (play, demo) the window closes at once.
pub fn plugin(app: &mut App) {
    install();
    app.add_systems(Update, quit_on_signal);
}

fn quit_on_signal(
    link: Option<Res<TrainerLink>>,
    quitting: Option<ResMut<Quitting>>,
    mut exit: MessageWriter<AppExit>,
    mut taken: Local<bool>,
) {
    if *taken || !interrupted() {
        return;
    }
    *taken = true;
    match (link, quitting) {
        (Some(link), _) if link.0.is_remote() => {
            // An attached window: Ctrl-C closes it; the run it watched goes on.
            eprintln!("Ctrl-C: detached; the run goes on");
            exit.write(AppExit::Success);
        }
        (Some(link), Some(mut quitting)) => {
            eprintln!("{STOPPING_LINE}");
            quitting.0 = true;
            link.0.stop();
        }
        _ => {
            exit.write(AppExit::Success);
        }
    }
}
