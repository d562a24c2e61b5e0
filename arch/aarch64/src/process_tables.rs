// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Per-process stage-1 translation tables for the EL1&0 regime.
//!
//! Every process sees the kernel's boot mappings, copied from the
//! [`BootTable`] and reachable only at EL1, plus its own pages inside the
//! process window: the GiB at [`USER_BASE`] (the fixed virtual base apps are
//! linked at), mapped page by page with the permissions the kernel chose.
//!
//! Shape: the process's level-1 table is the kernel's plus one table
//! descriptor for the window; one level-2 table for the window; and up to
//! [`L3_TABLES`] level-3 tables, each covering 2 MiB, handed out from a fixed
//! array as pages are mapped. A process's tables are therefore a fixed
//! `(2 + L3_TABLES) * 4 KiB` reserved with the process, with no allocation
//! and no failure mode but "this process asked for more than its tables
//! can describe".
//!
//! Descriptor formats: Arm ARM (DDI 0487K.a) D8.3.1 "VMSAv8-64 descriptor
//! formats" (table descriptor bits \[1:0\] = 0b11 at levels 0-2; page
//! descriptor 0b11 at level 3) and D8.4 "Memory access control": AP\[2:1\] =
//! 0b01 is read/write at EL1 and EL0, 0b11 read-only at both; UXN (bit 54)
//! and PXN (bit 53) forbid execution at EL0 and EL1; nG (bit 11) tags the
//! entry with the ASID, so user mappings of different processes never alias
//! in the TLB while the kernel's (global) entries are shared.
//!
//! Every user page is PXN: the kernel never executes process memory (and
//! the architecture treats EL0-writable pages as PXN anyway).

use crate::mmu::{self, BootTable};

/// Virtual base of every process's window (the GiB at 2 GiB).
pub const USER_BASE: u64 = 0x8000_0000;
/// Size of the window: one level-1 entry.
pub const USER_WINDOW: u64 = mmu::BLOCK_SIZE;
/// The translation granule.
pub const PAGE_SIZE: u64 = 4096;
/// Bytes one level-3 table maps.
pub const L3_SPAN: u64 = 512 * PAGE_SIZE;
/// Level-3 tables per process: at most 4 distinct 2 MiB stretches mapped.
pub const L3_TABLES: usize = 4;

const L1_INDEX: usize = (USER_BASE / mmu::BLOCK_SIZE) as usize;
const DESC_TABLE: u64 = 0b11;
const DESC_PAGE: u64 = 0b11;
const DESC_AF: u64 = 1 << 10;
const DESC_NG: u64 = 1 << 11;
const DESC_SH_INNER: u64 = 0b11 << 8;
const DESC_AP_EL0: u64 = 0b01 << 6;
const DESC_AP_RO: u64 = 0b10 << 6;
const DESC_PXN: u64 = 1 << 53;
const DESC_UXN: u64 = 1 << 54;
const OUTPUT_ADDRESS: u64 = 0x0000_ffff_ffff_f000;

// The window is exactly one level-1 entry; whether the kernel's boot map
// leaves it free is checked at init.
const _: () = assert!(USER_BASE.is_multiple_of(mmu::BLOCK_SIZE) && L1_INDEX < 512);

/// What a process may do with one of its pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum UserAccess {
    /// Code: read and execute at EL0.
    ReadExecute,
    /// Constants: read at EL0.
    ReadOnly,
    /// Data, stack, heap: read and write at EL0, never executed.
    ReadWrite,
}

/// Why a table operation was refused; the tables are unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum TableError {
    /// The virtual address is outside the window or not page aligned.
    BadVirtualAddress,
    /// The physical address is not page aligned or beyond 48 bits.
    BadPhysicalAddress,
    /// The page is already mapped.
    AlreadyMapped,
    /// The kernel's boot map uses the GiB the window lives in.
    WindowTaken,
    /// Every level-3 table is in use: the process spans too many 2 MiB
    /// stretches.
    NoTableSpace,
}

/// The translation tables of one process.
#[repr(C, align(4096))]
pub struct ProcessTables {
    l1: [u64; 512],
    l2: [u64; 512],
    l3: [[u64; 512]; L3_TABLES],
    /// Which level-2 slot each level-3 table serves, if any.
    l3_owner: [Option<u16>; L3_TABLES],
}

/// The level-3 page descriptor mapping `pa` for `access`.
pub const fn page_descriptor(pa: u64, access: UserAccess) -> u64 {
    let common = DESC_PAGE
        | DESC_AF
        | DESC_NG
        | DESC_SH_INNER
        | (mmu::attr::NORMAL << 2)
        | DESC_AP_EL0
        | DESC_PXN
        | (pa & OUTPUT_ADDRESS);
    match access {
        UserAccess::ReadExecute => common | DESC_AP_RO,
        UserAccess::ReadOnly => common | DESC_AP_RO | DESC_UXN,
        UserAccess::ReadWrite => common | DESC_UXN,
    }
}

impl ProcessTables {
    /// Empty tables (translate nothing until [`init`](Self::init)).
    pub const fn new() -> Self {
        Self {
            l1: [0; 512],
            l2: [0; 512],
            l3: [[0; 512]; L3_TABLES],
            l3_owner: [None; L3_TABLES],
        }
    }

    /// Sets up an empty window plus the kernel's mappings.
    ///
    /// The tables are identity-mapped kernel memory, so their own address is
    /// the physical address the walker uses.
    pub fn init(&mut self, kernel: &BootTable) -> Result<(), TableError> {
        if kernel.entries()[L1_INDEX] != 0 {
            return Err(TableError::WindowTaken);
        }
        self.l1 = *kernel.entries();
        self.unmap_all();
        self.l1[L1_INDEX] = DESC_TABLE | (core::ptr::from_ref(&self.l2) as u64 & OUTPUT_ADDRESS);
        Ok(())
    }

    /// The level-2 and level-3 indices of a page-aligned window address.
    fn indices(va: u64) -> Result<(usize, usize), TableError> {
        let offset = va
            .checked_sub(USER_BASE)
            .ok_or(TableError::BadVirtualAddress)?;
        if offset >= USER_WINDOW || !va.is_multiple_of(PAGE_SIZE) {
            return Err(TableError::BadVirtualAddress);
        }
        Ok((
            (offset / L3_SPAN) as usize,
            ((offset % L3_SPAN) / PAGE_SIZE) as usize,
        ))
    }

    /// The level-3 table serving level-2 slot `l2`, if one is linked.
    fn l3_for(&self, l2: usize) -> Option<usize> {
        self.l3_owner
            .iter()
            .position(|owner| *owner == Some(l2 as u16))
    }

    /// Maps the page at `va` to `pa` with `access`.
    ///
    /// Mapping a page that is not yet mapped needs no TLB maintenance: the
    /// walker cannot have cached a translation for it (DDI 0487K.a D8.16,
    /// "Translation Lookaside Buffers": invalid entries are never cached).
    ///
    /// A level-3 table is linked the first time a 2 MiB stretch is used; it
    /// is fully written (zeroed) before the level-2 descriptor that makes it
    /// visible to the walker.
    pub fn map_page(&mut self, va: u64, pa: u64, access: UserAccess) -> Result<(), TableError> {
        let (l2, l3) = Self::indices(va)?;
        if !pa.is_multiple_of(PAGE_SIZE) || pa & !OUTPUT_ADDRESS != 0 {
            return Err(TableError::BadPhysicalAddress);
        }
        let table = match self.l3_for(l2) {
            Some(table) => table,
            None => {
                let table = self
                    .l3_owner
                    .iter()
                    .position(Option::is_none)
                    .ok_or(TableError::NoTableSpace)?;
                self.l3[table] = [0; 512];
                self.l3_owner[table] = Some(l2 as u16);
                self.l2[l2] =
                    DESC_TABLE | (core::ptr::from_ref(&self.l3[table]) as u64 & OUTPUT_ADDRESS);
                table
            }
        };
        if self.l3[table][l3] != 0 {
            return Err(TableError::AlreadyMapped);
        }
        self.l3[table][l3] = page_descriptor(pa, access);
        Ok(())
    }

    /// Removes the page at `va` if it is mapped (a level-3 table that
    /// becomes empty stays linked until [`unmap_all`](Self::unmap_all)).
    /// The caller must invalidate the TLB for the page before reusing it.
    pub fn unmap_page(&mut self, va: u64) -> Result<(), TableError> {
        let (l2, l3) = Self::indices(va)?;
        if let Some(table) = self.l3_for(l2) {
            self.l3[table][l3] = 0;
        }
        Ok(())
    }

    /// Removes every process page and level-3 table. The caller must
    /// invalidate the process's ASID before the memory is reused.
    pub fn unmap_all(&mut self) {
        self.l2 = [0; 512];
        self.l3 = [[0; 512]; L3_TABLES];
        self.l3_owner = [None; L3_TABLES];
    }

    /// The physical address `va` maps to and its access, read back from
    /// the tables.
    pub fn lookup(&self, va: u64) -> Option<(u64, UserAccess)> {
        let (l2, l3) = Self::indices(va & !(PAGE_SIZE - 1)).ok()?;
        let descriptor = self.l3[self.l3_for(l2)?][l3];
        if descriptor & 0b11 != DESC_PAGE {
            return None;
        }
        let access = match (descriptor & DESC_AP_RO != 0, descriptor & DESC_UXN != 0) {
            (true, false) => UserAccess::ReadExecute,
            (true, true) => UserAccess::ReadOnly,
            (false, _) => UserAccess::ReadWrite,
        };
        Some((
            (descriptor & OUTPUT_ADDRESS) | (va & (PAGE_SIZE - 1)),
            access,
        ))
    }

    /// The `TTBR0_EL1` value selecting these tables with `asid`.
    pub fn ttbr0(&self, asid: u16) -> u64 {
        (u64::from(asid) << 48) | (core::ptr::from_ref(&self.l1) as u64 & OUTPUT_ADDRESS)
    }

    /// The level-1 entries (kernel plus window).
    pub const fn level1(&self) -> &[u64; 512] {
        &self.l1
    }
}

/// Makes `tables` the EL0 view with `asid`.
///
/// # Safety
///
/// `tables` must stay alive and unmodified (except through
/// [`ProcessTables::map_page`] on unmapped pages) while selected, and must
/// contain the kernel's mappings (it does after `init`).
#[cfg(target_arch = "aarch64")]
pub unsafe fn activate(tables: &ProcessTables, asid: u16) {
    use aarch64_cpu::asm::barrier;
    // Table writes must be visible to the walker before it can use them.
    barrier::dsb(barrier::ISHST);
    // SAFETY: per the caller, the new tables map the running kernel
    // identically, so execution continues unaffected.
    unsafe {
        core::arch::asm!("msr ttbr0_el1, {}", "isb", in(reg) tables.ttbr0(asid), options(nostack))
    };
}

/// Invalidates every TLB entry tagged with `asid` and waits for it.
#[cfg(target_arch = "aarch64")]
pub fn invalidate_asid(asid: u16) {
    use aarch64_cpu::asm::barrier;
    barrier::dsb(barrier::ISHST);
    // SAFETY: TLB invalidation by ASID (TLBI ASIDE1, DDI 0487K.a, "TLBI
    // ASIDE1, TLBI ASIDE1NXS"; ASID in bits 63:48 of the operand) only drops
    // cached translations.
    unsafe { core::arch::asm!("tlbi aside1, {}", in(reg) u64::from(asid) << 48, options(nostack)) };
    barrier::dsb(barrier::ISH);
    barrier::isb(barrier::SY);
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::boxed::Box;

    use super::*;
    use crate::mmu::{MemoryKind, Region};

    fn kernel_map() -> BootTable {
        let mut table = BootTable::new();
        table
            .map(Region {
                base: 0,
                size: mmu::BLOCK_SIZE,
                kind: MemoryKind::Device,
            })
            .unwrap();
        table
            .map(Region {
                base: mmu::BLOCK_SIZE,
                size: mmu::BLOCK_SIZE,
                kind: MemoryKind::Normal,
            })
            .unwrap();
        table
    }

    #[test]
    fn page_descriptors_follow_the_architecture() {
        // Code at PA 0x4100_0000: page (0b11), AttrIndx 1, AP = 0b11 (EL0
        // and EL1 read-only), SH inner, AF, nG, PXN; UXN clear.
        assert_eq!(
            page_descriptor(0x4100_0000, UserAccess::ReadExecute),
            (1 << 53)
                | 0x4100_0000
                | (1 << 11)
                | (1 << 10)
                | (0b11 << 8)
                | (0b11 << 6)
                | (1 << 2)
                | 0b11
        );
        // Data: AP = 0b01 (read/write at EL0), UXN and PXN.
        assert_eq!(
            page_descriptor(0x4100_1000, UserAccess::ReadWrite),
            (1 << 54)
                | (1 << 53)
                | 0x4100_1000
                | (1 << 11)
                | (1 << 10)
                | (0b11 << 8)
                | (0b01 << 6)
                | (1 << 2)
                | 0b11
        );
        assert_eq!(
            page_descriptor(0, UserAccess::ReadOnly) & ((1 << 54) | (0b11 << 6)),
            (1 << 54) | (0b11 << 6)
        );
    }

    #[test]
    fn init_links_the_window_and_keeps_kernel_entries() {
        let kernel = kernel_map();
        let mut tables = Box::new(ProcessTables::new());
        tables.init(&kernel).unwrap();
        assert_eq!(tables.level1()[..2], kernel.entries()[..2]);
        let l2_link = tables.level1()[2];
        assert_eq!(l2_link & 0b11, 0b11);
        assert_eq!(
            l2_link & OUTPUT_ADDRESS,
            core::ptr::from_ref(&tables.l2) as u64
        );
        assert!(
            tables.l2.iter().all(|&entry| entry == 0),
            "no level-3 table before the first map"
        );
        tables
            .map_page(USER_BASE + L3_SPAN, 0x4100_0000, UserAccess::ReadOnly)
            .unwrap();
        assert_eq!(
            tables.l2[1] & OUTPUT_ADDRESS,
            core::ptr::from_ref(&tables.l3[0]) as u64
        );
        assert_eq!(tables.l2[1] & 0b11, 0b11);
        assert_eq!(tables.ttbr0(0x1234) >> 48, 0x1234);
    }

    #[test]
    fn maps_pages_and_refuses_bad_requests_unchanged() {
        let mut tables = Box::new(ProcessTables::new());
        tables.init(&kernel_map()).unwrap();
        tables
            .map_page(USER_BASE, 0x4100_0000, UserAccess::ReadExecute)
            .unwrap();
        tables
            .map_page(
                USER_BASE + USER_WINDOW - PAGE_SIZE,
                0x4100_1000,
                UserAccess::ReadWrite,
            )
            .unwrap();
        assert_eq!(tables.l3_owner.iter().flatten().count(), 2);
        assert_eq!(
            tables.lookup(USER_BASE + 0x10),
            Some((0x4100_0010, UserAccess::ReadExecute))
        );
        assert_eq!(
            tables.lookup(USER_BASE + USER_WINDOW - 8),
            Some((0x4100_1ff8, UserAccess::ReadWrite))
        );
        assert_eq!(tables.lookup(USER_BASE + PAGE_SIZE), None);

        let snapshot = (tables.l2, tables.l3, tables.l3_owner);
        let refused = [
            (USER_BASE, 0x4100_2000, TableError::AlreadyMapped),
            (
                USER_BASE - PAGE_SIZE,
                0x4100_2000,
                TableError::BadVirtualAddress,
            ),
            (
                USER_BASE + USER_WINDOW,
                0x4100_2000,
                TableError::BadVirtualAddress,
            ),
            (
                USER_BASE + 0x800,
                0x4100_2000,
                TableError::BadVirtualAddress,
            ),
            (
                USER_BASE + PAGE_SIZE,
                0x4100_2001,
                TableError::BadPhysicalAddress,
            ),
            (
                USER_BASE + PAGE_SIZE,
                1 << 48,
                TableError::BadPhysicalAddress,
            ),
        ];
        for (va, pa, error) in refused {
            assert_eq!(tables.map_page(va, pa, UserAccess::ReadWrite), Err(error));
            assert_eq!((tables.l2, tables.l3, tables.l3_owner), snapshot);
        }
        tables.unmap_page(USER_BASE).unwrap();
        assert_eq!(tables.lookup(USER_BASE), None);
        tables.unmap_all();
        assert_eq!(tables.lookup(USER_BASE + USER_WINDOW - 8), None);
    }

    #[test]
    fn runs_out_of_level3_tables_without_changing_anything() {
        let mut tables = Box::new(ProcessTables::new());
        tables.init(&kernel_map()).unwrap();
        for stretch in 0..L3_TABLES as u64 {
            tables
                .map_page(
                    USER_BASE + stretch * L3_SPAN,
                    0x4100_0000,
                    UserAccess::ReadOnly,
                )
                .unwrap();
        }
        // A second page in a used stretch still fits...
        tables
            .map_page(USER_BASE + PAGE_SIZE, 0x4100_1000, UserAccess::ReadWrite)
            .unwrap();
        // ...a new stretch does not.
        let snapshot = (tables.l2, tables.l3_owner);
        assert_eq!(
            tables.map_page(
                USER_BASE + 200 * L3_SPAN,
                0x4100_2000,
                UserAccess::ReadWrite
            ),
            Err(TableError::NoTableSpace)
        );
        assert_eq!((tables.l2, tables.l3_owner), snapshot);
        // unmap_all frees them all for reuse.
        tables.unmap_all();
        tables
            .map_page(
                USER_BASE + 200 * L3_SPAN,
                0x4100_2000,
                UserAccess::ReadWrite,
            )
            .unwrap();
    }

    #[test]
    fn refuses_a_window_the_kernel_already_maps() {
        let mut kernel = kernel_map();
        kernel
            .map(Region {
                base: USER_BASE,
                size: mmu::BLOCK_SIZE,
                kind: MemoryKind::Normal,
            })
            .unwrap();
        let mut tables = Box::new(ProcessTables::new());
        assert_eq!(tables.init(&kernel), Err(TableError::WindowTaken));
    }
}
