// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! The command line: what a user can ask `portcullis` to do.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Host runner for Portcullis kernels.
///
/// Exit status of `run`: 0 pass, 1..=123 the guest's failure code (1 panic,
/// 2 unexpected CPU exception, 3 test failure), 124 timeout, 125 runner or
/// emulator failure, 126 kernel could not be built or loaded.
#[derive(Debug, Parser)]
#[command(name = "portcullis", version)]
pub(crate) struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Build a board's kernel, boot it and print its decoded defmt log.
    Run(RunArgs),
    /// Decode a captured defmt byte stream (rzCOBS frames) against a kernel ELF.
    Decode(DecodeArgs),
    /// Run a board's emulated system tests (`boards/<board>/system-tests.toml`)
    Test(TestArgs),
}

/// Arguments of `portcullis run`.
#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// Board to run on (see `boards/`); today only `qemu-virt`.
    #[arg(long)]
    pub(crate) board: String,

    /// Build and run the test kernel (same as `--variant test`).
    #[arg(long, conflicts_with = "variant")]
    pub(crate) test: bool,

    /// Kernel variant to build, e.g. `fault-data-abort` (default: `default`).
    #[arg(long)]
    pub(crate) variant: Option<String>,

    /// Run this kernel ELF instead of building one.
    #[arg(long)]
    pub(crate) elf: Option<PathBuf>,

    /// Seconds the guest may run before it is stopped (exit status 124).
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) timeout: u64,

    /// Make the guest clock count instructions (`-icount
    /// shift=0,sleep=off`) for reproducible in-guest measurements.
    #[arg(long)]
    pub(crate) icount: bool,

    /// Extra argument passed to QEMU verbatim, after the board's own (repeatable).
    #[arg(
        long = "extra-qemu-arg",
        value_name = "ARG",
        allow_hyphen_values = true
    )]
    pub(crate) extra_qemu_args: Vec<String>,

    /// Repository root (default: found by walking up from the current
    /// directory to the first directory holding `boards/`).
    #[arg(long)]
    pub(crate) repo: Option<PathBuf>,

    /// Text sent to the board's console input (the UART) once it runs
    #[arg(long, value_name = "TEXT")]
    pub(crate) input: Option<String>,

    /// Console replies `(after, send)`: `send` goes out once `after` appears
    /// in the log (set by system tests, not on the command line).
    #[arg(skip)]
    pub(crate) replies: Vec<(String, String)>,
}

impl RunArgs {
    /// The kernel variant the build step asks for.
    pub(crate) fn variant(&self) -> &str {
        match (&self.variant, self.test) {
            (Some(variant), _) => variant,
            (None, true) => "test",
            (None, false) => "default",
        }
    }
}

/// Arguments of `portcullis decode`.
/// Arguments of `portcullis test`.
#[derive(Debug, Args)]
pub(crate) struct TestArgs {
    /// Board whose system tests to run
    #[arg(long)]
    pub(crate) board: String,

    /// Run only the tests whose name contains this text
    #[arg(long)]
    pub(crate) filter: Option<String>,

    /// Repository root (default: found by walking up from the current
    /// directory to the first directory holding `boards/`)
    #[arg(long)]
    pub(crate) repo: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct DecodeArgs {
    /// Kernel ELF whose defmt table the log was produced with.
    #[arg(long)]
    pub(crate) elf: PathBuf,

    /// Captured byte stream; `-` or nothing reads standard input.
    pub(crate) input: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("portcullis").chain(args.iter().copied()))
    }

    fn run_args(args: &[&str]) -> RunArgs {
        match parse(args).expect("valid command line").command {
            Command::Run(run) => run,
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn clap_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn variant_defaults_and_overrides() {
        assert_eq!(
            run_args(&["run", "--board", "qemu-virt"]).variant(),
            "default"
        );
        assert_eq!(
            run_args(&["run", "--board", "qemu-virt", "--test"]).variant(),
            "test"
        );
        let abort = run_args(&[
            "run",
            "--board",
            "qemu-virt",
            "--variant",
            "fault-data-abort",
        ]);
        assert_eq!(abort.variant(), "fault-data-abort");
        assert!(parse(&["run", "--board", "b", "--test", "--variant", "x"]).is_err());
    }

    #[test]
    fn run_defaults() {
        let run = run_args(&["run", "--board", "qemu-virt"]);
        assert_eq!(run.timeout, 60);
        assert!(!run.icount);
        assert!(run.elf.is_none());
        assert!(run.extra_qemu_args.is_empty());
    }

    #[test]
    fn extra_qemu_args_may_look_like_flags() {
        let run = run_args(&[
            "run",
            "--board",
            "qemu-virt",
            "--extra-qemu-arg",
            "-d",
            "--extra-qemu-arg",
            "guest_errors",
        ]);
        assert_eq!(run.extra_qemu_args, ["-d", "guest_errors"]);
    }

    #[test]
    fn zero_timeout_is_rejected() {
        assert!(parse(&["run", "--board", "qemu-virt", "--timeout", "0"]).is_err());
    }

    #[test]
    fn decode_input_is_optional() {
        match parse(&["decode", "--elf", "k.elf"]).expect("valid").command {
            Command::Decode(decode) => assert!(decode.input.is_none()),
            other => panic!("parsed as {other:?}"),
        }
        match parse(&["decode", "--elf", "k.elf", "-"])
            .expect("valid")
            .command
        {
            Command::Decode(decode) => assert_eq!(decode.input, Some(PathBuf::from("-"))),
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn test_takes_a_board_and_an_optional_filter() {
        match parse(&["test", "--board", "qemu-virt", "--filter", "abort"])
            .expect("valid")
            .command
        {
            Command::Test(test) => {
                assert_eq!(test.board, "qemu-virt");
                assert_eq!(test.filter.as_deref(), Some("abort"));
            }
            other => panic!("parsed as {other:?}"),
        }
        assert!(parse(&["test"]).is_err(), "the board is required");
    }
}
