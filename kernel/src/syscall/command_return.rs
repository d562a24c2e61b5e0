// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! [`CommandReturn`]: what a driver's `command` may return.

use super::ret::SyscallReturn;
use crate::ErrorCode;

/// The result of a Command: a newtype whose constructors build only the ten
/// TRD104 variants, so a driver cannot hand a process an allow- or
/// memop-shaped result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub struct CommandReturn(SyscallReturn);

impl CommandReturn {
    /// Failure.
    pub fn failure(code: ErrorCode) -> Self {
        Self(SyscallReturn::Failure(code))
    }
    /// Failure with u32.
    pub fn failure_u32(code: ErrorCode, a: u32) -> Self {
        Self(SyscallReturn::FailureU32(code, a))
    }
    /// Failure with 2 u32.
    pub fn failure_u32_u32(code: ErrorCode, a: u32, b: u32) -> Self {
        Self(SyscallReturn::FailureU32U32(code, a, b))
    }
    /// Failure with u64.
    pub fn failure_u64(code: ErrorCode, a: u64) -> Self {
        Self(SyscallReturn::FailureU64(code, a))
    }
    /// Success.
    pub fn success() -> Self {
        Self(SyscallReturn::Success)
    }
    /// Success with u32.
    pub fn success_u32(a: u32) -> Self {
        Self(SyscallReturn::SuccessU32(a))
    }
    /// Success with 2 u32.
    pub fn success_u32_u32(a: u32, b: u32) -> Self {
        Self(SyscallReturn::SuccessU32U32(a, b))
    }
    /// Success with u64.
    pub fn success_u64(a: u64) -> Self {
        Self(SyscallReturn::SuccessU64(a))
    }
    /// Success with 3 u32.
    pub fn success_u32_u32_u32(a: u32, b: u32, c: u32) -> Self {
        Self(SyscallReturn::SuccessU32U32U32(a, b, c))
    }
    /// Success with u32 and u64.
    pub fn success_u32_u64(a: u32, b: u64) -> Self {
        Self(SyscallReturn::SuccessU32U64(a, b))
    }

    /// True for the success variants.
    pub fn is_success(&self) -> bool {
        !self.0.is_failure()
    }

    /// The system call result this command produces.
    pub fn into_inner(self) -> SyscallReturn {
        self.0
    }
}

impl From<Result<(), ErrorCode>> for CommandReturn {
    /// `Ok` is Success, `Err(e)` is Failure(e).
    fn from(result: Result<(), ErrorCode>) -> Self {
        match result {
            Ok(()) => Self::success(),
            Err(e) => Self::failure(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_trd104_variants_and_their_numbers() {
        let all = [
            CommandReturn::failure(ErrorCode::Fail),
            CommandReturn::failure_u32(ErrorCode::Fail, 1),
            CommandReturn::failure_u32_u32(ErrorCode::Fail, 1, 2),
            CommandReturn::failure_u64(ErrorCode::Fail, 1),
            CommandReturn::success(),
            CommandReturn::success_u32(1),
            CommandReturn::success_u32_u32(1, 2),
            CommandReturn::success_u64(1),
            CommandReturn::success_u32_u32_u32(1, 2, 3),
            CommandReturn::success_u32_u64(1, 2),
        ];
        let numbers: [u64; 10] = [0, 1, 2, 3, 128, 129, 130, 131, 132, 133];
        for (ret, n) in all.iter().zip(numbers) {
            assert_eq!(ret.into_inner().encode()[0], n);
            assert_eq!(ret.is_success(), n >= 128);
        }
    }

    #[test]
    fn from_result() {
        assert_eq!(CommandReturn::from(Ok(())), CommandReturn::success());
        assert_eq!(
            CommandReturn::from(Err(ErrorCode::Busy)),
            CommandReturn::failure(ErrorCode::Busy)
        );
    }
}
