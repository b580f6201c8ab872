//! The clock of a real-time match: wall time that can be paused, sped up or slowed down (the
//! window's P and +/-), and a stop that ends the match between moves. Shared between the
//! match's thread and whoever controls it.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Slowest and fastest speed the clock runs at.
pub const SPEEDS: (f64, f64) = (0.25, 16.0);

/// How long one wait sleeps at most, so that a pause, a speed change or a stop is seen soon.
const WAIT_STEP: Duration = Duration::from_millis(10);

#[derive(Debug)]
struct Reading {
    /// Match seconds at `wall`.
    at: f64,
    wall: Instant,
    paused: bool,
    speed: f64,
}

/// A pausable match clock, in seconds from the start of the match.
#[derive(Debug)]
pub struct MatchClock {
    reading: Mutex<Reading>,
    stopped: AtomicBool,
}

impl Default for MatchClock {
    fn default() -> MatchClock {
        MatchClock::new()
    }
}

impl MatchClock {
    /// A running clock at 0 s, speed 1.
    pub fn new() -> MatchClock {
        MatchClock {
            reading: Mutex::new(Reading {
                at: 0.0,
                wall: Instant::now(),
                paused: false,
                speed: 1.0,
            }),
            stopped: AtomicBool::new(false),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut Reading) -> T) -> T {
        let mut r = self.reading.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut r)
    }

    /// Match seconds now.
    pub fn now(&self) -> f64 {
        self.with(|r| now_of(r))
    }

    /// Rebases the reading at now, so that a change applies from now on.
    fn rebase(r: &mut Reading) {
        r.at = now_of(r);
        r.wall = Instant::now();
    }

    /// Pauses or resumes.
    pub fn set_paused(&self, paused: bool) {
        self.with(|r| {
            MatchClock::rebase(r);
            r.paused = paused;
        });
    }

    /// Whether it is paused.
    pub fn paused(&self) -> bool {
        self.with(|r| r.paused)
    }

    /// Runs at `speed` times wall time from now, within [`SPEEDS`].
    pub fn set_speed(&self, speed: f64) {
        self.with(|r| {
            MatchClock::rebase(r);
            r.speed = speed.clamp(SPEEDS.0, SPEEDS.1);
        });
    }

    /// The speed.
    pub fn speed(&self) -> f64 {
        self.with(|r| r.speed)
    }

    /// Ends the match at its next move.
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::Relaxed);
    }

    /// Whether [`MatchClock::stop`] was called.
    pub fn stopped(&self) -> bool {
        self.stopped.load(Ordering::Relaxed)
    }

    /// Sleeps until the clock reads `at` (or it is stopped); false when stopped.
    pub fn wait_until(&self, at: f64) -> bool {
        loop {
            if self.stopped() {
                return false;
            }
            let (now, paused, speed) = self.with(|r| (now_of(r), r.paused, r.speed));
            if !paused && now >= at {
                return true;
            }
            let left = if paused {
                WAIT_STEP
            } else {
                Duration::from_secs_f64((at - now) / speed).min(WAIT_STEP)
            };
            std::thread::sleep(left);
        }
    }
}

fn now_of(r: &Reading) -> f64 {
    if r.paused {
        r.at
    } else {
        r.at + r.wall.elapsed().as_secs_f64() * r.speed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paused_clock_stands_still_and_speed_is_kept_in_range() {
        let clock = MatchClock::new();
        clock.set_paused(true);
        let t = clock.now();
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(clock.now(), t);
        assert!(clock.paused());
        clock.set_paused(false);
        std::thread::sleep(Duration::from_millis(5));
        assert!(clock.now() > t);
        clock.set_speed(1000.0);
        assert_eq!(clock.speed(), SPEEDS.1);
        clock.set_speed(0.0);
        assert_eq!(clock.speed(), SPEEDS.0);
    }

    #[test]
    fn a_stop_ends_a_wait_even_while_paused() {
        let clock = std::sync::Arc::new(MatchClock::new());
        clock.set_paused(true);
        let waiter = {
            let clock = clock.clone();
            std::thread::spawn(move || clock.wait_until(1.0))
        };
        std::thread::sleep(Duration::from_millis(30));
        clock.stop();
        assert!(!waiter.join().unwrap());
    }

    #[test]
    fn a_fast_clock_runs_ahead_of_the_wall() {
        let clock = MatchClock::new();
        clock.set_speed(16.0);
        std::thread::sleep(Duration::from_millis(20));
        // A sleep lasts at least as long as asked: 20 ms at 16 times is at least 0.32 s.
        assert!(clock.now() >= 0.32, "{}", clock.now());
        assert!(clock.wait_until(0.5));
        assert!(clock.now() >= 0.5);
    }
}
