// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The console (driver 0x1), with Tock's console ABI: read-only allow slot
//! 1 holds the bytes, command 1 writes `len` of them, and subscribe slot 1
//! gets a "done" upcall carrying the number of bytes written.
//!
//! Each write subscribes a no-op upcall first, so the "done" upcall is
//! queued even if it arrives before this process blocks (a Null Upcall
//! would be dropped then, ABI §4.2 / doc/kernel.md), and then waits for it
//! with yield-wait-for, which runs no function.

use core::fmt;

use crate::abi::ErrorCode;
use crate::drivers::CONSOLE;
use crate::syscall::{Command, subscribe, with_allow_ro, yield_wait_for};

/// Read-only allow slot of the bytes to write.
const ALLOW_WRITE: u32 = 1;
/// Command: write `arg0` bytes of the allowed buffer.
const CMD_WRITE: u32 = 1;
/// Subscribe slot of the "write done" upcall.
const UPCALL_WRITE_DONE: u32 = 1;

/// An upcall that does nothing: registered so the kernel queues upcalls we
/// collect with yield-wait-for.
pub extern "C" fn ignore_upcall(_: u64, _: u64, _: u64, _: u64) {}

/// Writes all of `bytes` to the console, blocking until the console has
/// taken them.
pub fn write(bytes: &[u8]) -> Result<(), ErrorCode> {
    let mut rest = bytes;
    while !rest.is_empty() {
        let written = write_some(rest)?;
        rest = &rest[written..];
    }
    Ok(())
}

/// One console write of (a prefix of) `bytes`: how many bytes it took.
fn write_some(bytes: &[u8]) -> Result<usize, ErrorCode> {
    subscribe(CONSOLE, UPCALL_WRITE_DONE, Some(ignore_upcall), 0)?;
    let done = with_allow_ro(CONSOLE, ALLOW_WRITE, bytes, || {
        Command::new(CONSOLE, CMD_WRITE)
            .args(bytes.len() as u64, 0)
            .call()?;
        Ok(yield_wait_for(CONSOLE, UPCALL_WRITE_DONE))
    })??;
    match usize::try_from(done.args[0]) {
        // A console that takes nothing would make us spin; one that claims
        // more than we gave is broken.
        Ok(n) if n > 0 && n <= bytes.len() => Ok(n),
        _ => Err(ErrorCode::BadRVal),
    }
}

/// Formats into a stack buffer and writes it out whenever it fills, so a
/// `println!` costs a few console writes rather than one per fragment.
pub struct BufferedConsole<const N: usize> {
    buf: [u8; N],
    len: usize,
    error: Option<ErrorCode>,
}

impl<const N: usize> BufferedConsole<N> {
    /// An empty buffer.
    pub const fn new() -> Self {
        Self {
            buf: [0; N],
            len: 0,
            error: None,
        }
    }

    /// Writes out what is buffered; reports the first error seen so far.
    pub fn flush(&mut self) -> Result<(), ErrorCode> {
        if self.error.is_none() && self.len > 0 {
            self.error = write(&self.buf[..self.len]).err();
        }
        self.len = 0;
        self.error.map_or(Ok(()), Err)
    }
}

impl<const N: usize> Default for BufferedConsole<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> fmt::Write for BufferedConsole<N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut rest = s.as_bytes();
        while !rest.is_empty() {
            if self.len == N {
                self.flush().map_err(|_| fmt::Error)?;
            }
            let take = rest.len().min(N - self.len);
            self.buf[self.len..self.len + take].copy_from_slice(&rest[..take]);
            self.len += take;
            rest = &rest[take..];
        }
        Ok(())
    }
}

/// Writes formatted text to the console (what [`print!`](crate::print)
/// expands to).
pub fn write_fmt(args: fmt::Arguments<'_>) -> Result<(), ErrorCode> {
    let mut out = BufferedConsole::<128>::new();
    let formatted = fmt::Write::write_fmt(&mut out, args);
    let flushed = out.flush();
    flushed?;
    formatted.map_err(|_| ErrorCode::Fail)
}

/// Prints to the console. Errors are dropped: there is nowhere else to
/// report them (use [`console::write_fmt`](crate::console::write_fmt) to
/// see them).
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => {{
        let _ = $crate::console::write_fmt(::core::format_args!($($arg)*));
    }};
}

/// Prints to the console with a newline. Errors are dropped, as
/// [`print!`](crate::print).
#[macro_export]
macro_rules! println {
    () => { $crate::print!("\n") };
    ($($arg:tt)*) => {{
        let _ = $crate::console::write_fmt(::core::format_args!("{}\n", ::core::format_args!($($arg)*)));
    }};
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::cell::RefCell;
    use std::rc::Rc;
    use std::vec::Vec;

    use super::*;
    use crate::abi::class;
    use crate::raw::fake;

    /// A console that takes at most `chunk` bytes per write and records
    /// what it was given.
    fn fake_console(chunk: u64) -> Rc<RefCell<Vec<u8>>> {
        let out = Rc::new(RefCell::new(Vec::new()));
        let sink = out.clone();
        let mut allowed = (0u64, 0u64);
        let mut pending = None;
        fake::install(move |class_, a| match class_ {
            class::SUBSCRIBE => [130, 0, 0, 0],
            class::ALLOW_RO => {
                let old = allowed;
                allowed = (a[2], a[3]);
                [130, old.0, old.1, 0]
            }
            class::COMMAND if a[1] == u64::from(CMD_WRITE) => {
                let n = a[2].min(allowed.1).min(chunk);
                // SAFETY: the test's buffer is alive while allowed.
                let bytes =
                    unsafe { std::slice::from_raw_parts(allowed.0 as *const u8, n as usize) };
                sink.borrow_mut().extend_from_slice(bytes);
                pending = Some(n);
                [128, 0, 0, 0]
            }
            class::YIELD => [pending.take().expect("no write pending"), 0, 0, 0],
            _ => [0, 10, 0, 0],
        });
        out
    }

    #[test]
    fn write_issues_subscribe_allow_command_wait_unallow() {
        let out = fake_console(64);
        write(b"hello").unwrap();
        assert_eq!(out.borrow().as_slice(), b"hello");
        let log = fake::log();
        let classes: Vec<u16> = log.iter().map(|(c, _)| *c).collect();
        assert_eq!(
            classes,
            [
                class::SUBSCRIBE,
                class::ALLOW_RO,
                class::COMMAND,
                class::YIELD,
                class::ALLOW_RO
            ]
        );
        assert_eq!(log[0].1[..2], [1, 1], "console done upcall");
        assert_eq!(log[0].1[2], ignore_upcall as *const () as u64);
        assert_eq!(log[2].1, [1, 1, 5, 0]);
        assert_eq!(log[3].1, [2, 1, 1, 0], "yield-wait-for console upcall 1");
        assert_eq!(log[4].1, [1, 1, 0, 0], "un-allowed afterwards");
    }

    #[test]
    fn short_writes_are_continued() {
        let out = fake_console(3);
        write(b"0123456789").unwrap();
        assert_eq!(out.borrow().as_slice(), b"0123456789");
        let commands = fake::log()
            .iter()
            .filter(|(c, _)| *c == class::COMMAND)
            .count();
        assert_eq!(commands, 4);
    }

    #[test]
    fn a_console_that_takes_nothing_is_an_error_not_a_hang() {
        let _out = fake_console(0);
        assert_eq!(write(b"abc"), Err(ErrorCode::BadRVal));
    }

    #[test]
    fn command_errors_are_reported_and_the_buffer_unallowed() {
        fake::install(|class_, a| match class_ {
            class::COMMAND => [0, ErrorCode::Busy as u64, 0, 0],
            class::ALLOW_RO => [130, 0, 0, 0],
            _ => [130, a[2], a[3], 0],
        });
        assert_eq!(write(b"abc"), Err(ErrorCode::Busy));
        let last = *fake::log().last().unwrap();
        assert_eq!(last, (class::ALLOW_RO, [1, 1, 0, 0]));
    }

    #[test]
    fn formatting_is_buffered_and_split_at_the_buffer_size() {
        let out = fake_console(1000);
        let mut w = BufferedConsole::<8>::new();
        fmt::Write::write_fmt(&mut w, format_args!("{}-{}", "abcdefghij", 42)).unwrap();
        w.flush().unwrap();
        assert_eq!(out.borrow().as_slice(), b"abcdefghij-42");
        let commands = fake::log()
            .iter()
            .filter(|(c, _)| *c == class::COMMAND)
            .count();
        assert_eq!(commands, 2, "8 + 5 bytes");
    }

    #[test]
    fn println_appends_a_newline() {
        let out = fake_console(1000);
        crate::println!("x = {}", 5);
        assert_eq!(out.borrow().as_slice(), b"x = 5\n");
    }
}
