// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The kernel's boot memory map for QEMU `virt` and the linker's view of the
//! kernel image.

use core::cell::UnsafeCell;

use aarch64::kernel_map::{FineTables, KernelAccess, RefineError, Span as MapSpan};
use aarch64::mmu::{self, BootTable, MapError, MemoryKind, Region};

const GIB: u64 = mmu::BLOCK_SIZE;

/// What the kernel maps at boot: the low GiB of devices (flash, GIC, UART,
/// SMMU, PCIe MMIO window), 1 GiB of RAM and the GiB holding PCIe ECAM.
pub(crate) const BOOT_REGIONS: [Region; 3] = [
    Region {
        base: 0,
        size: GIB,
        kind: MemoryKind::Device,
    },
    Region {
        base: qemu_virt::memory_map::RAM_BASE,
        size: GIB,
        kind: MemoryKind::Normal,
    },
    Region {
        base: qemu_virt::memory_map::PCIE_ECAM_BASE & !(GIB - 1),
        size: GIB,
        kind: MemoryKind::Device,
    },
];

/// An address no boot region covers (the fifth GiB).
pub(crate) const UNMAPPED_PROBE: u64 = 4 * GIB + 0x40;

struct TableCell(UnsafeCell<BootTable>);

// SAFETY: written once, by `enable_mmu` on the boot core before the MMU
// (and anything concurrent) is on; read-only to software afterwards.
unsafe impl Sync for TableCell {}

static BOOT_TABLE: TableCell = TableCell(UnsafeCell::new(BootTable::new()));

/// Level-2 and level-3 tables giving the kernel image page permissions;
/// four 2 MiB stretches cover the image (about 4.5 MiB with the process
/// arena).
struct FineCell(UnsafeCell<FineTables<4>>);

// SAFETY: as `TableCell`: written once by `enable_mmu` before the MMU is on.
unsafe impl Sync for FineCell {}

static KERNEL_TABLES: FineCell = FineCell(UnsafeCell::new(FineTables::new()));

/// Why the boot map could not be built.
#[derive(Clone, Copy, Debug, defmt::Format)]
pub(crate) enum BootMapError {
    /// A region of [`BOOT_REGIONS`] was refused.
    Region(MapError),
    /// The kernel image's page permissions were refused.
    Image(RefineError),
}

/// The kernel image's page permissions: code read-only and executable,
/// constants read-only, data and stack read/write, the page below the stack
/// unmapped.
fn image_spans() -> [MapSpan; 5] {
    let layout = image_layout();
    let page_up = |address: u64| address.next_multiple_of(4096);
    let guard = layout.stack.start - 4096;
    [
        MapSpan {
            start: layout.text.start,
            end: page_up(layout.text.end),
            access: KernelAccess::ReadExecute,
        },
        MapSpan {
            start: layout.rodata.start,
            end: page_up(layout.rodata.end),
            access: KernelAccess::ReadOnly,
        },
        MapSpan {
            start: layout.data.start,
            end: page_up(layout.bss.end),
            access: KernelAccess::ReadWrite,
        },
        MapSpan {
            start: guard,
            end: layout.stack.start,
            access: KernelAccess::None,
        },
        MapSpan {
            start: layout.stack.start,
            end: layout.stack.end,
            access: KernelAccess::ReadWrite,
        },
    ]
}

/// The unmapped page just below the kernel stack.
pub(crate) fn stack_guard() -> u64 {
    image_layout().stack.start - 4096
}

/// Builds the boot map and turns on the MMU.
pub(crate) fn enable_mmu() -> Result<(), BootMapError> {
    // SAFETY: boot is single-threaded and this is the only writer; no
    // reference to the table exists yet.
    let table = unsafe { &mut *BOOT_TABLE.0.get() };
    for region in BOOT_REGIONS {
        table.map(region).map_err(BootMapError::Region)?;
    }
    // SAFETY: as above, for the refinement tables.
    let fine = unsafe { &mut *KERNEL_TABLES.0.get() };
    table
        .refine(qemu_virt::memory_map::RAM_BASE, fine, &image_spans())
        .map_err(BootMapError::Image)?;
    // SAFETY: called once at EL1 with the MMU off; the map covers the image
    // and stack (RAM) and the UART (first GiB).
    unsafe { mmu::enable(table) };
    Ok(())
}

unsafe extern "C" {
    static __text_start: u8;
    static __text_end: u8;
    static __rodata_start: u8;
    static __rodata_end: u8;
    static __data_start: u8;
    static __data_end: u8;
    static __bss_start: u8;
    static __bss_end: u8;
    static __stack_bottom: u8;
    static __stack_top: u8;
}

/// A half-open address range of the kernel image.
#[derive(Clone, Copy)]
pub(crate) struct Span {
    pub(crate) start: u64,
    pub(crate) end: u64,
}

/// Where the linker put each part of the kernel.
pub(crate) struct ImageLayout {
    pub(crate) text: Span,
    pub(crate) rodata: Span,
    pub(crate) data: Span,
    pub(crate) bss: Span,
    pub(crate) stack: Span,
}

/// The kernel's boot map (the kernel half of every process's tables).
///
/// Only meaningful after [`enable_mmu`]; never written again after it.
pub(crate) fn boot_table() -> &'static BootTable {
    // SAFETY: `enable_mmu` wrote the table once during single-threaded boot;
    // from then on it is only read.
    unsafe { &*BOOT_TABLE.0.get() }
}

/// Reads the image layout from the linker symbols.
pub(crate) fn image_layout() -> ImageLayout {
    fn span(start: *const u8, end: *const u8) -> Span {
        Span {
            start: start as u64,
            end: end as u64,
        }
    }
    ImageLayout {
        text: span(&raw const __text_start, &raw const __text_end),
        rodata: span(&raw const __rodata_start, &raw const __rodata_end),
        data: span(&raw const __data_start, &raw const __data_end),
        bss: span(&raw const __bss_start, &raw const __bss_end),
        stack: span(&raw const __stack_bottom, &raw const __stack_top),
    }
}
