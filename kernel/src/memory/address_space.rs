// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The MMU as the kernel core sees it: the arch implements [`AddressSpace`]
//! with real stage-1 tables; host tests implement it with a recorder.

/// Access a process has to a mapped region. Every variant is non-writable
/// or non-executable: the kernel never asks for W+X.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum Permissions {
    /// Code and read-only data: EL0 read + execute (AP=RO, UXN=0).
    ReadExecute,
    /// Data, stack, heap: EL0 read + write, never execute (AP=RW, UXN=1).
    ReadWrite,
    /// EL0 read only, never execute.
    ReadOnly,
}

/// One process's stage-1 translation regime (TTBR0_EL1 tables plus an ASID).
///
/// EL1 never executes from or implicitly trusts these mappings: all kernel
/// access to process memory goes through the kernel's own mapping of the
/// physical pages (see `memory::layout`). Mappings are page granular; the
/// kernel core only ever passes page-aligned addresses and lengths.
pub trait AddressSpace {
    /// Why a mapping operation failed (e.g. no table memory).
    type Error: core::fmt::Debug;

    /// Maps `len` bytes of physical memory at `pa` to process virtual address
    /// `va` with `perms`. Overlapping an existing mapping is an error.
    fn map(&mut self, va: u64, pa: u64, len: u64, perms: Permissions) -> Result<(), Self::Error>;

    /// Removes every mapping and invalidates the TLB entries for this ASID,
    /// so no stale translation survives the process's run.
    fn unmap_all(&mut self) -> Result<(), Self::Error>;

    /// Makes this the current EL0 regime (TTBR0_EL1 with its ASID).
    fn activate(&self);

    /// The ASID tagging this regime's TLB entries.
    fn asid(&self) -> u16;
}
