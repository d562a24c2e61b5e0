// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Console driver (`0x1`): a process's text becomes kernel log records.
//!
//! The kernel log is already the board's console (defmt frames on the UART,
//! decoded on the host), so a process write is logged as one record tagged
//! with the process's name. Writes are synchronous: the bytes are copied out
//! of the read-only allow during the command and the write-done upcall is
//! queued before it returns. ABI: `doc/syscalls/console.md`.

use kernel::grant::Grant;
use kernel::process::ProcessId;
use kernel::syscall::{CommandReturn, SyscallDriver};
use kernel::{ErrorCode, Kernel};

/// Driver number (`kernel::driver_number::CONSOLE`).
pub const DRIVER_NUM: u32 = kernel::driver_number::CONSOLE;

/// Longest piece of text logged as one record.
pub const MAX_RECORD: usize = 256;

/// Subscribe number of the write-done upcall.
const UPCALL_WRITE_DONE: usize = 1;
/// Read-only allow holding the text to write.
const ALLOW_WRITE: usize = 1;

/// Per-process console state (none today: writes are synchronous).
#[derive(Default)]
pub struct App;

/// The grant shape: 3 upcalls, 2 read-only and 2 read-write allows, as
/// Tock's console (slots 0 are unused, reads are not supported yet).
pub type ConsoleGrant = Grant<App, 3, 2, 2>;

/// The console capsule.
pub struct Console {
    kernel: &'static Kernel,
    apps: ConsoleGrant,
}

impl Console {
    /// A console over `apps`, naming processes through `kernel`.
    pub fn new(kernel: &'static Kernel, apps: ConsoleGrant) -> Self {
        Self { kernel, apps }
    }

    fn write(&self, length: u64, process: ProcessId) -> Result<(), ErrorCode> {
        let name = self.kernel.process(process).map_or("?", |p| p.name());
        self.apps
            .enter(process, |_, kernel_data| {
                let buffer = kernel_data.get_readonly_processbuffer(ALLOW_WRITE)?;
                let written = buffer.enter(|text| {
                    let total = text
                        .len()
                        .min(usize::try_from(length).unwrap_or(usize::MAX));
                    if text.is_empty() {
                        return Err(ErrorCode::Reserve);
                    }
                    let mut record = [0u8; MAX_RECORD];
                    let mut start = 0;
                    while start < total {
                        let end = total.min(start + MAX_RECORD);
                        for (index, byte) in record[..end - start].iter_mut().enumerate() {
                            *byte = text.get(start + index).unwrap_or(b'?');
                        }
                        log_record(name, trim_newline(&record[..end - start]));
                        start = end;
                    }
                    Ok(total)
                })??;
                // A full upcall queue drops the notification, not the text.
                let _ = kernel_data.schedule_upcall(UPCALL_WRITE_DONE, [written as u64, 0, 0]);
                Ok(())
            })
            .map_err(ErrorCode::from)?
    }
}

/// Drops one trailing line ending: each record is one log line already.
fn trim_newline(text: &[u8]) -> &[u8] {
    let text = text.strip_suffix(b"\n").unwrap_or(text);
    text.strip_suffix(b"\r").unwrap_or(text)
}

/// Logs one record: as text when it is UTF-8, else as escaped bytes.
fn log_record(name: &str, text: &[u8]) {
    match core::str::from_utf8(text) {
        Ok(text) => defmt::info!("[{=str}] {=str}", name, text),
        Err(_) => defmt::info!("[{=str}] {=[u8]:a}", name, text),
    }
}

impl SyscallDriver for Console {
    fn command(&self, command: u32, arg0: u64, _arg1: u64, process: ProcessId) -> CommandReturn {
        match command {
            0 => CommandReturn::success(),
            1 => match self.write(arg0, process) {
                Ok(()) => CommandReturn::success(),
                Err(code) => CommandReturn::failure(code),
            },
            _ => CommandReturn::failure(ErrorCode::NoSupport),
        }
    }

    fn allocate_grant(&self, process: ProcessId) -> Result<(), ErrorCode> {
        self.apps.enter(process, |_, _| ()).map_err(ErrorCode::from)
    }
}

#[cfg(test)]
mod tests {
    use super::trim_newline;

    #[test]
    fn one_line_ending_is_dropped() {
        assert_eq!(trim_newline(b"hello\n"), b"hello");
        assert_eq!(trim_newline(b"hello\r\n"), b"hello");
        assert_eq!(trim_newline(b"hello\n\n"), b"hello\n");
        assert_eq!(trim_newline(b""), b"");
    }
}
