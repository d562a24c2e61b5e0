// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The boot-time EL1 translation regime: an identity map in 1 GiB blocks.
//!
//! Turning the MMU on early gives the kernel cacheable RAM (data accesses
//! with the MMU off are Device-nGnRnE, Arm ARM DDI 0487K.a D8.2.10 "The
//! effects of disabling an address translation stage"), execute-never
//! device memory, and a precise translation fault for any address the board
//! did not declare, which is what turns a stray kernel pointer into a
//! reported data abort instead of silent bus traffic.
//!
//! Layout: 4 KiB granule, `T0SZ = 25` (a 39-bit input range), so the walk
//! starts at level 1 and each level-1 entry maps 1 GiB (DDI 0487K.a D8.2,
//! "Translation granule" and the starting-level tables). Level-1 block
//! descriptors (D8.3.1, "VMSAv8-64 descriptor formats"; block attributes in
//! D8.3.2): bits \[1:0\] = 0b01, AttrIndx \[4:2\], AP \[7:6\], SH \[9:8\],
//! AF bit 10, output address \[47:30\], PXN bit 53, UXN bit 54.
//!
//! Process address spaces are built elsewhere; this map only covers the
//! kernel's view. It is coarse on purpose (one table, no allocation); the
//! GiB holding the kernel image is then refined to page permissions (code
//! read-only, data non-executable, a stack guard page) by
//! [`crate::kernel_map`].

use core::sync::atomic::{AtomicU8, Ordering};

/// `MAIR_EL1` attribute indices this map uses.
pub mod attr {
    /// Device-nGnRE (`0x04`).
    pub const DEVICE: u64 = 0;
    /// Normal, inner and outer write-back, read/write-allocate (`0xFF`).
    pub const NORMAL: u64 = 1;
    /// Normal, inner and outer non-cacheable (`0x44`).
    pub const NORMAL_NC: u64 = 2;
}

/// `MAIR_EL1` value matching [`attr`] (DDI 0487K.a, "MAIR_EL1": `Attr<n>` is
/// byte n; 0b0000_0100 is Device-nGnRE, 0xFF normal write-back
/// non-transient read/write-allocate, 0x44 normal non-cacheable).
pub const MAIR_VALUE: u64 = 0x04 | (0xff << 8) | (0x44 << 16);

/// Size of the region one level-1 entry maps.
pub const BLOCK_SIZE: u64 = 1 << 30;
/// Input address bits translated through `TTBR0_EL1`.
pub const VA_BITS: u32 = 39;

/// What kind of memory a region is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum MemoryKind {
    /// RAM: cacheable, inner shareable, executable at EL1.
    Normal,
    /// MMIO: Device-nGnRE, never executable.
    Device,
}

/// A region of the identity map, in whole 1 GiB blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Region {
    /// Physical (and virtual) base; a multiple of [`BLOCK_SIZE`].
    pub base: u64,
    /// Length in bytes; a non-zero multiple of [`BLOCK_SIZE`].
    pub size: u64,
    /// Memory type.
    pub kind: MemoryKind,
}

/// Why a boot map could not be built.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum MapError {
    /// Base or size is not a multiple of 1 GiB, or the size is zero.
    Misaligned,
    /// The region reaches beyond the 39-bit input range.
    OutOfRange,
    /// The region overlaps one mapped before it.
    Overlap,
}

/// One 4 KiB level-1 translation table.
#[repr(C, align(4096))]
pub struct BootTable {
    entries: [u64; 512],
}

const DESC_BLOCK: u64 = 0b01;
const DESC_AF: u64 = 1 << 10;
const DESC_SH_INNER: u64 = 0b11 << 8;
const DESC_PXN: u64 = 1 << 53;
const DESC_UXN: u64 = 1 << 54;

/// The level-1 block descriptor identity-mapping `base` as `kind`.
///
/// AP = 0b00 (EL1 read/write, no EL0 access); EL0 never executes kernel
/// memory (UXN); device memory is never executable (PXN).
pub const fn block_descriptor(base: u64, kind: MemoryKind) -> u64 {
    let common = DESC_BLOCK | DESC_AF | DESC_UXN | (base & 0x0000_ffff_c000_0000);
    match kind {
        MemoryKind::Normal => common | (attr::NORMAL << 2) | DESC_SH_INNER,
        MemoryKind::Device => common | (attr::DEVICE << 2) | DESC_PXN,
    }
}

impl BootTable {
    /// An empty table: every address faults.
    pub const fn new() -> Self {
        Self { entries: [0; 512] }
    }

    /// The raw descriptors.
    pub const fn entries(&self) -> &[u64; 512] {
        &self.entries
    }

    /// Replaces one entry (for [`crate::kernel_map`]'s refinement).
    pub(crate) fn set_entry(&mut self, index: usize, descriptor: u64) {
        self.entries[index] = descriptor;
    }

    /// Adds `region` to the map.
    pub fn map(&mut self, region: Region) -> Result<(), MapError> {
        if region.size == 0
            || !region.base.is_multiple_of(BLOCK_SIZE)
            || !region.size.is_multiple_of(BLOCK_SIZE)
        {
            return Err(MapError::Misaligned);
        }
        let end = region
            .base
            .checked_add(region.size)
            .ok_or(MapError::OutOfRange)?;
        if end > 1 << VA_BITS {
            return Err(MapError::OutOfRange);
        }
        let first = (region.base / BLOCK_SIZE) as usize;
        let count = (region.size / BLOCK_SIZE) as usize;
        let slots = &mut self.entries[first..first + count];
        if slots.iter().any(|&entry| entry != 0) {
            return Err(MapError::Overlap);
        }
        for (index, slot) in slots.iter_mut().enumerate() {
            let base = region.base + index as u64 * BLOCK_SIZE;
            *slot = block_descriptor(base, region.kind);
        }
        Ok(())
    }
}

/// Width of the ASIDs in use (8 or 16; 0 until [`enable`] has run).
static ASID_BITS: AtomicU8 = AtomicU8::new(0);

/// Width of the ASIDs the MMU was configured with.
pub fn asid_bits() -> u8 {
    ASID_BITS.load(Ordering::Relaxed)
}

/// Loads `table` into `TTBR0_EL1` and turns on the MMU and caches.
///
/// # Safety
///
/// Must run once, at EL1, with the MMU off, before anything relies on
/// cacheability; `table` must identity-map all memory the kernel is using
/// (its image, stack and every device it touches) or the next access faults.
#[cfg(target_arch = "aarch64")]
pub unsafe fn enable(table: &'static BootTable) {
    use aarch64_cpu::asm::barrier;
    use aarch64_cpu::registers::{
        ID_AA64MMFR0_EL1, MAIR_EL1, ReadWriteable, Readable, SCTLR_EL1, TCR_EL1, TTBR0_EL1,
        Writeable,
    };

    let table_base = core::ptr::from_ref(table) as u64;
    // The table was written with the MMU off, i.e. straight to memory. Drop
    // any line a loader may have left cached for it so the (cacheable)
    // walker reads what we wrote (DDI 0487K.a D7.5.9, "Data cache
    // maintenance instructions": DC IVAC).
    // CTR_EL0.DminLine (bits 19:16) is log2 of the smallest data cache line
    // in words (DDI 0487K.a, "CTR_EL0").
    let ctr: u64;
    // SAFETY: reading CTR_EL0 has no side effects.
    unsafe { core::arch::asm!("mrs {}, ctr_el0", out(reg) ctr, options(nomem, nostack)) };
    let line = 4u64 << ((ctr >> 16) & 0xf);
    let mut addr = table_base;
    while addr < table_base + core::mem::size_of::<BootTable>() as u64 {
        // SAFETY: invalidating lines of our own table discards only stale
        // cached copies; memory holds the up-to-date descriptors.
        unsafe { core::arch::asm!("dc ivac, {}", in(reg) addr, options(nostack)) };
        addr += line;
    }
    barrier::dsb(barrier::SY);

    MAIR_EL1.set(MAIR_VALUE);
    let pa_range = ID_AA64MMFR0_EL1.read(ID_AA64MMFR0_EL1::PARange);
    // 16-bit ASIDs where implemented (every Armv8-A core Portcullis targets).
    let asid_size = if ID_AA64MMFR0_EL1.matches_all(ID_AA64MMFR0_EL1::ASIDBits::Bits_16) {
        ASID_BITS.store(16, Ordering::Relaxed);
        TCR_EL1::AS::ASID16Bits
    } else {
        ASID_BITS.store(8, Ordering::Relaxed);
        TCR_EL1::AS::ASID8Bits
    };
    TCR_EL1.write(
        asid_size
            + TCR_EL1::T0SZ.val(u64::from(64 - VA_BITS))
            + TCR_EL1::TG0::KiB_4
            + TCR_EL1::SH0::Inner
            + TCR_EL1::IRGN0::WriteBack_ReadAlloc_WriteAlloc_Cacheable
            + TCR_EL1::ORGN0::WriteBack_ReadAlloc_WriteAlloc_Cacheable
            + TCR_EL1::EPD1::DisableTTBR1Walks
            + TCR_EL1::IPS.val(pa_range.min(0b101)),
    );
    TTBR0_EL1.set_baddr(table_base);
    // SAFETY: invalidates stale EL1 translations before the first walk.
    unsafe { core::arch::asm!("tlbi vmalle1", options(nostack)) };
    barrier::dsb(barrier::SY);
    barrier::isb(barrier::SY);
    SCTLR_EL1.modify(
        SCTLR_EL1::M::Enable
            + SCTLR_EL1::C::Cacheable
            + SCTLR_EL1::I::Cacheable
            + SCTLR_EL1::SA::Enable,
    );
    barrier::isb(barrier::SY);
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIB: u64 = BLOCK_SIZE;

    #[test]
    fn normal_block_descriptor_bits() {
        // 1 GiB at 0x4000_0000: block (0b01), AttrIndx=1 (bit 2), SH=0b11
        // (bits 9:8), AF (bit 10), UXN (bit 54), OA = 0x4000_0000.
        assert_eq!(
            block_descriptor(GIB, MemoryKind::Normal),
            (1 << 54) | 0x4000_0000 | (1 << 10) | (0b11 << 8) | (1 << 2) | 0b01
        );
    }

    #[test]
    fn device_block_descriptor_is_never_executable() {
        // AttrIndx=0, SH=0, AF, PXN (bit 53) and UXN (bit 54).
        assert_eq!(
            block_descriptor(0, MemoryKind::Device),
            (1 << 54) | (1 << 53) | (1 << 10) | 0b01
        );
    }

    #[test]
    fn maps_each_gib_once_and_leaves_the_rest_faulting() {
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
                size: 2 * GIB,
                kind: MemoryKind::Normal,
            })
            .unwrap();
        let entries = table.entries();
        assert_eq!(entries[0], block_descriptor(0, MemoryKind::Device));
        assert_eq!(entries[1], block_descriptor(GIB, MemoryKind::Normal));
        assert_eq!(entries[2], block_descriptor(2 * GIB, MemoryKind::Normal));
        assert!(entries[3..].iter().all(|&entry| entry == 0));
    }

    #[test]
    fn refuses_bad_regions_and_changes_nothing() {
        let mut table = BootTable::new();
        table
            .map(Region {
                base: GIB,
                size: GIB,
                kind: MemoryKind::Normal,
            })
            .unwrap();
        let before = *table.entries();
        let bad = [
            (
                Region {
                    base: 0x1000,
                    size: GIB,
                    kind: MemoryKind::Device,
                },
                MapError::Misaligned,
            ),
            (
                Region {
                    base: 0,
                    size: 0,
                    kind: MemoryKind::Device,
                },
                MapError::Misaligned,
            ),
            (
                Region {
                    base: 0,
                    size: GIB + 1,
                    kind: MemoryKind::Device,
                },
                MapError::Misaligned,
            ),
            (
                Region {
                    base: 511 * GIB,
                    size: 2 * GIB,
                    kind: MemoryKind::Device,
                },
                MapError::OutOfRange,
            ),
            (
                Region {
                    base: 0,
                    size: 2 * GIB,
                    kind: MemoryKind::Device,
                },
                MapError::Overlap,
            ),
        ];
        for (region, error) in bad {
            assert_eq!(table.map(region), Err(error));
            assert_eq!(*table.entries(), before);
        }
    }
}
