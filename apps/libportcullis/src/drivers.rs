// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Driver numbers, mirrored from the kernel's registry
//! (`kernel/src/driver_number.rs`; userspace does not depend on the kernel
//! crate). Keep the two in step: Tock's numbers for Tock's drivers,
//! `0x9xxxx` for Portcullis's own.

/// Alarm (Tock 0x0).
pub const ALARM: u32 = 0x0;
/// Console (Tock 0x1).
pub const CONSOLE: u32 = 0x1;
/// LEDs (Tock 0x2).
pub const LED: u32 = 0x2;
/// Low-level debug (Tock 0x8).
pub const LOW_LEVEL_DEBUG: u32 = 0x8;
/// Per-process IOMMU domains and DMA grants.
pub const IOMMU_DMA: u32 = 0x9_0000;
/// Memcpy/fill DMA engine taking device addresses.
pub const DMA_ENGINE: u32 = 0x9_0001;

/// Every number above.
pub const ALL: [u32; 6] = [ALARM, CONSOLE, LED, LOW_LEVEL_DEBUG, IOMMU_DMA, DMA_ENGINE];
