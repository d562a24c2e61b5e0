// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The boot banner: what is running, where, and how memory is laid out.

use aarch64::cpu::{self, MainId};
use aarch64_cpu::registers::{CNTFRQ_EL0, Readable};
use qemu_virt::memory_map as map;

use crate::memory::{self, Span};

fn span(name: &str, span: Span) {
    defmt::info!(
        "    {=str} {=u64:#010x}..{=u64:#010x} ({=u64} KiB)",
        name,
        span.start,
        span.end,
        (span.end - span.start).div_ceil(1024)
    );
}

/// Logs the banner.
pub(crate) fn print() {
    defmt::info!(
        "Portcullis {=str} on board qemu-virt",
        env!("CARGO_PKG_VERSION")
    );
    defmt::info!("  cpu: {}", MainId::read());
    defmt::info!(
        "  exception level: entered at EL{=u8}, running at EL{=u8}",
        aarch64::boot::entry_el(),
        cpu::current_el()
    );
    defmt::info!("  generic timer: {=u64} Hz", CNTFRQ_EL0.get());
    defmt::info!("  memory map:");
    for region in memory::BOOT_REGIONS {
        defmt::info!(
            "    {=u64:#012x}..{=u64:#012x} {} ({=u64} MiB)",
            region.base,
            region.base + region.size,
            region.kind,
            region.size >> 20
        );
    }
    defmt::info!(
        "    devices: PL011 {=usize:#x}, GICv3 {=usize:#x}/{=usize:#x}, SMMUv3 {=usize:#x}, PCIe ECAM {=u64:#x}, PCIe MMIO {=u64:#x}",
        map::UART0_BASE,
        map::GICD_BASE,
        map::GICR_BASE,
        map::SMMUV3_BASE,
        map::PCIE_ECAM_BASE,
        map::PCIE_MMIO_BASE
    );
    let layout = memory::image_layout();
    defmt::info!("  kernel image:");
    span("text", layout.text);
    span("rodata", layout.rodata);
    span("data", layout.data);
    span("bss", layout.bss);
    span("stack", layout.stack);
}
