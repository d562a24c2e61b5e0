// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Memory for process images, RAM and grant regions: a page-aligned arena
//! in the kernel's `.bss`, handed out front to back.
//!
//! Blocks are never returned: a process slot keeps its memory across
//! restarts (the kernel reuses it in place), and a quarantined process's
//! memory must never be reused at all. The arena is identity-mapped kernel
//! RAM, so a block's physical address is its kernel address.

use core::cell::UnsafeCell;

use kernel::memory::Backing;
use kernel::process_loader::PageAllocator;

/// Bytes of RAM set aside for processes.
pub(crate) const ARENA_SIZE: usize = 4 << 20;
const PAGE: u64 = 4096;

#[repr(C, align(4096))]
struct Arena(UnsafeCell<[u8; ARENA_SIZE]>);

// SAFETY: the arena's bytes are only reached through blocks handed out once
// by `ArenaAllocator`, which exists once (see `ArenaAllocator::take`).
unsafe impl Sync for Arena {}

static ARENA: Arena = Arena(UnsafeCell::new([0; ARENA_SIZE]));

/// The arena's allocator.
pub(crate) struct ArenaAllocator {
    next: u64,
    end: u64,
}

impl ArenaAllocator {
    /// The allocator over the whole arena.
    ///
    /// # Safety
    ///
    /// Call at most once: two allocators would hand out the same memory.
    pub(crate) unsafe fn take() -> Self {
        let start = ARENA.0.get() as u64;
        Self {
            next: start,
            end: start + ARENA_SIZE as u64,
        }
    }

    /// Bytes not yet handed out.
    pub(crate) fn remaining(&self) -> u64 {
        self.end - self.next
    }
}

// SAFETY: blocks are page aligned, zeroed (the arena is `.bss`, zeroed at
// boot, and no block is handed out twice), exclusive, and identity-mapped.
unsafe impl PageAllocator for ArenaAllocator {
    fn allocate(&mut self, bytes: u64) -> Option<Backing> {
        let size = bytes.checked_next_multiple_of(PAGE)?;
        let end = self.next.checked_add(size)?;
        if size == 0 || end > self.end {
            return None;
        }
        let block = Backing {
            pa: self.next,
            kva: self.next,
        };
        self.next = end;
        Some(block)
    }
}
