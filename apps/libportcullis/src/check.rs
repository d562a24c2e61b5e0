// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! [`Checks`]: how test apps report, one line per check, in a form the
//! system tests (`boards/qemu-virt/system-tests.toml`) match:
//!
//! ```text
//! <app>: <check> ... ok
//! <app>: <check> ... FAIL: <why>
//! <app>: all <n> checks passed            (or: <f> of <n> checks FAIL)
//! ```
//!
//! A passing line never contains `FAIL`, so a test can forbid that word.

use core::cell::Cell;
use core::fmt;

use crate::abi::ErrorCode;

/// Completion code of a test app with at least one failed check.
pub const CHECKS_FAILED: u32 = 1;

/// The tally of one app's checks.
#[derive(Debug)]
pub struct Checks {
    app: &'static str,
    passed: Cell<u32>,
    failed: Cell<u32>,
}

impl Checks {
    /// No checks yet; lines start with `app`.
    pub const fn new(app: &'static str) -> Self {
        Self {
            app,
            passed: Cell::new(0),
            failed: Cell::new(0),
        }
    }

    /// Runs a test app's checks: `body` reports them on a fresh tally; a
    /// system call it needed and could not make (its `Err`) fails the
    /// check `setup`. Returns the app's completion code ([`Checks::finish`]).
    pub fn run(app: &'static str, body: impl FnOnce(&Checks) -> Result<(), ErrorCode>) -> u32 {
        let checks = Self::new(app);
        if let Err(code) = body(&checks) {
            checks.setup_failed(code);
        }
        checks.finish()
    }

    /// Fails the check `setup`: a system call the app needed to go on
    /// answered `code`.
    pub fn setup_failed(&self, code: ErrorCode) {
        self.fail("setup", format_args!("a system call failed: {code}"));
    }

    /// Records and prints a passed check.
    pub fn pass(&self, check: &str) {
        self.passed.set(self.passed.get() + 1);
        crate::println!("{}", Line::ok(self.app, check));
    }

    /// Records and prints a failed check and why.
    pub fn fail(&self, check: &str, why: fmt::Arguments<'_>) {
        self.failed.set(self.failed.get() + 1);
        crate::println!("{}", Line::fail(self.app, check, why));
    }

    /// Prints an informational line (`<app>: note: ...`), not a check.
    pub fn note(&self, what: fmt::Arguments<'_>) {
        crate::println!("{}: note: {}", self.app, what);
    }

    /// Passes if `outcome` is `Ok`, fails with its error otherwise.
    pub fn check<E: fmt::Display>(&self, check: &str, outcome: Result<(), E>) -> bool {
        match outcome {
            Ok(()) => {
                self.pass(check);
                true
            }
            Err(why) => {
                self.fail(check, format_args!("{why}"));
                false
            }
        }
    }

    /// Passes if the kernel answered `got` = `Err(want)`.
    pub fn refused<T: fmt::Debug>(
        &self,
        check: &str,
        got: Result<T, ErrorCode>,
        want: ErrorCode,
    ) -> bool {
        self.check(check, refusal(got, want))
    }

    /// Passes if the kernel answered `Ok`; returns the value.
    pub fn accepted<T>(&self, check: &str, got: Result<T, ErrorCode>) -> Option<T> {
        match got {
            Ok(value) => {
                self.pass(check);
                Some(value)
            }
            Err(code) => {
                self.fail(check, format_args!("answered {code}"));
                None
            }
        }
    }

    /// Passes if `got` is `Ok(want)`.
    pub fn equals<T: PartialEq + fmt::Debug>(
        &self,
        check: &str,
        got: Result<T, ErrorCode>,
        want: T,
    ) -> bool {
        let outcome = match got {
            Ok(value) if value == want => Ok(()),
            other => Err(Mismatch::Value(other, want)),
        };
        self.check(check, outcome)
    }

    /// Checks failed so far.
    pub fn failures(&self) -> u32 {
        self.failed.get()
    }

    /// Prints the summary; returns the completion code (0, or
    /// [`CHECKS_FAILED`]).
    pub fn finish(&self) -> u32 {
        let (passed, failed) = (self.passed.get(), self.failed.get());
        crate::println!("{}", Summary::new(self.app, passed, failed));
        if failed == 0 { 0 } else { CHECKS_FAILED }
    }
}

/// Why a kernel answer is not the wanted one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mismatch<T> {
    /// Wanted this refusal, got that answer.
    Answer(Result<T, ErrorCode>, ErrorCode),
    /// Wanted this value, got that answer.
    Value(Result<T, ErrorCode>, T),
}

impl<T: fmt::Debug> fmt::Display for Mismatch<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Answer(Ok(value), want) => {
                write!(f, "wanted {want}, answered success {value:?}")
            }
            Self::Answer(Err(code), want) => write!(f, "wanted {want}, answered {code}"),
            Self::Value(Ok(value), want) => write!(f, "wanted {want:?}, got {value:?}"),
            Self::Value(Err(code), want) => write!(f, "wanted {want:?}, answered {code}"),
        }
    }
}

/// `Ok` if `got` is the refusal `want`.
pub fn refusal<T>(got: Result<T, ErrorCode>, want: ErrorCode) -> Result<(), Mismatch<T>> {
    match got {
        Err(code) if code == want => Ok(()),
        other => Err(Mismatch::Answer(other, want)),
    }
}

/// One check's line.
struct Line<'a> {
    app: &'a str,
    check: &'a str,
    why: Option<fmt::Arguments<'a>>,
}

impl<'a> Line<'a> {
    fn ok(app: &'a str, check: &'a str) -> Self {
        Self {
            app,
            check,
            why: None,
        }
    }

    fn fail(app: &'a str, check: &'a str, why: fmt::Arguments<'a>) -> Self {
        Self {
            app,
            check,
            why: Some(why),
        }
    }
}

impl fmt::Display for Line<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.why {
            None => write!(f, "{}: {} ... ok", self.app, self.check),
            Some(why) => write!(f, "{}: {} ... FAIL: {}", self.app, self.check, why),
        }
    }
}

/// The closing line.
struct Summary<'a> {
    app: &'a str,
    passed: u32,
    failed: u32,
}

impl<'a> Summary<'a> {
    fn new(app: &'a str, passed: u32, failed: u32) -> Self {
        Self {
            app,
            passed,
            failed,
        }
    }
}

impl fmt::Display for Summary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = self.passed + self.failed;
        if self.failed == 0 {
            write!(f, "{}: all {} checks passed", self.app, total)
        } else {
            write!(f, "{}: {} of {} checks FAIL", self.app, self.failed, total)
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::format;

    use super::*;

    #[test]
    fn lines_have_the_matched_shape() {
        assert_eq!(
            format!("{}", Line::ok("dma-x", "unmap twice")),
            "dma-x: unmap twice ... ok"
        );
        assert_eq!(
            format!(
                "{}",
                Line::fail("dma-x", "unmap twice", format_args!("got {}", 3))
            ),
            "dma-x: unmap twice ... FAIL: got 3"
        );
        assert_eq!(
            format!("{}", Summary::new("dma-x", 4, 0)),
            "dma-x: all 4 checks passed"
        );
        assert_eq!(
            format!("{}", Summary::new("dma-x", 4, 2)),
            "dma-x: 2 of 6 checks FAIL"
        );
    }

    #[test]
    fn passing_lines_never_say_fail() {
        for check in ["a", "copy refused with SIZE", "map answers NOMEM"] {
            assert!(!format!("{}", Line::ok("app", check)).contains("FAIL"));
        }
        assert!(!format!("{}", Summary::new("app", 9, 0)).contains("FAIL"));
    }

    #[test]
    fn refusals_must_have_the_exact_code() {
        assert_eq!(
            refusal::<()>(Err(ErrorCode::Invalid), ErrorCode::Invalid),
            Ok(())
        );
        let wrong = refusal::<()>(Err(ErrorCode::Size), ErrorCode::Invalid);
        assert_eq!(
            format!("{}", wrong.unwrap_err()),
            "wanted INVAL, answered SIZE"
        );
        let accepted = refusal(Ok(7u32), ErrorCode::Invalid);
        assert_eq!(
            format!("{}", accepted.unwrap_err()),
            "wanted INVAL, answered success 7"
        );
    }

    #[test]
    fn run_tallies_and_a_setup_error_fails() {
        // Console writes fail (there is no console): reporting must not
        // depend on them.
        crate::raw::fake::install(|_, _| [0, ErrorCode::NoSupport as u64, 0, 0]);
        assert_eq!(
            Checks::run("x", |c| {
                c.pass("a");
                Ok(())
            }),
            0
        );
        assert_eq!(
            Checks::run("x", |c| {
                c.pass("a");
                Err(ErrorCode::Busy)
            }),
            CHECKS_FAILED
        );
        assert_eq!(
            Checks::run("x", |c| {
                c.check("b", Err("no"));
                Ok(())
            }),
            CHECKS_FAILED
        );
    }

    #[test]
    fn values_must_match() {
        let m: Mismatch<u64> = Mismatch::Value(Ok(3), 4);
        assert_eq!(format!("{m}"), "wanted 4, got 3");
        let m: Mismatch<u64> = Mismatch::Value(Err(ErrorCode::NoSupport), 4);
        assert_eq!(format!("{m}"), "wanted 4, answered NOSUPPORT");
    }
}
