// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Reset entry: from whatever exception level the loader left us in to a
//! Rust environment at EL1.
//!
//! `_start` is the ELF entry point. It
//! 1. parks every core but the one with `MPIDR_EL1.Aff0 == 0` (the kernel is
//!    single-core; QEMU and firmware may release secondaries);
//! 2. if entered at EL2, makes EL1 AArch64 (`HCR_EL2.RW`), lets EL1 reach the
//!    physical counter and timer (`CNTHCTL_EL2.EL1PCTEN`/`EL1PCEN`), clears
//!    the virtual offset, stops EL2 trapping FP/SIMD and CP15 accesses, gives
//!    `SCTLR_EL1` a known MMU-off value, and `ERET`s to EL1h with all
//!    interrupts masked; entry at EL3 is not supported and parks;
//! 3. at EL1, whoever entered: selects `SP_EL1`; gives `SCTLR_EL1` its
//!    reset-like value (MMU and caches off; EL0 `WFI`/`WFE`, cache
//!    maintenance and `CTR_EL0` reads trapped: nTWI, nTWE, UCI, UCT clear)
//!    so nothing a loader left behind survives; clears `CPACR_EL1` so any
//!    FP/SIMD use traps at EL1 and EL0 (the kernel is soft-float and
//!    processes may not use FP registers, which are not part of their saved
//!    context); sets the boot stack and zeroes `.bss`;
//! 4. calls `start_rust` with the exception level it was entered at.
//!
//! Register fields: Arm ARM (DDI 0487K.a) register descriptions "HCR_EL2"
//! (RW is bit 31), "CNTHCTL_EL2" (EL1PCTEN bit 0, EL1PCEN bit 1 when
//! `HCR_EL2.E2H` is 0), "CPTR_EL2" (RES1 bits 13:12, 9:0 when E2H is 0;
//! TFP bit 10 clear), "SPSR_EL2" (M\[3:0\] = 0b0101 is EL1h; D, A, I, F are
//! bits 9:6), "SCTLR_EL1" (RES1 bits 29:28, 23:22, 20 and 11), "CPACR_EL1"
//! (FPEN bits 21:20 = 0b00 traps FP/SIMD at EL0 and EL1).
//!
//! The board provides, through its linker script, `__stack_top`,
//! `__bss_start` and `__bss_end` (16-byte aligned), and the entry function
//! `board_main`.

use core::sync::atomic::{AtomicU8, Ordering};

/// The exception level `_start` was entered at (0 until boot has run).
static ENTRY_EL: AtomicU8 = AtomicU8::new(0);

/// The exception level the loader started the kernel in (1 or 2).
pub fn entry_el() -> u8 {
    ENTRY_EL.load(Ordering::Relaxed)
}

#[cfg(target_arch = "aarch64")]
core::arch::global_asm!(
    r#"
    .section .text.boot, "ax"
    .global _start
    .type _start, %function
_start:
    mrs     x1, mpidr_el1
    and     x1, x1, #0xff
    cbnz    x1, .Lpark

    mrs     x19, CurrentEL
    ubfx    x19, x19, #2, #2
    cmp     x19, #1
    b.eq    .Lat_el1
    cmp     x19, #2
    b.ne    .Lpark

    mov     x1, #(1 << 31)
    msr     hcr_el2, x1
    mov     x1, #3
    msr     cnthctl_el2, x1
    msr     cntvoff_el2, xzr
    mov     x1, #0x33ff
    msr     cptr_el2, x1
    msr     hstr_el2, xzr
    ldr     x1, =0x30d00800
    msr     sctlr_el1, x1
    mov     x1, #0x3c5
    msr     spsr_el2, x1
    adr     x1, .Lat_el1
    msr     elr_el2, x1
    isb
    eret

.Lat_el1:
    msr     spsel, #1
    msr     daifset, #0xf
    ldr     x1, =0x30d00800
    msr     sctlr_el1, x1
    msr     cpacr_el1, xzr
    isb
    adrp    x1, __stack_top
    add     x1, x1, :lo12:__stack_top
    mov     sp, x1
    mov     x29, xzr
    mov     x30, xzr

    adrp    x1, __bss_start
    add     x1, x1, :lo12:__bss_start
    adrp    x2, __bss_end
    add     x2, x2, :lo12:__bss_end
0:  cmp     x1, x2
    b.hs    1f
    stp     xzr, xzr, [x1], #16
    b       0b
1:
    mov     x0, x19
    bl      {start_rust}

.Lpark:
    wfe
    b       .Lpark
    .size _start, . - _start
    "#,
    start_rust = sym start_rust,
);

#[cfg(target_arch = "aarch64")]
unsafe extern "Rust" {
    /// The board's entry point, called once boot has prepared EL1.
    fn board_main() -> !;
}

/// First Rust code to run: records the entry level, installs the exception
/// vectors and hands over to the board.
#[cfg(target_arch = "aarch64")]
extern "C" fn start_rust(entry_el: u64) -> ! {
    ENTRY_EL.store(entry_el as u8, Ordering::Relaxed);
    crate::exceptions::install_vectors();
    // SAFETY: `board_main` is the board's entry point, defined once by the
    // board crate with this signature; boot calls it exactly once.
    unsafe { board_main() }
}
