// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Core capsules: the system-call drivers every board offers.
//!
//! * [`console::Console`] — driver `0x1`, process text into the kernel log
//!   (`doc/syscalls/console.md`);
//! * [`alarm::AlarmDriver`] — driver `0x0`, one virtualised alarm per
//!   process over a `hil::time::Alarm` (`doc/syscalls/alarm.md`);
//! * [`process_console::ProcessConsole`] — the command line on the console
//!   input for listing, killing and restarting processes.
//!
//! Capsules hold no `unsafe` code: everything they touch of a process goes
//! through its grant and the kernel's checked process buffers.

#![no_std]
#![forbid(unsafe_code)]

pub mod alarm;
pub mod console;
pub mod process_console;
