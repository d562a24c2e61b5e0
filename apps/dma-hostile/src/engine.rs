// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Phase 2: hostile DMA engine requests, with master 0 attached to this
//! app's domain and two pages mapped; then detach with a copy in flight
//! (which cancels it), detach twice, and a copy and a fill after detach.
//! The `edu` cannot fill: a fill by the owner answers `NOSUPPORT` and
//! changes nothing.

use libportcullis::check::Checks;
use libportcullis::dma::buffer::{DmaBuffer, PAGE, Pattern};
use libportcullis::dma::events::{CopyEnd, DmaEvents, Done};
use libportcullis::dma::probe::COPY_TIMEOUT_MS;
use libportcullis::dma::{self, Access, info_field};
use libportcullis::{ErrorCode, println};

use crate::MASTER;

/// Attach attempts while `dma-storm` holds the master, and the pause
/// between them (the storm takes a few seconds).
const ATTACH_TRIES: u32 = 80;
const ATTACH_PAUSE_MS: u32 = 300;
/// How long to watch for a done upcall or fault that must not come.
const QUIET_MS: u32 = 400;

static SOURCE: DmaBuffer<1> = DmaBuffer::new();
static DESTINATION: DmaBuffer<1> = DmaBuffer::new();
const SOURCE_BYTES: Pattern = Pattern(0x17);
const DESTINATION_BYTES: Pattern = Pattern(0x71);

pub(crate) fn run(checks: &Checks, events: &'static DmaEvents) -> Result<(), ErrorCode> {
    let attached = events.attach_with_retry(MASTER, ATTACH_TRIES, ATTACH_PAUSE_MS);
    if checks
        .accepted("attach master 0 once free (retrying while busy)", attached)
        .is_none()
    {
        return Ok(());
    }
    checks.refused(
        "attach twice (ALREADY)",
        dma::attach(MASTER),
        ErrorCode::Already,
    );
    SOURCE.fill(SOURCE_BYTES);
    DESTINATION.fill(DESTINATION_BYTES);
    let source = SOURCE.map(0, Access::Read)?;
    let destination = DESTINATION.map(1, Access::ReadWrite)?;
    let (max, bits) = dma::engine_limits()?;
    println!("dma-hostile: engine copies up to {max} bytes, {bits}-bit device addresses");
    let (from, to) = (source.device_address, destination.device_address);
    // Copies that go through stay within the one-page buffers.
    let len = u64::from(max).min(PAGE as u64);

    checks.refused(
        "fill on an engine that cannot fill (NOSUPPORT)",
        dma::start_fill(to, PAGE as u32, 0xee),
        ErrorCode::NoSupport,
    );
    checks.check(
        "the refused fill changed nothing",
        if DESTINATION.holds(DESTINATION_BYTES) {
            Ok(())
        } else {
            Err(format_args!("the destination page changed"))
        },
    );
    refused_copies(checks, events, from, to, u64::from(max), bits)?;
    one_at_a_time(checks, events, from, to, len)?;
    cancelling(checks, events, from, to, len)?;

    events.start_copy(from, to, len)?;
    checks.accepted("detach master 0 with a copy in flight", dma::detach(MASTER));
    expect_cancelled(
        checks,
        "detach cancelled the copy in flight (CANCEL)",
        events,
    )?;
    checks.refused(
        "detach twice (INVAL)",
        dma::detach(MASTER),
        ErrorCode::Invalid,
    );
    dma::set_source(from)?;
    checks.refused(
        "copy after detach (RESERVE)",
        dma::start(to, 16),
        ErrorCode::Reserve,
    );
    checks.refused(
        "fill after detach (RESERVE)",
        dma::start_fill(to, 16, 0xee),
        ErrorCode::Reserve,
    );
    dma::unmap(source.handle)?;
    dma::unmap(destination.handle)?;
    checks.equals(
        "all unmapped at the end",
        dma::info(info_field::BYTES_MAPPED),
        0,
    );
    Ok(())
}

/// Copies the engine must refuse before touching the device.
fn refused_copies(
    checks: &Checks,
    events: &'static DmaEvents,
    from: u64,
    to: u64,
    max: u64,
    bits: u32,
) -> Result<(), ErrorCode> {
    let top = 1u64.checked_shl(bits).unwrap_or(u64::MAX);
    events.take_faults();
    let start = |source: u64, destination: u64, len: u64| {
        dma::set_source(source)?;
        dma::start(destination, len)
    };
    for (name, len) in [
        ("copy of 0 bytes (SIZE)", 0),
        ("copy of one byte more than the maximum (SIZE)", max + 1),
        ("copy of 2^32 bytes (SIZE)", 1 << 32),
        ("copy of 2^64 - 1 bytes (SIZE)", u64::MAX),
    ] {
        checks.refused(name, start(from, to, len), ErrorCode::Size);
    }
    for (name, source, destination) in [
        ("copy to just past the address width (INVAL)", from, top),
        ("copy to an address that wraps (INVAL)", from, u64::MAX - 7),
        (
            "copy to a range crossing the address width (INVAL)",
            from,
            top - 8,
        ),
        ("copy from just past the address width (INVAL)", top, to),
        ("copy from 2^64 - 1 (INVAL)", u64::MAX, to),
        (
            "copy from a range crossing the address width (INVAL)",
            top - 8,
            to,
        ),
    ] {
        checks.refused(name, start(source, destination, 16), ErrorCode::Invalid);
    }
    events.sleep_ms(QUIET_MS)?;
    checks.check(
        "refused copies touched nothing (no done upcall, no fault, memory unchanged)",
        if events.done().is_some() {
            Err("a done upcall came")
        } else if events.take_faults().count != 0 {
            Err("a fault upcall came")
        } else if !DESTINATION.holds(DESTINATION_BYTES) {
            Err("the destination changed")
        } else {
            Ok(())
        },
    );
    Ok(())
}

/// A second copy while one is in flight is `BUSY`; the first completes.
fn one_at_a_time(
    checks: &Checks,
    events: &'static DmaEvents,
    from: u64,
    to: u64,
    len: u64,
) -> Result<(), ErrorCode> {
    events.start_copy(from, to, len)?;
    checks.refused(
        "copy while one is in flight (BUSY)",
        dma::start(to, len),
        ErrorCode::Busy,
    );
    let copied = events.finish_copy(COPY_TIMEOUT_MS)?;
    let n = len as usize;
    checks.check(
        "the copy in flight completes and is right",
        match copied {
            CopyEnd::Done(Done { bytes, status: 0 })
                if bytes == len && DESTINATION.first_mismatch(SOURCE_BYTES, 0..n).is_none() =>
            {
                Ok(())
            }
            _ => Err("it did not complete with the source's bytes"),
        },
    );
    Ok(())
}

/// Cancel of a copy in flight ends it with `CANCEL` and frees the engine;
/// cancel when idle is `ALREADY`.
fn cancelling(
    checks: &Checks,
    events: &'static DmaEvents,
    from: u64,
    to: u64,
    len: u64,
) -> Result<(), ErrorCode> {
    events.start_copy(from, to, len)?;
    checks.accepted("cancel a copy in flight", dma::cancel());
    expect_cancelled(checks, "cancelled copy's done upcall says CANCEL", events)?;
    checks.refused(
        "cancel with nothing in flight (ALREADY)",
        dma::cancel(),
        ErrorCode::Already,
    );
    DESTINATION.fill(DESTINATION_BYTES);
    let name = "engine usable after a cancel";
    let n = len as usize;
    match events.copy(from, to, len, COPY_TIMEOUT_MS) {
        Ok(CopyEnd::Done(Done { status: 0, .. }))
            if DESTINATION.first_mismatch(SOURCE_BYTES, 0..n).is_none() =>
        {
            checks.pass(name)
        }
        other => checks.fail(name, format_args!("the next copy: {other:?}")),
    }
    Ok(())
}

/// The copy started last must end with a done upcall saying `CANCEL`.
fn expect_cancelled(
    checks: &Checks,
    name: &str,
    events: &'static DmaEvents,
) -> Result<(), ErrorCode> {
    events.wait_until(COPY_TIMEOUT_MS, |e| e.done().is_some())?;
    checks.check(
        name,
        match events.done() {
            Some(Done { status, .. }) if status == ErrorCode::Cancel as u64 => Ok(()),
            Some(_) => Err("the done upcall has another status"),
            None => Err("no done upcall"),
        },
    );
    Ok(())
}
