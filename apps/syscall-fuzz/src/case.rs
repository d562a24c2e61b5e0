// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! One fuzz case (a system call and what the ABI says must come back) and
//! the oracle that judges the kernel's answer.

use libportcullis::abi::{ErrorCode, Return};

/// A raw system call: the `svc` immediate and `x0`–`x3`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Call {
    /// The `svc` immediate (the class, or a bad one).
    pub class: u16,
    /// `x0`–`x3`.
    pub args: [u64; 4],
}

/// Subscribe and allow slots whose contents the fuzzer tracks, so it can
/// check the "previous value" every successful swap returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tracked {
    /// Console subscribe slot 1.
    ConsoleUpcall,
    /// Alarm subscribe slot 0.
    AlarmUpcall,
    /// Console read-only allow slot 1.
    ConsoleRo,
    /// Console read-write allow slot 1.
    ConsoleRw,
}

impl Tracked {
    /// Every tracked slot.
    pub const ALL: [Self; 4] = [
        Self::ConsoleUpcall,
        Self::AlarmUpcall,
        Self::ConsoleRo,
        Self::ConsoleRw,
    ];

    /// Index into a per-slot table.
    pub const fn index(self) -> usize {
        self as usize
    }
}

/// What the ABI requires the answer to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// `Failure` (variant 0) with this code.
    Failure(ErrorCode),
    /// Variant 2 with this code, echoing the call's `x2` and `x3`
    /// (Subscribe and Allow failures, ABI §4.2, §4.4).
    FailureEcho(ErrorCode),
    /// Variant 2 echoing `x2`/`x3` with either code (two faults at once;
    /// the ABI does not order the checks).
    FailureEchoEither(ErrorCode, ErrorCode),
    /// Variant 130 with the slot's previous pair (or any pair while the
    /// fuzzer does not know it yet); the slot then holds `now`.
    Swap {
        /// The slot.
        slot: Tracked,
        /// What the slot holds after this call.
        now: (u64, u64),
    },
    /// `Success` (variant 128).
    Success,
    /// `Success with u32` (register width) carrying exactly this value.
    Value(u64),
    /// Any of the ten legal returns (a driver-defined command).
    AnyLegal,
    /// Yield with nothing to return: `x0`–`x3` exactly as passed.
    Unchanged,
    /// Yield-no-wait: the registers are not a return; if the result byte
    /// lies in the fuzzer's buffer it must now be 0 or 1.
    YieldNoWait,
}

/// A state change to apply when the answer was right.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Nothing.
    None,
    /// The break moved here.
    Break(u64),
}

/// A call, the required answer and its effect on the fuzzer's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Case {
    /// What to send.
    pub call: Call,
    /// What must come back.
    pub expect: Expect,
    /// What changes if it does.
    pub effect: Effect,
    /// For yield-no-wait into the fuzzer's buffer: where the result byte
    /// goes (the runner fills it with [`UNWRITTEN`] first).
    pub result_byte: Option<u64>,
}

/// The result byte's value before a yield-no-wait.
pub const UNWRITTEN: u8 = 0xAA;

/// Why an answer was wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wrong {
    /// Not one of the ten variants, an unknown error code, or a stray
    /// value in an unused register.
    Malformed,
    /// A legal return, but not the one required.
    Mismatch,
    /// A swap returned a previous pair other than what the slot held.
    WrongPrevious {
        /// What the slot held.
        held: (u64, u64),
    },
    /// Yield-no-wait left its result byte neither 0 nor 1.
    ResultByte(u8),
}

/// Judges `got` (`x0`–`x3` after the call) against `case`. `held` is what
/// the fuzzer knows the swapped slot held (for [`Expect::Swap`]);
/// `result_byte` what the yield result byte holds now.
pub fn judge(
    case: &Case,
    got: [u64; 4],
    held: Option<(u64, u64)>,
    result_byte: Option<u8>,
) -> Result<(), Wrong> {
    let [_, _, x2, x3] = case.call.args;
    let echo = |code: ErrorCode| Return::Failure2U32(code, x2, x3);
    match case.expect {
        Expect::Unchanged => {
            return if got == case.call.args {
                Ok(())
            } else {
                Err(Wrong::Mismatch)
            };
        }
        Expect::YieldNoWait => {
            return match result_byte {
                None | Some(0 | 1) => Ok(()),
                Some(other) => Err(Wrong::ResultByte(other)),
            };
        }
        _ => {}
    }
    let ret = Return::decode(got).map_err(|_| Wrong::Malformed)?;
    let right = match case.expect {
        Expect::Failure(code) => ret == Return::Failure(code),
        Expect::FailureEcho(code) => ret == echo(code),
        Expect::FailureEchoEither(a, b) => ret == echo(a) || ret == echo(b),
        Expect::Swap { .. } => {
            let Return::Success2U32(a, b) = ret else {
                return Err(Wrong::Mismatch);
            };
            return match held {
                Some(held) if held != (a, b) => Err(Wrong::WrongPrevious { held }),
                _ => Ok(()),
            };
        }
        Expect::Success => ret == Return::Success,
        Expect::Value(v) => ret == Return::SuccessU32(v),
        Expect::AnyLegal => true,
        Expect::Unchanged | Expect::YieldNoWait => unreachable!("handled above"),
    };
    if right { Ok(()) } else { Err(Wrong::Mismatch) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INVAL: u64 = ErrorCode::Invalid as u64;

    fn case(class: u16, args: [u64; 4], expect: Expect) -> Case {
        Case {
            call: Call { class, args },
            expect,
            effect: Effect::None,
            result_byte: None,
        }
    }

    #[test]
    fn failures_must_match_variant_code_and_echo() {
        let c = case(
            4,
            [1, 1, 0xDEAD, 7],
            Expect::FailureEcho(ErrorCode::Invalid),
        );
        assert_eq!(judge(&c, [2, INVAL, 0xDEAD, 7], None, None), Ok(()));
        // Wrong echo, wrong code, wrong variant, a success: all wrong.
        assert_eq!(
            judge(&c, [2, INVAL, 0xDEAD, 8], None, None),
            Err(Wrong::Mismatch)
        );
        assert_eq!(
            judge(&c, [2, 11, 0xDEAD, 7], None, None),
            Err(Wrong::Mismatch)
        );
        assert_eq!(
            judge(&c, [0, INVAL, 0, 0], None, None),
            Err(Wrong::Mismatch)
        );
        assert_eq!(judge(&c, [130, 0, 0, 0], None, None), Err(Wrong::Mismatch));
        assert_eq!(judge(&c, [9, 0, 0, 0], None, None), Err(Wrong::Malformed));

        let c = case(2, [99, 0, 5, 5], Expect::Failure(ErrorCode::NoDevice));
        assert_eq!(judge(&c, [0, 11, 0, 0], None, None), Ok(()));
        // A stale value in an unused register is malformed.
        assert_eq!(judge(&c, [0, 11, 5, 0], None, None), Err(Wrong::Malformed));

        let c = case(
            7,
            [1, 1, 3, 4],
            Expect::FailureEchoEither(ErrorCode::NoSupport, ErrorCode::Invalid),
        );
        assert_eq!(judge(&c, [2, 10, 3, 4], None, None), Ok(()));
        assert_eq!(judge(&c, [2, INVAL, 3, 4], None, None), Ok(()));
        assert_eq!(judge(&c, [2, 11, 3, 4], None, None), Err(Wrong::Mismatch));
    }

    #[test]
    fn swaps_check_the_previous_pair_when_known() {
        let c = case(
            4,
            [1, 1, 0x9000_0000, 4],
            Expect::Swap {
                slot: Tracked::ConsoleRo,
                now: (0x9000_0000, 4),
            },
        );
        assert_eq!(judge(&c, [130, 5, 6, 0], None, None), Ok(()));
        assert_eq!(judge(&c, [130, 5, 6, 0], Some((5, 6)), None), Ok(()));
        assert_eq!(
            judge(&c, [130, 5, 6, 0], Some((0, 0)), None),
            Err(Wrong::WrongPrevious { held: (0, 0) })
        );
        assert_eq!(
            judge(&c, [2, INVAL, 0x9000_0000, 4], None, None),
            Err(Wrong::Mismatch)
        );
    }

    #[test]
    fn values_and_successes_are_exact() {
        let c = case(5, [2, 0, 0, 0], Expect::Value(0x9000_0000));
        assert_eq!(judge(&c, [129, 0x9000_0000, 0, 0], None, None), Ok(()));
        assert_eq!(
            judge(&c, [129, 0x9000_1000, 0, 0], None, None),
            Err(Wrong::Mismatch)
        );
        let c = case(5, [10, 0, 0, 0], Expect::Success);
        assert_eq!(judge(&c, [128, 0, 0, 0], None, None), Ok(()));
        assert_eq!(judge(&c, [129, 0, 0, 0], None, None), Err(Wrong::Mismatch));
        let c = case(2, [0, 77, 0, 0], Expect::AnyLegal);
        assert_eq!(judge(&c, [133, 1, 2, 0], None, None), Ok(()));
        assert_eq!(judge(&c, [134, 0, 0, 0], None, None), Err(Wrong::Malformed));
    }

    #[test]
    fn invalid_yields_must_leave_registers_alone() {
        let c = case(0, [3, 1, 2, 3], Expect::Unchanged);
        assert_eq!(judge(&c, [3, 1, 2, 3], None, None), Ok(()));
        assert_eq!(judge(&c, [0, 10, 0, 0], None, None), Err(Wrong::Mismatch));
        let c = case(0, [0, 0x9000_0000, 0, 0], Expect::YieldNoWait);
        assert_eq!(judge(&c, [0; 4], None, Some(0)), Ok(()));
        assert_eq!(judge(&c, [0; 4], None, Some(1)), Ok(()));
        assert_eq!(
            judge(&c, [0; 4], None, Some(UNWRITTEN)),
            Err(Wrong::ResultByte(UNWRITTEN))
        );
    }
}
