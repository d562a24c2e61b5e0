// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! `dma-attacker`: has its DMA master write to, then read from, the device
//! address where `dma-victim` mapped its page. That address means
//! something only in the victim's domain; in this app's own domain it is
//! unmapped, so both transfers must fault here (DESIGN §4 invariants 1
//! and 5), and the victim checks its page never changed.
//!
//! * write attack: copy this app's mapped source page to
//!   [`ATTACK_TARGET`] → translation fault (write) at that address; this
//!   app's own page at that address (never mapped) unchanged too;
//! * read attack: copy from [`ATTACK_TARGET`] into a mapped page of this
//!   app → translation fault (read) at that address, and no byte of the
//!   victim's pattern arrives (the engine may copy whatever stale bytes it
//!   holds, but never the victim's).
//!
//! A control copy first proves the engine works. Timing: see
//! `dma-victim`; this app is second in the bundle, attaches master 0
//! before printing anything (so it is first in line for it), and reports a
//! failure if it could not finish within [`ATTACK_DEADLINE_MS`] of its
//! start, when the victim may no longer be watching.

#![no_std]
#![no_main]

use libportcullis::check::Checks;
use libportcullis::dma::buffer::{DmaBuffer, PAGE, Pattern};
use libportcullis::dma::events::{DmaEvents, ExpectedFault};
use libportcullis::dma::probe::{Transfer, check_blocked, check_clean};
use libportcullis::dma::{self, Access};
use libportcullis::{ErrorCode, alarm, println};

/// `dma-victim`'s page (see there): the first page of app RAM.
const ATTACK_TARGET: u64 = 0x9000_0000;
/// `dma-victim`'s bytes.
const VICTIM_BYTES: Pattern = Pattern(0xC3);
/// The attacks must be over by then (from this app's start); the victim
/// watches for 12 s.
const ATTACK_DEADLINE_MS: u32 = 8_000;
const MASTER: u32 = 0;
const ATTACH_TRIES: u32 = 20;
const ATTACH_PAUSE_MS: u32 = 300;
/// Pause between the two faulting copies (the fault-storm limit).
const FAULT_SPACING_MS: u32 = 1100;
const TRANSLATION: u32 = 1;

/// This app's pages, in one object so their order is fixed: page
/// [`DECOY`] is never mapped and, when the linker puts this buffer first in
/// RAM as it does the victim's page, sits at [`ATTACK_TARGET`] and must
/// stay unchanged; [`SOURCE`] is mapped read-only, [`DESTINATION`]
/// read-write. Wherever the linker puts it, the target address stays
/// unmapped in this app's domain (checked below).
static FRAME: DmaBuffer<3> = DmaBuffer::new();
const DECOY: usize = 0;
const SOURCE: usize = PAGE;
const DESTINATION: usize = 2 * PAGE;
static EVENTS: DmaEvents = DmaEvents::new();

const DECOY_BYTES: Pattern = Pattern(0x3C);
const SOURCE_BYTES: Pattern = Pattern(0x5A);
const DESTINATION_BYTES: Pattern = Pattern(0xA5);

libportcullis::main!(main);

fn main() -> u32 {
    Checks::run("dma-attacker", run)
}

fn run(checks: &Checks) -> Result<(), ErrorCode> {
    let hz = alarm::frequency()?;
    let start = alarm::now()?;
    let deadline = start + alarm::ms_to_ticks(ATTACK_DEADLINE_MS, hz);
    EVENTS.watch()?;
    let attached = EVENTS.attach_with_retry(MASTER, ATTACH_TRIES, ATTACH_PAUSE_MS);
    if checks
        .accepted("attach master 0 (retrying while busy)", attached)
        .is_none()
    {
        return Ok(());
    }
    FRAME.fill_at(DECOY, PAGE, DECOY_BYTES);
    FRAME.fill_at(SOURCE, PAGE, SOURCE_BYTES);
    FRAME.fill_at(DESTINATION, PAGE, DESTINATION_BYTES);
    let source = FRAME.map_range(0, Access::Read, SOURCE, PAGE)?;
    let destination = FRAME.map_range(1, Access::ReadWrite, DESTINATION, PAGE)?;
    let decoy_at_target = FRAME.address_of(DECOY) == ATTACK_TARGET;
    checks.check(
        "target address unmapped in own domain",
        if [source, destination]
            .iter()
            .all(|m| m.device_address != ATTACK_TARGET)
        {
            Ok(())
        } else {
            Err("one of this app's mappings is at the target")
        },
    );
    if !decoy_at_target {
        checks.note(format_args!(
            "own never-mapped page is at {:#x}, not the target",
            FRAME.address_of(DECOY)
        ));
    }
    let (max_transfer, _) = dma::engine_limits()?;
    let len = u64::from(max_transfer).min(PAGE as u64);
    println!("dma-attacker: attacking device address {ATTACK_TARGET:#x} with {len}-byte copies");

    let n = len as usize;
    let control = Transfer {
        source: source.device_address,
        destination: destination.device_address,
        len,
    };
    let works = check_clean(
        checks,
        "control copy between own mapped pages",
        &EVENTS,
        control,
        || FRAME.mismatch_at(DESTINATION, SOURCE_BYTES, 0..n),
    );
    if works {
        attack(
            checks,
            source.device_address,
            destination.device_address,
            len,
            decoy_at_target,
        )?;
        checks.check(
            "attacks done while the victim watches",
            if alarm::now()? < deadline {
                Ok(())
            } else {
                Err("too late: the victim may have stopped watching")
            },
        );
    }
    for mapping in [source, destination] {
        dma::unmap(mapping.handle)?;
    }
    checks.accepted("detach master 0", dma::detach(MASTER));
    Ok(())
}

/// The two attacks; `decoy_at_target`: this app's own never-mapped page is
/// the one at the target address (so it must stay unchanged too).
fn attack(
    checks: &Checks,
    source: u64,
    destination: u64,
    len: u64,
    decoy_at_target: bool,
) -> Result<(), ErrorCode> {
    let write = ExpectedFault {
        master: MASTER,
        address: ATTACK_TARGET,
        len,
        kind: TRANSLATION,
        write: true,
    };
    let transfer = Transfer {
        source,
        destination: ATTACK_TARGET,
        len,
    };
    check_blocked(
        checks,
        "write to another app's buffer address faults, own page unchanged",
        &EVENTS,
        transfer,
        &write,
        || {
            decoy_at_target
                .then(|| FRAME.mismatch_at(DECOY, DECOY_BYTES, 0..PAGE))
                .flatten()
        },
    );
    EVENTS.sleep_ms(FAULT_SPACING_MS)?;

    let read = ExpectedFault {
        write: false,
        ..write
    };
    let transfer = Transfer {
        source: ATTACK_TARGET,
        destination,
        len,
    };
    check_blocked(
        checks,
        "read of another app's buffer address faults, no victim byte leaks",
        &EVENTS,
        transfer,
        &read,
        || leaked_victim_bytes(len as usize),
    );
    Ok(())
}

/// The first 8-byte block of the destination's first `len` bytes that
/// holds exactly the victim's bytes for those indices. A whole block, not
/// one byte: a failed read may leave zeros or other constant fill, which
/// matches the victim's pattern at scattered single bytes, but never at 8
/// consecutive ones (neighbouring pattern bytes always differ).
fn leaked_victim_bytes(len: usize) -> Option<(usize, u8)> {
    const BLOCK: usize = 8;
    (0..len / BLOCK).find_map(|block| {
        let first = block * BLOCK;
        let leaked = (first..first + BLOCK)
            .all(|index| FRAME.read(DESTINATION + index) == Some(VICTIM_BYTES.byte(index)));
        leaked.then(|| (first, VICTIM_BYTES.byte(first)))
    })
}
