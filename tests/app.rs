//! The window's plugins as apps (MinimalPlugins, no window): the bridge turns trainer
//! messages into state, key presses become trainer commands, and the HUD's state strings
//! follow pause and visual mode.

mod support;

use std::time::{Duration, Instant};

use bevy::prelude::*;
use support::{tap_key, tiny_config};
use tetris_dqn::config::Config;
use tetris_dqn::training::watchers::{ChartHistory, Hub, WatcherKind};
use tetris_dqn::training::{FinishReason, SaveReason, TrainerHandle, TrainerOptions};
use tetris_dqn::viz::bridge::{self, TrainerLink, TrainerStatus};
use tetris_dqn::viz::controls;
use tetris_dqn::viz::status_text::state_line;

fn handle(name: &str, total: Option<u64>) -> TrainerHandle {
    let run_dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("app-tests")
        .join(name);
    let _ = std::fs::remove_dir_all(&run_dir);
    TrainerHandle::start(TrainerOptions {
        config: Config {
            max_pieces_per_game: 50,
            ..tiny_config()
        },
        run_dir,
        resume: None,
        total_steps: total,
        visual: true,
        step_delay: Duration::ZERO,
        paused: false,
    })
    .unwrap()
}

/// The run behind the app's watcher, kept alive as long as the app.
#[derive(Resource)]
struct Run(std::sync::Arc<Hub>);

fn app_with(handle: TrainerHandle) -> App {
    let hub = std::sync::Arc::new(Hub::start(handle, ChartHistory::default()).unwrap());
    let mut app = App::new();
    app.add_plugins(MinimalPlugins)
        .init_resource::<ButtonInput<KeyCode>>()
        .insert_resource(TrainerLink(hub.watch(WatcherKind::Window)))
        .insert_resource(Run(hub))
        .add_plugins((bridge::plugin, controls::plugin));
    app
}

/// Updates the app until `done` holds for the status (10 s at most).
fn update_until(app: &mut App, done: impl Fn(&TrainerStatus) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        app.update();
        if done(app.world().resource::<TrainerStatus>()) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "timed out: {:?}",
            app.world().resource::<TrainerStatus>()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn the_bridge_turns_trainer_messages_into_state() {
    let mut app = app_with(handle("bridge", Some(200)));
    update_until(&mut app, |s| s.finished.is_some());
    let status = app.world().resource::<TrainerStatus>();
    assert_eq!(status.finished, Some(FinishReason::StepsReached));
    assert_eq!(status.metrics.as_ref().unwrap().steps, 200);
    assert!(status.last_episode.is_some());
    let (path, reason, steps) = status.last_saved.clone().unwrap();
    assert_eq!((reason, steps), (SaveReason::Stop, 200));
    assert!(path.join("meta.ron").is_file());
    assert!(status.errors.is_empty());
}

#[test]
fn keys_become_commands_and_the_state_line_follows() {
    let mut app = app_with(handle("keys", None));
    update_until(&mut app, |s| {
        s.metrics.as_ref().is_some_and(|m| m.steps > 0)
    });
    assert_eq!(state_line(app.world().resource::<TrainerStatus>()), None);

    tap_key(&mut app, KeyCode::Space);
    update_until(&mut app, |s| s.metrics.as_ref().is_some_and(|m| m.paused));
    assert_eq!(
        state_line(app.world().resource::<TrainerStatus>()).as_deref(),
        Some("Paused")
    );
    tap_key(&mut app, KeyCode::Space);
    update_until(&mut app, |s| s.metrics.as_ref().is_some_and(|m| !m.paused));

    tap_key(&mut app, KeyCode::KeyV);
    update_until(&mut app, |s| s.metrics.as_ref().is_some_and(|m| !m.visual));
    assert_eq!(
        state_line(app.world().resource::<TrainerStatus>()).as_deref(),
        Some("Visual off:\ntraining at\nfull speed")
    );
    tap_key(&mut app, KeyCode::KeyV);
    update_until(&mut app, |s| s.metrics.as_ref().is_some_and(|m| m.visual));

    tap_key(&mut app, KeyCode::Equal);
    update_until(&mut app, |s| {
        s.metrics
            .as_ref()
            .is_some_and(|m| m.step_delay == Duration::from_millis(10))
    });
    tap_key(&mut app, KeyCode::Equal);
    update_until(&mut app, |s| {
        s.metrics
            .as_ref()
            .is_some_and(|m| m.step_delay == Duration::from_millis(20))
    });
    tap_key(&mut app, KeyCode::Minus);
    update_until(&mut app, |s| {
        s.metrics
            .as_ref()
            .is_some_and(|m| m.step_delay == Duration::from_millis(10))
    });

    tap_key(&mut app, KeyCode::KeyS);
    update_until(&mut app, |s| {
        matches!(s.last_saved, Some((_, SaveReason::Requested, _)))
    });

    tap_key(&mut app, KeyCode::F1);
    assert!(app.world().resource::<controls::ShowShortcuts>().0);

    tap_key(&mut app, KeyCode::Escape);
    update_until(&mut app, |s| s.finished == Some(FinishReason::Stopped));
    assert!(matches!(
        app.world().resource::<TrainerStatus>().last_saved,
        Some((_, SaveReason::Stop, _))
    ));
    // Esc quits the app once the trainer has saved and ended.
    app.update();
    assert!(app.should_exit().is_some());
}

#[test]
fn h_closes_the_window_and_the_run_goes_on_with_visual_off() {
    let mut app = app_with(handle("leave", None));
    update_until(&mut app, |s| {
        s.metrics.as_ref().is_some_and(|m| m.steps > 0 && m.visual)
    });
    let hub = app.world().resource::<Run>().0.clone();
    tap_key(&mut app, KeyCode::KeyH);
    app.update();
    assert!(app.should_exit().is_some(), "H closes the window");
    assert_eq!(
        app.world().resource::<tetris_dqn::viz::EndOfWindow>().get(),
        tetris_dqn::viz::WindowEnd::Left
    );
    drop(app); // the window's watcher leaves with it
    // The run goes on, with no one left to draw frames: visual mode goes off.
    let progress = hub.watch(WatcherKind::Progress);
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut last = None;
    while last
        .as_ref()
        .is_none_or(|m: &tetris_dqn::training::Metrics| m.visual)
    {
        assert!(Instant::now() < deadline, "visual stayed on: {last:?}");
        if let Ok(tetris_dqn::training::TrainerEvent::Metrics(m)) =
            progress.events().recv_timeout(Duration::from_secs(1))
        {
            last = Some(m);
        }
    }
    let steps = last.unwrap().steps;
    std::thread::sleep(Duration::from_millis(300));
    let later = hub.snapshot().status.metrics.unwrap().steps;
    assert!(later > steps, "training went on: {steps} then {later}");
    assert!(progress.stop());
    hub.join();
    assert_eq!(hub.snapshot().status.finished, Some(FinishReason::Stopped));
}
