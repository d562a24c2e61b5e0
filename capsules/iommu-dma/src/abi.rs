// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The system-call ABI of the IOMMU DMA driver: command, allow and
//! subscribe numbers and the encodings of info fields and upcall values.
//! `doc/syscalls/iommu_dma.md` is the reference; keep the two in step.

use kernel::hil::iommu::{Access, DisableReason, FaultKind};

/// Driver number (`kernel::driver_number::IOMMU_DMA`).
pub const DRIVER_NUM: u32 = kernel::driver_number::IOMMU_DMA;

/// Command 0: does the driver exist.
pub const CMD_EXISTS: u32 = 0;
/// Command 1: attach master `arg0` to the app's domain.
pub const CMD_ATTACH: u32 = 1;
/// Command 2: detach master `arg0`.
pub const CMD_DETACH: u32 = 2;
/// Command 3: map the buffer in allow slot `arg0` of kind `arg1`.
pub const CMD_MAP: u32 = 3;
/// Command 4: unmap the mapping named by handle `arg0`.
pub const CMD_UNMAP: u32 = 4;
/// Command 5: read info field `arg0`.
pub const CMD_INFO: u32 = 5;

/// `arg1` of map: the slot is a read-only allow; the device may only read.
pub const MAP_READ_ONLY: u64 = 0;
/// `arg1` of map: the slot is a read-write allow; the device may read and
/// write.
pub const MAP_READ_WRITE: u64 = 1;

/// Read-only (and, separately, read-write) allow slots the driver offers.
pub const ALLOW_SLOTS: usize = 4;

/// Info field: width of the IOVA window in bits.
pub const INFO_IOVA_BITS: u64 = 0;
/// Info field: page size in bytes (alignment of every mapped buffer).
pub const INFO_PAGE_SIZE: u64 = 1;
/// Info field: bytes mapped now.
pub const INFO_BYTES_MAPPED: u64 = 2;
/// Info field: mappings the app may still create.
pub const INFO_MAPPINGS_LEFT: u64 = 3;
/// Info field: translation-table pages the domain may still allocate.
pub const INFO_TABLE_PAGES_LEFT: u64 = 4;
/// Info field: translation-table pages the domain holds.
pub const INFO_TABLE_PAGES_USED: u64 = 5;
/// Info field: domain state (0 none yet, then `DomainState::code`).
pub const INFO_DOMAIN_STATE: u64 = 6;
/// Info field: faults the IOMMU reported for the app's domain this run
/// (including those whose upcall was coalesced).
pub const INFO_FAULTS: u64 = 7;

/// Subscribe 0: a device transaction of one of the app's masters faulted.
pub const UPCALL_FAULT: usize = 0;
/// Subscribe 1: the IOMMU disabled the app's domain.
pub const UPCALL_DISABLED: usize = 1;
/// Number of subscribe slots.
pub const UPCALLS: usize = 2;

/// First fault upcall value when the faulting stream matches none of the
/// app's attached masters.
pub const NO_MASTER: u64 = u32::MAX as u64;

/// Third fault upcall value: `kind << 8 | access` (access 0 read, 1 write).
pub fn fault_code(access: Access, kind: FaultKind) -> u64 {
    let access = match access {
        Access::Read => 0,
        Access::Write => 1,
    };
    let kind: u64 = match kind {
        FaultKind::Translation => 1,
        FaultKind::AccessFlag => 2,
        FaultKind::Permission => 3,
        FaultKind::AddressSize => 4,
        FaultKind::External => 5,
        FaultKind::TlbConflict => 6,
        FaultKind::UnidentifiedStream => 7,
        FaultKind::StreamMatchConflict => 8,
        FaultKind::InvalidContext => 9,
        FaultKind::Other => 10,
    };
    kind << 8 | access
}

/// First value of the disabled upcall.
pub fn disable_code(reason: DisableReason) -> u64 {
    match reason {
        DisableReason::FaultStorm => 1,
        DisableReason::SyncTimeout => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_documented_ones() {
        assert_eq!(fault_code(Access::Write, FaultKind::Permission), 0x301);
        assert_eq!(fault_code(Access::Read, FaultKind::Translation), 0x100);
        assert_eq!(fault_code(Access::Read, FaultKind::Other), 0xa00);
        assert_eq!(disable_code(DisableReason::FaultStorm), 1);
        assert_eq!(disable_code(DisableReason::SyncTimeout), 2);
    }
}
