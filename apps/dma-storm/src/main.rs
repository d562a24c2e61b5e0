// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! `dma-storm`: a fault storm is stopped, reported and contained (DESIGN §4
//! invariant 7). The board disables a domain that produces more than 128
//! fault records within a second.
//!
//! 1. Attaches master 0 (first in the `dma-hostile` bundle, so at once),
//!    maps a source and a destination page and checks a control copy.
//! 2. Waits until [`SURVIVE_CHECK_MS`] after its start while
//!    `dma-hostile` tries to unmap every handle value it never got
//!    (these two mappings' among them), then checks both mappings are
//!    still there.
//! 3. Storms: back-to-back copies from one unmapped page of its RAM to
//!    another (both halves fault, so each copy makes up to two event
//!    queues' worth of records), until the domain-disabled upcall with
//!    reason 1 (fault storm) arrives, within [`MAX_STORM_COPIES`].
//! 4. Checks the disabled domain: state 2; map, unmap and attach answer
//!    `OFF`; a copy between its still-mapped pages cannot change memory
//!    (refused, or done with the destination unchanged: the master is cut
//!    off); detach still works, and afterwards a copy is `RESERVE`.

#![no_std]
#![no_main]

use libportcullis::check::Checks;
use libportcullis::dma::buffer::{DmaBuffer, Pattern};
use libportcullis::dma::events::{CopyEnd, DmaEvents};
use libportcullis::dma::probe::{COPY_TIMEOUT_MS, Transfer, attempt, check_clean};
use libportcullis::dma::{self, Access, Mapping, info_field};
use libportcullis::{ErrorCode, alarm, println};

const MASTER: u32 = 0;
const ATTACH_TRIES: u32 = 20;
const ATTACH_PAUSE_MS: u32 = 300;
/// When (from this app's start) to check the mappings survived
/// `dma-hostile`'s unmap sweep (which must end by 2.5 s from its start).
const SURVIVE_CHECK_MS: u32 = 3000;
/// The storm must disable the domain within this many copies.
const MAX_STORM_COPIES: u32 = 20;
/// Reason code of the disabled upcall for a fault storm.
const FAULT_STORM: u64 = 1;
/// Domain state "disabled by a fault storm" (info field 6).
const DISABLED: u64 = 2;

static EVENTS: DmaEvents = DmaEvents::new();
static SOURCE: DmaBuffer<1> = DmaBuffer::new();
static DESTINATION: DmaBuffer<1> = DmaBuffer::new();
/// Never mapped: the storm's source and destination.
static NOWHERE: DmaBuffer<2> = DmaBuffer::new();
/// Mapped only after the storm (the map must be refused).
static LATE: DmaBuffer<1> = DmaBuffer::new();

const SOURCE_BYTES: Pattern = Pattern(0x0F);
const DESTINATION_BYTES: Pattern = Pattern(0xF0);
const NOWHERE_BYTES: Pattern = Pattern(0x66);

libportcullis::main!(main);

fn main() -> u32 {
    Checks::run("dma-storm", run)
}

fn run(checks: &Checks) -> Result<(), ErrorCode> {
    let hz = alarm::frequency()?;
    let start = alarm::now()?;
    EVENTS.watch()?;
    let attached = EVENTS.attach_with_retry(MASTER, ATTACH_TRIES, ATTACH_PAUSE_MS);
    if checks.accepted("attach master 0", attached).is_none() {
        return Ok(());
    }
    SOURCE.fill(SOURCE_BYTES);
    DESTINATION.fill(DESTINATION_BYTES);
    NOWHERE.fill(NOWHERE_BYTES);
    let source = SOURCE.map(0, Access::Read)?;
    let destination = DESTINATION.map(1, Access::ReadWrite)?;
    let (max, _) = dma::engine_limits()?;
    let len = u64::from(max).min(DmaBuffer::<1>::LEN as u64);
    let n = len as usize;
    let control = Transfer {
        source: source.device_address,
        destination: destination.device_address,
        len,
    };
    if !check_clean(checks, "control copy", &EVENTS, control, || {
        DESTINATION.first_mismatch(SOURCE_BYTES, 0..n)
    }) {
        return Ok(());
    }
    DESTINATION.fill(DESTINATION_BYTES);

    let until = start + alarm::ms_to_ticks(SURVIVE_CHECK_MS, hz);
    while alarm::now()? < until {
        EVENTS.sleep_ms(100)?;
    }
    let survived = (
        dma::info(info_field::BYTES_MAPPED),
        dma::info(info_field::MAPPINGS_LEFT),
    );
    checks.equals(
        "mappings survived another app's unmap sweep",
        Ok(survived),
        (Ok(2 * DmaBuffer::<1>::LEN as u64), Ok(6)),
    );

    storm(checks, len, hz)?;
    disabled_domain(checks, source, destination, len)
}

fn storm(checks: &Checks, len: u64, hz: u32) -> Result<(), ErrorCode> {
    println!("dma-storm: storming");
    let began = alarm::now()?;
    let nowhere = Transfer {
        source: NOWHERE.address(),
        destination: NOWHERE.address_of(DmaBuffer::<1>::LEN),
        len,
    };
    let mut copies = 0;
    let mut faults = 0;
    while EVENTS.disabled().is_none() && copies < MAX_STORM_COPIES {
        copies += 1;
        let storm = attempt(
            &EVENTS,
            nowhere.source,
            nowhere.destination,
            nowhere.len,
            COPY_TIMEOUT_MS,
            0,
        )?;
        faults += storm.faults.count;
    }
    // Any record still on its way.
    EVENTS.sleep_ms(200)?;
    let ms = (alarm::now()? - began) * 1000 / u64::from(hz);
    println!("dma-storm: {copies} copies, {faults} fault upcalls received, {ms} ms");
    checks.equals(
        "domain disabled by the storm (upcall reason 1)",
        Ok(EVENTS.disabled()),
        Some(FAULT_STORM),
    );
    checks.check(
        "storm stopped within 20 copies",
        if EVENTS.disabled().is_some() {
            Ok(())
        } else {
            Err("still enabled after 20 faulting copies")
        },
    );
    // The limit's 128 records were all reported; the one past it disabled
    // the domain (and its reporting).
    let name = "info field 7 counted the storm (at least 128 faults)";
    match dma::info(info_field::FAULTS) {
        Ok(count) if count >= 128 => checks.pass(name),
        other => checks.fail(name, format_args!("got {other:?}")),
    }
    checks.check(
        "no storm byte reached memory",
        if NOWHERE.holds(NOWHERE_BYTES) {
            Ok(())
        } else {
            Err("an unmapped page changed")
        },
    );
    Ok(())
}

fn disabled_domain(
    checks: &Checks,
    source: Mapping,
    destination: Mapping,
    len: u64,
) -> Result<(), ErrorCode> {
    checks.equals(
        "info: domain state 2 (disabled)",
        dma::info(info_field::DOMAIN_STATE),
        DISABLED,
    );
    checks.refused(
        "map in the disabled domain (OFF)",
        LATE.map(2, Access::ReadWrite),
        ErrorCode::Off,
    );
    checks.refused(
        "unmap in the disabled domain (OFF)",
        dma::unmap(source.handle),
        ErrorCode::Off,
    );
    let name = "copy in the disabled domain reaches nothing";
    match EVENTS.copy(
        source.device_address,
        destination.device_address,
        len,
        COPY_TIMEOUT_MS,
    ) {
        Err(code @ (ErrorCode::Reserve | ErrorCode::Off)) => {
            checks.note(format_args!("copy in the disabled domain refused: {code}"));
            checks.pass(name);
        }
        Ok(CopyEnd::Done(_)) | Ok(CopyEnd::TimedOut) if DESTINATION.holds(DESTINATION_BYTES) => {
            checks.note(format_args!(
                "copy in the disabled domain accepted, blocked"
            ));
            checks.pass(name);
        }
        other => checks.fail(
            name,
            format_args!(
                "{other:?}, destination changed: {}",
                !DESTINATION.holds(DESTINATION_BYTES)
            ),
        ),
    }
    if EVENTS.done().is_none() {
        // A copy that timed out may still be in flight; stop it.
        let _ = dma::cancel();
    }
    checks.accepted("detach still works", dma::detach(MASTER));
    checks.refused(
        "attach to the disabled domain (OFF)",
        dma::attach(MASTER),
        ErrorCode::Off,
    );
    dma::set_source(source.device_address)?;
    checks.refused(
        "copy after detach (RESERVE)",
        dma::start(destination.device_address, 16),
        ErrorCode::Reserve,
    );
    Ok(())
}
