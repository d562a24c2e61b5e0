// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! `syscall-bench`: what a system call costs, measured in the guest.
//!
//! Reads the alarm clock (the generic timer) around many back-to-back calls
//! and prints the cost per call in ticks. Run under QEMU with
//! `-icount shift=0,sleep=off` (`make bench`), where the clock advances with executed
//! instructions, the figures are reproducible; elsewhere they are indicative.
//! Each figure includes the loop's own few instructions.

#![no_std]
#![no_main]

use libportcullis::drivers::CONSOLE;
use libportcullis::syscall::{Command, yield_no_wait};
use libportcullis::{ErrorCode, alarm, println};

/// Calls per measurement.
const ROUNDS: u64 = 10_000;

libportcullis::main!(main);

/// Ticks per round, in hundredths, over `ROUNDS` rounds of `round`.
fn measure(mut round: impl FnMut() -> Result<(), ErrorCode>) -> Result<u64, ErrorCode> {
    let start = alarm::now()?;
    for _ in 0..ROUNDS {
        round()?;
    }
    let end = alarm::now()?;
    Ok((end - start) * 100 / ROUNDS)
}

fn report(what: &str, centiticks: u64) {
    println!(
        "bench: {what}: {}.{:02} ticks per call",
        centiticks / 100,
        centiticks % 100
    );
}

fn main() -> Result<(), ErrorCode> {
    let hz = alarm::frequency()?;
    println!("bench: clock {hz} Hz, {ROUNDS} calls per figure");
    // Command 0 ("exists") of the console: decode, driver lookup, return.
    report(
        "null command",
        measure(|| Command::new(CONSOLE, 0).call_success())?,
    );
    // An unknown driver: the kernel's refusal path.
    report(
        "command to a missing driver",
        measure(|| match Command::new(0xdead, 0).call() {
            Err(ErrorCode::NoDevice) => Ok(()),
            Err(other) => Err(other),
            Ok(_) => Err(ErrorCode::Fail),
        })?,
    );
    // Yield-no-wait with nothing queued: the scheduler path, no upcall.
    report(
        "yield no-wait",
        measure(|| {
            yield_no_wait();
            Ok(())
        })?,
    );
    Ok(())
}
