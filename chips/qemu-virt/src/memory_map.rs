// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Physical memory map of the QEMU 7.2 `virt` machine.
//!
//! Read from the generated device tree (`dumpdtb`): the nodes `memory@40000000`,
//! `pl011@9000000`, `intc@8000000` (GICv3 distributor and redistributors),
//! `smmuv3@9050000`, `pcie@10000000` (ECAM in `reg`, the 32-bit MMIO window
//! in `ranges`). The PL011 reference clock (`apb-pclk`) is 24 MHz.

/// Start of RAM.
pub const RAM_BASE: u64 = 0x4000_0000;
/// PL011 UART0.
pub const UART0_BASE: usize = 0x0900_0000;
/// PL011 reference clock in Hz.
pub const UART0_CLOCK_HZ: u32 = 24_000_000;
/// GICv3 distributor.
pub const GICD_BASE: usize = 0x0800_0000;
/// GICv3 redistributor region.
pub const GICR_BASE: usize = 0x080a_0000;
/// SMMUv3 register frame.
pub const SMMUV3_BASE: usize = 0x0905_0000;
/// PCIe ECAM (high, 256 MiB).
pub const PCIE_ECAM_BASE: u64 = 0x40_1000_0000;
/// PCIe 32-bit MMIO window.
pub const PCIE_MMIO_BASE: u64 = 0x1000_0000;
