// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! `dma-restart`: when a process faults and is restarted, nothing its old
//! run mapped may stay reachable, and a transfer it left in flight must be
//! stopped before its memory is reused (DESIGN §4 invariant 4).
//!
//! Every run does the same:
//!
//! 1. checks it starts with no domain and nothing mapped;
//! 2. attaches master 0 (retrying while another app holds it);
//! 3. has the engine write to [`TARGET`], a page of its RAM that this run
//!    has not mapped → translation fault at its address, page unchanged.
//!    On the first run the page was never mapped; on every later run it is
//!    exactly the page the previous run had mapped (same address: the
//!    image and layout do not change), so this is "DMA after the owning
//!    app was restarted";
//! 4. maps [`TARGET`] and copies into it: now it must go through;
//! 5. prints its verdict, starts one more copy into [`TARGET`], and
//!    crashes (reads the null page) with the mapping live, the master
//!    attached and that copy in flight.
//!
//! The board's fault policy restarts it three times, then stops it: the
//! log shows four runs, each with all checks passed. A run that found the
//! previous run's transfer still going would see it as a fault upcall or
//! a `BUSY` engine, or a changed page, and fail.

#![no_std]
#![no_main]

use libportcullis::check::Checks;
use libportcullis::dma::buffer::{DmaBuffer, Pattern};
use libportcullis::dma::events::{DmaEvents, ExpectedFault};
use libportcullis::dma::probe::{Transfer, check_blocked, check_clean};
use libportcullis::dma::{self, Access, info_field};
use libportcullis::{ErrorCode, println};

const MASTER: u32 = 0;
const ATTACH_TRIES: u32 = 80;
const ATTACH_PAUSE_MS: u32 = 300;
const TRANSLATION: u32 = 1;
/// An address in the null page, which is never mapped for a process.
const NULL_PAGE_ADDRESS: usize = 0x8;

static SOURCE: DmaBuffer<1> = DmaBuffer::new();
/// The page written after each restart before being mapped again.
static TARGET: DmaBuffer<1> = DmaBuffer::new();
static EVENTS: DmaEvents = DmaEvents::new();

const SOURCE_BYTES: Pattern = Pattern(0x69);
const TARGET_BYTES: Pattern = Pattern(0x96);

libportcullis::main!(main);

fn main() -> u32 {
    let checks = Checks::new("dma-restart");
    let in_flight = match run(&checks) {
        Ok(in_flight) => in_flight,
        Err(code) => {
            checks.setup_failed(code);
            false
        }
    };
    let verdict = checks.finish();
    println!(
        "dma-restart: crashing with the page mapped, the master attached{}",
        if in_flight {
            " and a copy in flight"
        } else {
            ""
        }
    );
    // SAFETY: a deliberate fault, the point of the test: the null page is
    // never mapped for a process, so the read traps before it yields a
    // value and the kernel ends this run (and restarts it by its fault
    // policy); no Rust object is ever read or aliased.
    let value = unsafe { core::ptr::read_volatile(NULL_PAGE_ADDRESS as *const u64) };
    println!("dma-restart: the null page was readable ({value:#x}); FAIL");
    verdict.max(1)
}

/// One run's checks; returns whether a copy was left in flight.
fn run(checks: &Checks) -> Result<bool, ErrorCode> {
    EVENTS.watch()?;
    SOURCE.fill(SOURCE_BYTES);
    TARGET.fill(TARGET_BYTES);
    let fresh = (
        dma::info(info_field::DOMAIN_STATE),
        dma::info(info_field::BYTES_MAPPED),
    );
    checks.check(
        "run starts with no domain and nothing mapped",
        match fresh {
            (Ok(0), Ok(0)) => Ok(()),
            _ => Err(Stale(fresh)),
        },
    );
    let source = SOURCE.map(0, Access::Read)?;
    let attached = EVENTS.attach_with_retry(MASTER, ATTACH_TRIES, ATTACH_PAUSE_MS);
    if checks
        .accepted("attach master 0 (retrying while busy)", attached)
        .is_none()
    {
        return Ok(false);
    }
    let (max_transfer, _) = dma::engine_limits()?;
    let len = u64::from(max_transfer).min(DmaBuffer::<1>::LEN as u64);
    let into_target = Transfer {
        source: source.device_address,
        destination: TARGET.address(),
        len,
    };
    let expected = ExpectedFault {
        master: MASTER,
        address: TARGET.address(),
        len,
        kind: TRANSLATION,
        write: true,
    };
    check_blocked(
        checks,
        "write to the page unmapped in this run faults, memory unchanged",
        &EVENTS,
        into_target,
        &expected,
        || TARGET.first_mismatch(TARGET_BYTES, 0..DmaBuffer::<1>::LEN),
    );
    if checks
        .accepted("map the page", TARGET.map(1, Access::ReadWrite))
        .is_none()
    {
        return Ok(false);
    }
    let n = len as usize;
    check_clean(
        checks,
        "copy into the page once mapped",
        &EVENTS,
        into_target,
        || TARGET.first_mismatch(SOURCE_BYTES, 0..n),
    );
    Ok(EVENTS
        .start_copy(into_target.source, into_target.destination, len)
        .is_ok())
}

/// What a run found left from before: domain state and bytes mapped.
struct Stale((Result<u64, ErrorCode>, Result<u64, ErrorCode>));

impl core::fmt::Display for Stale {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let (state, bytes) = self.0;
        write!(f, "domain state {state:?}, bytes mapped {bytes:?}")
    }
}
