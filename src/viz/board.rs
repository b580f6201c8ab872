//! Draws a [`BoardView`]: the well with its locked cells (garbage in grey), the falling piece
//! and its ghost, the hold piece, the next queue, a line-clear flash, a game-over overlay, a
//! stats panel and, in versus, the meter of garbage waiting to land. A [`BoardLayout`] of two
//! draws a second board from [`SecondBoard`] beside the first. Every sprite is spawned once at
//! start-up and only recoloured or moved afterwards.

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
const GARBAGE: Color = Color::srgb(0.42, 0.42, 0.46);
/// The pending-garbage meter, and the track it fills.
pub const METER: Color = Color::srgb_u8(255, 70, 110);
const METER_TRACK: Color = Color::srgb_u8(60, 24, 34);
/// Width of the meter, in pixels.
const METER_WIDTH: f32 = 10.0;

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
    /// Garbage rows waiting to land (versus): the height of the meter beside the well.
    pub pending: u32,
}

/// The board drawn right of the first when the [`BoardLayout`] has two.
#[derive(Resource, Clone, Debug, Default)]
pub struct SecondBoard(pub BoardView);

/// Where the boards go: one offset per board from the single board's place, and the zoom
/// (world units per pixel) of the camera.
#[derive(Resource, Clone, Debug)]
pub struct BoardLayout {
    /// The boards' offsets; the first draws [`BoardView`], the second [`SecondBoard`].
    pub offsets: Vec<Vec2>,
    /// The camera's scale: above 1 shows more of the world in the same window.
    pub zoom: f32,
    /// Whether each well has a pending-garbage meter beside it (versus).
    pub meters: bool,
}

impl Default for BoardLayout {
    fn default() -> BoardLayout {
        BoardLayout {
            offsets: vec![Vec2::ZERO],
            zoom: 1.0,
            meters: false,
        }
    }
}

impl BoardLayout {
    /// Two boards side by side with their meters, `gap` world units between their centres.
    pub fn two(gap: f32, zoom: f32) -> BoardLayout {
        // The single board's group (hold and stats, well, next) is centred 90 px left.
        let centre = Vec2::new(90.0, 0.0);
        BoardLayout {
            offsets: vec![
                centre - Vec2::new(gap / 2.0, 0.0),
                centre + Vec2::new(gap / 2.0, 0.0),
            ],
            zoom,
            meters: true,
        }
    }

    fn offset(&self, slot: &Slot) -> Vec2 {
        self.offsets.get(slot.0).copied().unwrap_or_default()
    }
}

/// Which board an entity belongs to.
#[derive(Component, Clone, Copy, Debug, PartialEq, Eq)]
struct Slot(usize);

/// The view board `slot` draws.
fn view_of<'a>(
    slot: &Slot,
    first: &'a BoardView,
    second: Option<&'a Res<SecondBoard>>,
) -> &'a BoardView {
    match (slot.0, second) {
        (1, Some(second)) => &second.0,
        _ => first,
    }
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

/// The pending-garbage meter of a board.
#[derive(Component)]
struct Meter;

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
        .init_resource::<BoardLayout>()
        .add_systems(Startup, spawn_board)
        .add_systems(
            Update,
            (
                draw_grid,
                draw_pieces,
                draw_hint,
                draw_previews,
                draw_text,
                draw_meter,
            )
                .run_if(
                    resource_changed::<BoardView>
                        .or_else(resource_exists_and_changed::<SecondBoard>),
                )
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

fn label(commands: &mut Commands, slot: Slot, text: &str, at: Vec2, size: f32, color: Color) {
    commands.spawn((
        slot,
        Text2d::new(text),
        TextFont {
            font_size: bevy::text::FontSize::Px(size),
            ..default()
        },
        TextColor(color),
        Transform::from_translation(at.extend(2.0)),
    ));
}

fn spawn_board(mut commands: Commands, layout: Res<BoardLayout>) {
    // Cells are axis-aligned squares: multisampling would only cost the renderer.
    commands.spawn((
        Camera2d,
        Msaa::Off,
        Projection::Orthographic(OrthographicProjection {
            scale: layout.zoom,
            ..OrthographicProjection::default_2d()
        }),
    ));
    for (i, &offset) in layout.offsets.iter().enumerate() {
        let slot = Slot(i);
        spawn_well(&mut commands, slot, offset);
        if layout.meters {
            spawn_meter(&mut commands, slot, offset);
        }
        spawn_piece_cells(&mut commands, slot);
        spawn_texts(&mut commands, slot, offset);
    }
}

/// The well's centre, in world coordinates.
fn well_centre() -> Vec2 {
    (cell_center(0, 0) + cell_center(WIDTH as i32 - 1, VISIBLE_HEIGHT as i32 - 1)) / 2.0
}

/// The frame, the well and its grid of cells, and the meter left of the well.
fn spawn_well(commands: &mut Commands, slot: Slot, offset: Vec2) {
    let w = WIDTH as f32 * CELL;
    let h = VISIBLE_HEIGHT as f32 * CELL;
    let centre = well_centre() + offset;
    commands.spawn((
        slot,
        Sprite::from_color(FRAME, Vec2::new(w + 8.0, h + 8.0)),
        Transform::from_translation(centre.extend(-2.0)),
    ));
    commands.spawn((
        slot,
        Sprite::from_color(WELL, Vec2::new(w, h)),
        Transform::from_translation(centre.extend(-1.0)),
    ));
    for y in 0..VISIBLE_HEIGHT {
        for x in 0..WIDTH {
            commands.spawn((
                slot,
                GridCell { x, y },
                Sprite::from_color(EMPTY, Vec2::splat(CELL - GAP)),
                Transform::from_translation((cell_center(x as i32, y as i32) + offset).extend(0.0)),
            ));
        }
    }
}

/// The meter left of the well: its track, and the fill drawn over it.
fn spawn_meter(commands: &mut Commands, slot: Slot, offset: Vec2) {
    let base = meter_base(offset);
    commands.spawn((
        slot,
        Sprite::from_color(
            METER_TRACK,
            Vec2::new(METER_WIDTH, VISIBLE_HEIGHT as f32 * CELL),
        ),
        bevy::sprite::Anchor::BOTTOM_CENTER,
        Transform::from_translation(base.extend(0.5)),
    ));
    commands.spawn((
        slot,
        Meter,
        Sprite::from_color(METER, Vec2::new(METER_WIDTH, CELL)),
        bevy::sprite::Anchor::BOTTOM_CENTER,
        Transform::from_translation(base.extend(1.0)),
        Visibility::Hidden,
    ));
}

/// The bottom of the meter: just left of the well's frame, at the floor.
fn meter_base(offset: Vec2) -> Vec2 {
    let floor = well_centre().y - VISIBLE_HEIGHT as f32 * CELL / 2.0;
    let left = well_centre().x - WIDTH as f32 * CELL / 2.0 - 4.0 - METER_WIDTH / 2.0 - 3.0;
    Vec2::new(left, floor) + offset
}

/// The four cells of each moving piece: the hint, the ghost, the active piece, the hold piece
/// and every next piece (hidden until drawn).
fn spawn_piece_cells(commands: &mut Commands, slot: Slot) {
    for i in 0..4 {
        commands.spawn((
            slot,
            HintCell(i),
            Sprite::from_color(HINT, Vec2::splat(CELL * 0.45)),
            Transform::default(),
            Visibility::Hidden,
        ));
        commands.spawn((
            slot,
            GhostCell(i),
            Sprite::from_color(Color::NONE, Vec2::splat(CELL - GAP)),
            Transform::default(),
            Visibility::Hidden,
        ));
        commands.spawn((
            slot,
            ActiveCell(i),
            Sprite::from_color(Color::NONE, Vec2::splat(CELL - GAP)),
            Transform::default(),
            Visibility::Hidden,
        ));
        commands.spawn((
            slot,
            HoldCell(i),
            Sprite::from_color(Color::NONE, Vec2::splat(MINI - 2.0)),
            Transform::default(),
            Visibility::Hidden,
        ));
        for next in 0..NEXT_VISIBLE {
            commands.spawn((
                slot,
                NextCell {
                    slot: next,
                    index: i,
                },
                Sprite::from_color(Color::NONE, Vec2::splat(MINI - 2.0)),
                Transform::default(),
                Visibility::Hidden,
            ));
        }
    }
}

/// The HOLD and NEXT labels, the title and stats beside the well, and the overlay inside it.
fn spawn_texts(commands: &mut Commands, slot: Slot, offset: Vec2) {
    let w = WIDTH as f32 * CELL;
    let centre = well_centre() + offset;
    label(
        commands,
        slot,
        "HOLD",
        hold_origin() + offset + Vec2::new(0.0, 2.2 * MINI),
        20.0,
        DIM_TEXT,
    );
    label(
        commands,
        slot,
        "NEXT",
        next_origin(0) + offset + Vec2::new(0.0, 2.2 * MINI),
        20.0,
        DIM_TEXT,
    );
    let panel = hold_origin() + offset + Vec2::new(0.0, -4.5 * CELL);
    commands.spawn((
        slot,
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
        slot,
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
        slot,
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

type Second<'w> = Option<Res<'w, SecondBoard>>;

fn draw_grid(
    view: Res<BoardView>,
    second: Second,
    mut cells: Query<(&Slot, &GridCell, &mut Sprite)>,
) {
    for (slot, cell, mut sprite) in &mut cells {
        let view = view_of(slot, &view, second.as_ref());
        sprite.color = if view.flash_rows >> cell.y & 1 == 1 {
            FLASH
        } else if view.grid.is_garbage(cell.x, cell.y) {
            GARBAGE
        } else {
            view.grid.get(cell.x, cell.y).map_or(EMPTY, piece_color)
        };
    }
}

fn place_cell(
    transform: &mut Transform,
    vis: &mut Visibility,
    at: Option<(i32, i32)>,
    offset: Vec2,
    z: f32,
) {
    match at {
        Some((x, y)) if y < (VISIBLE_HEIGHT + ROWS_ABOVE) as i32 => {
            transform.translation = (cell_center(x, y) + offset).extend(z);
            *vis = Visibility::Visible;
        }
        _ => *vis = Visibility::Hidden,
    }
}

fn draw_pieces(
    view: Res<BoardView>,
    second: Second,
    layout: Res<BoardLayout>,
    mut active: Query<
        (
            &Slot,
            &ActiveCell,
            &mut Sprite,
            &mut Transform,
            &mut Visibility,
        ),
        Without<GhostCell>,
    >,
    mut ghost: Query<
        (
            &Slot,
            &GhostCell,
            &mut Sprite,
            &mut Transform,
            &mut Visibility,
        ),
        Without<ActiveCell>,
    >,
) {
    for (slot, cell, mut sprite, mut transform, mut vis) in &mut active {
        let view = view_of(slot, &view, second.as_ref());
        let at = view.active.map(|(_, cells)| cells[cell.0]);
        place_cell(&mut transform, &mut vis, at, layout.offset(slot), 1.0);
        if let Some((p, _)) = view.active {
            sprite.color = piece_color(p);
        }
    }
    for (slot, cell, mut sprite, mut transform, mut vis) in &mut ghost {
        let view = view_of(slot, &view, second.as_ref());
        let at = view.ghost.map(|cells| cells[cell.0]);
        place_cell(&mut transform, &mut vis, at, layout.offset(slot), 0.5);
        if let Some((p, _)) = view.active {
            sprite.color = piece_color(p).with_alpha(0.28);
        }
    }
}

fn draw_hint(
    view: Res<BoardView>,
    second: Second,
    layout: Res<BoardLayout>,
    mut hint: Query<(&Slot, &HintCell, &mut Transform, &mut Visibility)>,
) {
    for (slot, cell, mut transform, mut vis) in &mut hint {
        let view = view_of(slot, &view, second.as_ref());
        let at = view.hint.map(|cells| cells[cell.0]);
        place_cell(&mut transform, &mut vis, at, layout.offset(slot), 1.5);
    }
}

/// The meter: one cell's height per garbage row waiting, up to the well's height.
fn draw_meter(
    view: Res<BoardView>,
    second: Second,
    mut meters: Query<(&Slot, &mut Sprite, &mut Visibility), With<Meter>>,
) {
    for (slot, mut sprite, mut vis) in &mut meters {
        let view = view_of(slot, &view, second.as_ref());
        let rows = view.pending.min(VISIBLE_HEIGHT as u32);
        if rows == 0 {
            *vis = Visibility::Hidden;
        } else {
            sprite.custom_size = Some(Vec2::new(METER_WIDTH, rows as f32 * CELL));
            *vis = Visibility::Visible;
        }
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
    second: Second,
    layout: Res<BoardLayout>,
    mut next: Query<
        (
            &Slot,
            &NextCell,
            &mut Sprite,
            &mut Transform,
            &mut Visibility,
        ),
        Without<HoldCell>,
    >,
    mut hold: Query<
        (
            &Slot,
            &HoldCell,
            &mut Sprite,
            &mut Transform,
            &mut Visibility,
        ),
        Without<NextCell>,
    >,
) {
    for (slot, cell, mut sprite, mut transform, mut vis) in &mut next {
        let view = view_of(slot, &view, second.as_ref());
        match view.next.get(cell.slot) {
            Some(&piece) => {
                let at =
                    next_origin(cell.slot) + layout.offset(slot) + preview_cells(piece)[cell.index];
                transform.translation = at.extend(1.0);
                sprite.color = piece_color(piece);
                *vis = Visibility::Visible;
            }
            None => *vis = Visibility::Hidden,
        }
    }
    for (slot, cell, mut sprite, mut transform, mut vis) in &mut hold {
        let view = view_of(slot, &view, second.as_ref());
        match view.hold {
            Some(piece) => {
                let at = hold_origin() + layout.offset(slot) + preview_cells(piece)[cell.0];
                transform.translation = at.extend(1.0);
                sprite.color = piece_color(piece);
                *vis = Visibility::Visible;
            }
            None => *vis = Visibility::Hidden,
        }
    }
}

fn draw_text(
    view: Res<BoardView>,
    second: Second,
    mut texts: Query<(&Slot, &PanelText, &mut Text2d, &mut Visibility)>,
) {
    for (slot, which, mut text, mut vis) in &mut texts {
        let view = view_of(slot, &view, second.as_ref());
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

    #[test]
    fn a_layout_of_two_draws_the_second_view_beside_the_first_with_its_meter() {
        let mut app = App::new();
        app.add_plugins(MinimalPlugins)
            .insert_resource(BoardLayout::two(700.0, 1.18))
            .init_resource::<SecondBoard>()
            .add_plugins(plugin);
        app.update();
        let mut grid = PieceGrid::default();
        grid.lock(Piece::T, &[(0, 0), (1, 0), (2, 0), (1, 1)], 0);
        {
            let mut second = app.world_mut().resource_mut::<SecondBoard>();
            second.0.grid = grid;
            second.0.pending = 3;
        }
        app.update();
        let world = app.world_mut();
        let mut cells = world.query::<(&Slot, &GridCell, &Sprite, &Transform)>();
        let (mut first_x, mut second_x) = (0.0, 0.0);
        for (slot, cell, sprite, transform) in cells.iter(world) {
            let filled = sprite.color == piece_color(Piece::T);
            let want = slot.0 == 1 && matches!((cell.x, cell.y), (0..=2, 0) | (1, 1));
            assert_eq!(
                filled, want,
                "board {} cell ({}, {})",
                slot.0, cell.x, cell.y
            );
            if (cell.x, cell.y) == (0, 0) {
                *[&mut first_x, &mut second_x][slot.0] = transform.translation.x;
            }
        }
        assert!(
            (second_x - first_x - 700.0f32).abs() < 1e-3,
            "{first_x} {second_x}"
        );
        let mut meters = world.query_filtered::<(&Slot, &Sprite, &Visibility), With<Meter>>();
        let mut seen = 0;
        for (slot, sprite, vis) in meters.iter(world) {
            seen += 1;
            if slot.0 == 1 {
                assert_eq!(*vis, Visibility::Visible);
                assert_eq!(sprite.custom_size, Some(Vec2::new(METER_WIDTH, 3.0 * CELL)));
            } else {
                assert_eq!(
                    *vis,
                    Visibility::Hidden,
                    "nothing waits for the first board"
                );
            }
        }
        assert_eq!(seen, 2);
    }
}
