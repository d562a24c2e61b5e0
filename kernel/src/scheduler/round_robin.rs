// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Round-robin process selection.

use core::cell::Cell;

/// Default timeslice (Tock uses 10 ms as well).
pub const DEFAULT_TIMESLICE_US: u32 = 10_000;

/// Picks ready processes in slot order, starting after the last one chosen,
/// so every ready process runs before any runs twice.
pub struct RoundRobin {
    next: Cell<usize>,
    timeslice_us: u32,
}

impl RoundRobin {
    /// A scheduler with the given timeslice.
    pub const fn new(timeslice_us: u32) -> Self {
        Self {
            next: Cell::new(0),
            timeslice_us,
        }
    }

    /// Length of a timeslice in microseconds.
    pub fn timeslice_us(&self) -> u32 {
        self.timeslice_us
    }

    /// Chooses the next ready slot among `count`, or `None` when nothing is
    /// ready (the kernel then idles).
    pub fn choose(&self, count: usize, ready: impl Fn(usize) -> bool) -> Option<usize> {
        if count == 0 {
            return None;
        }
        let start = self.next.get() % count;
        let chosen = (0..count)
            .map(|k| (start + k) % count)
            .find(|&i| ready(i))?;
        self.next.set((chosen + 1) % count);
        Some(chosen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotates_and_skips_blocked() {
        let rr = RoundRobin::new(DEFAULT_TIMESLICE_US);
        let all = |_| true;
        assert_eq!(rr.choose(3, all), Some(0));
        assert_eq!(rr.choose(3, all), Some(1));
        assert_eq!(rr.choose(3, all), Some(2));
        assert_eq!(rr.choose(3, all), Some(0));
        // 1 is blocked: skipped, and 2 still comes before 0 again.
        assert_eq!(rr.choose(3, |i| i != 1), Some(2));
        assert_eq!(rr.choose(3, |i| i != 1), Some(0));
        assert_eq!(rr.choose(3, |i| i != 1), Some(2));
    }

    #[test]
    fn idle_when_nothing_ready() {
        let rr = RoundRobin::new(1);
        assert_eq!(rr.choose(4, |_| false), None);
        assert_eq!(rr.choose(0, |_| true), None);
        assert_eq!(rr.choose(4, |i| i == 3), Some(3));
        assert_eq!(rr.choose(4, |i| i == 3), Some(3));
    }
}
