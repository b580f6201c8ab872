//! Whether a window can open here, checked before anything starts: on a machine with no
//! display a windowed command says so in one line (and leaves no run folder behind) instead
//! of panicking inside winit. This build draws through X11 (XWayland on a Wayland desktop).

/// Why no window can open.
#[derive(Debug, thiserror::Error)]
pub enum NoDisplay {
    /// Neither variable is set: a server or a terminal without a desktop.
    #[error("no display: DISPLAY is not set, so {what} cannot open its window. {advice}")]
    Unset { what: String, advice: String },
    /// Wayland without XWayland.
    #[error(
        "no X11 display: WAYLAND_DISPLAY is set but DISPLAY is not, and this build draws through \
         X11, so {what} cannot open its window. Start XWayland (most desktops do) or set \
         DISPLAY. {advice}"
    )]
    WaylandOnly { what: String, advice: String },
    /// DISPLAY names a local server that is not running.
    #[error(
        "no display: DISPLAY={display} names no running X server (nothing listens on \
         {socket}), so {what} cannot open its window. {advice}"
    )]
    NotRunning {
        display: String,
        socket: String,
        what: String,
        advice: String,
    },
}

/// Checks that `command` (say, "`tetris-dqn watch`") can open a window; `train` says whether
/// it is training, which can run headless instead.
pub fn check(command: &str, train: bool) -> Result<(), NoDisplay> {
    check_env(
        std::env::var("DISPLAY").ok(),
        std::env::var("WAYLAND_DISPLAY").ok(),
        command,
        train,
        &|socket| x_socket_listening(socket),
    )
}

fn check_env(
    display: Option<String>,
    wayland: Option<String>,
    command: &str,
    train: bool,
    listening: &dyn Fn(&str) -> Option<bool>,
) -> Result<(), NoDisplay> {
    let what = command.to_string();
    let advice = if train {
        "Train without a window with `tetris-dqn train --headless`, or set DISPLAY (for \
         example, run it under `xvfb-run`)."
    } else {
        "Set DISPLAY (for example, run it under `xvfb-run`); training needs no window: \
         `tetris-dqn train --headless`."
    }
    .to_string();
    let display = display.filter(|d| !d.trim().is_empty());
    let Some(display) = display else {
        return Err(if wayland.is_some_and(|w| !w.trim().is_empty()) {
            NoDisplay::WaylandOnly { what, advice }
        } else {
            NoDisplay::Unset { what, advice }
        });
    };
    // ":N" or ":N.S" is a local server listening on /tmp/.X11-unix/XN; other forms (a host,
    // a socket path) are left to the X library.
    if let Some(number) = display
        .strip_prefix(':')
        .map(|rest| rest.split('.').next().unwrap_or(rest))
        .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
    {
        let socket = format!("/tmp/.X11-unix/X{number}");
        if listening(&socket) == Some(false) {
            return Err(NoDisplay::NotRunning {
                display,
                socket,
                what,
                advice,
            });
        }
    }
    Ok(())
}

/// Whether an X server may be listening at `path`: the socket file is there (it may belong to
/// another network namespace, as in a container sharing the host's X socket), or the socket
/// or its abstract twin (which X servers on Linux also open) is listed in `/proc/net/unix`.
/// `None` when that table cannot be read and the file is missing.
fn x_socket_listening(path: &str) -> Option<bool> {
    if std::path::Path::new(path).exists() {
        return Some(true);
    }
    let table = std::fs::read_to_string("/proc/net/unix").ok()?;
    let abstract_name = format!("@{path}");
    let listed = table.lines().any(|line| {
        line.split_whitespace()
            .last()
            .is_some_and(|name| name == path || name == abstract_name)
    });
    Some(listed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(display: Option<&str>, wayland: Option<&str>, up: Option<bool>) -> String {
        check_env(
            display.map(String::from),
            wayland.map(String::from),
            "`tetris-dqn`",
            true,
            &|_| up,
        )
        .map_or_else(|e| e.to_string(), |()| "ok".into())
    }

    #[test]
    fn a_missing_or_dead_display_is_named_with_the_way_out() {
        let e = check(None, None, Some(true));
        assert!(e.starts_with("no display: DISPLAY is not set"), "{e}");
        assert!(e.contains("--headless"), "{e}");
        assert_eq!(check(Some(""), None, None), e);
        let e = check(None, Some("wayland-0"), None);
        assert!(
            e.contains("WAYLAND_DISPLAY is set but DISPLAY is not"),
            "{e}"
        );
        let e = check(Some(":99"), None, Some(false));
        assert!(
            e.contains("DISPLAY=:99") && e.contains("/tmp/.X11-unix/X99"),
            "{e}"
        );
        let e = check(Some(":7.0"), None, Some(false));
        assert!(e.contains("/tmp/.X11-unix/X7)"), "{e}");
    }

    #[test]
    fn a_running_or_remote_display_passes() {
        assert_eq!(check(Some(":0"), None, Some(true)), "ok");
        assert_eq!(check(Some(":0"), None, None), "ok");
        assert_eq!(check(Some("otherhost:0"), None, Some(false)), "ok");
    }
}
