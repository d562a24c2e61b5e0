// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! `dma-demo`: an app drives a DMA engine through its own IOMMU domain.
//!
//! It fills a page, attaches the board's DMA master 0 to its domain, maps
//! the page read-only and a second page read-write (each through an allow
//! that it drops right after mapping: the mapping, not the allow, is what
//! the device may use), has the engine copy one into the other by device
//! address, checks every byte, reports the throughput, and unmaps both
//! (a second unmap of the same handle must be refused).

#![no_std]
#![no_main]

use core::cell::UnsafeCell;

use libportcullis::dma::{self, Access};
use libportcullis::drivers::IOMMU_DMA;
use libportcullis::syscall::{with_allow_ro, with_allow_rw};
use libportcullis::{ErrorCode, alarm, println};

const PAGE: usize = 4096;

/// A page-aligned page of the app's RAM that a device may reach.
#[repr(C, align(4096))]
struct DmaPage(UnsafeCell<[u8; PAGE]>);

// SAFETY: the app is single-threaded; the engine writes the page only while
// this code waits for it, and the app reads it back only with volatile reads.
unsafe impl Sync for DmaPage {}

static SOURCE: DmaPage = DmaPage(UnsafeCell::new([0; PAGE]));
static DESTINATION: DmaPage = DmaPage(UnsafeCell::new([0; PAGE]));

/// The board's DMA master this app is granted (index 0 of its policy).
const MASTER: u32 = 0;

libportcullis::main!(main);

fn pattern(index: usize) -> u8 {
    (index.wrapping_mul(7) ^ 0xa5) as u8
}

fn main() -> Result<(), ErrorCode> {
    // SAFETY: no device is attached yet; this is the only reference.
    let source = unsafe { &mut *SOURCE.0.get() };
    for (index, byte) in source.iter_mut().enumerate() {
        *byte = pattern(index);
    }
    let (max_transfer, address_bits) = dma::engine_limits()?;
    let len = PAGE.min(max_transfer as usize);
    println!(
        "dma-demo: engine copies up to {max_transfer} bytes, {address_bits}-bit device addresses"
    );

    dma::attach(MASTER)?;
    let from = with_allow_ro(IOMMU_DMA, 0, &source[..], || dma::map(0, Access::Read))??;
    // SAFETY: the engine is idle; the reference ends with the allow.
    let destination = unsafe { &mut *DESTINATION.0.get() };
    let to = with_allow_rw(IOMMU_DMA, 0, &mut destination[..], || {
        dma::map(0, Access::ReadWrite)
    })??;
    println!(
        "dma-demo: mapped source at device address {:#x}, destination at {:#x} (allows already dropped)",
        from.device_address, to.device_address
    );

    let hz = u64::from(alarm::frequency()?);
    let start = alarm::now()?;
    let copied = dma::copy(from.device_address, to.device_address, len as u64)?;
    let ticks = (alarm::now()? - start).max(1);

    let destination = DESTINATION.0.get().cast::<u8>();
    if copied != len as u64 {
        println!("dma-demo: ERROR: the engine reported {copied} bytes copied, not {len}");
        return Err(ErrorCode::Fail);
    }
    let first_bad = (0..len).find(|&index| {
        // SAFETY: in bounds of the page; the engine has finished.
        unsafe { core::ptr::read_volatile(destination.add(index)) != pattern(index) }
    });
    match first_bad {
        None => println!(
            "dma-demo: copied {copied} bytes through the IOMMU in {} ms and verified them; {} KiB/s (QEMU's edu waits 100 ms before each of its transfers)",
            ticks * 1000 / hz,
            copied * hz / ticks / 1024
        ),
        Some(index) => {
            println!("dma-demo: ERROR: byte {index} differs after the copy");
            return Err(ErrorCode::Fail);
        }
    }

    dma::unmap(from.handle)?;
    dma::unmap(to.handle)?;
    match dma::unmap(to.handle) {
        Err(ErrorCode::Invalid) => {
            println!("dma-demo: a second unmap of a handle is refused (INVAL)")
        }
        other => {
            println!("dma-demo: ERROR: second unmap answered {other:?}");
            return Err(ErrorCode::Fail);
        }
    }
    dma::detach(MASTER)?;
    println!("dma-demo: done");
    Ok(())
}
