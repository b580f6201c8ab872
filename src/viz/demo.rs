//! The engine playing random placements in the window: each piece moves along the shortest
//! input path to a randomly chosen placement, locks, flashes the lines it clears, and a new
//! game starts after a top-out: `tetris-dqn demo`, the board and its animation with no
//! network at all.

use std::time::Duration;

use bevy::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tetris_game::{Game, PieceGrid};

use super::animation::{PlacementAnimation, Timing, show_still};
use super::board::{BoardView, DrawBoard};

/// Most placements' worth of animation one frame may catch up on (at the shortest input
/// time a slow frame would otherwise replay a long backlog).
const MOST_CATCH_UP_INPUTS: u32 = 200;

/// Options of the demo.
#[derive(Resource, Clone, Debug)]
pub struct DemoSettings {
    /// Seed of the first game and of the random choices.
    pub seed: u64,
    /// Time per input while a piece moves along its path.
    pub input_delay: Duration,
}

#[derive(Resource)]
struct Demo {
    /// The game after the placement on show (the engine is a step ahead of the animation).
    game: Game,
    grid: PieceGrid,
    rng: ChaCha8Rng,
    /// The placement playing out; none between games.
    animation: Option<PlacementAnimation>,
    games: u64,
    best_lines: u32,
}

/// Registers the demo driver; needs [`DemoSettings`].
pub fn plugin(app: &mut App) {
    app.add_systems(Startup, start)
        .add_systems(Update, advance.before(DrawBoard));
}

fn start(mut commands: Commands, settings: Res<DemoSettings>, mut view: ResMut<BoardView>) {
    let mut rng = ChaCha8Rng::seed_from_u64(settings.seed);
    let game = Game::new(rng.random());
    let mut demo = Demo {
        game,
        grid: PieceGrid::default(),
        rng,
        animation: None,
        games: 0,
        best_lines: 0,
    };
    demo.animation = demo.play_next(per_input(&settings));
    demo.show(&mut view);
    commands.insert_resource(demo);
}

fn per_input(settings: &DemoSettings) -> Duration {
    settings.input_delay.max(Duration::from_millis(1))
}

impl Demo {
    /// Plays a random placement of the current position and returns its animation; none when
    /// the game cannot go on (a new one is then due).
    fn play_next(&mut self, per_input: Duration) -> Option<PlacementAnimation> {
        if self.game.is_over() {
            return None;
        }
        let placements = self.game.placements();
        if placements.is_empty() {
            return None;
        }
        let placement = placements[self.rng.random_range(0..placements.len())];
        let path = self
            .game
            .input_path(&placement)
            .expect("the search only lists reachable placements");
        let before = self.game.clone();
        let outcome = self
            .game
            .place(&placement)
            .expect("a listed placement is placeable");
        let animation = PlacementAnimation::new(
            before,
            std::mem::take(&mut self.grid),
            placement,
            path,
            outcome,
            Timing::per_input(per_input),
        );
        self.grid = animation.after().1;
        self.best_lines = self.best_lines.max(self.game.score().lines);
        Some(animation)
    }

    /// Plays `dt` of the demo: placements one after another, a new game after a top-out.
    fn advance(&mut self, mut dt: Duration, per_input: Duration) {
        loop {
            let Some(animation) = &mut self.animation else {
                self.games += 1;
                self.game = Game::new(self.rng.random());
                self.grid = PieceGrid::default();
                self.animation = self.play_next(per_input);
                continue;
            };
            match animation.advance(dt) {
                None => return,
                Some(rest) => {
                    dt = rest;
                    self.animation = self.play_next(per_input);
                    if dt.is_zero() && self.animation.is_some() {
                        return;
                    }
                }
            }
        }
    }

    fn show(&self, view: &mut BoardView) {
        match &self.animation {
            Some(animation) => animation.show(view),
            None => {
                show_still(&self.game, &self.grid, view);
                view.overlay = None;
            }
        }
        // The engine is a placement ahead: until the piece locks, count as the board shows.
        let game = match &self.animation {
            Some(a) if !a.is_locked() => a.before(),
            _ => &self.game,
        };
        let score = game.score();
        view.title = "Random placements\n(the engine at work)".into();
        view.stats = vec![
            ("Lines".into(), score.lines.to_string()),
            ("Score".into(), score.score.to_string()),
            ("Level".into(), score.level.to_string()),
            ("Pieces".into(), game.pieces_placed().to_string()),
            ("Games".into(), self.games.to_string()),
            ("Best".into(), format!("{} lines", self.best_lines)),
        ];
    }
}

fn advance(
    time: Res<Time>,
    settings: Res<DemoSettings>,
    mut demo: ResMut<Demo>,
    mut view: ResMut<BoardView>,
) {
    let per_input = per_input(&settings);
    // Catch up, but never spend a whole frame replaying a backlog.
    let dt = time.delta().min(per_input * MOST_CATCH_UP_INPUTS);
    if dt.is_zero() {
        return;
    }
    demo.advance(dt, per_input);
    demo.show(&mut view);
}
