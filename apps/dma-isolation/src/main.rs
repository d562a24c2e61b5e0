// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! `dma-isolation`: the IOMMU stops every DMA write the app did not grant
//! (DESIGN §4 invariants 1 and 3). With DMA master 0 attached to its own
//! domain it runs:
//!
//! 1. a control: a copy between two mapped pages goes through, so a broken
//!    engine cannot pass the checks below by doing nothing;
//! 2. a write to a device address it never mapped (a page of its own RAM
//!    at that address) → translation fault, page unchanged;
//! 3. a write into a page mapped read-only → permission fault, page
//!    unchanged; reading that page still works;
//! 4. a write after unmap: the page is mapped, a copy into it works, it is
//!    unmapped, the same copy again → translation fault, page unchanged.
//!
//! Each blocked write must produce the fault upcall (master 0, the
//! destination's first byte, write) *and* leave the memory as it was.
//! Faulting copies are at least a second apart, so this app never nears
//! the board's fault-storm limit (128 fault records a second; one copy
//! makes at most ~32). Prints one line per check and exits 0 if all pass.

#![no_std]
#![no_main]

use core::cell::Cell;

use libportcullis::check::Checks;
use libportcullis::dma::buffer::{DmaBuffer, Pattern};
use libportcullis::dma::events::{DmaEvents, ExpectedFault};
use libportcullis::dma::probe::{Transfer, check_blocked, check_clean};
use libportcullis::dma::{self, Access, Mapping, info_field};
use libportcullis::{ErrorCode, println};

/// The board's DMA master this app is granted (`edu`, policy index 0).
const MASTER: u32 = 0;
/// Attach attempts while another app holds the master, and the pause
/// between them.
const ATTACH_TRIES: u32 = 80;
const ATTACH_PAUSE_MS: u32 = 300;
/// Pause after each faulting copy (see the module documentation).
const FAULT_SPACING_MS: u32 = 1100;
/// Fault kinds (`doc/syscalls/iommu_dma.md`).
const TRANSLATION: u32 = 1;
const PERMISSION: u32 = 3;

static EVENTS: DmaEvents = DmaEvents::new();
/// Mapped read-only: what every copy reads.
static SOURCE: DmaBuffer<1> = DmaBuffer::new();
/// Mapped read-write: the control copy's destination.
static DESTINATION: DmaBuffer<1> = DmaBuffer::new();
/// Never mapped.
static NEVER_MAPPED: DmaBuffer<1> = DmaBuffer::new();
/// Mapped read-only.
static READ_ONLY: DmaBuffer<1> = DmaBuffer::new();
/// Mapped, written, unmapped.
static UNMAPPED_LATER: DmaBuffer<1> = DmaBuffer::new();

const SOURCE_BYTES: Pattern = Pattern(0x11);
const DESTINATION_BYTES: Pattern = Pattern(0x22);
const NEVER_MAPPED_BYTES: Pattern = Pattern(0x33);
const READ_ONLY_BYTES: Pattern = Pattern(0x44);
const UNMAPPED_LATER_BYTES: Pattern = Pattern(0x55);

libportcullis::main!(main);

fn main() -> u32 {
    Checks::run("dma-isolation", run)
}

/// Follows the domain's fault counter (info field 7): every blocked write
/// must raise it, whether or not its upcalls were coalesced.
#[derive(Default)]
struct FaultCounter {
    last: Cell<u64>,
    blocked: Cell<u32>,
    uncounted: Cell<u32>,
}

impl FaultCounter {
    /// Notes one blocked write: the counter must have grown since the last.
    fn blocked_write(&self) -> Result<(), ErrorCode> {
        let now = dma::info(info_field::FAULTS)?;
        self.blocked.set(self.blocked.get() + 1);
        if now <= self.last.get() {
            self.uncounted.set(self.uncounted.get() + 1);
        }
        self.last.set(now);
        Ok(())
    }
}

/// A write of `len` bytes to `target` must fault with `kind` at its first
/// byte and leave it holding `pattern`.
fn expect_blocked(
    checks: &Checks,
    counter: &FaultCounter,
    name: &str,
    target: &'static DmaBuffer<1>,
    pattern: Pattern,
    len: u64,
    kind: u32,
) -> bool {
    let expected = ExpectedFault {
        master: MASTER,
        address: target.address(),
        len,
        kind,
        write: true,
    };
    let copy = Transfer {
        source: SOURCE.address(),
        destination: target.address(),
        len,
    };
    let blocked = check_blocked(checks, name, &EVENTS, copy, &expected, || {
        target.first_mismatch(pattern, 0..DmaBuffer::<1>::LEN)
    });
    if counter.blocked_write().is_err() {
        counter.uncounted.set(counter.uncounted.get() + 1);
    }
    blocked
}

/// A copy of `len` bytes from `from` to `to` must go through: `to` then
/// starts with `from_bytes` and keeps `to_bytes` after `len`.
fn expect_copied(
    checks: &Checks,
    name: &str,
    (from, from_bytes): (u64, Pattern),
    (to, to_bytes): (&'static DmaBuffer<1>, Pattern),
    len: u64,
) -> bool {
    let n = len as usize;
    let copy = Transfer {
        source: from,
        destination: to.address(),
        len,
    };
    check_clean(checks, name, &EVENTS, copy, || {
        to.first_mismatch(from_bytes, 0..n)
            .or_else(|| to.first_mismatch(to_bytes, n..DmaBuffer::<1>::LEN))
    })
}

fn run(checks: &Checks) -> Result<(), ErrorCode> {
    EVENTS.watch()?;
    let (max_transfer, _) = dma::engine_limits()?;
    let len = u64::from(max_transfer).min(DmaBuffer::<1>::LEN as u64);
    for (buffer, pattern) in [
        (&SOURCE, SOURCE_BYTES),
        (&DESTINATION, DESTINATION_BYTES),
        (&NEVER_MAPPED, NEVER_MAPPED_BYTES),
        (&READ_ONLY, READ_ONLY_BYTES),
        (&UNMAPPED_LATER, UNMAPPED_LATER_BYTES),
    ] {
        buffer.fill(pattern);
    }
    let source = SOURCE.map(0, Access::Read)?;
    let destination = DESTINATION.map(0, Access::ReadWrite)?;
    let read_only = READ_ONLY.map(1, Access::Read)?;
    println!(
        "dma-isolation: {len}-byte copies; never-mapped page at {:#x}, read-only page at {:#x}",
        NEVER_MAPPED.address(),
        READ_ONLY.address()
    );
    let tries = EVENTS.attach_with_retry(MASTER, ATTACH_TRIES, ATTACH_PAUSE_MS);
    let Some(tries) = checks.accepted("attach master 0 (retrying while busy)", tries) else {
        return Ok(());
    };
    println!("dma-isolation: attached after {tries} attempt(s)");

    let control = expect_copied(
        checks,
        "control copy between mapped pages",
        (source.device_address, SOURCE_BYTES),
        (&DESTINATION, DESTINATION_BYTES),
        len,
    );
    if !control {
        // Without a working engine the negative checks prove nothing.
        let _ = dma::detach(MASTER);
        return Ok(());
    }

    let counter = FaultCounter::default();
    expect_blocked(
        checks,
        &counter,
        "unmapped-device-address write faults, memory unchanged",
        &NEVER_MAPPED,
        NEVER_MAPPED_BYTES,
        len,
        TRANSLATION,
    );
    EVENTS.sleep_ms(FAULT_SPACING_MS)?;

    expect_blocked(
        checks,
        &counter,
        "read-only-mapping write faults, memory unchanged",
        &READ_ONLY,
        READ_ONLY_BYTES,
        len,
        PERMISSION,
    );
    DESTINATION.fill(DESTINATION_BYTES);
    expect_copied(
        checks,
        "read-only mapping is still readable",
        (read_only.device_address, READ_ONLY_BYTES),
        (&DESTINATION, DESTINATION_BYTES),
        len,
    );
    EVENTS.sleep_ms(FAULT_SPACING_MS)?;

    after_unmap(checks, &counter, source, len)?;
    checks.check(
        "info field 7 counted the faults of every blocked write",
        match counter.uncounted.get() {
            0 if counter.blocked.get() == 3 => Ok(()),
            _ => Err("a blocked write left the fault counter unchanged"),
        },
    );

    let unmapped = [source, destination, read_only]
        .iter()
        .all(|m| dma::unmap(m.handle).is_ok());
    checks.check(
        "unmap all, nothing left mapped",
        match (unmapped, dma::info(info_field::BYTES_MAPPED)) {
            (true, Ok(0)) => Ok(()),
            (false, _) => Err("an unmap was refused"),
            _ => Err("bytes are still mapped"),
        },
    );
    checks.accepted("detach master 0", dma::detach(MASTER));
    Ok(())
}

/// Check 4: map, copy, unmap, copy again.
fn after_unmap(
    checks: &Checks,
    counter: &FaultCounter,
    source: Mapping,
    len: u64,
) -> Result<(), ErrorCode> {
    let mapping = UNMAPPED_LATER.map(2, Access::ReadWrite)?;
    let reached = expect_copied(
        checks,
        "copy into a mapped page (before unmap)",
        (source.device_address, SOURCE_BYTES),
        (&UNMAPPED_LATER, UNMAPPED_LATER_BYTES),
        len,
    );
    UNMAPPED_LATER.fill(UNMAPPED_LATER_BYTES);
    let before = dma::info(info_field::BYTES_MAPPED)?;
    checks.accepted("unmap", dma::unmap(mapping.handle));
    checks.equals(
        "unmap returns the page's bytes to the quota",
        dma::info(info_field::BYTES_MAPPED),
        before - DmaBuffer::<1>::LEN as u64,
    );
    if reached {
        expect_blocked(
            checks,
            counter,
            "write-after-unmap faults, memory unchanged",
            &UNMAPPED_LATER,
            UNMAPPED_LATER_BYTES,
            len,
            TRANSLATION,
        );
    }
    Ok(())
}
