// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The QEMU `virt` machine (`-M virt,gic-version=3,iommu=smmuv3`).
//!
//! Addresses come from the device tree QEMU 7.2 generates for that machine
//! (`-M virt,...,dumpdtb=virt.dtb`, then `dtc -I dtb -O dts`); see
//! [`memory_map`].

#![no_std]

#[cfg(target_arch = "aarch64")]
pub mod chip;
pub mod edu;
#[cfg(target_arch = "aarch64")]
pub mod gic;
pub mod memory_map;
pub mod pci;
pub mod pl011;
