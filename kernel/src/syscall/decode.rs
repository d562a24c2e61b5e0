// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Decoding a trapped `svc` (class immediate plus `x0`–`x3`) into a typed
//! [`Syscall`], following doc/reference/aarch64-abi.md §4.
//!
//! Decoding never trusts a register: every field TRD104 defines as 32 bits is
//! range-checked on the 64-bit register, and every refusal is a precise
//! [`DecodeError`] that knows which failure the process must get back.

use super::class::SyscallClass;
use super::ret::SyscallReturn;
use crate::ErrorCode;

/// The four argument registers `x0`–`x3` as the process left them.
pub type SyscallArgs = [u64; 4];

/// Which Yield the process asked for (ABI §4.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum YieldCall {
    /// Run one pending upcall if any; report whether one ran through the byte
    /// at `result_addr` (0: do not report).
    NoWait {
        /// Process address of the result byte, or 0.
        result_addr: u64,
    },
    /// Block until an upcall runs.
    Wait,
    /// Block until the given upcall is scheduled; resume with its values.
    WaitFor {
        /// Driver number.
        driver: u32,
        /// Subscribe number within the driver.
        subscribe: u32,
    },
}

/// A Memop operation (ABI §4.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum MemopCall {
    /// Set the break to an absolute address.
    Brk(u64),
    /// Move the break by a signed amount and return the old break.
    Sbrk(i64),
    /// Start of process RAM.
    RamStart,
    /// End (exclusive) of process-accessible RAM.
    RamEnd,
    /// Start of the process image.
    ImageStart,
    /// End (exclusive) of the process image.
    ImageEnd,
    /// Lowest address of the grant region.
    GrantStart,
    /// Number of writeable flash regions.
    FlashRegionCount,
    /// Start of writeable flash region `n`.
    FlashRegionStart(u64),
    /// End of writeable flash region `n`.
    FlashRegionEnd(u64),
    /// Stack start hint.
    StackHint(u64),
    /// Heap start hint.
    HeapHint(u64),
}

/// The two Exit calls (ABI §4.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum ExitCall {
    /// The process is done; its resources may be reclaimed.
    Terminate {
        /// Completion code (low 32 bits of `x1`).
        completion_code: u32,
    },
    /// The process asks to be started again.
    Restart {
        /// Completion code (low 32 bits of `x1`).
        completion_code: u32,
    },
}

/// A decoded, well-formed system call. Addresses and sizes are still
/// unchecked against the process's memory: that needs the process.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum Syscall {
    /// Class 0.
    Yield(YieldCall),
    /// Class 1.
    Subscribe {
        /// Driver number.
        driver: u32,
        /// Subscribe number.
        subscribe: u32,
        /// Upcall entry address, 0 for the Null Upcall.
        upcall_ptr: u64,
        /// Opaque value handed back in `x3` of the upcall.
        appdata: u64,
    },
    /// Class 2.
    Command {
        /// Driver number.
        driver: u32,
        /// Command number.
        command: u32,
        /// First argument, full register width.
        arg0: u64,
        /// Second argument, full register width.
        arg1: u64,
    },
    /// Classes 3, 4 and 7.
    Allow {
        /// Which of the three allow classes.
        kind: AllowKind,
        /// Driver number.
        driver: u32,
        /// Allow number.
        allow: u32,
        /// Process address of the buffer.
        address: u64,
        /// Length of the buffer in bytes.
        size: u64,
    },
    /// Class 5.
    Memop(MemopCall),
    /// Class 6.
    Exit(ExitCall),
}

/// The three allow classes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum AllowKind {
    /// Class 3: the kernel may read and write.
    ReadWrite,
    /// Class 4: the kernel may only read.
    ReadOnly,
    /// Class 7: read-write, and the process may keep reading it.
    UserspaceReadable,
}

/// Which 32-bit field held a value that does not fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum Field {
    /// `x0` of subscribe, command, allow.
    Driver,
    /// `x1` of subscribe.
    SubscribeNum,
    /// `x1` of command.
    CommandNum,
    /// `x1` of allow.
    AllowNum,
}

/// Why a trapped `svc` is not a valid system call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum DecodeError {
    /// The `svc` immediate names no class.
    UnknownClass(u16),
    /// Yield number not 0, 1 or 2, or a wait-for field wider than 32 bits.
    BadYield,
    /// A 32-bit field of a driver call held a wider value.
    FieldTooWide {
        /// The class being decoded.
        class: SyscallClass,
        /// Which field.
        field: Field,
        /// The raw arguments, needed to build the class's failure variant.
        args: SyscallArgs,
    },
    /// Memop operation number not defined.
    UnknownMemop(u64),
    /// Exit number not 0 or 1.
    UnknownExit(u64),
}

impl DecodeError {
    /// What the process gets back, or `None` when the ABI says the kernel
    /// writes no register (an invalid Yield returns at once, unchanged).
    pub fn to_return(&self) -> Option<SyscallReturn> {
        match *self {
            Self::BadYield => None,
            Self::UnknownClass(_) | Self::UnknownMemop(_) | Self::UnknownExit(_) => {
                Some(SyscallReturn::Failure(ErrorCode::NoSupport))
            }
            Self::FieldTooWide { class, args, .. } => Some(match class {
                SyscallClass::Subscribe => {
                    SyscallReturn::SubscribeFailure(ErrorCode::Inval, args[2], args[3])
                }
                SyscallClass::ReadWriteAllow
                | SyscallClass::ReadOnlyAllow
                | SyscallClass::UserspaceReadableAllow => {
                    SyscallReturn::AllowFailure(ErrorCode::Inval, args[2], args[3])
                }
                _ => SyscallReturn::Failure(ErrorCode::Inval),
            }),
        }
    }
}

/// Checks a TRD104 32-bit field held in a 64-bit register.
fn narrow(
    class: SyscallClass,
    field: Field,
    args: SyscallArgs,
    value: u64,
) -> Result<u32, DecodeError> {
    u32::try_from(value).map_err(|_| DecodeError::FieldTooWide { class, field, args })
}

impl Syscall {
    /// Decodes the `svc` immediate and the argument registers.
    pub fn decode(immediate: u16, args: SyscallArgs) -> Result<Self, DecodeError> {
        let class =
            SyscallClass::from_immediate(immediate).ok_or(DecodeError::UnknownClass(immediate))?;
        let [x0, x1, x2, x3] = args;
        match class {
            SyscallClass::Yield => decode_yield(x0, x1, x2).map(Self::Yield),
            SyscallClass::Subscribe => Ok(Self::Subscribe {
                driver: narrow(class, Field::Driver, args, x0)?,
                subscribe: narrow(class, Field::SubscribeNum, args, x1)?,
                upcall_ptr: x2,
                appdata: x3,
            }),
            SyscallClass::Command => Ok(Self::Command {
                driver: narrow(class, Field::Driver, args, x0)?,
                command: narrow(class, Field::CommandNum, args, x1)?,
                arg0: x2,
                arg1: x3,
            }),
            SyscallClass::ReadWriteAllow
            | SyscallClass::ReadOnlyAllow
            | SyscallClass::UserspaceReadableAllow => {
                let kind = match class {
                    SyscallClass::ReadWriteAllow => AllowKind::ReadWrite,
                    SyscallClass::ReadOnlyAllow => AllowKind::ReadOnly,
                    _ => AllowKind::UserspaceReadable,
                };
                Ok(Self::Allow {
                    kind,
                    driver: narrow(class, Field::Driver, args, x0)?,
                    allow: narrow(class, Field::AllowNum, args, x1)?,
                    address: x2,
                    size: x3,
                })
            }
            SyscallClass::Memop => decode_memop(x0, x1).map(Self::Memop),
            SyscallClass::Exit => {
                // Exit must succeed, so the completion code cannot be refused:
                // its upper half is ignored (ABI §4.6).
                let completion_code = x1 as u32;
                match x0 {
                    0 => Ok(Self::Exit(ExitCall::Terminate { completion_code })),
                    1 => Ok(Self::Exit(ExitCall::Restart { completion_code })),
                    other => Err(DecodeError::UnknownExit(other)),
                }
            }
        }
    }
}

fn decode_yield(x0: u64, x1: u64, x2: u64) -> Result<YieldCall, DecodeError> {
    match x0 {
        0 => Ok(YieldCall::NoWait { result_addr: x1 }),
        1 => Ok(YieldCall::Wait),
        2 => Ok(YieldCall::WaitFor {
            driver: u32::try_from(x1).map_err(|_| DecodeError::BadYield)?,
            subscribe: u32::try_from(x2).map_err(|_| DecodeError::BadYield)?,
        }),
        _ => Err(DecodeError::BadYield),
    }
}

fn decode_memop(op: u64, arg: u64) -> Result<MemopCall, DecodeError> {
    Ok(match op {
        0 => MemopCall::Brk(arg),
        // The increment is signed: the register's bits reinterpreted.
        1 => MemopCall::Sbrk(arg as i64),
        2 => MemopCall::RamStart,
        3 => MemopCall::RamEnd,
        4 => MemopCall::ImageStart,
        5 => MemopCall::ImageEnd,
        6 => MemopCall::GrantStart,
        7 => MemopCall::FlashRegionCount,
        8 => MemopCall::FlashRegionStart(arg),
        9 => MemopCall::FlashRegionEnd(arg),
        10 => MemopCall::StackHint(arg),
        11 => MemopCall::HeapHint(arg),
        other => return Err(DecodeError::UnknownMemop(other)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const WIDE: u64 = 1 << 32;

    #[test]
    fn decodes_every_class() {
        assert_eq!(
            Syscall::decode(0, [1, 0, 0, 0]),
            Ok(Syscall::Yield(YieldCall::Wait))
        );
        assert_eq!(
            Syscall::decode(0, [0, 0x9000_0010, 0, 0]),
            Ok(Syscall::Yield(YieldCall::NoWait {
                result_addr: 0x9000_0010
            }))
        );
        assert_eq!(
            Syscall::decode(0, [2, 5, 1, 0]),
            Ok(Syscall::Yield(YieldCall::WaitFor {
                driver: 5,
                subscribe: 1
            }))
        );
        assert_eq!(
            Syscall::decode(1, [1, 2, 0x8000_1000, 77]),
            Ok(Syscall::Subscribe {
                driver: 1,
                subscribe: 2,
                upcall_ptr: 0x8000_1000,
                appdata: 77
            })
        );
        // Command arguments keep all 64 bits: a device address fits one.
        assert_eq!(
            Syscall::decode(2, [0x4_0000, 3, u64::MAX, 0xFFFF_0000_0000]),
            Ok(Syscall::Command {
                driver: 0x4_0000,
                command: 3,
                arg0: u64::MAX,
                arg1: 0xFFFF_0000_0000
            })
        );
        for (imm, kind) in [
            (3, AllowKind::ReadWrite),
            (4, AllowKind::ReadOnly),
            (7, AllowKind::UserspaceReadable),
        ] {
            assert_eq!(
                Syscall::decode(imm, [1, 0, 0x9000_0000, 16]),
                Ok(Syscall::Allow {
                    kind,
                    driver: 1,
                    allow: 0,
                    address: 0x9000_0000,
                    size: 16
                })
            );
        }
        assert_eq!(
            Syscall::decode(5, [1, (-16i64) as u64, 0, 0]),
            Ok(Syscall::Memop(MemopCall::Sbrk(-16)))
        );
        assert_eq!(
            Syscall::decode(5, [11, 5, 0, 0]),
            Ok(Syscall::Memop(MemopCall::HeapHint(5)))
        );
        assert_eq!(
            Syscall::decode(6, [1, WIDE | 3, 0, 0]),
            Ok(Syscall::Exit(ExitCall::Restart { completion_code: 3 }))
        );
    }

    #[test]
    fn unknown_class_is_nosupport() {
        let err = Syscall::decode(8, [0; 4]).unwrap_err();
        assert_eq!(err, DecodeError::UnknownClass(8));
        assert_eq!(
            err.to_return(),
            Some(SyscallReturn::Failure(ErrorCode::NoSupport))
        );
    }

    #[test]
    fn bad_yields_write_no_register() {
        for args in [
            [3, 0, 0, 0],
            [u64::MAX, 0, 0, 0],
            [2, WIDE, 0, 0],
            [2, 0, WIDE, 0],
        ] {
            let err = Syscall::decode(0, args).unwrap_err();
            assert_eq!(err, DecodeError::BadYield);
            assert_eq!(err.to_return(), None);
        }
    }

    #[test]
    fn wide_fields_fail_with_the_class_failure_variant() {
        let err = Syscall::decode(1, [WIDE, 0, 0x8000_1000, 9]).unwrap_err();
        assert_eq!(
            err.to_return(),
            Some(SyscallReturn::SubscribeFailure(
                ErrorCode::Inval,
                0x8000_1000,
                9
            ))
        );
        let err = Syscall::decode(1, [1, WIDE, 4, 5]).unwrap_err();
        assert!(matches!(
            err,
            DecodeError::FieldTooWide {
                field: Field::SubscribeNum,
                ..
            }
        ));
        let err = Syscall::decode(3, [1, u64::MAX, 0x9000_0000, 8]).unwrap_err();
        assert_eq!(
            err.to_return(),
            Some(SyscallReturn::AllowFailure(
                ErrorCode::Inval,
                0x9000_0000,
                8
            ))
        );
        let err = Syscall::decode(2, [1, WIDE, 0, 0]).unwrap_err();
        assert!(matches!(
            err,
            DecodeError::FieldTooWide {
                field: Field::CommandNum,
                ..
            }
        ));
        assert_eq!(
            err.to_return(),
            Some(SyscallReturn::Failure(ErrorCode::Inval))
        );
    }

    #[test]
    fn unknown_memop_and_exit_are_nosupport() {
        assert_eq!(
            Syscall::decode(5, [12, 0, 0, 0]),
            Err(DecodeError::UnknownMemop(12))
        );
        assert_eq!(
            Syscall::decode(6, [2, 0, 0, 0]),
            Err(DecodeError::UnknownExit(2))
        );
        assert_eq!(
            DecodeError::UnknownExit(2).to_return(),
            Some(SyscallReturn::Failure(ErrorCode::NoSupport))
        );
    }
}
