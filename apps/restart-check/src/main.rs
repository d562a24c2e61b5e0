// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! `restart-check`: a restarted process must start without anything of its
//! previous run — no allowed buffer, no subscription.
//!
//! Each run allows a buffer (read-only allow 0 of the console, a slot the
//! console never uses) and subscribes an upcall (alarm slot 0), and reports
//! what those calls say was there before: a fresh run must find nothing.
//! Then it says `ready` and blocks for good. The system test restarts and
//! kills it from the process console; every run must report a clean start.

#![no_std]
#![no_main]

use libportcullis::console::ignore_upcall;
use libportcullis::drivers::{ALARM, CONSOLE};
use libportcullis::syscall::{allow_ro_raw, subscribe, yield_wait};
use libportcullis::{ErrorCode, println};

/// Bytes the kernel is given to hold on to across the run.
static KEPT: [u8; 32] = [0x5a; 32];

libportcullis::main!(main);

fn main() -> Result<(), ErrorCode> {
    // SAFETY: `KEPT` is immutable static data, valid for the whole run; it
    // stays allowed until the run ends.
    let (old_address, old_len) =
        unsafe { allow_ro_raw(CONSOLE, 0, KEPT.as_ptr() as u64, KEPT.len() as u64)? };
    let (old_upcall, _) = subscribe(ALARM, 0, Some(ignore_upcall), 0x77)?;
    if (old_address, old_len, old_upcall) == (0, 0, 0) {
        println!("restart-check: clean start (no allow, no upcall from before)");
    } else {
        println!(
            "restart-check: STALE STATE: allow {old_len} bytes at {old_address:#x}, upcall {old_upcall:#x}"
        );
    }
    println!("restart-check: ready");
    loop {
        yield_wait();
    }
}
