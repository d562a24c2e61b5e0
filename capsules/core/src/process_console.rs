// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The process console: a command line on the board's console input for
//! inspecting and managing processes (Tock's `process_console` idea).
//!
//! Lines typed at the UART are collected here (from the UART interrupt's
//! bottom half); each completed line is one command, answered in the kernel
//! log:
//!
//! | command | effect |
//! | --- | --- |
//! | `help` | lists the commands |
//! | `list` | every process: slot, id, name, state, memory, restarts, upcalls, system calls |
//! | `kill <slot>` | ends the process's run as a fault (`killed`); its fault policy decides what follows |
//! | `restart <slot>` | ends the run and starts the process again, as exit-restart does |
//!
//! Ending a run goes through the kernel's lifecycle hooks like any other
//! end, so a DMA-capable process is quiesced before its memory is reused.

use core::cell::RefCell;

use heapless::Vec;
use kernel::Kernel;
use kernel::capabilities::ProcessManagementCapability;
use kernel::debug::LogLines;
use kernel::hil::uart::ReceiveClient;
use kernel::kernel::EndCause;
use kernel::process::FaultReason;

/// Longest command line; longer lines are refused whole.
pub const MAX_LINE: usize = 64;

/// A parsed command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    /// `help`.
    Help,
    /// `list`.
    List,
    /// `kill <slot>`.
    Kill(usize),
    /// `restart <slot>`.
    Restart(usize),
}

/// Why a line is not a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum ParseError {
    /// Not a command this console knows.
    Unknown,
    /// The command needs a process slot number.
    MissingSlot,
    /// The slot is not a decimal number.
    BadSlot,
    /// Words after the command's arguments.
    TrailingWords,
}

/// Parses one command line (words separated by spaces or tabs).
pub fn parse(line: &str) -> Result<Option<Command>, ParseError> {
    let mut words = line.split_ascii_whitespace();
    let Some(verb) = words.next() else {
        return Ok(None);
    };
    let mut slot = || -> Result<usize, ParseError> {
        words
            .next()
            .ok_or(ParseError::MissingSlot)?
            .parse()
            .map_err(|_| ParseError::BadSlot)
    };
    let command = match verb {
        "help" => Command::Help,
        "list" => Command::List,
        "kill" => Command::Kill(slot()?),
        "restart" => Command::Restart(slot()?),
        _ => return Err(ParseError::Unknown),
    };
    match words.next() {
        Some(_) => Err(ParseError::TrailingWords),
        None => Ok(Some(command)),
    }
}

/// Collects input bytes into lines.
#[derive(Default)]
struct LineBuffer {
    bytes: Vec<u8, MAX_LINE>,
    overflowed: bool,
}

/// What one input byte completed.
enum Line<'a> {
    Pending,
    Complete(&'a str),
    TooLong,
    NotText,
}

impl LineBuffer {
    fn push(&mut self, byte: u8) -> Line<'_> {
        if byte != b'\n' && byte != b'\r' {
            self.overflowed |= self.bytes.push(byte).is_err();
            return Line::Pending;
        }
        if core::mem::take(&mut self.overflowed) {
            self.bytes.clear();
            return Line::TooLong;
        }
        match core::str::from_utf8(&self.bytes) {
            Ok(text) => Line::Complete(text),
            Err(_) => Line::NotText,
        }
    }
}

/// The process console.
pub struct ProcessConsole<'a> {
    kernel: &'static Kernel,
    cap: &'a dyn ProcessManagementCapability,
    line: RefCell<LineBuffer>,
}

impl<'a> ProcessConsole<'a> {
    /// A console managing `kernel`'s processes with `cap`.
    pub fn new(kernel: &'static Kernel, cap: &'a dyn ProcessManagementCapability) -> Self {
        Self {
            kernel,
            cap,
            line: RefCell::new(LineBuffer::default()),
        }
    }

    fn execute(&self, command: Command) {
        match command {
            Command::Help => {
                defmt::info!("console: commands: help, list, kill <slot>, restart <slot>");
            }
            Command::List => {
                let mut lines = LogLines::new();
                if kernel::process_listing::write_process_list(self.kernel, &mut lines).is_err() {
                    defmt::warn!("console: process list truncated");
                }
            }
            Command::Kill(slot) => self.end(slot, EndCause::Fault(FaultReason::Killed)),
            Command::Restart(slot) => self.end(slot, EndCause::ExitRestart(0)),
        }
    }

    fn end(&self, slot: usize, cause: EndCause) {
        let Some(pid) = self.kernel.process_id_at(slot) else {
            defmt::warn!("console: no live process in slot {=usize}", slot);
            return;
        };
        match self.kernel.end_run(pid, cause, self.cap) {
            Some(outcome) => defmt::info!("console: slot {=usize}: {}", slot, outcome),
            None => defmt::warn!("console: slot {=usize} ended meanwhile", slot),
        }
    }
}

impl ReceiveClient for ProcessConsole<'_> {
    fn received(&self, byte: u8) {
        let mut buffer = self.line.borrow_mut();
        let command = match buffer.push(byte) {
            Line::Pending => return,
            Line::TooLong => {
                defmt::warn!("console: line longer than {=usize} bytes ignored", MAX_LINE);
                return;
            }
            Line::NotText => {
                defmt::warn!("console: line is not UTF-8");
                buffer.bytes.clear();
                return;
            }
            Line::Complete(text) => {
                let parsed = parse(text);
                if let Err(error) = parsed {
                    defmt::warn!("console: `{=str}`: {} (try `help`)", text, error);
                }
                parsed
            }
        };
        buffer.bytes.clear();
        drop(buffer);
        if let Ok(Some(command)) = command {
            self.execute(command);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_command_and_refuses_the_rest() {
        assert_eq!(parse("help"), Ok(Some(Command::Help)));
        assert_eq!(parse("  list \t"), Ok(Some(Command::List)));
        assert_eq!(parse("kill 2"), Ok(Some(Command::Kill(2))));
        assert_eq!(parse("restart 0"), Ok(Some(Command::Restart(0))));
        assert_eq!(parse(""), Ok(None));
        assert_eq!(parse("reboot"), Err(ParseError::Unknown));
        assert_eq!(parse("kill"), Err(ParseError::MissingSlot));
        assert_eq!(parse("kill -1"), Err(ParseError::BadSlot));
        assert_eq!(
            parse("kill 99999999999999999999999"),
            Err(ParseError::BadSlot)
        );
        assert_eq!(parse("list all"), Err(ParseError::TrailingWords));
    }

    fn feed(buffer: &mut LineBuffer, text: &[u8]) -> Option<Result<String, &'static str>> {
        let mut last = None;
        for &byte in text {
            last = match buffer.push(byte) {
                Line::Pending => None,
                Line::Complete(line) => Some(Ok(line.to_owned())),
                Line::TooLong => Some(Err("too long")),
                Line::NotText => Some(Err("not text")),
            };
            if last.is_some() {
                buffer.bytes.clear();
            }
        }
        last
    }

    extern crate std;
    use std::borrow::ToOwned;
    use std::string::String;

    #[test]
    fn lines_end_at_either_line_ending_and_overflow_is_dropped_whole() {
        let mut buffer = LineBuffer::default();
        assert_eq!(feed(&mut buffer, b"list\r"), Some(Ok("list".into())));
        assert_eq!(feed(&mut buffer, b"kill 1\n"), Some(Ok("kill 1".into())));
        let long = [b'x'; MAX_LINE + 5];
        assert_eq!(feed(&mut buffer, &long), None);
        assert_eq!(feed(&mut buffer, b"\n"), Some(Err("too long")));
        assert_eq!(
            feed(&mut buffer, b"help\n"),
            Some(Ok("help".into())),
            "recovers after overflow"
        );
        assert_eq!(feed(&mut buffer, b"\xff\n"), Some(Err("not text")));
    }
}
