// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! `syscall-fuzz`: sends [`CALLS`] random and hostile system calls (every
//! class, bad classes, bad drivers, bad pointers, huge and overflowing
//! lengths, overlapping and unaligned allows, bad upcall addresses) and
//! checks each answer against the ABI (`syscall_fuzz::case::judge`).
//! Prints `syscall-fuzz: N calls, all answered` and exits 0, or names the
//! wrong answers and exits [`WRONG_ANSWERS`].

#![no_std]
#![no_main]

use libportcullis::abi::class;
use libportcullis::console::ignore_upcall;
use libportcullis::println;
use libportcullis::raw;
use libportcullis::syscall::{allow_ro_raw, allow_rw_raw, memop, subscribe};
use libportcullis::{ErrorCode, drivers};
use syscall_fuzz::case::{Call, Case, Tracked, UNWRITTEN};
use syscall_fuzz::fuzzer::Fuzzer;
use syscall_fuzz::memory::{Memory, Range};

/// How many calls to send.
const CALLS: u64 = 5000;
/// The PRNG seed: fixed, so every run sends the same calls.
const SEED: u64 = 0x5EED_F022_2026;
/// Wrong answers printed in full before the rest are only counted.
const PRINT_LIMIT: u64 = 16;
/// Completion code when some answer was wrong.
const WRONG_ANSWERS: u32 = 1;
/// Completion code when the process's own memory is not as the ABI says.
const BAD_SETUP: u32 = 2;

/// The fuzzer's buffer: what good allows and yield result bytes point at.
static mut SCRATCH: [u8; 512] = [0; 512];
/// Start-up check: `.data` must have been copied from the image. It is
/// overwritten once checked, so a restarted run proves the copy is redone
/// (and the write keeps the linker from moving it to `.rodata`).
static mut DATA_CANARY: u32 = DATA_CANARY_VALUE;
const DATA_CANARY_VALUE: u32 = 0x5EED_CAFE;
/// Start-up check: `.bss` must have been zeroed (set once checked).
static mut BSS_CANARY: u32 = 0;

libportcullis::main!(main);

fn main() -> u32 {
    let memory = match discover() {
        Ok(m) => m,
        Err(why) => {
            println!("syscall-fuzz: bad process setup: {why}");
            return BAD_SETUP;
        }
    };
    println!(
        "syscall-fuzz: seed {SEED:#x}, {CALLS} calls; image {:#x}..{:#x}, RAM {:#x}..{:#x}",
        memory.image.start, memory.image.end, memory.ram.start, memory.ram.end
    );
    let mut fuzzer = Fuzzer::new(SEED, memory);
    let mut wrong = 0u64;
    for index in 0..CALLS {
        let case = fuzzer.next_case();
        let (got, byte) = run(&case);
        if let Err(why) = fuzzer.record(&case, got, byte) {
            wrong += 1;
            if wrong <= PRINT_LIMIT {
                println!(
                    "syscall-fuzz: WRONG #{index}: svc #{} {:#x?} expected {:?}, got {:#x?} ({why:?})",
                    case.call.class, case.call.args, case.expect, got
                );
            }
        }
    }
    let cleanup = clean_up(&memory);
    if let Err(e) = cleanup {
        println!("syscall-fuzz: cleanup failed: {e}");
        wrong += 1;
    }
    if wrong == 0 {
        println!("syscall-fuzz: {} calls, all answered", fuzzer.calls());
        0
    } else {
        println!(
            "syscall-fuzz: {} calls, {wrong} wrong answers",
            fuzzer.calls()
        );
        WRONG_ANSWERS
    }
}

/// Learns the address space from the kernel and checks it against the
/// ABI and the link layout.
fn discover() -> Result<Memory, &'static str> {
    // SAFETY: single-threaded; raw pointers, no references to the statics.
    let (data, bss) = unsafe {
        let seen = (
            (&raw const DATA_CANARY).read_volatile(),
            (&raw const BSS_CANARY).read_volatile(),
        );
        (&raw mut DATA_CANARY).write_volatile(0);
        (&raw mut BSS_CANARY).write_volatile(1);
        seen
    };
    if data != DATA_CANARY_VALUE {
        return Err(".data was not initialised");
    }
    if bss != 0 {
        return Err(".bss was not zeroed");
    }
    let q = |r: Result<u64, ErrorCode>| r.map_err(|_| "a memop query failed");
    let image = Range {
        start: q(memop::image_start())?,
        end: q(memop::image_end())?,
    };
    let ram = Range {
        start: q(memop::ram_start())?,
        end: q(memop::ram_end())?,
    };
    let scratch_start = (&raw const SCRATCH) as u64;
    let scratch = Range {
        start: scratch_start,
        end: scratch_start + 512,
    };
    let upcall = ignore_upcall as *const () as u64;
    // The initial break: start-up set it to the end of .bss.
    let initial_break = q(memop::sbrk(0))?;
    if image.start != 0x8000_0000 || ram.start != 0x9000_0000 {
        return Err("image or RAM not at the ABI's addresses");
    }
    if !image.holds(upcall, 4) || !ram.holds(scratch.start, scratch.len()) {
        return Err("code or data not where the kernel mapped the process");
    }
    if !(ram.start..=ram.end).contains(&initial_break) {
        return Err("the break is outside RAM");
    }
    Ok(Memory {
        image,
        ram,
        upcall,
        scratch,
        initial_break,
    })
}

/// Issues one case's call; returns `x0`–`x3` and, for a yield-no-wait
/// into the scratch buffer, the result byte.
fn run(case: &Case) -> ([u64; 4], Option<u8>) {
    let byte = case.result_byte.map(|a| a as *mut u8);
    if let Some(p) = byte {
        // SAFETY: the generator only names result bytes inside SCRATCH,
        // which nothing else uses; volatile because the kernel writes it.
        unsafe { p.write_volatile(UNWRITTEN) };
    }
    let got = issue(case.call);
    // SAFETY: as above.
    let after = byte.map(|p| unsafe { p.read_volatile() });
    (got, after)
}

/// `svc #class` for any immediate the generator produces.
fn issue(call: Call) -> [u64; 4] {
    macro_rules! svc {
        ($($n:literal)*) => {
            match call.class {
                class::YIELD => {
                    // SAFETY: the generator never blocks (tested on the
                    // host); an upcall that runs is `ignore_upcall`.
                    unsafe { raw::yield_syscall(call.args) }
                }
                // SAFETY: the generator's allows name only SCRATCH or the
                // image (never live Rust data), never exit 0/1, and register
                // only `ignore_upcall` or the Null Upcall as a valid upcall.
                $($n => unsafe { raw::syscall::<$n>(call.args) },)*
                _ => unreachable!("the generator never produces svc #{}", call.class),
            }
        };
    }
    svc!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 255 0xFFFF)
}

/// Leaves nothing behind: un-allows and unsubscribes every slot the fuzzer
/// used and restores the break.
fn clean_up(memory: &Memory) -> Result<(), ErrorCode> {
    for slot in Tracked::ALL {
        match slot {
            Tracked::ConsoleUpcall => subscribe(drivers::CONSOLE, 1, None, 0).map(drop)?,
            Tracked::AlarmUpcall => subscribe(drivers::ALARM, 0, None, 0).map(drop)?,
            // SAFETY: the null buffer hands the kernel no memory.
            Tracked::ConsoleRo => unsafe { allow_ro_raw(drivers::CONSOLE, 1, 0, 0) }.map(drop)?,
            // SAFETY: as above.
            Tracked::ConsoleRw => unsafe { allow_rw_raw(drivers::CONSOLE, 1, 0, 0) }.map(drop)?,
        }
    }
    memop::brk(memory.initial_break)
}
