// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Every system-call driver number, in one place.
//!
//! Numbers shared with Tock keep Tock's values (so Tock userspace libraries
//! find the same drivers); Portcullis's own drivers use the `0x9xxxx` range,
//! which Tock leaves for out-of-tree drivers. Add new drivers here only.

/// Alarm (Tock 0x0).
pub const ALARM: u32 = 0x0;
/// Console (Tock 0x1).
pub const CONSOLE: u32 = 0x1;
/// LEDs (Tock 0x2).
pub const LED: u32 = 0x2;
/// Low-level debug (Tock 0x8).
pub const LOW_LEVEL_DEBUG: u32 = 0x8;
/// Per-process IOMMU domains and DMA grants (`capsules/iommu-dma`).
pub const IOMMU_DMA: u32 = 0x9_0000;
/// Memcpy/fill DMA engine taking device addresses (`capsules/dma-engine`).
pub const DMA_ENGINE: u32 = 0x9_0001;

/// All numbers above, for uniqueness checks and listings.
pub const ALL: [(&str, u32); 6] = [
    ("alarm", ALARM),
    ("console", CONSOLE),
    ("led", LED),
    ("low_level_debug", LOW_LEVEL_DEBUG),
    ("iommu_dma", IOMMU_DMA),
    ("dma_engine", DMA_ENGINE),
];

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_are_unique() {
        for (i, (name, n)) in super::ALL.iter().enumerate() {
            for (other, m) in &super::ALL[i + 1..] {
                assert_ne!(n, m, "{name} and {other} share a number");
            }
        }
    }
}
