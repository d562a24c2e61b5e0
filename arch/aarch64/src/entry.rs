// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The exception entry and exit assembly, in one place because its paths
//! share one register-save layout and the macros that implement it.
//!
//! * The vector table (`__exception_vectors`, [`crate::exceptions`]):
//!   entries 0-7 (current EL) save a [`TrapFrame`](crate::exceptions::TrapFrame)
//!   on the EL1 stack and call `aarch64_handle_exception`, then restore it
//!   and `ERET`; entries 8-15 (lower EL) enter the process trap path.
//! * `__portcullis_switch_to_user(x0 = context) -> x0 = vector index`
//!   ([`crate::userspace`]): saves the kernel's callee-saved registers on
//!   its stack, records the context in `TPIDR_EL1`, loads the process and
//!   `ERET`s to EL0.
//! * `__portcullis_user_trap`: entered from a lower-EL vector with the
//!   process's x0/x1 pushed on the kernel stack, x0 = context, x1 = vector
//!   index; stores the process's state into its context and returns from
//!   `__portcullis_switch_to_user` with the index.
//!
//! Both frames put `x0`..`x30` at `8 * n`, then `SP_EL0` (248), `ELR` (256),
//! `SPSR` (264), `ESR` (272), `FAR` (280); a process context adds
//! `TPIDR_EL0` (288). The Rust layouts assert the same sizes. Vector table
//! layout: Arm ARM (DDI 0487K.a) D1.3 and `VBAR_EL1` (2 KiB aligned, 16
//! entries of 0x80 bytes).

#[cfg(target_arch = "aarch64")]
core::arch::global_asm!(
    r#"
    // x2..x29 to/from [\base, #16]..[\base, #232], the common part of both
    // frames.
    .macro PORTCULLIS_STORE_X2_X29 base
    stp     x2, x3, [\base, #16]
    stp     x4, x5, [\base, #32]
    stp     x6, x7, [\base, #48]
    stp     x8, x9, [\base, #64]
    stp     x10, x11, [\base, #80]
    stp     x12, x13, [\base, #96]
    stp     x14, x15, [\base, #112]
    stp     x16, x17, [\base, #128]
    stp     x18, x19, [\base, #144]
    stp     x20, x21, [\base, #160]
    stp     x22, x23, [\base, #176]
    stp     x24, x25, [\base, #192]
    stp     x26, x27, [\base, #208]
    stp     x28, x29, [\base, #224]
    .endm

    .macro PORTCULLIS_LOAD_X2_X29 base
    ldp     x2, x3, [\base, #16]
    ldp     x4, x5, [\base, #32]
    ldp     x6, x7, [\base, #48]
    ldp     x8, x9, [\base, #64]
    ldp     x10, x11, [\base, #80]
    ldp     x12, x13, [\base, #96]
    ldp     x14, x15, [\base, #112]
    ldp     x16, x17, [\base, #128]
    ldp     x18, x19, [\base, #144]
    ldp     x20, x21, [\base, #160]
    ldp     x22, x23, [\base, #176]
    ldp     x24, x25, [\base, #192]
    ldp     x26, x27, [\base, #208]
    ldp     x28, x29, [\base, #224]
    .endm

    // The kernel's callee-saved registers, around a process run.
    .macro PORTCULLIS_KERNEL_CALLEE_SAVED op
    \op     x19, x20, [sp, #0]
    \op     x21, x22, [sp, #16]
    \op     x23, x24, [sp, #32]
    \op     x25, x26, [sp, #48]
    \op     x27, x28, [sp, #64]
    \op     x29, x30, [sp, #80]
    .endm

    .macro PORTCULLIS_VECTOR index
    .balign 0x80
    sub     sp, sp, #288
    stp     x0, x1, [sp, #0]
    mov     x0, #\index
    b       __exception_common
    .endm

    // Lower-EL entries: the process's context is in TPIDR_EL1; push its
    // x0/x1 on the kernel stack and hand over to the trap path.
    .macro PORTCULLIS_USER_VECTOR index
    .balign 0x80
    stp     x0, x1, [sp, #-16]!
    mrs     x0, tpidr_el1
    mov     x1, #\index
    b       __portcullis_user_trap
    .endm

    .section .text.vectors, "ax"
    .balign 0x800
    .global __exception_vectors
__exception_vectors:
    PORTCULLIS_VECTOR 0
    PORTCULLIS_VECTOR 1
    PORTCULLIS_VECTOR 2
    PORTCULLIS_VECTOR 3
    PORTCULLIS_VECTOR 4
    PORTCULLIS_VECTOR 5
    PORTCULLIS_VECTOR 6
    PORTCULLIS_VECTOR 7
    PORTCULLIS_USER_VECTOR 8
    PORTCULLIS_USER_VECTOR 9
    PORTCULLIS_USER_VECTOR 10
    PORTCULLIS_USER_VECTOR 11
    PORTCULLIS_USER_VECTOR 12
    PORTCULLIS_USER_VECTOR 13
    PORTCULLIS_USER_VECTOR 14
    PORTCULLIS_USER_VECTOR 15

__exception_common:
    PORTCULLIS_STORE_X2_X29 sp
    mrs     x2, sp_el0
    stp     x30, x2, [sp, #240]
    mrs     x2, elr_el1
    mrs     x3, spsr_el1
    stp     x2, x3, [sp, #256]
    mrs     x2, esr_el1
    mrs     x3, far_el1
    stp     x2, x3, [sp, #272]

    mov     x1, sp
    bl      aarch64_handle_exception

    ldp     x2, x3, [sp, #256]
    msr     elr_el1, x2
    msr     spsr_el1, x3
    ldp     x30, x2, [sp, #240]
    msr     sp_el0, x2
    ldp     x0, x1, [sp, #0]
    PORTCULLIS_LOAD_X2_X29 sp
    add     sp, sp, #288
    eret

    .section .text.portcullis_switch, "ax"
    .global __portcullis_switch_to_user
    .type __portcullis_switch_to_user, %function
__portcullis_switch_to_user:
    sub     sp, sp, #96
    PORTCULLIS_KERNEL_CALLEE_SAVED stp
    msr     tpidr_el1, x0

    ldp     x2, x3, [x0, #256]
    msr     elr_el1, x2
    msr     spsr_el1, x3
    ldr     x2, [x0, #248]
    msr     sp_el0, x2
    ldr     x2, [x0, #288]
    msr     tpidr_el0, x2
    PORTCULLIS_LOAD_X2_X29 x0
    ldr     x30, [x0, #240]
    ldp     x0, x1, [x0, #0]
    eret
    .size __portcullis_switch_to_user, . - __portcullis_switch_to_user

    .global __portcullis_user_trap
    .type __portcullis_user_trap, %function
__portcullis_user_trap:
    PORTCULLIS_STORE_X2_X29 x0
    str     x30, [x0, #240]
    ldp     x2, x3, [sp], #16
    stp     x2, x3, [x0, #0]
    mrs     x2, sp_el0
    str     x2, [x0, #248]
    mrs     x2, elr_el1
    mrs     x3, spsr_el1
    stp     x2, x3, [x0, #256]
    mrs     x2, esr_el1
    mrs     x3, far_el1
    stp     x2, x3, [x0, #272]
    mrs     x2, tpidr_el0
    str     x2, [x0, #288]

    mov     x0, x1
    PORTCULLIS_KERNEL_CALLEE_SAVED ldp
    add     sp, sp, #96
    ret
    .size __portcullis_user_trap, . - __portcullis_user_trap
    "#
);
