// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! The runner's exit status: what a run's outcome means to a shell or CI.
//!
//! | status | meaning |
//! | --- | --- |
//! | 0 | the guest exited 0: pass |
//! | 1..=123 | the guest exited with this code (1 kernel panic, 2 unexpected CPU exception, 3 test failure) |
//! | 123 | also: the guest exited with a code above 123, which is printed |
//! | 124 | timeout: the guest was stopped |
//! | 125 | the runner or the emulator failed (bad usage, QEMU missing or died from a signal, QEMU exited 1 before the guest said anything) |
//! | 126 | the kernel could not be built or loaded (build failed, ELF unreadable, no defmt table) |
//!
//! 124..=126 follow `timeout(1)`, so scripts that already know it read these
//! the same way.

use std::fmt;

use crate::{run_loop::RunOutcome, transport::TargetEnd};

/// The run exceeded its time limit.
pub(crate) const TIMEOUT: u8 = 124;
/// The runner or the emulator failed; the guest's result is unknown.
pub(crate) const RUNNER_FAILURE: u8 = 125;
/// The kernel could not be built or loaded.
pub(crate) const KERNEL_UNAVAILABLE: u8 = 126;
/// The highest guest exit code passed through unchanged.
pub(crate) const MAX_GUEST_CODE: u8 = 123;

/// Guest exit codes by the kernel's convention (doc/tools/portcullis.md).
pub(crate) mod guest {
    /// Everything ran and passed.
    pub(crate) const SUCCESS: i32 = 0;
    /// The kernel panicked.
    pub(crate) const PANIC: i32 = 1;
    /// The CPU took an exception the kernel did not expect.
    pub(crate) const UNEXPECTED_EXCEPTION: i32 = 2;
    /// A test reported failure.
    pub(crate) const TEST_FAILURE: i32 = 3;
}

/// What the guest's exit code means by the kernel's convention.
pub(crate) fn guest_code_meaning(code: i32) -> &'static str {
    match code {
        guest::SUCCESS => "success",
        guest::PANIC => "kernel panic",
        guest::UNEXPECTED_EXCEPTION => "unexpected CPU exception",
        guest::TEST_FAILURE => "test failure",
        _ => "failure with a code outside the kernel's convention",
    }
}

/// The status to exit with and a one-line summary for the user.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Verdict {
    /// The runner's exit status.
    pub(crate) code: u8,
    /// What happened, for a human.
    pub(crate) summary: String,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (exit status {})", self.summary, self.code)
    }
}

/// Turns the way a QEMU run finished into the runner's exit status.
pub(crate) fn verdict(outcome: &RunOutcome) -> Verdict {
    match *outcome {
        RunOutcome::TimedOut { limit } => Verdict {
            code: TIMEOUT,
            summary: format!(
                "timeout: the guest was still running after {} s and was stopped",
                limit.as_secs()
            ),
        },
        RunOutcome::Ended {
            end: TargetEnd::Signalled(signal),
            ..
        } => Verdict {
            code: RUNNER_FAILURE,
            summary: match signal {
                Some(signal) => format!("the emulator was killed by signal {signal}"),
                None => "the emulator was killed by a signal".to_owned(),
            },
        },
        // QEMU reports its own start-up errors (bad option, missing device)
        // with status 1, the same as a guest panic; a guest that never sent
        // a byte cannot be told apart from an emulator that never started,
        // so do not blame the kernel.
        RunOutcome::Ended {
            end: TargetEnd::Exited(1),
            bytes_received: 0,
        } => Verdict {
            code: RUNNER_FAILURE,
            summary: "the emulator exited with status 1 before the guest sent anything: \
                      it probably failed to start (see its messages above)"
                .to_owned(),
        },
        RunOutcome::Ended {
            end: TargetEnd::Exited(guest::SUCCESS),
            ..
        } => Verdict {
            code: 0,
            summary: "pass: the guest exited with code 0".to_owned(),
        },
        RunOutcome::Ended {
            end: TargetEnd::Exited(code),
            ..
        } => {
            let meaning = guest_code_meaning(code);
            match u8::try_from(code) {
                Ok(pass_through @ 1..=MAX_GUEST_CODE) => Verdict {
                    code: pass_through,
                    summary: format!("fail: the guest exited with code {code}: {meaning}"),
                },
                _ => Verdict {
                    code: MAX_GUEST_CODE,
                    summary: format!(
                        "fail: the guest exited with code {code}: {meaning}; \
                         reported as {MAX_GUEST_CODE}"
                    ),
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn exited(code: i32, bytes_received: u64) -> RunOutcome {
        RunOutcome::Ended {
            end: TargetEnd::Exited(code),
            bytes_received,
        }
    }

    #[test]
    fn guest_success_passes() {
        let verdict = verdict(&exited(0, 100));
        assert_eq!(verdict.code, 0);
        assert!(verdict.summary.starts_with("pass"));
    }

    #[test]
    fn silent_success_still_passes() {
        // Exit 0 can only come from the guest's semihosting call.
        assert_eq!(verdict(&exited(0, 0)).code, 0);
    }

    #[test]
    fn guest_failures_pass_through_with_their_meaning() {
        for (code, meaning) in [
            (1, "kernel panic"),
            (2, "unexpected CPU exception"),
            (3, "test failure"),
        ] {
            let verdict = verdict(&exited(code, 10));
            assert_eq!(i32::from(verdict.code), code);
            assert!(verdict.summary.contains(meaning), "{}", verdict.summary);
        }
    }

    #[test]
    fn every_code_up_to_123_passes_through() {
        for code in 1..=123 {
            assert_eq!(i32::from(verdict(&exited(code, 1)).code), code);
        }
    }

    #[test]
    fn codes_the_runner_uses_itself_are_folded_to_123() {
        for code in [124, 125, 126, 127, 255, -1, 256] {
            let verdict = verdict(&exited(code, 1));
            assert_eq!(verdict.code, MAX_GUEST_CODE);
            assert!(verdict.summary.contains(&code.to_string()));
        }
    }

    #[test]
    fn status_1_without_output_blames_the_emulator() {
        assert_eq!(verdict(&exited(1, 0)).code, RUNNER_FAILURE);
        // With output the guest ran: status 1 is its panic.
        assert_eq!(verdict(&exited(1, 1)).code, 1);
        // Other codes cannot come from QEMU's start-up errors.
        assert_eq!(verdict(&exited(3, 0)).code, 3);
    }

    #[test]
    fn signal_death_is_a_runner_failure() {
        for signal in [Some(9), None] {
            let verdict = verdict(&RunOutcome::Ended {
                end: TargetEnd::Signalled(signal),
                bytes_received: 5,
            });
            assert_eq!(verdict.code, RUNNER_FAILURE);
        }
        assert!(
            verdict(&RunOutcome::Ended {
                end: TargetEnd::Signalled(Some(9)),
                bytes_received: 0
            })
            .summary
            .contains("signal 9")
        );
    }

    #[test]
    fn timeout_is_124() {
        let verdict = verdict(&RunOutcome::TimedOut {
            limit: Duration::from_secs(60),
        });
        assert_eq!(verdict.code, TIMEOUT);
        assert!(verdict.summary.contains("60 s"));
    }

    #[test]
    fn display_shows_the_status() {
        let shown = verdict(&exited(2, 1)).to_string();
        assert!(shown.ends_with("(exit status 2)"), "{shown}");
    }
}
