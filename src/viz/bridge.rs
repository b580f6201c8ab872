//! The bridge between a run and Bevy: the [`TrainerLink`] resource holds this window's
//! [`Watcher`]; at start its snapshot fills the [`TrainerStatus`], the HUD's history and the
//! board, then each frame its events are drained without waiting (`try_iter`) into
//! [`FromTrainer`] messages and the status. Board frames are left for the board plugin to
//! take. A watcher the run dropped for falling behind joins again; a run that has gone is
//! said so on the status.

use bevy::prelude::*;

use crate::training::watchers::hub::FELL_BEHIND;
use crate::training::watchers::{RunStatus, Snapshot, Watcher};
use crate::training::{BoardFrame, TrainerEvent};

/// This window's watcher of the run.
#[derive(Resource)]
pub struct TrainerLink(pub Watcher);

/// One trainer event, as a Bevy message.
#[derive(Message, Clone, Debug)]
pub struct FromTrainer(pub TrainerEvent);

/// What is known of the run, kept current by the bridge.
#[derive(Resource, Default, Debug, Deref, DerefMut)]
pub struct TrainerStatus {
    /// The run's own status: metrics, last game, last save, errors, end.
    #[deref]
    pub run: RunStatus,
    /// Set when the connection to a run in another process has ended without the run
    /// finishing: why.
    pub gone: Option<String>,
}

/// A snapshot just taken (at start, or after joining again), for the plugins that draw what
/// it holds; the bridge puts it here before `Update`.
#[derive(Message, Clone, Debug)]
pub struct Joined {
    /// The history the charts start from.
    pub history: crate::training::watchers::ChartHistory,
    /// The last board frame, if any.
    pub frame: Option<BoardFrame>,
}

/// Registers the messages, the status and the draining system (needs [`TrainerLink`]).
pub fn plugin(app: &mut App) {
    app.add_message::<FromTrainer>()
        .add_message::<Joined>()
        .init_resource::<TrainerStatus>()
        .add_systems(PreUpdate, (take_snapshot, drain_events).chain());
}

/// Puts a snapshot into the status and hands its history and board on.
fn apply(snapshot: Snapshot, status: &mut TrainerStatus, joined: &mut MessageWriter<Joined>) {
    status.run = snapshot.status;
    status.gone = None;
    joined.write(Joined {
        history: snapshot.history,
        frame: snapshot.frame,
    });
}

fn take_snapshot(
    mut link: ResMut<TrainerLink>,
    mut status: ResMut<TrainerStatus>,
    mut joined: MessageWriter<Joined>,
) {
    if let Some(snapshot) = link.0.take_snapshot() {
        apply(snapshot, &mut status, &mut joined);
    }
}

fn drain_events(
    mut link: ResMut<TrainerLink>,
    mut status: ResMut<TrainerStatus>,
    mut out: MessageWriter<FromTrainer>,
    mut joined: MessageWriter<Joined>,
) {
    loop {
        match link.0.events().try_recv() {
            Ok(event) => {
                status.record(&event);
                out.write(FromTrainer(event));
            }
            Err(crossbeam_channel::TryRecvError::Empty) => return,
            Err(crossbeam_channel::TryRecvError::Disconnected) => break,
        }
    }
    if status.finished.is_some() || status.gone.is_some() {
        return;
    }
    let why = link
        .0
        .farewell()
        .unwrap_or_else(|| "the run has gone".into());
    if why.starts_with(FELL_BEHIND) {
        // Dropped for falling behind (a window that stalled): join again, afresh.
        if let Ok(mut again) = link.0.rejoin() {
            warn!("{why}; joined again");
            if let Some(snapshot) = again.take_snapshot() {
                apply(snapshot, &mut status, &mut joined);
            }
            // The new watcher takes over the old one's duty to stop the run on closing.
            again.stop_when_dropped(link.0.stops_when_dropped());
            link.0.stop_when_dropped(false);
            link.0 = again;
            return;
        }
    }
    status.gone = Some(why);
}
