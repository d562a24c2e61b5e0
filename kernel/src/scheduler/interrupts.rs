// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The top-half / bottom-half split: an interrupt handler only marks its
//! source pending (and masks it); the kernel loop runs the bottom half later,
//! outside exception context. Chips may use [`PendingInterrupts`] to keep the
//! marks.

use core::sync::atomic::{AtomicU64, Ordering};

/// A set of up to 64 pending interrupt sources, safe to mark from an
/// exception handler and drain from the kernel loop.
pub struct PendingInterrupts {
    bits: AtomicU64,
}

impl PendingInterrupts {
    /// Nothing pending.
    pub const fn new() -> Self {
        Self {
            bits: AtomicU64::new(0),
        }
    }

    /// Top half: marks `source` (0–63) pending. Out-of-range sources are
    /// ignored and reported as `false`.
    pub fn mark(&self, source: u32) -> bool {
        match 1u64.checked_shl(source) {
            Some(bit) => {
                self.bits.fetch_or(bit, Ordering::AcqRel);
                true
            }
            None => false,
        }
    }

    /// True if any source is pending.
    pub fn any(&self) -> bool {
        self.bits.load(Ordering::Acquire) != 0
    }

    /// Bottom half: takes the lowest pending source, clearing it.
    pub fn take_next(&self) -> Option<u32> {
        let mut current = self.bits.load(Ordering::Acquire);
        loop {
            if current == 0 {
                return None;
            }
            let source = current.trailing_zeros();
            let cleared = current & !(1u64 << source);
            match self
                .bits
                .compare_exchange(current, cleared, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return Some(source),
                Err(now) => current = now,
            }
        }
    }
}

impl Default for PendingInterrupts {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_and_drains_lowest_first() {
        let p = PendingInterrupts::new();
        assert!(!p.any());
        assert!(p.mark(33));
        assert!(p.mark(2));
        assert!(p.mark(2));
        assert!(!p.mark(64));
        assert!(p.any());
        assert_eq!(p.take_next(), Some(2));
        assert_eq!(p.take_next(), Some(33));
        assert_eq!(p.take_next(), None);
        assert!(!p.any());
    }
}
