// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Ordering and cache maintenance around DMA, following Tock's DMA fence
//! idea: a buffer changes hands between the CPU and a device only through
//! one of these calls, which make the hand-over visible on both sides.
//!
//! * CPU → device (the device will read): the CPU's writes must reach the
//!   point of coherency before the device is started: `DC CVAC` over the
//!   buffer, then `DSB SY` (Arm ARM DDI 0487K.a D7.5.9; the DSB also orders
//!   the buffer writes before the MMIO write that starts the device).
//! * device → CPU (the device has written): lines the CPU may hold for the
//!   buffer are stale, so after `DSB SY` (the device's completion has been
//!   observed) they are dropped with `DC CIVAC`. A plain invalidate
//!   (`DC IVAC`) would be cheaper but could discard CPU writes to other data
//!   sharing a line with the buffer's ends; clean-and-invalidate cannot.
//! * A buffer the device will write must not have dirty lines that could be
//!   evicted over the device's data later: clean and invalidate it before
//!   handing it over.
//!
//! A cache-coherent master (the SMMU's table walker with coherent walks, or
//! a PCIe device behind a coherent interconnect) needs only the barriers.

/// Whether a DMA master snoops the CPU's caches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum Coherence {
    /// The master sees the CPU's caches: barriers only.
    Coherent,
    /// The master reads and writes memory directly: maintain the caches.
    NonCoherent,
}

/// Makes CPU writes to `[start, start + len)` visible to a device that is
/// about to read it.
pub fn before_device_reads(coherence: Coherence, start: usize, len: usize) {
    if coherence == Coherence::NonCoherent {
        maintain(Operation::Clean, start, len);
    }
    barrier();
}

/// Prepares `[start, start + len)` for a device that is about to write it
/// (no dirty line may later be evicted over the device's data).
pub fn before_device_writes(coherence: Coherence, start: usize, len: usize) {
    if coherence == Coherence::NonCoherent {
        maintain(Operation::CleanInvalidate, start, len);
    }
    barrier();
}

/// Makes a device's completed writes to `[start, start + len)` visible to
/// the CPU.
pub fn after_device_writes(coherence: Coherence, start: usize, len: usize) {
    barrier();
    if coherence == Coherence::NonCoherent {
        maintain(Operation::CleanInvalidate, start, len);
        barrier();
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Operation {
    Clean,
    CleanInvalidate,
}

#[cfg(target_arch = "aarch64")]
fn maintain(operation: Operation, start: usize, len: usize) {
    let ctr: u64;
    // SAFETY: reading CTR_EL0 has no side effects.
    unsafe { core::arch::asm!("mrs {}, ctr_el0", out(reg) ctr, options(nomem, nostack)) };
    let line = 4usize << ((ctr >> 16) & 0xf);
    for address in crate::cache::lines(start, len, line) {
        match operation {
            // SAFETY: cleaning writes dirty data back; no state changes.
            Operation::Clean => unsafe {
                core::arch::asm!("dc cvac, {}", in(reg) address, options(nostack))
            },
            // SAFETY: clean and invalidate writes dirty data back before
            // dropping the line, so no CPU write is lost.
            Operation::CleanInvalidate => unsafe {
                core::arch::asm!("dc civac, {}", in(reg) address, options(nostack))
            },
        }
    }
}

#[cfg(not(target_arch = "aarch64"))]
fn maintain(_operation: Operation, _start: usize, _len: usize) {}

#[cfg(target_arch = "aarch64")]
fn barrier() {
    // SAFETY: a full-system DSB only orders memory accesses.
    unsafe { core::arch::asm!("dsb sy", options(nostack, preserves_flags)) };
}

#[cfg(not(target_arch = "aarch64"))]
fn barrier() {
    core::sync::atomic::fence(core::sync::atomic::Ordering::SeqCst);
}
