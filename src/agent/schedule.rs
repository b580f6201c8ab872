//! The linear epsilon schedule (cleanrl's `linear_schedule`).

use crate::config::Epsilon;

/// Epsilon at `step`: `start` falling linearly to `end` over `decay_steps`, then `end`.
pub fn epsilon_at(schedule: &Epsilon, step: u64) -> f64 {
    if schedule.decay_steps == 0 || step >= schedule.decay_steps {
        return schedule.end;
    }
    let t = step as f64 / schedule.decay_steps as f64;
    schedule.start + (schedule.end - schedule.start) * t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn falls_linearly_then_stays() {
        let s = Epsilon {
            start: 1.0,
            end: 0.1,
            decay_steps: 100,
        };
        assert_eq!(epsilon_at(&s, 0), 1.0);
        assert!((epsilon_at(&s, 50) - 0.55).abs() < 1e-12);
        assert!((epsilon_at(&s, 99) - 0.109).abs() < 1e-12);
        assert_eq!(epsilon_at(&s, 100), 0.1);
        assert_eq!(epsilon_at(&s, 1_000_000), 0.1);
        let instant = Epsilon {
            decay_steps: 0,
            ..s
        };
        assert_eq!(epsilon_at(&instant, 0), 0.1);
    }
}
