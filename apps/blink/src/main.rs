// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! `blink`: the timer app. Prints a numbered tick, sleeps on the alarm,
//! [`TICKS`] times, then exits 0. Runs beside other apps to show that a
//! blocked process (yield-wait-for on the alarm) lets them run, and that
//! one app crashing leaves this one ticking.

#![no_std]
#![no_main]

use libportcullis::{ErrorCode, alarm, println};

/// How many ticks to print before exiting.
const TICKS: u32 = 5;
/// Time between ticks.
const PERIOD_MS: u32 = 100;

libportcullis::main!(main);

fn main() -> Result<(), ErrorCode> {
    let hz = alarm::frequency()?;
    println!("blink: alarm at {hz} Hz, {TICKS} ticks every {PERIOD_MS} ms");
    for tick in 1..=TICKS {
        alarm::sleep_ms(PERIOD_MS)?;
        println!("blink: tick {tick}/{TICKS}");
    }
    println!("blink: done");
    Ok(())
}
