// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Memory the SMMU itself reads and writes (stream table, context
//! descriptors, command and event queues), supplied by the board, and the
//! barriers that order the CPU's accesses to it against the SMMU.

use core::ptr::NonNull;

/// One block of memory shared with the SMMU: `virt` is where the CPU
/// accesses it, `phys` where the SMMU does.
#[derive(Debug)]
pub struct DmaRegion {
    virt: NonNull<u64>,
    phys: u64,
    bytes: usize,
}

impl DmaRegion {
    /// Describes `bytes` bytes at CPU address `virt`, bus address `phys`.
    ///
    /// # Safety
    ///
    /// The block is ordinary RAM, 8-byte aligned, used by nothing else for
    /// as long as the region (and any driver holding it) lives, and the
    /// SMMU reads byte `phys + i` where the CPU writes `virt + i`. The
    /// SMMU must be a coherent observer of it (the driver refuses SMMUs
    /// without IDR0.COHACC, so this holds for every SMMU it drives).
    pub const unsafe fn new(virt: NonNull<u64>, phys: u64, bytes: usize) -> Self {
        Self { virt, phys, bytes }
    }

    /// Bus address of the first byte.
    pub const fn phys(&self) -> u64 {
        self.phys
    }

    /// Size in bytes.
    pub const fn bytes(&self) -> usize {
        self.bytes
    }

    /// Whether the size is a power of two of at least `min` bytes and both
    /// addresses are aligned to it.
    pub(crate) fn is_naturally_aligned(&self, min: usize) -> bool {
        self.bytes.is_power_of_two()
            && self.bytes >= min
            && self.phys.is_multiple_of(self.bytes as u64)
            && (self.virt.as_ptr() as usize).is_multiple_of(self.bytes)
    }

    /// Reads doubleword `index` (`None` outside the region).
    pub(crate) fn read(&self, index: usize) -> Option<u64> {
        (index < self.bytes / 8).then(|| {
            // SAFETY: `index` is inside the region, which `new`'s contract
            // makes valid, aligned memory owned by us; volatile because the
            // SMMU writes it behind the compiler's back.
            unsafe { self.virt.as_ptr().add(index).read_volatile() }
        })
    }

    /// Writes doubleword `index`; ignored outside the region.
    pub(crate) fn write(&mut self, index: usize, value: u64) {
        if index < self.bytes / 8 {
            // SAFETY: as in `read`; volatile because the SMMU reads it.
            unsafe { self.virt.as_ptr().add(index).write_volatile(value) }
        }
    }
}

/// Everything the SMMU needs in memory. Sizes set the capacities: stream
/// table `N * 64` bytes serves stream IDs `0..N`; the context area needs
/// `N * 64` bytes too (one CD per stream); command queue entries are 16
/// bytes, event records 32. Every region is a power of two in size,
/// aligned to its size (IHI 0070 §6.3.23, §6.3.25, §6.3.28 ask for natural
/// alignment of the queues and the linear stream table).
#[derive(Debug)]
pub struct SmmuMemory {
    /// Linear stream table.
    pub stream_table: DmaRegion,
    /// One context descriptor per stream, indexed by stream ID.
    pub contexts: DmaRegion,
    /// Command queue.
    pub command_queue: DmaRegion,
    /// Event queue.
    pub event_queue: DmaRegion,
}

/// Orders the CPU's earlier stores to SMMU memory before a later store to
/// an SMMU register that makes the SMMU read them (Arm ARM DDI 0487 B2.3:
/// `DMB OSHST`, the SMMU observes in the outer shareable domain; the same
/// barrier Linux's `dma_wmb` uses before a doorbell).
#[inline(always)]
pub(crate) fn publish() {
    #[cfg(target_arch = "aarch64")]
    // SAFETY: a barrier only; touches no memory or registers Rust tracks.
    unsafe {
        core::arch::asm!("dmb oshst", options(nostack, preserves_flags));
    }
    #[cfg(not(target_arch = "aarch64"))]
    core::sync::atomic::fence(core::sync::atomic::Ordering::Release);
}

/// Orders a register read (a queue's PROD) before later reads of the
/// memory it announced (`DMB OSHLD`, DDI 0487 B2.3).
#[inline(always)]
pub(crate) fn consume() {
    #[cfg(target_arch = "aarch64")]
    // SAFETY: a barrier only.
    unsafe {
        core::arch::asm!("dmb oshld", options(nostack, preserves_flags));
    }
    #[cfg(not(target_arch = "aarch64"))]
    core::sync::atomic::fence(core::sync::atomic::Ordering::Acquire);
}
