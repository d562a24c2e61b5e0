// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! `dma-victim`: the target of `dma-attacker`. A master attached to one
//! app's domain must not reach another app's mapped buffer, even at the
//! very device address where the other app mapped it (DESIGN §4
//! invariants 1 and 5).
//!
//! The board's policy grants this app no master: attaching master 0 must
//! answer `RESERVE` and create nothing. It maps one page of its RAM,
//! filled with its own pattern, read-write at device address
//! [`ATTACK_TARGET`] (so its domain exists and holds exactly that
//! mapping), publishes nothing, and watches the page for [`WATCH_MS`].
//! Meanwhile `dma-attacker` has the `edu` write to and read from
//! [`ATTACK_TARGET`] in its own domain. The page must never change, and no
//! fault upcall may reach this app (the faults are the attacker's).
//!
//! Timing (no other coordination): the kernel starts the bundle's apps in
//! order in its first scheduling round, so both apps start within
//! milliseconds. The attacker must finish both attacks within its
//! `ATTACK_DEADLINE_MS` (8 s) of starting, or it reports a failure; this
//! app watches until [`WATCH_MS`] (12 s) after its own start. The system
//! test also checks the attacker's lines come before this app's verdict.

#![no_std]
#![no_main]

use libportcullis::check::Checks;
use libportcullis::dma::buffer::{DmaBuffer, Pattern};
use libportcullis::dma::events::DmaEvents;
use libportcullis::dma::{self, Access, info_field};
use libportcullis::{ErrorCode, alarm, println};

/// Where this app's page is, and so where `dma-attacker` aims: the first
/// page of app RAM (0x9000_0000, `portcullis_app.ld`), where the linker
/// puts the first page-aligned `.bss` object when `.data` is empty. The
/// attacker has the same constant; a check below proves the layout.
const ATTACK_TARGET: u64 = 0x9000_0000;
/// The victim's bytes; `dma-attacker` knows them too, to prove none
/// reached it.
const VICTIM_BYTES: Pattern = Pattern(0xC3);
/// How long to watch the page, from this app's start.
const WATCH_MS: u32 = 12_000;
/// How often to look at it.
const LOOK_EVERY_MS: u32 = 250;
/// The master the attacker uses.
const MASTER: u32 = 0;

static PAGE: DmaBuffer<1> = DmaBuffer::new();
static EVENTS: DmaEvents = DmaEvents::new();

libportcullis::main!(main);

fn main() -> u32 {
    Checks::run("dma-victim", run)
}

fn run(checks: &Checks) -> Result<(), ErrorCode> {
    let hz = alarm::frequency()?;
    let start = alarm::now()?;
    EVENTS.watch()?;
    PAGE.fill(VICTIM_BYTES);

    checks.refused(
        "attach master 0 refused by policy (RESERVE)",
        dma::attach(MASTER),
        ErrorCode::Reserve,
    );
    checks.equals(
        "refused attach created no domain",
        dma::info(info_field::DOMAIN_STATE),
        0,
    );
    let Some(mapping) = checks.accepted("map own page read-write", PAGE.map(0, Access::ReadWrite))
    else {
        return Ok(());
    };
    checks.equals(
        "page mapped at the attacker's target address",
        Ok(mapping.device_address),
        ATTACK_TARGET,
    );
    checks.equals(
        "domain active with no master",
        dma::info(info_field::DOMAIN_STATE),
        1,
    );
    println!(
        "dma-victim: page mapped at {:#x}; watching it for {WATCH_MS} ms",
        mapping.device_address
    );

    let until = start + alarm::ms_to_ticks(WATCH_MS, hz);
    let mut change = None;
    while change.is_none() && alarm::now()? < until {
        EVENTS.sleep_ms(LOOK_EVERY_MS)?;
        change = PAGE.first_mismatch(VICTIM_BYTES, 0..DmaBuffer::<1>::LEN);
    }
    checks.check(
        "page unchanged while another domain's master targeted its address",
        match change {
            None => Ok(()),
            Some((offset, found)) => Err(Changed { offset, found }),
        },
    );
    let faults = EVENTS.faults();
    checks.equals("no fault upcall reached the victim", Ok(faults.count), 0);
    checks.accepted("unmap own page", dma::unmap(mapping.handle));
    Ok(())
}

/// A changed byte of the page.
struct Changed {
    offset: usize,
    found: u8,
}

impl core::fmt::Display for Changed {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "byte {} is now {:#04x}", self.offset, self.found)
    }
}
