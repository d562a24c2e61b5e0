// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! System call results and their encoding into `x0`–`x3`
//! (doc/reference/aarch64-abi.md §3).

use crate::ErrorCode;

/// TRD104 §3.2 return variant numbers, carried in `x0`.
pub mod variant {
    /// Failure.
    pub const FAILURE: u64 = 0;
    /// Failure with u32.
    pub const FAILURE_U32: u64 = 1;
    /// Failure with 2 u32.
    pub const FAILURE_U32_U32: u64 = 2;
    /// Failure with u64.
    pub const FAILURE_U64: u64 = 3;
    /// Success.
    pub const SUCCESS: u64 = 128;
    /// Success with u32.
    pub const SUCCESS_U32: u64 = 129;
    /// Success with 2 u32.
    pub const SUCCESS_U32_U32: u64 = 130;
    /// Success with u64.
    pub const SUCCESS_U64: u64 = 131;
    /// Success with 3 u32.
    pub const SUCCESS_U32_U32_U32: u64 = 132;
    /// Success with u32 and u64.
    pub const SUCCESS_U32_U64: u64 = 133;
}

/// Everything a system call can hand back to a process.
///
/// The first ten variants are TRD104's; the last six are the same variant
/// numbers carrying register-width addresses and sizes (ABI §3,
/// "register-width values"), which only the kernel core builds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum SyscallReturn {
    /// Variant 0.
    Failure(ErrorCode),
    /// Variant 1.
    FailureU32(ErrorCode, u32),
    /// Variant 2.
    FailureU32U32(ErrorCode, u32, u32),
    /// Variant 3.
    FailureU64(ErrorCode, u64),
    /// Variant 128.
    Success,
    /// Variant 129.
    SuccessU32(u32),
    /// Variant 130.
    SuccessU32U32(u32, u32),
    /// Variant 131.
    SuccessU64(u64),
    /// Variant 132.
    SuccessU32U32U32(u32, u32, u32),
    /// Variant 133.
    SuccessU32U64(u32, u64),
    /// Allow succeeded: the previous (address, size). Variant 130.
    AllowSuccess(u64, u64),
    /// Allow failed: the passed (address, size). Variant 2.
    AllowFailure(ErrorCode, u64, u64),
    /// Subscribe succeeded: the previous (upcall, appdata). Variant 130.
    SubscribeSuccess(u64, u64),
    /// Subscribe failed: the passed (upcall, appdata). Variant 2.
    SubscribeFailure(ErrorCode, u64, u64),
    /// Memop returning an address or size. Variant 129.
    SuccessAddress(u64),
}

impl SyscallReturn {
    /// The values of `x0`–`x3`. Unused registers are 0 so that no stale
    /// kernel value reaches the process.
    pub fn encode(self) -> [u64; 4] {
        use variant::*;
        let e = |code: ErrorCode| u64::from(code.as_u32());
        match self {
            Self::Failure(c) => [FAILURE, e(c), 0, 0],
            Self::FailureU32(c, a) => [FAILURE_U32, e(c), a.into(), 0],
            Self::FailureU32U32(c, a, b) => [FAILURE_U32_U32, e(c), a.into(), b.into()],
            Self::FailureU64(c, a) => [FAILURE_U64, e(c), a, 0],
            Self::Success => [SUCCESS, 0, 0, 0],
            Self::SuccessU32(a) => [SUCCESS_U32, a.into(), 0, 0],
            Self::SuccessU32U32(a, b) => [SUCCESS_U32_U32, a.into(), b.into(), 0],
            Self::SuccessU64(a) => [SUCCESS_U64, a, 0, 0],
            Self::SuccessU32U32U32(a, b, c) => [SUCCESS_U32_U32_U32, a.into(), b.into(), c.into()],
            Self::SuccessU32U64(a, b) => [SUCCESS_U32_U64, a.into(), b, 0],
            Self::AllowSuccess(p, l) | Self::SubscribeSuccess(p, l) => [SUCCESS_U32_U32, p, l, 0],
            Self::AllowFailure(c, p, l) | Self::SubscribeFailure(c, p, l) => {
                [FAILURE_U32_U32, e(c), p, l]
            }
            Self::SuccessAddress(a) => [SUCCESS_U32, a, 0, 0],
        }
    }

    /// True for the failure variants.
    pub fn is_failure(&self) -> bool {
        self.encode()[0] < variant::SUCCESS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_trd104_variants_one_value_per_register() {
        let big = 0x1234_5678_9ABC_DEF0;
        let cases = [
            (SyscallReturn::Failure(ErrorCode::NoDevice), [0, 11, 0, 0]),
            (SyscallReturn::FailureU32(ErrorCode::Busy, 7), [1, 2, 7, 0]),
            (
                SyscallReturn::FailureU32U32(ErrorCode::Size, 7, 8),
                [2, 7, 7, 8],
            ),
            (
                SyscallReturn::FailureU64(ErrorCode::Fail, big),
                [3, 1, big, 0],
            ),
            (SyscallReturn::Success, [128, 0, 0, 0]),
            (
                SyscallReturn::SuccessU32(u32::MAX),
                [129, 0xFFFF_FFFF, 0, 0],
            ),
            (SyscallReturn::SuccessU32U32(1, 2), [130, 1, 2, 0]),
            (SyscallReturn::SuccessU64(big), [131, big, 0, 0]),
            (SyscallReturn::SuccessU32U32U32(1, 2, 3), [132, 1, 2, 3]),
            (SyscallReturn::SuccessU32U64(9, big), [133, 9, big, 0]),
            (SyscallReturn::AllowSuccess(big, 64), [130, big, 64, 0]),
            (
                SyscallReturn::AllowFailure(ErrorCode::Inval, big, 64),
                [2, 6, big, 64],
            ),
            (SyscallReturn::SubscribeSuccess(0, 0), [130, 0, 0, 0]),
            (
                SyscallReturn::SubscribeFailure(ErrorCode::NoDevice, 4, 5),
                [2, 11, 4, 5],
            ),
            (
                SyscallReturn::SuccessAddress(0x9000_1000),
                [129, 0x9000_1000, 0, 0],
            ),
        ];
        for (ret, regs) in cases {
            assert_eq!(ret.encode(), regs, "{ret:?}");
            assert_eq!(ret.is_failure(), regs[0] < 128);
        }
    }
}
