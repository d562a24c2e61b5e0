// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The register-level contract of doc/reference/aarch64-abi.md, as data:
//! class numbers (the `svc` immediate, §2), return variants (§3), error
//! codes (TRD104 §3.3) and the decoding of `x0`–`x3` into a [`Return`].
//! Pure logic, tested on the host.

/// System-call class numbers: the immediate of `svc #imm` (ABI §2).
pub mod class {
    /// Yield.
    pub const YIELD: u16 = 0;
    /// Subscribe.
    pub const SUBSCRIBE: u16 = 1;
    /// Command.
    pub const COMMAND: u16 = 2;
    /// Read-write allow.
    pub const ALLOW_RW: u16 = 3;
    /// Read-only allow.
    pub const ALLOW_RO: u16 = 4;
    /// Memop.
    pub const MEMOP: u16 = 5;
    /// Exit.
    pub const EXIT: u16 = 6;
    /// Userspace-readable allow.
    pub const ALLOW_USERSPACE_READABLE: u16 = 7;
}

/// Yield numbers (`x0` of `svc #0`, ABI §4.1).
pub mod yield_kind {
    /// Run one pending upcall if there is one, never block.
    pub const NO_WAIT: u64 = 0;
    /// Block until an upcall has run.
    pub const WAIT: u64 = 1;
    /// Block until one given upcall is queued; return its values.
    pub const WAIT_FOR: u64 = 2;
}

/// Exit numbers (`x0` of `svc #6`, ABI §4.6).
pub mod exit_kind {
    /// End the process for good.
    pub const TERMINATE: u64 = 0;
    /// End this run and start a new one.
    pub const RESTART: u64 = 1;
}

/// Memop operations (`x0` of `svc #5`, ABI §4.5).
pub mod memop_op {
    /// Set the break to `x1`.
    pub const BRK: u64 = 0;
    /// Move the break by signed `x1`; returns the old break.
    pub const SBRK: u64 = 1;
    /// Start of process RAM.
    pub const RAM_START: u64 = 2;
    /// End of process-accessible RAM (exclusive).
    pub const RAM_END: u64 = 3;
    /// Start of the process image.
    pub const IMAGE_START: u64 = 4;
    /// End of the process image (exclusive).
    pub const IMAGE_END: u64 = 5;
    /// Lowest address of the grant region.
    pub const GRANT_START: u64 = 6;
    /// Number of writeable flash regions.
    pub const FLASH_REGION_COUNT: u64 = 7;
    /// Start of writeable flash region `x1`.
    pub const FLASH_REGION_START: u64 = 8;
    /// End of writeable flash region `x1`.
    pub const FLASH_REGION_END: u64 = 9;
    /// Stack start hint.
    pub const STACK_HINT: u64 = 10;
    /// Heap start hint.
    pub const HEAP_HINT: u64 = 11;
}

/// Return-variant numbers in `x0` (ABI §3, TRD104 §3.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Variant {
    /// Failure.
    Failure = 0,
    /// Failure with one u32.
    FailureU32 = 1,
    /// Failure with two u32s (or two register-width values).
    Failure2U32 = 2,
    /// Failure with one u64.
    FailureU64 = 3,
    /// Success.
    Success = 128,
    /// Success with one u32 (or one register-width value).
    SuccessU32 = 129,
    /// Success with two u32s (or two register-width values).
    Success2U32 = 130,
    /// Success with one u64.
    SuccessU64 = 131,
    /// Success with three u32s.
    Success3U32 = 132,
    /// Success with a u32 and a u64.
    SuccessU32U64 = 133,
}

impl Variant {
    /// The variant numbered `raw`, if it is one of the ten.
    pub const fn from_raw(raw: u64) -> Option<Self> {
        Some(match raw {
            0 => Self::Failure,
            1 => Self::FailureU32,
            2 => Self::Failure2U32,
            3 => Self::FailureU64,
            128 => Self::Success,
            129 => Self::SuccessU32,
            130 => Self::Success2U32,
            131 => Self::SuccessU64,
            132 => Self::Success3U32,
            133 => Self::SuccessU32U64,
            _ => return None,
        })
    }

    /// True for the four failure variants.
    pub const fn is_failure(self) -> bool {
        (self as u64) < 128
    }

    /// How many of `x1`–`x3` carry values (for a failure, the error code
    /// counts as one). The rest must be zero (ABI §3).
    pub const fn used_registers(self) -> usize {
        match self {
            Self::Success => 0,
            Self::Failure | Self::SuccessU32 | Self::SuccessU64 => 1,
            Self::FailureU32 | Self::FailureU64 | Self::Success2U32 | Self::SuccessU32U64 => 2,
            Self::Failure2U32 | Self::Success3U32 => 3,
        }
    }
}

/// TRD104 §3.3 error codes, numbered as Tock's `ErrorCode` (ABI §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum ErrorCode {
    /// Generic failure.
    Fail = 1,
    /// Underlying system is busy; retry.
    Busy = 2,
    /// The state requested is already set.
    Already = 3,
    /// The component is powered down.
    Off = 4,
    /// Reservation required before use.
    Reserve = 5,
    /// An invalid parameter was passed.
    Invalid = 6,
    /// Parameter passed was too large.
    Size = 7,
    /// Operation cancelled by a call.
    Cancel = 8,
    /// Memory required not available.
    NoMem = 9,
    /// Operation is not supported.
    NoSupport = 10,
    /// Device is not available.
    NoDevice = 11,
    /// Device is not physically installed.
    Uninstalled = 12,
    /// Packet transmission not acknowledged.
    NoAck = 13,
    /// Userspace only: the kernel's answer did not decode (a variant the
    /// call cannot return, an unknown error code, stray register values).
    BadRVal = 1024,
}

impl ErrorCode {
    /// The error code numbered `raw`, if the kernel can send it (BADRVAL is
    /// userspace-only, so it never decodes).
    pub const fn from_raw(raw: u64) -> Option<Self> {
        Some(match raw {
            1 => Self::Fail,
            2 => Self::Busy,
            3 => Self::Already,
            4 => Self::Off,
            5 => Self::Reserve,
            6 => Self::Invalid,
            7 => Self::Size,
            8 => Self::Cancel,
            9 => Self::NoMem,
            10 => Self::NoSupport,
            11 => Self::NoDevice,
            12 => Self::Uninstalled,
            13 => Self::NoAck,
            _ => return None,
        })
    }

    /// Tock's upper-case name, for messages.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Fail => "FAIL",
            Self::Busy => "BUSY",
            Self::Already => "ALREADY",
            Self::Off => "OFF",
            Self::Reserve => "RESERVE",
            Self::Invalid => "INVAL",
            Self::Size => "SIZE",
            Self::Cancel => "CANCEL",
            Self::NoMem => "NOMEM",
            Self::NoSupport => "NOSUPPORT",
            Self::NoDevice => "NODEVICE",
            Self::Uninstalled => "UNINSTALLED",
            Self::NoAck => "NOACK",
            Self::BadRVal => "BADRVAL",
        }
    }
}

impl core::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// A decoded system-call return: one of the ten variants with its values.
/// Values are register-width (`u64`): where TRD104 has a `u32` slot that
/// carries an address or a size, AArch64 carries all 64 bits (ABI §3); the
/// caller that expects a true `u32` narrows it (and gets BADRVAL if it does
/// not fit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Return {
    /// Variant 0.
    Failure(ErrorCode),
    /// Variant 1.
    FailureU32(ErrorCode, u64),
    /// Variant 2.
    Failure2U32(ErrorCode, u64, u64),
    /// Variant 3.
    FailureU64(ErrorCode, u64),
    /// Variant 128.
    Success,
    /// Variant 129.
    SuccessU32(u64),
    /// Variant 130.
    Success2U32(u64, u64),
    /// Variant 131.
    SuccessU64(u64),
    /// Variant 132.
    Success3U32(u64, u64, u64),
    /// Variant 133.
    SuccessU32U64(u64, u64),
}

/// Why `x0`–`x3` do not form a legal return (ABI §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BadReturn {
    /// `x0` is not one of the ten variant numbers.
    UnknownVariant(u64),
    /// A failure variant carries an error code the kernel cannot send.
    UnknownErrorCode(u64),
    /// A register the variant does not use is not zero.
    StrayValue {
        /// The variant.
        variant: Variant,
        /// Which register (1..=3).
        register: usize,
        /// What it held.
        value: u64,
    },
}

impl Return {
    /// Decodes `x0`–`x3` strictly: known variant, known error code, and
    /// every register the variant does not use is zero.
    pub fn decode(regs: [u64; 4]) -> Result<Self, BadReturn> {
        let [x0, x1, x2, x3] = regs;
        let variant = Variant::from_raw(x0).ok_or(BadReturn::UnknownVariant(x0))?;
        for (register, &value) in regs.iter().enumerate().skip(1 + variant.used_registers()) {
            if value != 0 {
                return Err(BadReturn::StrayValue {
                    variant,
                    register,
                    value,
                });
            }
        }
        let error = || ErrorCode::from_raw(x1).ok_or(BadReturn::UnknownErrorCode(x1));
        Ok(match variant {
            Variant::Failure => Self::Failure(error()?),
            Variant::FailureU32 => Self::FailureU32(error()?, x2),
            Variant::Failure2U32 => Self::Failure2U32(error()?, x2, x3),
            Variant::FailureU64 => Self::FailureU64(error()?, x2),
            Variant::Success => Self::Success,
            Variant::SuccessU32 => Self::SuccessU32(x1),
            Variant::Success2U32 => Self::Success2U32(x1, x2),
            Variant::SuccessU64 => Self::SuccessU64(x1),
            Variant::Success3U32 => Self::Success3U32(x1, x2, x3),
            Variant::SuccessU32U64 => Self::SuccessU32U64(x1, x2),
        })
    }

    /// The variant of this return.
    pub const fn variant(&self) -> Variant {
        match self {
            Self::Failure(_) => Variant::Failure,
            Self::FailureU32(..) => Variant::FailureU32,
            Self::Failure2U32(..) => Variant::Failure2U32,
            Self::FailureU64(..) => Variant::FailureU64,
            Self::Success => Variant::Success,
            Self::SuccessU32(_) => Variant::SuccessU32,
            Self::Success2U32(..) => Variant::Success2U32,
            Self::SuccessU64(_) => Variant::SuccessU64,
            Self::Success3U32(..) => Variant::Success3U32,
            Self::SuccessU32U64(..) => Variant::SuccessU32U64,
        }
    }

    /// The error code of a failure variant, `None` for a success.
    pub const fn error(&self) -> Option<ErrorCode> {
        match *self {
            Self::Failure(e)
            | Self::FailureU32(e, _)
            | Self::Failure2U32(e, ..)
            | Self::FailureU64(e, _) => Some(e),
            _ => None,
        }
    }

    /// Success with no value, or the failure's error code; any other
    /// success variant is BADRVAL.
    pub fn expect_success(self) -> Result<(), ErrorCode> {
        match self {
            Self::Success => Ok(()),
            other => Err(other.error().unwrap_or(ErrorCode::BadRVal)),
        }
    }

    /// The value of Success-with-u32 (register width), or the error.
    pub fn expect_u32_register(self) -> Result<u64, ErrorCode> {
        match self {
            Self::SuccessU32(v) => Ok(v),
            other => Err(other.error().unwrap_or(ErrorCode::BadRVal)),
        }
    }

    /// The value of Success-with-u32, narrowed to a true `u32`.
    pub fn expect_u32(self) -> Result<u32, ErrorCode> {
        narrow(self.expect_u32_register()?)
    }

    /// The two values of Success-with-2-u32 (register width), or the error.
    pub fn expect_2u32_registers(self) -> Result<(u64, u64), ErrorCode> {
        match self {
            Self::Success2U32(a, b) => Ok((a, b)),
            other => Err(other.error().unwrap_or(ErrorCode::BadRVal)),
        }
    }

    /// The value of Success-with-u64, or the error.
    pub fn expect_u64(self) -> Result<u64, ErrorCode> {
        match self {
            Self::SuccessU64(v) => Ok(v),
            other => Err(other.error().unwrap_or(ErrorCode::BadRVal)),
        }
    }
}

/// Narrows a register that must hold a zero-extended `u32` (ABI §3).
pub fn narrow(value: u64) -> Result<u32, ErrorCode> {
    u32::try_from(value).map_err(|_| ErrorCode::BadRVal)
}

/// Decodes registers into a result: a legal return, or BADRVAL.
pub fn decode_or_badrval(regs: [u64; 4]) -> Result<Return, ErrorCode> {
    Return::decode(regs).map_err(|_| ErrorCode::BadRVal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_round_trips_its_number() {
        for raw in 0..=300 {
            match Variant::from_raw(raw) {
                Some(v) => assert_eq!(v as u64, raw),
                None => assert!(!matches!(raw, 0..=3 | 128..=133), "{raw} lost"),
            }
        }
    }

    #[test]
    fn decodes_each_variant_with_its_values() {
        let big = 0x1234_5678_9ABC_DEF0;
        assert_eq!(
            Return::decode([0, 6, 0, 0]),
            Ok(Return::Failure(ErrorCode::Invalid))
        );
        assert_eq!(
            Return::decode([1, 2, 7, 0]),
            Ok(Return::FailureU32(ErrorCode::Busy, 7))
        );
        assert_eq!(
            Return::decode([2, 6, big, 9]),
            Ok(Return::Failure2U32(ErrorCode::Invalid, big, 9))
        );
        assert_eq!(
            Return::decode([3, 13, big, 0]),
            Ok(Return::FailureU64(ErrorCode::NoAck, big))
        );
        assert_eq!(Return::decode([128, 0, 0, 0]), Ok(Return::Success));
        assert_eq!(
            Return::decode([129, big, 0, 0]),
            Ok(Return::SuccessU32(big))
        );
        assert_eq!(
            Return::decode([130, 1, 2, 0]),
            Ok(Return::Success2U32(1, 2))
        );
        assert_eq!(
            Return::decode([131, big, 0, 0]),
            Ok(Return::SuccessU64(big))
        );
        assert_eq!(
            Return::decode([132, 1, 2, 3]),
            Ok(Return::Success3U32(1, 2, 3))
        );
        assert_eq!(
            Return::decode([133, 1, big, 0]),
            Ok(Return::SuccessU32U64(1, big))
        );
    }

    #[test]
    fn refuses_unknown_variants_and_codes() {
        assert_eq!(
            Return::decode([4, 0, 0, 0]),
            Err(BadReturn::UnknownVariant(4))
        );
        assert_eq!(
            Return::decode([134, 0, 0, 0]),
            Err(BadReturn::UnknownVariant(134))
        );
        assert_eq!(
            Return::decode([0, 0, 0, 0]),
            Err(BadReturn::UnknownErrorCode(0))
        );
        assert_eq!(
            Return::decode([0, 14, 0, 0]),
            Err(BadReturn::UnknownErrorCode(14))
        );
        // BADRVAL is userspace-only: a kernel that sends it is broken.
        assert_eq!(
            Return::decode([0, 1024, 0, 0]),
            Err(BadReturn::UnknownErrorCode(1024))
        );
    }

    #[test]
    fn refuses_stray_values_in_unused_registers() {
        assert_eq!(
            Return::decode([128, 0, 0, 5]),
            Err(BadReturn::StrayValue {
                variant: Variant::Success,
                register: 3,
                value: 5
            })
        );
        assert_eq!(
            Return::decode([0, 6, 1, 0]),
            Err(BadReturn::StrayValue {
                variant: Variant::Failure,
                register: 2,
                value: 1
            })
        );
        assert!(Return::decode([129, 1, 1, 0]).is_err());
        assert!(Return::decode([130, 1, 1, 1]).is_err());
    }

    #[test]
    fn expectations_map_wrong_variants_to_badrval() {
        assert_eq!(Return::Success.expect_success(), Ok(()));
        assert_eq!(
            Return::SuccessU32(1).expect_success(),
            Err(ErrorCode::BadRVal)
        );
        assert_eq!(
            Return::Failure(ErrorCode::Busy).expect_u32(),
            Err(ErrorCode::Busy)
        );
        assert_eq!(Return::SuccessU32(7).expect_u32(), Ok(7));
        assert_eq!(
            Return::SuccessU32(1 << 32).expect_u32(),
            Err(ErrorCode::BadRVal)
        );
        assert_eq!(
            Return::SuccessU32(1 << 32).expect_u32_register(),
            Ok(1 << 32)
        );
        assert_eq!(
            Return::Success2U32(3, 4).expect_2u32_registers(),
            Ok((3, 4))
        );
        assert_eq!(Return::Success.expect_u64(), Err(ErrorCode::BadRVal));
        assert_eq!(decode_or_badrval([77, 0, 0, 0]), Err(ErrorCode::BadRVal));
    }

    #[test]
    fn error_codes_match_trd104_numbers() {
        for raw in 1..=13 {
            let code = ErrorCode::from_raw(raw).expect("TRD104 defines 1..=13");
            assert_eq!(code as u64, raw);
        }
        assert_eq!(ErrorCode::Invalid.name(), "INVAL");
        assert_eq!(ErrorCode::from_raw(0), None);
    }
}
