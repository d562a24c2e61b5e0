// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! `dma-bench`: what DMA costs an app, measured in the guest.
//!
//! * map + unmap round trip of one page and of a 16-page buffer (two system
//!   calls each, including the IOMMU's strict invalidation and sync);
//! * one engine copy of 4095 bytes, from the command to the completion
//!   upcall, and the throughput that gives;
//! * the translation-table pages the app's domain holds once it maps.
//!
//! Run under QEMU with `-icount shift=0,sleep=off` (`make bench`), where the clock
//! advances with executed instructions and the figures are reproducible.
//! It first sleeps until the bundle's other benchmark has finished, so no
//! figure includes another process's timeslices. The copy figures are
//! QEMU's `edu` model's: it runs each half of a copy from a timer 100 ms
//! (virtual) after its command, and with `-icount` the idle kernel's wait
//! is skipped over, so the kernel's share cannot be told apart here.

#![no_std]
#![no_main]

use core::cell::UnsafeCell;

use libportcullis::dma::{self, Access};
use libportcullis::drivers::IOMMU_DMA;
use libportcullis::syscall::{with_allow_ro, with_allow_rw};
use libportcullis::{ErrorCode, alarm, println};

const PAGE: usize = 4096;
/// Pages of the large buffer.
const LARGE_PAGES: usize = 16;
/// Round trips per map+unmap figure.
const ROUNDS: u64 = 1000;
/// Copies for the copy figure.
const COPIES: u64 = 4;
/// Bytes per copy: one pass through the edu's buffer (4095 bytes), so one
/// RAM -> buffer and one buffer -> RAM transfer.
const COPY_LEN: u64 = 4095;
/// How long `syscall-bench`, flashed before this app, needs (about 25 ms
/// under `-icount shift=0,sleep=off`), with a wide margin.
const LET_OTHERS_FINISH_MS: u32 = 200;
/// The board's DMA master (the edu, policy index 0).
const MASTER: u32 = 0;
/// Info field 5: translation-table pages the domain holds.
const INFO_TABLE_PAGES_USED: u32 = 5;

/// Page-aligned memory a device may reach.
#[repr(C, align(4096))]
struct Pages<const N: usize>(UnsafeCell<[u8; N]>);

// SAFETY: the app is single-threaded; the engine writes `DESTINATION` only
// while this code waits for the copy to finish.
unsafe impl<const N: usize> Sync for Pages<N> {}

static SOURCE: Pages<PAGE> = Pages(UnsafeCell::new([0x5a; PAGE]));
static DESTINATION: Pages<PAGE> = Pages(UnsafeCell::new([0; PAGE]));
static LARGE: Pages<{ LARGE_PAGES * PAGE }> = Pages(UnsafeCell::new([0; LARGE_PAGES * PAGE]));

libportcullis::main!(main);

/// Maps the buffer of `N` bytes at `pages` read-write and unmaps it, `ROUNDS`
/// times; ticks per round trip, in hundredths.
fn map_unmap<const N: usize>(pages: &'static Pages<N>) -> Result<u64, ErrorCode> {
    // SAFETY: no device is attached while this runs; the reference ends
    // with the allow.
    let buffer = unsafe { &mut *pages.0.get() };
    with_allow_rw(IOMMU_DMA, 0, &mut buffer[..], || {
        let start = alarm::now()?;
        for _ in 0..ROUNDS {
            let mapping = dma::map(0, Access::ReadWrite)?;
            dma::unmap(mapping.handle)?;
        }
        Ok((alarm::now()? - start) * 100 / ROUNDS)
    })?
}

fn report(what: &str, centiticks: u64) {
    println!(
        "bench: {what}: {}.{:02} ticks",
        centiticks / 100,
        centiticks % 100
    );
}

fn main() -> Result<(), ErrorCode> {
    let hz = u64::from(alarm::frequency()?);
    alarm::sleep_ms(LET_OTHERS_FINISH_MS)?;
    report(
        "dma map+unmap round trip, 1 page (app)",
        map_unmap(&DESTINATION)?,
    );
    report(
        "dma map+unmap round trip, 16 pages (app)",
        map_unmap(&LARGE)?,
    );

    dma::attach(MASTER)?;
    // SAFETY: as in `map_unmap`.
    let source = unsafe { &*SOURCE.0.get() };
    let from = with_allow_ro(IOMMU_DMA, 0, &source[..], || dma::map(0, Access::Read))??;
    // SAFETY: as in `map_unmap`.
    let destination = unsafe { &mut *DESTINATION.0.get() };
    let to = with_allow_rw(IOMMU_DMA, 0, &mut destination[..], || {
        dma::map(0, Access::ReadWrite)
    })??;
    let tables = dma::info(INFO_TABLE_PAGES_USED)?;
    println!(
        "bench: dma domain memory: {tables} table pages ({} KiB) for two mapped pages",
        tables * PAGE as u64 / 1024
    );

    let (max, _) = dma::engine_limits()?;
    let len = u64::from(max).min(COPY_LEN);
    let start = alarm::now()?;
    for _ in 0..COPIES {
        let copied = dma::copy(from.device_address, to.device_address, len)?;
        if copied != len {
            return Err(ErrorCode::Fail);
        }
    }
    let ticks = (alarm::now()? - start).max(1);
    report(
        "dma copy of 4095 bytes, command to completion upcall",
        ticks * 100 / COPIES,
    );
    println!(
        "bench: dma copy throughput: {} bytes/s ({len} bytes per copy; bound by QEMU's edu timer)",
        len * COPIES * hz / ticks
    );
    dma::unmap(from.handle)?;
    dma::unmap(to.handle)?;
    dma::detach(MASTER)?;
    Ok(())
}
