//! The bridge between the trainer thread and Bevy: the [`TrainerLink`] resource holds the
//! handle; each frame its events are drained without waiting (`try_iter`) into
//! [`FromTrainer`] messages and the [`TrainerStatus`] resource. Board frames are left for
//! the board plugin to take.

use std::path::PathBuf;

use bevy::prelude::*;

use crate::training::{
    EpisodeStats, FinishReason, Metrics, SaveReason, TrainerEvent, TrainerHandle,
};

/// The running trainer.
#[derive(Resource)]
pub struct TrainerLink(pub TrainerHandle);

/// One trainer event, as a Bevy message.
#[derive(Message, Clone, Debug)]
pub struct FromTrainer(pub TrainerEvent);

/// What is known of the trainer, kept current by the bridge.
#[derive(Resource, Default, Debug)]
pub struct TrainerStatus {
    /// The latest metrics.
    pub metrics: Option<Metrics>,
    /// The last game that ended.
    pub last_episode: Option<EpisodeStats>,
    /// The last checkpoint written: where, why, at which step.
    pub last_saved: Option<(PathBuf, SaveReason, u64)>,
    /// Errors reported, oldest first.
    pub errors: Vec<String>,
    /// Set once the trainer has ended.
    pub finished: Option<FinishReason>,
}

impl TrainerStatus {
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
            TrainerEvent::Error(e) => self.errors.push(e.clone()),
            // The metrics carry the last and best evaluation; the HUD charts the events.
            TrainerEvent::Evaluated { .. } => {}
            TrainerEvent::Finished { reason, .. } => self.finished = Some(reason.clone()),
        }
    }
}

/// Registers the message, the status and the draining system (needs [`TrainerLink`]).
pub fn plugin(app: &mut App) {
    app.add_message::<FromTrainer>()
        .init_resource::<TrainerStatus>()
        .add_systems(PreUpdate, drain_events);
}

fn drain_events(
    link: Res<TrainerLink>,
    mut status: ResMut<TrainerStatus>,
    mut out: MessageWriter<FromTrainer>,
) {
    for event in link.0.events().try_iter() {
        status.record(&event);
        out.write(FromTrainer(event));
    }
}
