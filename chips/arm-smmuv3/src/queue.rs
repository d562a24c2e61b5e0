// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Circular queue index arithmetic (IHI 0070 §3.5): PROD and CONS hold an
//! index in bits [log2size-1:0] and a wrap flag in bit [log2size]; the
//! queue is empty when both are equal and full when the indices match but
//! the wrap flags differ.

/// Producer/consumer positions of a queue of `1 << log2size` entries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueIndex {
    log2size: u32,
}

impl QueueIndex {
    /// A queue of `1 << log2size` entries.
    pub const fn new(log2size: u32) -> Self {
        Self { log2size }
    }

    /// Entries in the queue.
    pub const fn entries(self) -> u32 {
        1 << self.log2size
    }

    /// The mask of index and wrap bits (what PROD/CONS hold).
    const fn mask(self) -> u32 {
        (1 << (self.log2size + 1)) - 1
    }

    /// The slot a position refers to.
    pub const fn slot(self, position: u32) -> usize {
        (position & (self.entries() - 1)) as usize
    }

    /// The position after `position` (index + 1, wrap flag toggling).
    pub const fn next(self, position: u32) -> u32 {
        (position & self.mask()).wrapping_add(1) & self.mask()
    }

    /// Whether no entries are pending.
    pub const fn is_empty(self, prod: u32, cons: u32) -> bool {
        prod & self.mask() == cons & self.mask()
    }

    /// Whether every slot holds a pending entry.
    pub const fn is_full(self, prod: u32, cons: u32) -> bool {
        (prod ^ cons) & self.mask() == self.entries()
    }
}

#[cfg(test)]
mod tests {
    use super::QueueIndex;

    #[test]
    fn wraps_and_reports_full_and_empty() {
        let q = QueueIndex::new(2); // 4 entries, wrap flag is bit 2
        assert!(q.is_empty(0, 0));
        let mut prod = 0;
        for _ in 0..4 {
            assert!(!q.is_full(prod, 0));
            prod = q.next(prod);
        }
        assert_eq!(prod, 0b100);
        assert!(q.is_full(prod, 0));
        assert!(!q.is_empty(prod, 0));
        assert_eq!(q.slot(prod), 0);
        // Consumer catches up: empty again with both wrap flags set.
        assert!(q.is_empty(prod, 0b100));
        // Position 0b111 wraps to 0 (flag toggles back).
        assert_eq!(q.next(0b111), 0);
        // Bits above the wrap flag (CMDQ_CONS.ERR lives there) are ignored.
        assert!(q.is_empty(0x0100_0003, 0x3));
    }
}
