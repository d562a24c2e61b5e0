// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! `dma-hostile`: hostile system-call sequences against the IOMMU DMA
//! driver (`doc/syscalls/iommu_dma.md`) and the DMA engine
//! (`doc/syscalls/dma_engine.md`); every answer must be the documented
//! one, every refusal must change nothing, and the kernel must keep
//! running. The board gives this app small quotas on purpose: 2 mappings,
//! 8 KiB, 3 translation-table pages (one 2 MiB region of IOVA space).
//!
//! Phase 1 ([`iommu`]), while `dma-storm` (first in the bundle) holds
//! master 0: info fields, unknown commands, out-of-range and busy
//! masters, malformed maps, an unmap sweep over handle values it never got
//! (including `dma-storm`'s, which that app then checks survived), quota
//! exhaustion (mappings, bytes, table pages), double unmap and a handle
//! with high bits set; a copy without owning the engine.
//!
//! Phase 2 ([`engine`]), once `dma-storm` has let go of master 0: copies
//! with zero, too long, huge, out-of-window and wrapping sizes and
//! addresses (refused before the device is touched: no done upcall, no
//! fault, memory unchanged), a second copy while one is in flight, cancel
//! (in flight and idle), detach twice, a copy after detach.

#![no_std]
#![no_main]

mod engine;
mod iommu;

use libportcullis::check::Checks;
use libportcullis::dma::events::DmaEvents;
use libportcullis::{ErrorCode, alarm};

/// The board's one DMA master (`edu`).
const MASTER: u32 = 0;

static EVENTS: DmaEvents = DmaEvents::new();

libportcullis::main!(main);

fn main() -> u32 {
    Checks::run("dma-hostile", run)
}

fn run(checks: &Checks) -> Result<(), ErrorCode> {
    let hz = alarm::frequency()?;
    let start = alarm::now()?;
    EVENTS.watch()?;
    iommu::run(checks, start, hz)?;
    engine::run(checks, &EVENTS)
}
