// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! EL0 checks: small programs run as a process in their own address space.
//!
//! Each program is copied into a code page mapped read/execute at the
//! process window ([`USER_BASE`]), given a read/write stack page, and run
//! through `switch_to_user` until it traps. The checks prove the system-call
//! path (SVC class, arguments and results in registers, resume), that kernel
//! memory and unmapped pages are unreachable from EL0 with precise
//! syndromes, that code pages are not writable, and that a timer interrupt
//! preempts a process that never yields.

use core::cell::UnsafeCell;

use aarch64::esr::{Access, ExceptionClass, FaultStatus, Syndrome};
use aarch64::process_tables::{self, PAGE_SIZE, ProcessTables, USER_BASE, UserAccess};
use aarch64::timer::{PhysicalTimer, us_to_ticks};
use aarch64::userspace::{self, UserContext, UserTrap};
use qemu_virt::gic::EL1_PHYSICAL_TIMER;

use super::{Env, ensure};
use crate::memory;

/// The ASID the test process runs with.
const ASID: u16 = 1;
const STACK_VA: u64 = USER_BASE + PAGE_SIZE;
const UNMAPPED_VA: u64 = USER_BASE + 16 * PAGE_SIZE;

#[repr(C, align(4096))]
struct Page([u8; PAGE_SIZE as usize]);

/// The test process's memory and tables (kernel-owned, identity-mapped).
struct Process {
    tables: ProcessTables,
    code: Page,
    stack: Page,
}

struct ProcessCell(UnsafeCell<[Process; 2]>);

// SAFETY: used only by the self-test, which runs on the boot core with
// interrupts masked; one `&mut` per process at a time (see `load`).
unsafe impl Sync for ProcessCell {}

static PROCESSES: ProcessCell = ProcessCell(UnsafeCell::new(
    [const {
        Process {
            tables: ProcessTables::new(),
            code: Page([0; PAGE_SIZE as usize]),
            stack: Page([0; PAGE_SIZE as usize]),
        }
    }; 2],
));

/// A kernel variable the process must not be able to read.
static KERNEL_SECRET: u64 = 0x005e_c2e7;

// The programs, assembled into kernel read-only data and copied into the
// process's code page before each run (position independent).
core::arch::global_asm!(
    r#"
    .section .rodata.user_programs, "a"
    .balign 4
    .global __user_syscall, __user_syscall_end
__user_syscall:
    mov     x0, #7
    svc     #2
    add     x0, x0, #1
    svc     #6
0:  b       0b
__user_syscall_end:

    .global __user_load, __user_load_end
__user_load:
    ldr     x1, [x0]
    svc     #6
0:  b       0b
__user_load_end:

    .global __user_store_self, __user_store_self_end
__user_store_self:
    adr     x0, .
    str     x0, [x0]
    svc     #6
0:  b       0b
__user_store_self_end:

    .global __user_set_tpidr, __user_set_tpidr_end
__user_set_tpidr:
    mov     x0, #0x77
    msr     tpidr_el0, x0
    svc     #6
0:  b       0b
__user_set_tpidr_end:

    .global __user_read_tpidr, __user_read_tpidr_end
__user_read_tpidr:
    mrs     x1, tpidr_el0
    svc     #6
0:  b       0b
__user_read_tpidr_end:

    // `fmov d0, xzr`, encoded by hand: the kernel target has no FP unit.
    .global __user_fp, __user_fp_end
__user_fp:
    .inst   0x9e6703e0
    svc     #6
0:  b       0b
__user_fp_end:

    .global __user_svc_loop, __user_svc_loop_end
__user_svc_loop:
0:  svc     #2
    b       0b
__user_svc_loop_end:

    .global __user_spin, __user_spin_end
__user_spin:
0:  b       0b
__user_spin_end:
    "#
);

unsafe extern "C" {
    static __user_syscall: u8;
    static __user_syscall_end: u8;
    static __user_load: u8;
    static __user_load_end: u8;
    static __user_store_self: u8;
    static __user_store_self_end: u8;
    static __user_set_tpidr: u8;
    static __user_set_tpidr_end: u8;
    static __user_read_tpidr: u8;
    static __user_read_tpidr_end: u8;
    static __user_fp: u8;
    static __user_fp_end: u8;
    static __user_svc_loop: u8;
    static __user_svc_loop_end: u8;
    static __user_spin: u8;
    static __user_spin_end: u8;
}

/// The bytes of a program between two linker symbols.
fn program(start: *const u8, end: *const u8) -> &'static [u8] {
    let len = end as usize - start as usize;
    // SAFETY: both symbols delimit one program in kernel read-only data.
    unsafe { core::slice::from_raw_parts(start, len) }
}

/// Loads `code` as a fresh process in slot `index` (0 or 1) and returns it
/// with its starting context.
fn load(index: usize, code: &[u8]) -> Result<(&'static Process, UserContext), &'static str> {
    // SAFETY: see `ProcessCell`: the self-test is the only user, and every
    // reference a check took to this slot ended with that check.
    let process = unsafe { &mut (*PROCESSES.0.get())[index] };
    process
        .tables
        .init(memory::boot_table())
        .map_err(|_| "process window collides with the kernel map")?;
    process.code.0.fill(0);
    process.code.0[..code.len()].copy_from_slice(code);
    process.stack.0.fill(0);
    let code_pa = core::ptr::from_ref(&process.code) as u64;
    let stack_pa = core::ptr::from_ref(&process.stack) as u64;
    process
        .tables
        .map_page(USER_BASE, code_pa, UserAccess::ReadExecute)
        .map_err(|_| "cannot map code")?;
    process
        .tables
        .map_page(STACK_VA, stack_pa, UserAccess::ReadWrite)
        .map_err(|_| "cannot map stack")?;
    aarch64::cache::sync_instructions(code_pa as usize, code.len());
    Ok((process, UserContext::new(USER_BASE, STACK_VA + PAGE_SIZE)))
}

/// Loads `code` as a fresh process and runs it until it traps.
fn run(
    code: &[u8],
    set_up: impl FnOnce(&mut UserContext),
) -> Result<(UserTrap, UserContext), &'static str> {
    let (process, mut context) = load(0, code)?;
    set_up(&mut context);
    // SAFETY: the tables hold the kernel's map plus the two process pages;
    // the process can reach only those, and `process` outlives the run.
    let trap = unsafe {
        process_tables::invalidate_asid(ASID);
        process_tables::activate(&process.tables, ASID);
        userspace::switch_to_user(&mut context)
    };
    Ok((trap, context))
}

fn resume(context: &mut UserContext) -> UserTrap {
    // SAFETY: the process's tables are still active and unchanged.
    unsafe { userspace::switch_to_user(context) }
}

fn expect_abort(
    trap: UserTrap,
    status: FaultStatus,
    access: Access,
) -> Result<Syndrome, &'static str> {
    let UserTrap::Fault(syndrome) = trap else {
        return Err("the process did not fault");
    };
    let abort = syndrome.abort().ok_or("the fault is not an abort")?;
    ensure(
        syndrome.class() == ExceptionClass::DataAbortLower,
        "not a data abort from EL0",
    )?;
    ensure(abort.status == status, "wrong fault status")?;
    ensure(abort.access == Some(access), "wrong access direction")?;
    Ok(syndrome)
}

pub(super) fn syscall_round_trip(_: &mut Env) -> Result<(), &'static str> {
    // SAFETY: only the symbols' addresses are taken.
    let code = program(&raw const __user_syscall, &raw const __user_syscall_end);
    let (trap, mut context) = run(code, |_| {})?;
    ensure(trap == UserTrap::Svc(2), "first trap is not `svc #2`")?;
    ensure(context.x[0] == 7, "argument register not saved")?;
    ensure(
        context.pc == USER_BASE + 8,
        "pc does not point past the SVC",
    )?;
    ensure(
        context.sp == STACK_VA + PAGE_SIZE,
        "stack pointer not preserved",
    )?;
    context.x[0] = 41;
    ensure(
        resume(&mut context) == UserTrap::Svc(6),
        "second trap is not `svc #6`",
    )?;
    ensure(
        context.x[0] == 42,
        "the kernel's return value did not reach the process",
    )
}

pub(super) fn kernel_memory_is_unreachable(_: &mut Env) -> Result<(), &'static str> {
    let code = program(&raw const __user_load, &raw const __user_load_end);
    let secret = core::ptr::from_ref(&KERNEL_SECRET) as u64;
    let (trap, context) = run(code, |context| context.x[0] = secret)?;
    // The kernel's constants are mapped page by page, EL1 only.
    expect_abort(trap, FaultStatus::Permission(3), Access::Read)?;
    ensure(
        context.far == secret,
        "FAR does not name the kernel address",
    )?;
    ensure(
        context.x[1] == 0,
        "the process got a value from kernel memory",
    )
}

pub(super) fn code_is_read_only(_: &mut Env) -> Result<(), &'static str> {
    let code = program(
        &raw const __user_store_self,
        &raw const __user_store_self_end,
    );
    let (trap, context) = run(code, |_| {})?;
    expect_abort(trap, FaultStatus::Permission(3), Access::Write)?;
    ensure(context.far == USER_BASE, "FAR does not name the code page")
}

pub(super) fn unmapped_window_page_faults(_: &mut Env) -> Result<(), &'static str> {
    let code = program(&raw const __user_load, &raw const __user_load_end);
    let (trap, context) = run(code, |context| context.x[0] = UNMAPPED_VA)?;
    expect_abort(trap, FaultStatus::Translation(3), Access::Read)?;
    ensure(
        context.far == UNMAPPED_VA,
        "FAR does not name the unmapped page",
    )
}

pub(super) fn timer_preempts_a_spinning_process(env: &mut Env) -> Result<(), &'static str> {
    let gic = &mut env.gic;
    gic.enable(EL1_PHYSICAL_TIMER)
        .map_err(|_| "cannot enable the timer interrupt")?;
    let timer = PhysicalTimer;
    timer.arm(us_to_ticks(200, timer.frequency()));
    let code = program(&raw const __user_spin, &raw const __user_spin_end);
    let outcome = run(code, |_| {});
    let taken = gic.next_pending();
    timer.disarm();
    if let Some(intid) = taken {
        gic.complete(intid);
    }
    let _ = gic.disable(EL1_PHYSICAL_TIMER);
    let (trap, context) = outcome?;
    ensure(
        trap == UserTrap::Interrupt,
        "the spinning process was not preempted",
    )?;
    ensure(
        taken == Some(EL1_PHYSICAL_TIMER),
        "the pending interrupt is not the timer",
    )?;
    ensure(
        context.pc == USER_BASE,
        "the process was not stopped inside its loop",
    )
}

pub(super) fn thread_register_is_per_process(_: &mut Env) -> Result<(), &'static str> {
    let set = program(&raw const __user_set_tpidr, &raw const __user_set_tpidr_end);
    let (trap, context) = run(set, |_| {})?;
    ensure(trap == UserTrap::Svc(6), "the setter did not exit")?;
    ensure(
        context.tpidr == 0x77,
        "TPIDR_EL0 not saved with the context",
    )?;
    let read = program(
        &raw const __user_read_tpidr,
        &raw const __user_read_tpidr_end,
    );
    let (trap, context) = run(read, |context| context.x[1] = 0xdead)?;
    ensure(trap == UserTrap::Svc(6), "the reader did not exit")?;
    ensure(
        context.x[1] == 0,
        "a fresh process saw the previous one's TPIDR_EL0",
    )
}

pub(super) fn fp_use_traps(_: &mut Env) -> Result<(), &'static str> {
    let code = program(&raw const __user_fp, &raw const __user_fp_end);
    let (trap, context) = run(code, |_| {})?;
    let UserTrap::Fault(syndrome) = trap else {
        return Err("an FP instruction at EL0 did not trap");
    };
    ensure(
        syndrome.class() == ExceptionClass::FpAccess,
        "the trap is not an FP access trap",
    )?;
    ensure(
        context.pc == USER_BASE,
        "the trap does not point at the FP instruction",
    )
}

/// Round trips measured by the switch benchmark.
const SWITCH_ROUNDS: u64 = 2000;

/// Reports (never asserts: figures are for `make bench`, which runs this
/// image under `-icount shift=0,sleep=off`) the cost of an EL0 trap round trip in one
/// address space, and of alternating between two processes, each switch
/// changing `TTBR0_EL1` and the ASID.
pub(super) fn switch_costs(_: &mut Env) -> Result<(), &'static str> {
    let code = program(&raw const __user_svc_loop, &raw const __user_svc_loop_end);
    let (first, mut first_context) = load(0, code)?;
    let (second, mut second_context) = load(1, code)?;
    let timer = PhysicalTimer;
    // SAFETY: both processes' tables hold the kernel map and their own two
    // pages; they stay loaded for the whole measurement.
    unsafe {
        process_tables::invalidate_asid(1);
        process_tables::invalidate_asid(2);
        process_tables::activate(&first.tables, 1);
        let start = timer.now();
        for _ in 0..SWITCH_ROUNDS {
            if userspace::switch_to_user(&mut first_context) != UserTrap::Svc(2) {
                return Err("the trap loop stopped trapping");
            }
        }
        let same_space = timer.now() - start;
        let start = timer.now();
        for _ in 0..SWITCH_ROUNDS {
            process_tables::activate(&first.tables, 1);
            let a = userspace::switch_to_user(&mut first_context);
            process_tables::activate(&second.tables, 2);
            let b = userspace::switch_to_user(&mut second_context);
            if a != UserTrap::Svc(2) || b != UserTrap::Svc(2) {
                return Err("a process stopped trapping");
            }
        }
        let alternating = timer.now() - start;
        defmt::info!(
            "bench: EL0 trap round trip: {=u64} ticks per 100 round trips",
            same_space * 100 / SWITCH_ROUNDS
        );
        defmt::info!(
            "bench: process switch (TTBR0 + ASID) and trap round trip: {=u64} ticks per 100 switches",
            alternating * 100 / (2 * SWITCH_ROUNDS)
        );
    }
    Ok(())
}
