// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! In-kernel checks of the boot environment (`variant-test`).
//!
//! Each check exercises real hardware state under QEMU: the exception level,
//! the MMU and cache configuration, the vector table, a full exception round
//! trip through the vectors (frame save, handler, restore, `ERET`), a
//! recoverable data abort with its syndrome and fault address, and the
//! critical section. The run prints one line per check and a closing
//! `N passed, M failed` line that the host runner reads.

use core::sync::atomic::{AtomicU64, Ordering};

use aarch64::esr::{Access, ExceptionClass, FaultStatus, Syndrome};
use aarch64::exceptions::{self, Disposition, Kind, Source, TrapFrame, VectorKind};
use aarch64::timer::{PhysicalTimer, us_to_ticks};
use aarch64_cpu::registers::{CNTPCT_EL0, DAIF, Readable, SCTLR_EL1, VBAR_EL1};
use qemu_virt::gic::{EL1_PHYSICAL_TIMER, InterruptController};

use crate::memory::UNMAPPED_PROBE;

mod dma;
mod user;

/// What checks share: devices only one owner may drive.
pub(crate) struct Env {
    pub(crate) gic: InterruptController,
}

type Check = fn(&mut Env) -> Result<(), &'static str>;

const CHECKS: [(&str, Check); 23] = [
    ("boot::running_at_el1", running_at_el1),
    ("mmu::enabled_with_caches", mmu_enabled_with_caches),
    (
        "mmu::kernel_code_is_not_writable",
        kernel_code_is_not_writable,
    ),
    (
        "mmu::stack_guard_page_is_unmapped",
        stack_guard_page_is_unmapped,
    ),
    ("exceptions::vector_table_installed", vector_table_installed),
    ("exceptions::brk_round_trip", brk_round_trip),
    ("exceptions::recoverable_data_abort", recoverable_data_abort),
    (
        "sync::critical_section_masks_and_restores",
        critical_section_masks_and_restores,
    ),
    (
        "interrupts::timer_wakes_wfi_through_the_gic",
        timer_wakes_wfi_through_the_gic,
    ),
    ("userspace::syscall_round_trip", user::syscall_round_trip),
    (
        "userspace::kernel_memory_is_unreachable",
        user::kernel_memory_is_unreachable,
    ),
    ("userspace::code_is_read_only", user::code_is_read_only),
    (
        "userspace::unmapped_window_page_faults",
        user::unmapped_window_page_faults,
    ),
    (
        "userspace::timer_preempts_a_spinning_process",
        user::timer_preempts_a_spinning_process,
    ),
    (
        "userspace::thread_register_is_per_process",
        user::thread_register_is_per_process,
    ),
    ("userspace::fp_use_traps", user::fp_use_traps),
    (
        "dma_fence::maintenance_keeps_buffer_contents",
        dma_fence_keeps_buffer_contents,
    ),
    ("userspace::switch_costs", user::switch_costs),
    ("dma::edu_found_and_alive", dma::edu_found_and_alive),
    ("dma::copy_through_the_smmu", dma::copy_through_the_smmu),
    ("dma::unmapped_iova_faults", dma::unmapped_iova_faults),
    ("dma::unmap_is_strict", dma::unmap_is_strict),
    (
        "dma::driver_refuses_out_of_window_requests",
        dma::driver_refuses_out_of_window_requests,
    ),
];

/// Runs every check; true when all passed.
pub(crate) fn run() -> bool {
    // SAFETY: the only owner of the GIC in this run, created once.
    let gic = match unsafe { InterruptController::new() } {
        Ok(gic) => gic,
        Err(_) => {
            defmt::error!("GIC did not initialise; no checks run");
            return false;
        }
    };
    let mut env = Env { gic };
    let mut failed = 0usize;
    for (name, check) in CHECKS {
        match check(&mut env) {
            Ok(()) => defmt::info!("test {=str} ... ok", name),
            Err(why) => {
                failed += 1;
                defmt::error!("test {=str} ... FAILED: {=str}", name, why);
            }
        }
    }
    defmt::info!(
        "{=usize} passed, {=usize} failed",
        CHECKS.len() - failed,
        failed
    );
    failed == 0
}

pub(crate) fn ensure(condition: bool, why: &'static str) -> Result<(), &'static str> {
    if condition { Ok(()) } else { Err(why) }
}

fn running_at_el1(_: &mut Env) -> Result<(), &'static str> {
    ensure(
        aarch64::cpu::current_el() == 1,
        "kernel is not running at EL1",
    )?;
    let entry = aarch64::boot::entry_el();
    ensure(
        entry == 1 || entry == 2,
        "entry exception level was not recorded",
    )
}

fn mmu_enabled_with_caches(_: &mut Env) -> Result<(), &'static str> {
    ensure(SCTLR_EL1.is_set(SCTLR_EL1::M), "SCTLR_EL1.M is clear")?;
    ensure(SCTLR_EL1.is_set(SCTLR_EL1::C), "data cache is off")?;
    ensure(SCTLR_EL1.is_set(SCTLR_EL1::I), "instruction cache is off")
}

fn vector_table_installed(_: &mut Env) -> Result<(), &'static str> {
    let vbar = VBAR_EL1.get();
    ensure(vbar != 0, "VBAR_EL1 is zero")?;
    ensure(vbar.is_multiple_of(0x800), "VBAR_EL1 is not 2 KiB aligned")
}

/// What the temporary handler saw.
static SEEN_ESR: AtomicU64 = AtomicU64::new(0);
static SEEN_FAR: AtomicU64 = AtomicU64::new(0);
static SEEN_KIND: AtomicU64 = AtomicU64::new(u64::MAX);

/// Records the exception and skips the faulting instruction.
fn record_and_skip(kind: VectorKind, frame: &mut TrapFrame) -> Disposition {
    SEEN_ESR.store(frame.esr, Ordering::Relaxed);
    SEEN_FAR.store(frame.far, Ordering::Relaxed);
    let synchronous_from_el1 =
        kind.source == Source::CurrentSpElx && kind.kind == Kind::Synchronous;
    SEEN_KIND.store(u64::from(synchronous_from_el1), Ordering::Relaxed);
    frame.elr += 4;
    // Proves the restore path: the caller sees this value in x0.
    frame.x[0] = 0x600d;
    Disposition::Return
}

fn brk_round_trip(_: &mut Env) -> Result<(), &'static str> {
    exceptions::set_handler(record_and_skip);
    let x0: u64;
    let preserved: u64;
    // SAFETY: BRK traps to the handler installed above, which skips it and
    // sets x0; x20 is callee-saved and must survive the round trip.
    unsafe {
        core::arch::asm!(
            "mov x20, #0x1234",
            "mov x0, xzr",
            "brk #0x42",
            "mov {preserved}, x20",
            preserved = out(reg) preserved,
            out("x0") x0,
            out("x20") _,
        );
    }
    exceptions::clear_handler();
    let esr = Syndrome::new(SEEN_ESR.load(Ordering::Relaxed));
    ensure(
        SEEN_KIND.load(Ordering::Relaxed) == 1,
        "wrong vector for an EL1 BRK",
    )?;
    ensure(esr.class() == ExceptionClass::Brk, "syndrome is not BRK")?;
    ensure(esr.imm16() == 0x42, "BRK immediate not in the syndrome")?;
    ensure(x0 == 0x600d, "handler's frame edit did not reach x0")?;
    ensure(
        preserved == 0x1234,
        "x20 not preserved across the exception",
    )
}

fn recoverable_data_abort(_: &mut Env) -> Result<(), &'static str> {
    exceptions::set_handler(record_and_skip);
    // SAFETY: the address is unmapped; the read faults and the handler
    // skips it, so no value is ever produced from unmapped memory (the
    // register keeps the handler's value).
    let _ = unsafe { core::ptr::read_volatile(UNMAPPED_PROBE as *const u64) };
    exceptions::clear_handler();
    let esr = Syndrome::new(SEEN_ESR.load(Ordering::Relaxed));
    let abort = esr.abort().ok_or("syndrome is not an abort")?;
    ensure(
        esr.class() == ExceptionClass::DataAbortSame,
        "not a data abort from EL1",
    )?;
    ensure(
        abort.status == FaultStatus::Translation(1),
        "not a level-1 translation fault",
    )?;
    ensure(
        abort.access == Some(Access::Read),
        "abort not reported as a read",
    )?;
    ensure(
        SEEN_FAR.load(Ordering::Relaxed) == UNMAPPED_PROBE,
        "FAR does not hold the faulting address",
    )
}

/// Runs `access` with the recording handler installed and returns the
/// abort it caused, if any.
fn abort_of(access: impl FnOnce()) -> Option<(Syndrome, u64)> {
    SEEN_ESR.store(0, Ordering::Relaxed);
    exceptions::set_handler(record_and_skip);
    access();
    exceptions::clear_handler();
    let esr = Syndrome::new(SEEN_ESR.load(Ordering::Relaxed));
    esr.abort().map(|_| (esr, SEEN_FAR.load(Ordering::Relaxed)))
}

/// W^X for the kernel: a store to its own code faults (permission, level
/// 3: the image is mapped page by page).
fn kernel_code_is_not_writable(_: &mut Env) -> Result<(), &'static str> {
    let code = running_at_el1 as *const () as u64;
    let target = code as *mut u32;
    // SAFETY: reading an instruction word of our own text.
    let original = unsafe { core::ptr::read_volatile(target) };
    let store = || {
        // SAFETY: the store faults (text is read-only) and the handler
        // skips it; were the map wrong, it would write back the very value
        // that is there, changing nothing.
        unsafe { core::ptr::write_volatile(target, original) }
    };
    let (esr, far) = abort_of(store).ok_or("a store to kernel code did not fault")?;
    let abort = esr.abort().ok_or("not an abort")?;
    ensure(
        abort.status == FaultStatus::Permission(3),
        "not a level-3 permission fault",
    )?;
    ensure(
        abort.access == Some(Access::Write),
        "not reported as a write",
    )?;
    ensure(far == code, "FAR does not name the code address")
}

/// A stack overflow hits an unmapped page instead of `.bss`.
fn stack_guard_page_is_unmapped(_: &mut Env) -> Result<(), &'static str> {
    let guard = crate::memory::stack_guard() + 8;
    let (esr, far) = abort_of(|| {
        // SAFETY: the read faults (the page is unmapped) and the handler
        // skips it; no value is produced from the guard page.
        let _ = unsafe { core::ptr::read_volatile(guard as *const u64) };
    })
    .ok_or("a read of the stack guard page did not fault")?;
    let abort = esr.abort().ok_or("not an abort")?;
    ensure(
        abort.status == FaultStatus::Translation(3),
        "not a level-3 translation fault",
    )?;
    ensure(far == guard, "FAR does not name the guard page")
}

fn critical_section_masks_and_restores(_: &mut Env) -> Result<(), &'static str> {
    let before = DAIF.is_set(DAIF::I);
    let start = CNTPCT_EL0.get();
    let (inside, nested_inside) = critical_section::with(|_| {
        let inside = DAIF.is_set(DAIF::I);
        let nested_inside = critical_section::with(|_| DAIF.is_set(DAIF::I));
        (inside, nested_inside && DAIF.is_set(DAIF::I))
    });
    ensure(
        inside && nested_inside,
        "IRQs not masked inside the critical section",
    )?;
    ensure(
        DAIF.is_set(DAIF::I) == before,
        "interrupt mask not restored",
    )?;
    ensure(CNTPCT_EL0.get() > start, "generic timer is not counting")
}

/// The kernel's interrupt model end to end: with IRQs masked at EL1, an
/// armed timer raises its PPI at the GIC, which wakes the core from WFI; the
/// kernel then acknowledges, quiets the source and completes it.
fn timer_wakes_wfi_through_the_gic(env: &mut Env) -> Result<(), &'static str> {
    let gic = &mut env.gic;
    gic.enable(EL1_PHYSICAL_TIMER)
        .map_err(|_| "cannot enable the timer interrupt")?;
    ensure(DAIF.is_set(DAIF::I), "IRQs must stay masked at EL1")?;

    let timer = PhysicalTimer;
    let interval = us_to_ticks(200, timer.frequency());
    let start = timer.now();
    timer.arm(interval);
    // Bounded: a lost interrupt fails the check instead of hanging (the
    // timer keeps firing, so WFI returns at least once per interval).
    let deadline = start + 1000 * interval;
    let mut taken = None;
    while taken.is_none() && timer.now() < deadline {
        aarch64_cpu::asm::wfi();
        taken = gic.next_pending();
    }
    let fired_after = timer.now() - start;
    // Level-triggered: quiet the source before completing, or it re-pends.
    timer.disarm();
    if let Some(intid) = taken {
        gic.complete(intid);
    }
    let _ = gic.disable(EL1_PHYSICAL_TIMER);
    let intid = taken.ok_or("no interrupt arrived")?;
    ensure(
        intid == EL1_PHYSICAL_TIMER,
        "a different interrupt was pending",
    )?;
    ensure(
        fired_after >= interval,
        "the interrupt arrived before the interval elapsed",
    )?;
    ensure(
        !gic.has_pending(),
        "the timer interrupt is still pending after completion",
    )
}

/// The DMA fences run at EL1 on kernel memory (cache maintenance by VA is
/// permitted and does not fault) and never change a buffer's contents.
fn dma_fence_keeps_buffer_contents(_: &mut Env) -> Result<(), &'static str> {
    use aarch64::dma_fence::{self, Coherence};
    let mut buffer = [0u8; 200];
    for (index, byte) in buffer.iter_mut().enumerate() {
        *byte = index as u8;
    }
    // An odd start and length: the fence must cover partial lines.
    let start = buffer[3..].as_ptr() as usize;
    for coherence in [Coherence::NonCoherent, Coherence::Coherent] {
        dma_fence::before_device_reads(coherence, start, 190);
        dma_fence::before_device_writes(coherence, start, 190);
        dma_fence::after_device_writes(coherence, start, 190);
    }
    let intact = buffer
        .iter()
        .enumerate()
        .all(|(index, &byte)| byte == index as u8);
    ensure(intact, "cache maintenance changed the buffer")
}
