// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! `portcullis`: the host runner for Portcullis kernels.
//!
//! `portcullis run --board qemu-virt [--test]` builds the board's kernel
//! (`make -s -C boards/<board> print-elf VARIANT=<variant>`), boots it under
//! QEMU, decodes the kernel's defmt log from the UART as it arrives, enforces
//! a time limit and exits with a status derived from the guest's semihosting
//! exit code. `portcullis decode --elf <kernel> [<capture>|-]` decodes a
//! captured byte stream, e.g. a log recorded from a real board. `portcullis
//! test --board <board>` runs the board's emulated system tests
//! (`boards/<board>/system-tests.toml`) and exits 0 only if all pass (3
//! otherwise, the guest's "test failure" code).
//!
//! # Exit status of `run`
//!
//! | status | meaning |
//! | --- | --- |
//! | 0 | the guest exited 0: pass |
//! | 1..=123 | the guest's exit code: 1 kernel panic, 2 unexpected CPU exception, 3 test failure (codes above 123 are reported as 123) |
//! | 124 | timeout: the guest was stopped |
//! | 125 | the runner or the emulator failed: bad usage, QEMU missing, killed by a signal, or exiting 1 before the guest sent anything |
//! | 126 | the kernel could not be built or loaded: build failed, ELF unreadable, no defmt table |
//!
//! `decode` exits 0 when every frame decoded, 1 when some were bad (each is
//! reported on stderr), 125 when the input cannot be read and 126 when the
//! ELF cannot be used.
//!
//! # Structure
//!
//! [`cli`] parses arguments; [`board`] knows each board's emulator command
//! line; [`kernel_build`] runs the board Makefile; [`transport`] moves bytes
//! from the target ([`transport::Transport`]: a QEMU child now, a serial port
//! later); [`framing`] splits the stream into rzCOBS frames; [`log_decoder`]
//! turns a frame into a line with the ELF's defmt table; [`log_stream`] glues
//! the two for live output; [`run_loop`] drives a transport under a deadline;
//! [`exit_status`] maps how the run ended to the status above; [`commands`]
//! puts each subcommand together. The guide is `doc/tools/portcullis.md`.

mod board;
mod cli;
mod commands;
mod console_script;
mod exit_status;
mod framing;
mod kernel_build;
mod log_decoder;
mod log_stream;
mod run_loop;
mod system_test;
#[cfg(test)]
mod test_guest;
#[cfg(test)]
mod test_support;
mod transport;

use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // Help and version go to stdout and succeed; a usage error must
            // not exit 2, which would read as the guest's "unexpected CPU
            // exception".
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() {
                exit_status::RUNNER_FAILURE
            } else {
                0
            });
        }
    };
    let result = match &cli.command {
        cli::Command::Run(args) => commands::run(args),
        cli::Command::Decode(args) => commands::decode(args),
        cli::Command::Test(args) => commands::system_test(args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(fatal) => {
            eprintln!("portcullis: error: {:#}", fatal.error);
            ExitCode::from(fatal.code)
        }
    }
}
