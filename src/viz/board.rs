//! Draws a [`BoardView`]: the well with its locked cells, the falling piece and its ghost, the
//! hold piece, the next queue, a line-clear flash, a game-over overlay and a stats panel.
//! Every sprite is spawned once at start-up and only recoloured or moved afterwards.

use bevy::prelude::*;
use tetris_game::{
    Board, Falling, Game, Input, NEXT_VISIBLE, Piece, PieceGrid, Rotation, VISIBLE_HEIGHT, WIDTH,
};

/// Side of one cell, in pixels.
pub const CELL: f32 = 32.0;
/// Gap between cells, in pixels.
const GAP: f32 = 2.0;
/// Side of a cell in the hold and next boxes.
const MINI: f32 = 20.0;
/// Rows drawn above the visible field, so a piece at spawn is seen entering.
const ROWS_ABOVE: usize = 2;

const BACKGROUND: Color = Color::srgb(0.06, 0.06, 0.09);
const WELL: Color = Color::srgb(0.11, 0.11, 0.15);
const FRAME: Color = Color::srgb(0.45, 0.47, 0.55);
const EMPTY: Color = Color::srgb(0.15, 0.15, 0.20);
const FLASH: Color = Color::srgb(1.0, 1.0, 1.0);
const TEXT: Color = Color::srgb(0.85, 0.87, 0.92);
const DIM_TEXT: Color = Color::srgb(0.55, 0.57, 0.64);

/// Guideline colour of a piece.
pub fn piece_color(piece: Piece) -> Color {
    match piece {
        Piece::I => Color::srgb_u8(0, 220, 230),
        Piece::O => Color::srgb_u8(240, 220, 0),
        Piece::T => Color::srgb_u8(170, 60, 230),
        Piece::S => Color::srgb_u8(40, 210, 60),
        Piece::Z => Color::srgb_u8(230, 40, 50),
        Piece::J => Color::srgb_u8(40, 90, 240),
        Piece::L => Color::srgb_u8(245, 150, 20),
    }
}

/// Everything the board drawing shows; whoever drives the window fills it in.
#[derive(Resource, Clone, Debug, Default)]
pub struct BoardView {
    /// Locked cells with their piece kinds.
    pub grid: PieceGrid,
    /// The falling piece and its cells, if one is in play.
    pub active: Option<(Piece, [(i32, i32); 4])>,
    /// Where the falling piece would land.
    pub ghost: Option<[(i32, i32); 4]>,
    /// Cells of a suggested placement (the agent's hint in play mode), marked with small grey squares.
    pub hint: Option<[(i32, i32); 4]>,
    /// The next pieces, soonest first.
    pub next: Vec<Piece>,
    /// The held piece.
    pub hold: Option<Piece>,
    /// Rows (bit y = row y) to draw flashing white: lines being cleared.
    pub flash_rows: u64,
    /// A message drawn over the board (game over), if any.
    pub overlay: Option<String>,
    /// Heading of the stats panel.
    pub title: String,
    /// Label and value pairs for the stats panel.
    pub stats: Vec<(String, String)>,
}

impl BoardView {
    /// Shows `game`'s locked cells (coloured by `grid`), next queue and hold piece.
    pub fn show_game(&mut self, game: &Game, grid: &PieceGrid) {
        self.grid.clone_from(grid);
        self.next = game.next().collect();
        self.hold = game.hold();
    }

    /// Shows `falling` over `board` with its ghost (where a hard drop would land it), or no
    /// piece at all.
    pub fn show_falling(&mut self, falling: Option<Falling>, board: &Board) {
        self.active = falling.map(|f| (f.piece, f.cells()));
        self.ghost = falling.map(|f| {
            let mut ghost = f;
            ghost.apply(board, Input::HardDrop);
            ghost.cells()
        });
    }
}

#[derive(Component)]
struct GridCell {
    x: usize,
    y: usize,
}

#[derive(Component)]
struct ActiveCell(usize);

#[derive(Component)]
struct GhostCell(usize);

#[derive(Component)]
struct HintCell(usize);

/// Colour of the hint's cells.
const HINT: Color = Color::srgba(1.0, 1.0, 1.0, 0.35);

#[derive(Component)]
struct NextCell {
    slot: usize,
    index: usize,
}

#[derive(Component)]
struct HoldCell(usize);

/// Which of the board's texts an entity is.
#[derive(Component, Clone, Copy, PartialEq, Eq)]
enum PanelText {
    Title,
    Stats,
    Overlay,
}

/// Registers the drawing systems and the [`BoardView`] resource.
pub fn plugin(app: &mut App) {
    app.insert_resource(ClearColor(BACKGROUND))
        .init_resource::<BoardView>()
        .add_systems(Startup, spawn_board)
        .add_systems(
            Update,
            (draw_grid, draw_pieces, draw_hint, draw_previews, draw_text)
                .run_if(resource_changed::<BoardView>)
                .in_set(DrawBoard),
        );
}

/// The systems that draw the [`BoardView`]. Whatever writes the view runs before them, so
/// that a change shows in the same frame (which matters at one redraw a second).
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct DrawBoard;

/// Centre of board cell `(x, y)` in world coordinates (the well is centred slightly left).
pub fn cell_center(x: i32, y: i32) -> Vec2 {
    Vec2::new(
        (x as f32 - (WIDTH as f32 - 1.0) / 2.0) * CELL - 60.0,
        (y as f32 - (VISIBLE_HEIGHT as f32 - 1.0) / 2.0) * CELL - 20.0,
    )
}

fn hold_origin() -> Vec2 {
    cell_center(0, VISIBLE_HEIGHT as i32 - 2) - Vec2::new(4.0 * CELL, 0.0)
}

fn next_origin(slot: usize) -> Vec2 {
    cell_center(WIDTH as i32 - 1, VISIBLE_HEIGHT as i32 - 2)
        + Vec2::new(3.6 * CELL, -(slot as f32) * 3.0 * MINI)
}

fn label(commands: &mut Commands, text: &str, at: Vec2, size: f32, color: Color) {
    commands.spawn((
        Text2d::new(text),
        TextFont {
            font_size: bevy::text::FontSize::Px(size),
            ..default()
        },
        TextColor(color),
        Transform::from_translation(at.extend(2.0)),
    ));
}

fn spawn_board(mut commands: Commands) {
    // Cells are axis-aligned squares: multisampling would only cost the renderer.
    commands.spawn((Camera2d, Msaa::Off));
    spawn_well(&mut commands);
    spawn_piece_cells(&mut commands);
    spawn_texts(&mut commands);
}

/// The well's centre, in world coordinates.
fn well_centre() -> Vec2 {
    (cell_center(0, 0) + cell_center(WIDTH as i32 - 1, VISIBLE_HEIGHT as i32 - 1)) / 2.0
}

/// The frame, the well and its grid of cells.
fn spawn_well(commands: &mut Commands) {
    let w = WIDTH as f32 * CELL;
    let h = VISIBLE_HEIGHT as f32 * CELL;
    let centre = well_centre();
    commands.spawn((
        Sprite::from_color(FRAME, Vec2::new(w + 8.0, h + 8.0)),
        Transform::from_translation(centre.extend(-2.0)),
    ));
    commands.spawn((
        Sprite::from_color(WELL, Vec2::new(w, h)),
        Transform::from_translation(centre.extend(-1.0)),
    ));
    for y in 0..VISIBLE_HEIGHT {
        for x in 0..WIDTH {
            commands.spawn((
                GridCell { x, y },
                Sprite::from_color(EMPTY, Vec2::splat(CELL - GAP)),
                Transform::from_translation(cell_center(x as i32, y as i32).extend(0.0)),
            ));
        }
    }
}

/// The four cells of each moving piece: the hint, the ghost, the active piece, the hold piece
/// and every next piece (hidden until drawn).
fn spawn_piece_cells(commands: &mut Commands) {
    for i in 0..4 {
        commands.spawn((
            HintCell(i),
            Sprite::from_color(HINT, Vec2::splat(CELL * 0.45)),
            Transform::default(),
            Visibility::Hidden,
        ));
        commands.spawn((
            GhostCell(i),
            Sprite::from_color(Color::NONE, Vec2::splat(CELL - GAP)),
            Transform::default(),
            Visibility::Hidden,
        ));
        commands.spawn((
            ActiveCell(i),
            Sprite::from_color(Color::NONE, Vec2::splat(CELL - GAP)),
            Transform::default(),
            Visibility::Hidden,
        ));
        commands.spawn((
            HoldCell(i),
            Sprite::from_color(Color::NONE, Vec2::splat(MINI - 2.0)),
            Transform::default(),
            Visibility::Hidden,
        ));
        for slot in 0..NEXT_VISIBLE {
            commands.spawn((
                NextCell { slot, index: i },
                Sprite::from_color(Color::NONE, Vec2::splat(MINI - 2.0)),
                Transform::default(),
                Visibility::Hidden,
            ));
        }
    }
}

/// The HOLD and NEXT labels, the title and stats beside the well, and the overlay inside it.
fn spawn_texts(commands: &mut Commands) {
    let w = WIDTH as f32 * CELL;
    let centre = well_centre();
    label(
        commands,
        "HOLD",
        hold_origin() + Vec2::new(0.0, 2.2 * MINI),
        20.0,
        DIM_TEXT,
    );
    label(
        commands,
        "NEXT",
        next_origin(0) + Vec2::new(0.0, 2.2 * MINI),
        20.0,
        DIM_TEXT,
    );
    let panel = hold_origin() + Vec2::new(0.0, -4.5 * CELL);
    commands.spawn((
        PanelText::Title,
        Text2d::new(""),
        TextFont {
            font_size: bevy::text::FontSize::Px(17.0),
            ..default()
        },
        TextColor(TEXT),
        Transform::from_translation((panel + Vec2::new(0.0, 1.5 * CELL)).extend(2.0)),
    ));
    commands.spawn((
        PanelText::Stats,
        Text2d::new(""),
        TextFont {
            font_size: bevy::text::FontSize::Px(18.0),
            ..default()
        },
        TextColor(TEXT),
        TextLayout::justify(Justify::Left),
        bevy::sprite::Anchor::TOP_CENTER,
        Transform::from_translation(panel.extend(2.0)),
    ));
    commands.spawn((
        PanelText::Overlay,
        Text2d::new(""),
        TextFont {
            font_size: bevy::text::FontSize::Px(34.0),
            ..default()
        },
        TextColor(Color::WHITE),
        bevy::text::TextBackgroundColor(Color::BLACK.with_alpha(0.75)),
        // Wrapped inside the well, so a long message never covers the stats beside it.
        bevy::text::TextBounds::new_horizontal(w - CELL),
        TextLayout::justify(Justify::Center),
        Transform::from_translation(centre.extend(5.0)),
        Visibility::Hidden,
    ));
}

fn draw_grid(view: Res<BoardView>, mut cells: Query<(&GridCell, &mut Sprite)>) {
    for (cell, mut sprite) in &mut cells {
        sprite.color = if view.flash_rows >> cell.y & 1 == 1 {
            FLASH
        } else {
            view.grid.get(cell.x, cell.y).map_or(EMPTY, piece_color)
        };
    }
}

fn place_cell(transform: &mut Transform, vis: &mut Visibility, at: Option<(i32, i32)>, z: f32) {
    match at {
        Some((x, y)) if y < (VISIBLE_HEIGHT + ROWS_ABOVE) as i32 => {
            transform.translation = cell_center(x, y).extend(z);
            *vis = Visibility::Visible;
        }
        _ => *vis = Visibility::Hidden,
    }
}

fn draw_pieces(
    view: Res<BoardView>,
    mut active: Query<
        (&ActiveCell, &mut Sprite, &mut Transform, &mut Visibility),
        Without<GhostCell>,
    >,
    mut ghost: Query<
        (&GhostCell, &mut Sprite, &mut Transform, &mut Visibility),
        Without<ActiveCell>,
    >,
) {
    let color = view.active.map(|(p, _)| piece_color(p));
    for (cell, mut sprite, mut transform, mut vis) in &mut active {
        let at = view.active.map(|(_, cells)| cells[cell.0]);
        place_cell(&mut transform, &mut vis, at, 1.0);
        if let Some(c) = color {
            sprite.color = c;
        }
    }
    for (cell, mut sprite, mut transform, mut vis) in &mut ghost {
        let at = view.ghost.map(|cells| cells[cell.0]);
        place_cell(&mut transform, &mut vis, at, 0.5);
        if let Some(c) = color {
            sprite.color = c.with_alpha(0.28);
        }
    }
}

fn draw_hint(view: Res<BoardView>, mut hint: Query<(&HintCell, &mut Transform, &mut Visibility)>) {
    for (cell, mut transform, mut vis) in &mut hint {
        let at = view.hint.map(|cells| cells[cell.0]);
        place_cell(&mut transform, &mut vis, at, 1.5);
    }
}

/// Offsets of a piece's cells in a preview box, centred on the box.
fn preview_cells(piece: Piece) -> [Vec2; 4] {
    let cells = piece.cells(Rotation::N);
    let (min_x, max_x) = (
        cells.iter().map(|c| c.0).min().unwrap(),
        cells.iter().map(|c| c.0).max().unwrap(),
    );
    let (min_y, max_y) = (
        cells.iter().map(|c| c.1).min().unwrap(),
        cells.iter().map(|c| c.1).max().unwrap(),
    );
    let mid = Vec2::new((min_x + max_x) as f32 / 2.0, (min_y + max_y) as f32 / 2.0);
    cells.map(|(x, y)| (Vec2::new(x as f32, y as f32) - mid) * MINI)
}

fn draw_previews(
    view: Res<BoardView>,
    mut next: Query<(&NextCell, &mut Sprite, &mut Transform, &mut Visibility), Without<HoldCell>>,
    mut hold: Query<(&HoldCell, &mut Sprite, &mut Transform, &mut Visibility), Without<NextCell>>,
) {
    for (cell, mut sprite, mut transform, mut vis) in &mut next {
        match view.next.get(cell.slot) {
            Some(&piece) => {
                let at = next_origin(cell.slot) + preview_cells(piece)[cell.index];
                transform.translation = at.extend(1.0);
                sprite.color = piece_color(piece);
                *vis = Visibility::Visible;
            }
            None => *vis = Visibility::Hidden,
        }
    }
    for (cell, mut sprite, mut transform, mut vis) in &mut hold {
        match view.hold {
            Some(piece) => {
                transform.translation = (hold_origin() + preview_cells(piece)[cell.0]).extend(1.0);
                sprite.color = piece_color(piece);
                *vis = Visibility::Visible;
            }
            None => *vis = Visibility::Hidden,
        }
    }
}

fn draw_text(view: Res<BoardView>, mut texts: Query<(&PanelText, &mut Text2d, &mut Visibility)>) {
    for (which, mut text, mut vis) in &mut texts {
        match which {
            PanelText::Title => text.0.clone_from(&view.title),
            PanelText::Stats => {
                text.0 = view
                    .stats
                    .iter()
                    .map(|(k, v)| format!("{k:<8}{v:>9}\n"))
                    .collect();
            }
            PanelText::Overlay => match &view.overlay {
                Some(message) => {
                    text.0 = format!(" {message} ");
                    *vis = Visibility::Visible;
                }
                None => *vis = Visibility::Hidden,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tetris_game::Game;

    #[test]
    fn cells_take_the_colour_of_the_piece_that_filled_them() {
        let mut app = App::new();
        app.add_plugins(MinimalPlugins).add_plugins(plugin);
        app.update();
        // Play a few placements and draw the grid they make.
        let mut game = Game::new(5);
        let mut grid = PieceGrid::default();
        for _ in 0..6 {
            let p = game.placements()[0];
            let out = game.place(&p).unwrap();
            grid.lock(p.piece(), &p.cells(), out.cleared_rows);
        }
        assert!(grid.matches(game.board()));
        app.world_mut().resource_mut::<BoardView>().grid = grid.clone();
        app.update();
        let world = app.world_mut();
        let mut cells = world.query::<(&GridCell, &Sprite)>();
        let mut filled = 0;
        for (cell, sprite) in cells.iter(world) {
            let want = grid.get(cell.x, cell.y).map_or(EMPTY, piece_color);
            assert_eq!(sprite.color, want, "cell ({}, {})", cell.x, cell.y);
            filled += usize::from(grid.get(cell.x, cell.y).is_some());
        }
        assert_eq!(filled, 24);
    }
}
