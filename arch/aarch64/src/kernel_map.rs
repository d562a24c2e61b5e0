// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Page-granular kernel permissions inside one GiB of the boot map.
//!
//! The boot map ([`crate::mmu`]) maps RAM in 1 GiB blocks, which cannot
//! tell kernel code from kernel data. [`BootTable::refine`] replaces the
//! block holding the kernel image by a level-2 table of 2 MiB blocks with
//! the same attributes, except the 2 MiB stretches the image touches, which
//! get level-3 tables of 4 KiB pages with the permissions the board gives:
//! code read-only and executable, constants read-only, data read/write, and
//! the guard page below the stack unmapped, so a stack overflow is a
//! translation fault instead of silent corruption of `.bss`. Every kernel
//! page stays inaccessible to EL0 (AP\[1\] = 0, UXN), and nothing is both
//! writable and executable.
//!
//! Formats as in [`crate::mmu`]: Arm ARM (DDI 0487K.a) D8.3.1 (level-2
//! block descriptor bits \[1:0\] = 0b01, 2 MiB; level-3 page descriptor
//! 0b11) and D8.4 (AP\[2\] = 1 is read-only; PXN bit 53).
//!
//! The refinement is built before the MMU is turned on, so no live
//! translation is ever changed (no break-before-make sequence is needed).

use crate::mmu::{self, BootTable, MemoryKind};

const PAGE: u64 = 4096;
const L2_BLOCK: u64 = 2 << 20;
const DESC_TABLE: u64 = 0b11;
const DESC_L2_BLOCK: u64 = 0b01;
const DESC_PAGE: u64 = 0b11;
const DESC_AP_RO: u64 = 1 << 7;
const DESC_PXN: u64 = 1 << 53;
const OUTPUT_ADDRESS: u64 = 0x0000_ffff_ffff_f000;
/// Attribute bits of a normal-memory kernel block, less type and address.
const ATTRIBUTES: u64 = mmu::block_descriptor(0, MemoryKind::Normal) & !0b11;

/// What the kernel may do with one page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum KernelAccess {
    /// Code: read and execute.
    ReadExecute,
    /// Constants: read.
    ReadOnly,
    /// Data, stack, free RAM: read and write, never execute.
    ReadWrite,
    /// Not mapped at all (guard pages).
    None,
}

/// A page-aligned range of the kernel image with its access.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// First address (page aligned).
    pub start: u64,
    /// One past the last address (page aligned).
    pub end: u64,
    /// What the kernel may do there.
    pub access: KernelAccess,
}

/// Why a refinement was refused; the boot map is unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum RefineError {
    /// The GiB is not mapped as one normal-memory block.
    NotANormalBlock,
    /// A span is empty, unaligned or outside the GiB.
    BadSpan,
    /// The spans touch more 2 MiB stretches than there are level-3 tables.
    TooManyStretches,
}

/// The tables one refinement needs: a level-2 table and `L3` level-3
/// tables (each covers one 2 MiB stretch of the kernel image).
#[repr(C, align(4096))]
pub struct FineTables<const L3: usize> {
    l2: [u64; 512],
    l3: [[u64; 512]; L3],
}

impl<const L3: usize> FineTables<L3> {
    /// Empty tables.
    pub const fn new() -> Self {
        Self {
            l2: [0; 512],
            l3: [[0; 512]; L3],
        }
    }

    /// The level-2 entries.
    pub const fn level2(&self) -> &[u64; 512] {
        &self.l2
    }
}

/// The page descriptor for `pa` with `access` (`0` for [`KernelAccess::None`]).
pub const fn page_descriptor(pa: u64, access: KernelAccess) -> u64 {
    let page = DESC_PAGE | ATTRIBUTES | (pa & OUTPUT_ADDRESS);
    match access {
        KernelAccess::ReadExecute => (page | DESC_AP_RO) & !DESC_PXN,
        KernelAccess::ReadOnly => page | DESC_AP_RO | DESC_PXN,
        KernelAccess::ReadWrite => page | DESC_PXN,
        KernelAccess::None => 0,
    }
}

impl BootTable {
    /// Replaces the 1 GiB normal block at `gib` by `tables`: 2 MiB blocks
    /// with the block's attributes, made non-executable, except the 2 MiB
    /// stretches the `spans` touch, which are mapped page by page —
    /// each span's pages with its access, the stretch's other pages
    /// read/write. Empty spans are ignored; a span that is unaligned or
    /// reaches outside the GiB is refused.
    ///
    /// The tables are identity-mapped kernel memory (their address is the
    /// physical address the walker uses).
    pub fn refine<const L3: usize>(
        &mut self,
        gib: u64,
        tables: &mut FineTables<L3>,
        spans: &[Span],
    ) -> Result<(), RefineError> {
        let index = (gib / mmu::BLOCK_SIZE) as usize;
        if !gib.is_multiple_of(mmu::BLOCK_SIZE)
            || index >= 512
            || self.entries()[index] != mmu::block_descriptor(gib, MemoryKind::Normal)
        {
            return Err(RefineError::NotANormalBlock);
        }
        // Empty spans (say, an image without `.data`) map nothing.
        let spans = || spans.iter().filter(|span| span.start != span.end);
        let in_gib = |span: &Span| {
            span.start < span.end
                && span.start.is_multiple_of(PAGE)
                && span.end.is_multiple_of(PAGE)
                && span.start >= gib
                && span.end <= gib + mmu::BLOCK_SIZE
        };
        if !spans().all(in_gib) {
            return Err(RefineError::BadSpan);
        }

        // Which 2 MiB stretches need pages, in a fixed slot order.
        let mut stretches = [usize::MAX; L3];
        let mut used = 0;
        for span in spans() {
            let first = ((span.start - gib) / L2_BLOCK) as usize;
            let last = ((span.end - 1 - gib) / L2_BLOCK) as usize;
            for stretch in first..=last {
                if !stretches[..used].contains(&stretch) {
                    if used == L3 {
                        return Err(RefineError::TooManyStretches);
                    }
                    stretches[used] = stretch;
                    used += 1;
                }
            }
        }

        for (slot, entry) in tables.l2.iter_mut().enumerate() {
            let base = gib + slot as u64 * L2_BLOCK;
            *entry = DESC_L2_BLOCK | ATTRIBUTES | DESC_PXN | (base & OUTPUT_ADDRESS);
        }
        for (table, &stretch) in stretches[..used].iter().enumerate() {
            let base = gib + stretch as u64 * L2_BLOCK;
            for (page, entry) in tables.l3[table].iter_mut().enumerate() {
                let pa = base + page as u64 * PAGE;
                let access = spans()
                    .find(|span| span.start <= pa && pa < span.end)
                    .map_or(KernelAccess::ReadWrite, |span| span.access);
                *entry = page_descriptor(pa, access);
            }
            let l3 = core::ptr::from_ref(&tables.l3[table]) as u64;
            tables.l2[stretch] = DESC_TABLE | (l3 & OUTPUT_ADDRESS);
        }
        let l2 = core::ptr::from_ref(&tables.l2) as u64;
        self.set_entry(index, DESC_TABLE | (l2 & OUTPUT_ADDRESS));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::boxed::Box;

    use super::*;
    use crate::mmu::Region;

    const GIB: u64 = mmu::BLOCK_SIZE;
    const IMAGE: u64 = GIB + 0x20_0000;

    fn boot_map() -> BootTable {
        let mut table = BootTable::new();
        table
            .map(Region {
                base: 0,
                size: GIB,
                kind: MemoryKind::Device,
            })
            .unwrap();
        table
            .map(Region {
                base: GIB,
                size: GIB,
                kind: MemoryKind::Normal,
            })
            .unwrap();
        table
    }

    /// The descriptor translating `va`, walked from the tables by hand.
    fn leaf(tables: &FineTables<4>, va: u64) -> u64 {
        let l2 = tables.l2[((va - GIB) / L2_BLOCK) as usize];
        if l2 & 0b11 != DESC_TABLE {
            return l2;
        }
        let l3 = (l2 & OUTPUT_ADDRESS) as *const [u64; 512];
        // SAFETY: the table address was taken from `tables` itself.
        unsafe { (*l3)[((va % L2_BLOCK) / PAGE) as usize] }
    }

    fn spans() -> [Span; 4] {
        [
            Span {
                start: IMAGE,
                end: IMAGE + 0x3000,
                access: KernelAccess::ReadExecute,
            },
            Span {
                start: IMAGE + 0x3000,
                end: IMAGE + 0x4000,
                access: KernelAccess::ReadOnly,
            },
            // A span crossing into the next 2 MiB stretch.
            Span {
                start: IMAGE + 0x1f_f000,
                end: IMAGE + 0x20_1000,
                access: KernelAccess::ReadWrite,
            },
            Span {
                start: IMAGE + 0x20_1000,
                end: IMAGE + 0x20_2000,
                access: KernelAccess::None,
            },
        ]
    }

    #[test]
    fn code_constants_data_and_guard_get_their_own_pages() {
        let mut table = boot_map();
        let mut tables = Box::new(FineTables::<4>::new());
        table.refine(GIB, &mut tables, &spans()).unwrap();
        assert_eq!(table.entries()[1] & 0b11, DESC_TABLE);
        assert_eq!(
            table.entries()[1] & OUTPUT_ADDRESS,
            core::ptr::from_ref(&tables.l2) as u64
        );
        // Code: read-only (AP[2]) and executable at EL1 (PXN clear), UXN set.
        let code = leaf(&tables, IMAGE + 0x1000);
        assert_eq!(
            code & (DESC_AP_RO | DESC_PXN | (1 << 54) | 0b11),
            DESC_AP_RO | (1 << 54) | 0b11
        );
        assert_eq!(code & OUTPUT_ADDRESS, IMAGE + 0x1000);
        // Constants: read-only, never executable.
        assert_eq!(
            leaf(&tables, IMAGE + 0x3000) & (DESC_AP_RO | DESC_PXN),
            DESC_AP_RO | DESC_PXN
        );
        // Data across the stretch boundary: writable, never executable.
        for va in [IMAGE + 0x1f_f000, IMAGE + 0x20_0000] {
            assert_eq!(
                leaf(&tables, va) & (DESC_AP_RO | DESC_PXN | 0b11),
                DESC_PXN | 0b11
            );
        }
        // Guard: unmapped.
        assert_eq!(leaf(&tables, IMAGE + 0x20_1000), 0);
        // Elsewhere in a refined stretch: read/write pages.
        assert_eq!(
            leaf(&tables, IMAGE + 0x10_0000),
            page_descriptor(IMAGE + 0x10_0000, KernelAccess::ReadWrite)
        );
        // Untouched stretches: 2 MiB blocks, non-executable, same memory type.
        let block = leaf(&tables, GIB + 0x3000_0000);
        assert_eq!(block & 0b11, DESC_L2_BLOCK);
        assert_eq!(block & OUTPUT_ADDRESS, GIB + 0x3000_0000);
        assert_eq!(block & !OUTPUT_ADDRESS & !0b11, ATTRIBUTES | DESC_PXN);
    }

    #[test]
    fn refusals_leave_the_boot_map_unchanged() {
        let mut table = boot_map();
        let before = *table.entries();
        let mut tables = Box::new(FineTables::<1>::new());
        let unaligned = [Span {
            start: IMAGE + 1,
            end: IMAGE + PAGE,
            access: KernelAccess::ReadOnly,
        }];
        let outside = [Span {
            start: 2 * GIB,
            end: 2 * GIB + PAGE,
            access: KernelAccess::ReadOnly,
        }];
        assert_eq!(
            table.refine(GIB, &mut tables, &unaligned),
            Err(RefineError::BadSpan)
        );
        assert_eq!(
            table.refine(GIB, &mut tables, &outside),
            Err(RefineError::BadSpan)
        );
        assert_eq!(
            table.refine(GIB, &mut tables, &spans()),
            Err(RefineError::TooManyStretches)
        );
        assert_eq!(
            table.refine(0, &mut tables, &[]),
            Err(RefineError::NotANormalBlock)
        );
        assert_eq!(
            table.refine(3 * GIB, &mut tables, &[]),
            Err(RefineError::NotANormalBlock)
        );
        assert_eq!(*table.entries(), before);
    }
}
