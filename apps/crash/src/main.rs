// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! `crash`: faults on purpose. Prints a line, then reads the kernel's
//! own code: on qemu-virt the kernel image starts at 0x4020_0000, and every
//! process's translation tables map it — for EL1 only. The read must be a
//! permission fault that the kernel turns into this process's fault policy
//! (stop or restart it) while every other process keeps running. If the
//! read somehow completes, it tries a store to the null page (the unmapped
//! guard below the image, ABI §7), and if that completes too it says so and
//! exits with [`SURVIVED`], which a test runner reports.

#![no_std]
#![no_main]

use libportcullis::println;

/// The first instruction of the kernel on qemu-virt (boards/qemu-virt/layout.ld).
const KERNEL_ADDRESS: usize = 0x4020_0000;
/// An address in the null page (offset so the compiler does not treat the
/// store as a null dereference it may assume away).
const NULL_PAGE_ADDRESS: usize = 0x8;
/// Completion code if neither store faulted: the isolation is broken.
const SURVIVED: u32 = 1;

libportcullis::main!(main);

fn main() -> u32 {
    println!("crash: reading kernel code at {KERNEL_ADDRESS:#x}; expect a fault");
    // SAFETY: a deliberate fault, the point of the app: the address is
    // mapped for EL1 only, so the read traps before it yields a value and
    // the kernel ends this run; no Rust object is ever read or aliased.
    let stolen = unsafe { core::ptr::read_volatile(KERNEL_ADDRESS as *const u64) };
    println!("crash: ERROR: read kernel code {stolen:#x}; trying a null pointer");
    // SAFETY: as above; the first page is never mapped for a process.
    unsafe { core::ptr::write_volatile(NULL_PAGE_ADDRESS as *mut u64, 0xDEAD) };
    println!("crash: ERROR: the null page was writable");
    SURVIVED
}
