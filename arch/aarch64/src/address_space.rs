// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The kernel's [`AddressSpace`] for AArch64: a process's
//! [`ProcessTables`] plus its ASID.
//!
//! A multi-page [`map`](AddressSpace::map) is all or nothing: if a page
//! fails, the pages this call already mapped are removed again before the
//! error is returned (a level-3 table linked on the way stays linked, empty,
//! which changes no translation). Pages that were never mapped need no TLB
//! maintenance; [`unmap_all`](AddressSpace::unmap_all) invalidates the
//! process's ASID so that no translation survives into the memory's next use.

use kernel::memory::{AddressSpace, Permissions};

use crate::mmu::BootTable;
use crate::process_tables::{PAGE_SIZE, ProcessTables, TableError, UserAccess};

/// One process's EL0 translation regime.
pub struct ProcessAddressSpace {
    tables: &'static mut ProcessTables,
    asid: u16,
}

impl ProcessAddressSpace {
    /// Takes `tables` for a process tagged `asid`, starting with only the
    /// kernel's (EL1-only) mappings.
    pub fn new(
        tables: &'static mut ProcessTables,
        kernel: &BootTable,
        asid: u16,
    ) -> Result<Self, TableError> {
        tables.init(kernel)?;
        Ok(Self { tables, asid })
    }

    /// The tables, for inspection.
    pub fn tables(&self) -> &ProcessTables {
        self.tables
    }
}

const fn user_access(perms: Permissions) -> UserAccess {
    match perms {
        Permissions::ReadExecute => UserAccess::ReadExecute,
        Permissions::ReadWrite => UserAccess::ReadWrite,
        Permissions::ReadOnly => UserAccess::ReadOnly,
    }
}

impl AddressSpace for ProcessAddressSpace {
    type Error = TableError;

    fn map(&mut self, va: u64, pa: u64, len: u64, perms: Permissions) -> Result<(), TableError> {
        if !len.is_multiple_of(PAGE_SIZE) || len == 0 {
            return Err(TableError::BadVirtualAddress);
        }
        va.checked_add(len).ok_or(TableError::BadVirtualAddress)?;
        pa.checked_add(len).ok_or(TableError::BadPhysicalAddress)?;
        let pages = len / PAGE_SIZE;
        for page in 0..pages {
            let offset = page * PAGE_SIZE;
            if let Err(error) = self
                .tables
                .map_page(va + offset, pa + offset, user_access(perms))
            {
                for done in 0..page {
                    // Cannot fail: these addresses were just mapped.
                    let _ = self.tables.unmap_page(va + done * PAGE_SIZE);
                }
                return Err(error);
            }
        }
        Ok(())
    }

    fn unmap_all(&mut self) -> Result<(), TableError> {
        self.tables.unmap_all();
        #[cfg(target_arch = "aarch64")]
        crate::process_tables::invalidate_asid(self.asid);
        Ok(())
    }

    fn activate(&self) {
        #[cfg(target_arch = "aarch64")]
        // SAFETY: the tables were initialised with the kernel's map in
        // `new` and live for the whole run (`'static`).
        unsafe {
            crate::process_tables::activate(self.tables, self.asid);
        }
    }

    fn asid(&self) -> u16 {
        self.asid
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::boxed::Box;

    use super::*;
    use crate::mmu::{self, MemoryKind, Region};
    use crate::process_tables::{L3_SPAN, L3_TABLES, USER_BASE};

    fn address_space() -> ProcessAddressSpace {
        let mut kernel = BootTable::new();
        kernel
            .map(Region {
                base: mmu::BLOCK_SIZE,
                size: mmu::BLOCK_SIZE,
                kind: MemoryKind::Normal,
            })
            .unwrap();
        ProcessAddressSpace::new(Box::leak(Box::new(ProcessTables::new())), &kernel, 7).unwrap()
    }

    #[test]
    fn maps_ranges_with_the_requested_permissions() {
        let mut space = address_space();
        space
            .map(
                USER_BASE,
                0x4100_0000,
                3 * PAGE_SIZE,
                Permissions::ReadExecute,
            )
            .unwrap();
        space
            .map(0x9000_0000, 0x4200_0000, PAGE_SIZE, Permissions::ReadWrite)
            .unwrap();
        let tables = space.tables();
        assert_eq!(
            tables.lookup(USER_BASE + 2 * PAGE_SIZE + 4),
            Some((0x4100_2004, UserAccess::ReadExecute))
        );
        assert_eq!(
            tables.lookup(0x9000_0000),
            Some((0x4200_0000, UserAccess::ReadWrite))
        );
        assert_eq!(tables.lookup(USER_BASE + 3 * PAGE_SIZE), None);
        assert_eq!(space.asid(), 7);
    }

    #[test]
    fn a_failing_range_leaves_no_page_behind() {
        let mut space = address_space();
        space
            .map(
                USER_BASE + 2 * PAGE_SIZE,
                0x4100_0000,
                PAGE_SIZE,
                Permissions::ReadOnly,
            )
            .unwrap();
        // Pages 0 and 1 map, page 2 collides: 0 and 1 must be gone again.
        assert_eq!(
            space.map(
                USER_BASE,
                0x4200_0000,
                3 * PAGE_SIZE,
                Permissions::ReadWrite
            ),
            Err(TableError::AlreadyMapped)
        );
        assert_eq!(space.tables().lookup(USER_BASE), None);
        assert_eq!(space.tables().lookup(USER_BASE + PAGE_SIZE), None);
        assert_eq!(
            space.tables().lookup(USER_BASE + 2 * PAGE_SIZE),
            Some((0x4100_0000, UserAccess::ReadOnly))
        );
    }

    #[test]
    fn refuses_empty_unaligned_and_wrapping_ranges() {
        let mut space = address_space();
        for (va, pa, len) in [
            (USER_BASE, 0x4100_0000, 0),
            (USER_BASE, 0x4100_0000, 100),
            (u64::MAX - PAGE_SIZE + 1, 0x4100_0000, 2 * PAGE_SIZE),
        ] {
            assert_eq!(
                space.map(va, pa, len, Permissions::ReadWrite),
                Err(TableError::BadVirtualAddress)
            );
        }
        assert_eq!(
            space.map(
                USER_BASE,
                u64::MAX - PAGE_SIZE + 1,
                2 * PAGE_SIZE,
                Permissions::ReadWrite
            ),
            Err(TableError::BadPhysicalAddress)
        );
    }

    #[test]
    fn unmap_all_forgets_everything() {
        let mut space = address_space();
        for stretch in 0..L3_TABLES as u64 {
            space
                .map(
                    USER_BASE + stretch * L3_SPAN,
                    0x4100_0000,
                    PAGE_SIZE,
                    Permissions::ReadOnly,
                )
                .unwrap();
        }
        space.unmap_all().unwrap();
        assert_eq!(space.tables().lookup(USER_BASE), None);
        space
            .map(0x9000_0000, 0x4200_0000, PAGE_SIZE, Permissions::ReadWrite)
            .unwrap();
    }
}
