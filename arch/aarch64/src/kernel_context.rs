// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The kernel core's view of a process's CPU state
//! ([`kernel::platform::UserContext`]) on AArch64, and the translation of an
//! EL0 trap into the core's [`StopReason`].
//!
//! Register use follows `doc/reference/aarch64-abi.md`: system-call
//! arguments and results in `x0`-`x3`, the class in the `SVC` immediate; an
//! upcall enters at its function with `x0`-`x3` as arguments and the
//! interrupted resume address in `x30`, so that returning from the upcall
//! resumes after the `SVC` that yielded.

use kernel::platform::{self, StopReason};
use kernel::process::FaultReason;

use crate::esr::{Access, ExceptionClass, FaultStatus};
use crate::userspace::{USER_PSTATE, UserContext, UserTrap};

/// Translates why the process stopped into the core's terms.
pub fn stop_reason(trap: UserTrap, context: &UserContext) -> StopReason {
    match trap {
        UserTrap::Svc(immediate) => StopReason::Syscall {
            immediate,
            args: [context.x[0], context.x[1], context.x[2], context.x[3]],
        },
        UserTrap::Interrupt => StopReason::Interrupted,
        UserTrap::SError(syndrome) => StopReason::Fault(FaultReason::Other(syndrome.raw())),
        UserTrap::Fault(syndrome) => StopReason::Fault(match syndrome.class() {
            ExceptionClass::DataAbortLower | ExceptionClass::DataAbortSame => {
                match syndrome.abort() {
                    Some(abort) if abort.status == FaultStatus::Alignment => FaultReason::Alignment,
                    Some(abort) => FaultReason::DataAbort {
                        address: context.far,
                        write: abort.access == Some(Access::Write),
                    },
                    None => FaultReason::Other(syndrome.raw()),
                }
            }
            ExceptionClass::InstructionAbortLower | ExceptionClass::InstructionAbortSame => {
                FaultReason::InstructionAbort {
                    address: context.far,
                }
            }
            ExceptionClass::PcAlignment | ExceptionClass::SpAlignment => FaultReason::Alignment,
            ExceptionClass::Unknown
            | ExceptionClass::FpAccess
            | ExceptionClass::FpException
            | ExceptionClass::SysRegTrap
            | ExceptionClass::IllegalState
            | ExceptionClass::WfiWfe => FaultReason::UndefinedInstruction,
            _ => FaultReason::Other(syndrome.raw()),
        }),
    }
}

impl platform::UserContext for UserContext {
    fn initialize(&mut self, entry: u64, stack_top: u64, args: [u64; 4]) {
        *self = Self::new(entry, stack_top & !0xf);
        self.x[..4].copy_from_slice(&args);
        self.pstate = USER_PSTATE;
    }

    fn set_syscall_return(&mut self, regs: [u64; 4]) {
        self.x[..4].copy_from_slice(&regs);
    }

    fn set_upcall(&mut self, entry: u64, args: [u64; 4]) {
        self.x[30] = self.pc;
        self.x[..4].copy_from_slice(&args);
        self.pc = entry;
    }

    fn switch_to(&mut self) -> StopReason {
        #[cfg(target_arch = "aarch64")]
        {
            // SAFETY: the kernel core activates the process's address space
            // (which maps only its memory for EL0) before switching, and runs
            // with IRQs masked at EL1.
            let trap = unsafe { crate::userspace::switch_to_user(self) };
            stop_reason(trap, self)
        }
        #[cfg(not(target_arch = "aarch64"))]
        {
            unreachable!("processes run only on AArch64")
        }
    }
}

#[cfg(test)]
mod tests {
    use kernel::platform::UserContext as _;

    use super::*;
    use crate::esr::Syndrome;

    fn context_with(far: u64) -> UserContext {
        let mut context = UserContext::new(0x8000_0000, 0x9000_1000);
        context.x[..4].copy_from_slice(&[1, 2, 3, 4]);
        context.far = far;
        context
    }

    #[test]
    fn svc_becomes_a_syscall_with_four_arguments() {
        let reason = stop_reason(UserTrap::Svc(5), &context_with(0));
        assert_eq!(
            reason,
            StopReason::Syscall {
                immediate: 5,
                args: [1, 2, 3, 4]
            }
        );
    }

    #[test]
    fn aborts_become_faults_with_address_and_direction() {
        let write = Syndrome::new((0x24 << 26) | (1 << 25) | (1 << 6) | 0b00_1111);
        assert_eq!(
            stop_reason(UserTrap::Fault(write), &context_with(0x4000_0000)),
            StopReason::Fault(FaultReason::DataAbort {
                address: 0x4000_0000,
                write: true
            })
        );
        let fetch = Syndrome::new((0x20 << 26) | (1 << 25) | 0b00_0111);
        assert_eq!(
            stop_reason(UserTrap::Fault(fetch), &context_with(0x9000_0000)),
            StopReason::Fault(FaultReason::InstructionAbort {
                address: 0x9000_0000
            })
        );
        let unaligned = Syndrome::new((0x24 << 26) | (1 << 25) | 0b10_0001);
        assert_eq!(
            stop_reason(UserTrap::Fault(unaligned), &context_with(1)),
            StopReason::Fault(FaultReason::Alignment)
        );
    }

    #[test]
    fn undefined_and_fp_instructions_are_undefined() {
        for ec in [0x00u64, 0x07, 0x18, 0x0e] {
            let syndrome = Syndrome::new((ec << 26) | (1 << 25));
            assert_eq!(
                stop_reason(UserTrap::Fault(syndrome), &context_with(0)),
                StopReason::Fault(FaultReason::UndefinedInstruction)
            );
        }
        let brk = Syndrome::new((0x3c << 26) | (1 << 25));
        assert_eq!(
            stop_reason(UserTrap::Fault(brk), &context_with(0)),
            StopReason::Fault(FaultReason::Other(brk.raw()))
        );
        assert_eq!(
            stop_reason(UserTrap::Interrupt, &context_with(0)),
            StopReason::Interrupted
        );
    }

    #[test]
    fn upcall_returns_to_where_the_process_yielded() {
        let mut context = context_with(0);
        context.pc = 0x8000_0124;
        context.set_upcall(0x8000_0400, [9, 8, 7, 6]);
        assert_eq!(context.pc, 0x8000_0400);
        assert_eq!(context.x[30], 0x8000_0124);
        assert_eq!(context.x[..4], [9, 8, 7, 6]);
        context.set_syscall_return([128, 1, 0, 0]);
        assert_eq!(context.x[..4], [128, 1, 0, 0]);
    }

    #[test]
    fn initialize_aligns_the_stack_and_clears_state() {
        let mut context = context_with(0x1234);
        context.x[17] = 99;
        context.initialize(0x8000_0080, 0x9000_0ffb, [5, 0, 0, 1]);
        assert_eq!(context.sp, 0x9000_0ff0);
        assert_eq!(context.pc, 0x8000_0080);
        assert_eq!(context.x[17], 0);
        assert_eq!(context.x[..4], [5, 0, 0, 1]);
        assert_eq!(context.pstate, USER_PSTATE);
    }
}
