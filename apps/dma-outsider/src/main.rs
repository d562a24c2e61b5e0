// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! `dma-outsider`: an app the board's DMA policy does not name. It may ask
//! whether the drivers exist and read the engine's limits, and nothing
//! else: every other IOMMU DMA command answers `NOSUPPORT`
//! (`doc/syscalls/iommu_dma.md`), and a copy answers `RESERVE` because the
//! app can own no master (`doc/syscalls/dma_engine.md`). Runs alongside
//! `dma-storm` and `dma-hostile`, which hold the master by turns.

#![no_std]
#![no_main]

use libportcullis::ErrorCode;
use libportcullis::abi::Return;
use libportcullis::check::Checks;
use libportcullis::dma::buffer::DmaBuffer;
use libportcullis::dma::{self, Access};
use libportcullis::drivers::{DMA_ENGINE, IOMMU_DMA};
use libportcullis::syscall::Command;

static PAGE: DmaBuffer<1> = DmaBuffer::new();

libportcullis::main!(main);

fn iommu(number: u32, arg0: u64, arg1: u64) -> Result<Return, ErrorCode> {
    Command::new(IOMMU_DMA, number).args(arg0, arg1).call()
}

fn main() -> u32 {
    let checks = Checks::new("dma-outsider");
    checks.accepted("iommu-dma exists", iommu(0, 0, 0));
    for (name, number, arg0, arg1) in [
        ("attach (NOSUPPORT)", 1, 0, 0),
        ("detach (NOSUPPORT)", 2, 0, 0),
        ("map of an empty slot (NOSUPPORT)", 3, 0, 1),
        ("unmap (NOSUPPORT)", 4, 1, 0),
        ("info (NOSUPPORT)", 5, 6, 0),
        ("info of a bad field (NOSUPPORT)", 5, 99, 0),
        ("attach of an undeclared master (NOSUPPORT)", 1, 9, 0),
    ] {
        checks.refused(name, iommu(number, arg0, arg1), ErrorCode::NoSupport);
    }
    // NOSUPPORT comes before anything is looked at, even with a good buffer.
    checks.refused(
        "map of a good page (NOSUPPORT)",
        PAGE.map(0, Access::ReadWrite),
        ErrorCode::NoSupport,
    );
    checks.accepted(
        "dma-engine exists",
        Command::new(DMA_ENGINE, 0).call_success(),
    );
    checks.accepted("dma-engine limits", dma::engine_limits());
    checks.accepted("dma-engine set source", dma::set_source(PAGE.address()));
    checks.refused(
        "dma-engine copy without a master (RESERVE)",
        dma::start(PAGE.address(), 16),
        ErrorCode::Reserve,
    );
    checks.refused(
        "dma-engine cancel with nothing in flight (ALREADY)",
        dma::cancel(),
        ErrorCode::Already,
    );
    checks.finish()
}
