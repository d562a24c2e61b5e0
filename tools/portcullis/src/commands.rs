// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! The subcommands: each puts the pieces together and decides the status.

use std::{
    cell::RefCell,
    fs,
    io::{self, Read, Write},
    path::{Path, PathBuf},
    time::Duration,
};

use anyhow::{Context as _, anyhow};

use crate::{
    board::{self, QemuOptions},
    cli::{DecodeArgs, RunArgs, TestArgs},
    console_script::ConsoleScript,
    exit_status::{self, KERNEL_UNAVAILABLE, RUNNER_FAILURE},
    kernel_build,
    log_decoder::LogDecoder,
    log_stream::{LogStream, StreamStats},
    run_loop, system_test,
    transport::ProcessTransport,
};

/// An error that ends the command with a given exit status.
#[derive(Debug)]
pub(crate) struct Fatal {
    /// The exit status (see `exit_status`).
    pub(crate) code: u8,
    /// What went wrong.
    pub(crate) error: anyhow::Error,
}

impl Fatal {
    fn new(code: u8, error: impl Into<anyhow::Error>) -> Self {
        Self {
            code,
            error: error.into(),
        }
    }
}

/// Status of `decode` when some frames were bad.
pub(crate) const DECODE_HAD_BAD_FRAMES: u8 = 1;

/// `portcullis run`: build (unless given an ELF), boot, decode, judge.
pub(crate) fn run(args: &RunArgs) -> Result<u8, Fatal> {
    run_with_output(args, io::stdout().lock(), io::stderr())
}

/// [`run`], printing log lines to `out` and the runner's own messages to
/// `diagnostics`.
fn run_with_output(
    args: &RunArgs,
    mut out: impl Write,
    mut diagnostics: impl Write,
) -> Result<u8, Fatal> {
    let board = board::find(&args.board).map_err(|error| Fatal::new(RUNNER_FAILURE, error))?;
    let repo = match &args.repo {
        // Absolute, so source paths from the ELF's debug info compare.
        Some(repo) => std::path::absolute(repo).map_err(kernel_build::BuildError::NoCurrentDir),
        None => std::env::current_dir()
            .map_err(kernel_build::BuildError::NoCurrentDir)
            .and_then(|cwd| kernel_build::find_repo(&cwd)),
    };
    let elf = match &args.elf {
        Some(elf) => elf.clone(),
        None => {
            let repo = repo
                .as_deref()
                .map_err(|error| Fatal::new(KERNEL_UNAVAILABLE, anyhow!("{error}")))?;
            kernel_build::build_kernel(repo, board.name, args.variant())
                .map_err(|error| Fatal::new(KERNEL_UNAVAILABLE, error))?
        }
    };
    // The repository only shortens source paths when running a given ELF.
    let decoder = load_decoder(&elf, repo.ok())?;

    let options = QemuOptions {
        icount: args.icount,
        extra_args: args.extra_qemu_args.clone(),
    };
    let invocation = board.qemu.invocation(&elf, &options);
    writeln!(diagnostics, "portcullis: {invocation}")
        .map_err(|error| Fatal::new(RUNNER_FAILURE, error))?;
    let mut script = ConsoleScript::new(args.input.as_deref(), &args.replies);
    let mut transport =
        ProcessTransport::spawn(invocation.command(!script.is_empty())).map_err(|error| {
            Fatal::new(
                RUNNER_FAILURE,
                anyhow!("cannot start {}: {error}", invocation.program),
            )
        })?;

    // The decoded log is kept as it is printed, for the console script's
    // triggers.
    let transcript = RefCell::new(String::new());
    let mut printed = Transcribe {
        inner: &mut out,
        transcript: &transcript,
    };
    let mut stream = LogStream::new(&decoder, &mut printed, &mut diagnostics);
    let output_seen = std::cell::Cell::new(false);
    let outcome = run_loop::drive(
        &mut transport,
        Duration::from_secs(args.timeout),
        || script.due(&transcript.borrow(), output_seen.get()),
        |bytes| {
            output_seen.set(true);
            stream.feed(bytes)
        },
    )
    .map_err(|error| Fatal::new(RUNNER_FAILURE, anyhow!("the run failed: {error}")))?;
    let stats = stream
        .finish()
        .map_err(|error| Fatal::new(RUNNER_FAILURE, error))?;

    let verdict = exit_status::verdict(&outcome);
    writeln!(diagnostics, "portcullis: {}", stats_summary(stats))
        .and_then(|()| writeln!(diagnostics, "portcullis: {verdict}"))
        .map_err(|error| Fatal::new(RUNNER_FAILURE, error))?;
    Ok(verdict.code)
}

/// Passes printed log text on and keeps a copy.
struct Transcribe<'a, W: Write> {
    inner: W,
    transcript: &'a RefCell<String>,
}

impl<W: Write> Write for Transcribe<'_, W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(bytes)?;
        self.transcript
            .borrow_mut()
            .push_str(&String::from_utf8_lossy(&bytes[..written]));
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Status of `test` when a system test failed (the guest's "test failure").
pub(crate) const SYSTEM_TEST_FAILED: u8 = 3;

/// `portcullis test`: run every (matching) system test of a board, print one
/// line per test and a closing `N passed, M failed`; a failing test's log is
/// printed after its line.
pub(crate) fn system_test(args: &TestArgs) -> Result<u8, Fatal> {
    let board = board::find(&args.board).map_err(|error| Fatal::new(RUNNER_FAILURE, error))?;
    let repo = match &args.repo {
        Some(repo) => std::path::absolute(repo).map_err(kernel_build::BuildError::NoCurrentDir),
        None => std::env::current_dir()
            .map_err(kernel_build::BuildError::NoCurrentDir)
            .and_then(|cwd| kernel_build::find_repo(&cwd)),
    }
    .map_err(|error| Fatal::new(KERNEL_UNAVAILABLE, anyhow!("{error}")))?;
    let tests = system_test::load(&repo.join("boards").join(board.name))
        .map_err(|error| Fatal::new(RUNNER_FAILURE, error))?;
    let selected: Vec<_> = tests
        .iter()
        .filter(|test| {
            args.filter
                .as_deref()
                .is_none_or(|filter| test.name.contains(filter))
        })
        .collect();
    if selected.is_empty() {
        return Err(Fatal::new(
            RUNNER_FAILURE,
            anyhow!("no system test matches"),
        ));
    }

    let mut failed = 0usize;
    for test in &selected {
        let run = RunArgs {
            board: board.name.to_owned(),
            test: false,
            variant: Some(test.variant.clone()),
            elf: None,
            timeout: test.timeout,
            icount: false,
            extra_qemu_args: test.qemu_args.clone(),
            repo: Some(repo.clone()),
            input: test.input.clone(),
            replies: test
                .reply
                .iter()
                .map(|reply| (reply.after.clone(), reply.send.clone()))
                .collect(),
        };
        let mut log = Vec::new();
        let mut diagnostics = Vec::new();
        let mismatches = match run_with_output(&run, &mut log, &mut diagnostics) {
            Ok(status) => test.judge(status, &String::from_utf8_lossy(&log)),
            Err(fatal) => {
                let _ = writeln!(diagnostics, "portcullis: error: {:#}", fatal.error);
                test.judge(fatal.code, &String::from_utf8_lossy(&log))
            }
        };
        if mismatches.is_empty() {
            println!("test {} ... ok", test.name);
        } else {
            failed += 1;
            println!("test {} ... FAILED", test.name);
            for mismatch in &mismatches {
                println!("    {mismatch}");
            }
            println!("---- {} log ----", test.name);
            let _ = io::stdout().write_all(&log);
            let _ = io::stdout().write_all(&diagnostics);
            println!("---- end of {} log ----", test.name);
        }
    }
    println!();
    println!(
        "portcullis: {} passed, {failed} failed",
        selected.len() - failed
    );
    Ok(if failed == 0 { 0 } else { SYSTEM_TEST_FAILED })
}

/// `portcullis decode`: decode a captured stream.
pub(crate) fn decode(args: &DecodeArgs) -> Result<u8, Fatal> {
    let decoder = load_decoder(&args.elf, None)?;
    let input: Box<dyn Read> = match args.input.as_deref() {
        None => Box::new(io::stdin().lock()),
        Some(path) if path == Path::new("-") => Box::new(io::stdin().lock()),
        Some(path) => Box::new(fs::File::open(path).map_err(|error| {
            Fatal::new(
                RUNNER_FAILURE,
                anyhow!("cannot open {}: {error}", path.display()),
            )
        })?),
    };
    let stats = decode_all(&decoder, input, io::stdout().lock(), io::stderr())
        .map_err(|error| Fatal::new(RUNNER_FAILURE, error))?;
    eprintln!("portcullis: {}", stats_summary(stats));
    Ok(if stats.malformed == 0 {
        0
    } else {
        DECODE_HAD_BAD_FRAMES
    })
}

/// Reads a kernel ELF and its defmt table.
fn load_decoder(elf: &Path, source_root: Option<PathBuf>) -> Result<LogDecoder, Fatal> {
    let bytes = fs::read(elf)
        .with_context(|| format!("cannot read the kernel ELF {}", elf.display()))
        .map_err(|error| Fatal::new(KERNEL_UNAVAILABLE, error))?;
    LogDecoder::from_elf(&bytes, source_root)
        .map_err(|error| Fatal::new(KERNEL_UNAVAILABLE, anyhow!("{}: {error}", elf.display())))
}

/// Decodes everything `input` holds.
fn decode_all(
    decoder: &LogDecoder,
    mut input: impl Read,
    out: impl Write,
    diagnostics: impl Write,
) -> io::Result<StreamStats> {
    let mut stream = LogStream::new(decoder, out, diagnostics);
    let mut buf = [0u8; 8192];
    loop {
        match input.read(&mut buf) {
            Ok(0) => return stream.finish(),
            Ok(count) => stream.feed(&buf[..count])?,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
}

fn stats_summary(stats: StreamStats) -> String {
    format!(
        "decoded {} message(s), skipped {} bad frame(s)",
        stats.decoded, stats.malformed
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        test_guest,
        test_support::{self, INDEX_BOOT, INDEX_PRINTLN, INDEX_WARN},
    };

    fn fixture_file() -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().expect("temp file");
        fs::write(file.path(), test_support::defmt_elf(true)).expect("fixture written");
        file
    }

    #[test]
    fn a_captured_stream_decodes_from_a_reader() {
        let elf = fixture_file();
        let decoder = load_decoder(elf.path(), None).expect("fixture loads");
        let mut capture = test_support::wire_frame(INDEX_BOOT, 1, &test_support::boot_args());
        capture.extend([0xff, 0x01, 0x00]);
        capture.extend(test_support::wire_frame(INDEX_PRINTLN, 2, &[]));
        let (mut out, mut diagnostics) = (Vec::new(), Vec::new());
        let stats = decode_all(&decoder, &capture[..], &mut out, &mut diagnostics)
            .expect("in-memory decoding works");
        assert_eq!(
            String::from_utf8(out).expect("UTF-8"),
            "0.000001 INFO  booted qemu-virt at EL1\n0.000002 plain line\n"
        );
        assert_eq!(
            stats,
            StreamStats {
                decoded: 2,
                malformed: 1
            }
        );
        assert!(!diagnostics.is_empty());
    }

    #[test]
    fn a_missing_elf_means_kernel_unavailable() {
        let error =
            load_decoder(Path::new("/nonexistent/kernel.elf"), None).expect_err("no such file");
        assert_eq!(error.code, KERNEL_UNAVAILABLE);
        assert!(error.error.to_string().contains("/nonexistent/kernel.elf"));
    }

    #[test]
    fn an_elf_without_defmt_means_kernel_unavailable() {
        let file = tempfile::NamedTempFile::new().expect("temp file");
        fs::write(file.path(), test_support::elf_without_defmt()).expect("written");
        let error = load_decoder(file.path(), None).expect_err("no table");
        assert_eq!(error.code, KERNEL_UNAVAILABLE);
    }

    /// What a `run` printed and returned.
    struct RunResult {
        code: u8,
        out: String,
        diagnostics: String,
    }

    fn run_args(elf: &Path, timeout: u64) -> RunArgs {
        RunArgs {
            board: "qemu-virt".into(),
            test: false,
            variant: None,
            elf: Some(elf.to_path_buf()),
            timeout,
            icount: false,
            extra_qemu_args: Vec::new(),
            repo: None,
            input: None,
            replies: Vec::new(),
        }
    }

    fn run_captured(args: &RunArgs) -> RunResult {
        let (mut out, mut diagnostics) = (Vec::new(), Vec::new());
        let code = match run_with_output(args, &mut out, &mut diagnostics) {
            Ok(code) => code,
            Err(fatal) => fatal.code,
        };
        RunResult {
            code,
            out: String::from_utf8(out).expect("UTF-8"),
            diagnostics: String::from_utf8(diagnostics).expect("UTF-8"),
        }
    }

    /// Boots the test guest under QEMU; `None` (test skipped) when QEMU or
    /// the linker is missing.
    fn run_guest(
        uart: &[u8],
        exit_code: Option<u64>,
        adjust: impl FnOnce(&mut RunArgs),
    ) -> Option<RunResult> {
        if !test_guest::qemu_available() {
            eprintln!("skipped: qemu-system-aarch64 is not installed");
            return None;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let Some(elf) = test_guest::guest_elf(dir.path(), uart, exit_code) else {
            eprintln!("skipped: no ld.lld to link the test guest");
            return None;
        };
        let mut args = run_args(&elf, 30);
        adjust(&mut args);
        Some(run_captured(&args))
    }

    fn boot_and_warn() -> Vec<u8> {
        let mut uart = test_support::wire_frame(INDEX_BOOT, 42, &test_support::boot_args());
        uart.extend(test_support::wire_frame(
            INDEX_WARN,
            43,
            &0xf00du32.to_le_bytes(),
        ));
        uart
    }

    #[test]
    fn qemu_guest_that_passes() {
        let Some(result) = run_guest(&boot_and_warn(), Some(0), |_| {}) else {
            return;
        };
        assert_eq!(result.code, 0, "{}", result.diagnostics);
        assert_eq!(
            result.out,
            "0.000042 INFO  booted qemu-virt at EL1\n0.000043 WARN  fault at 0xf00d\n"
        );
        assert!(
            result.diagnostics.contains("pass"),
            "{}",
            result.diagnostics
        );
    }

    #[test]
    fn qemu_guest_failure_code_and_resync() {
        let mut uart = vec![0x13, 0x37, 0x80, 0x00];
        uart.extend(boot_and_warn());
        let Some(result) = run_guest(&uart, Some(3), |_| {}) else {
            return;
        };
        assert_eq!(result.code, 3, "{}", result.diagnostics);
        assert_eq!(result.out.lines().count(), 2, "{}", result.out);
        assert!(
            result.diagnostics.contains("skipped a bad defmt frame"),
            "{}",
            result.diagnostics
        );
        assert!(
            result.diagnostics.contains("test failure"),
            "{}",
            result.diagnostics
        );
    }

    #[test]
    fn qemu_guest_that_spins_times_out() {
        let Some(result) = run_guest(&boot_and_warn(), None, |args| args.timeout = 1) else {
            return;
        };
        assert_eq!(result.code, exit_status::TIMEOUT, "{}", result.diagnostics);
        // Everything sent before the deadline was still decoded.
        assert_eq!(result.out.lines().count(), 2, "{}", result.out);
    }

    #[test]
    fn qemu_with_icount_runs_the_same_guest() {
        let Some(result) = run_guest(&boot_and_warn(), Some(0), |args| args.icount = true) else {
            return;
        };
        assert_eq!(result.code, 0, "{}", result.diagnostics);
        assert!(result.diagnostics.contains("-icount shift=0,sleep=off"));
    }

    #[test]
    fn qemu_that_cannot_start_is_a_runner_failure() {
        let Some(result) = run_guest(&boot_and_warn(), Some(0), |args| {
            args.extra_qemu_args = vec!["-device".into(), "no-such-device".into()];
        }) else {
            return;
        };
        assert_eq!(result.code, RUNNER_FAILURE, "{}", result.diagnostics);
        assert_eq!(result.out, "");
    }

    #[test]
    fn an_unknown_board_is_a_runner_failure() {
        let elf = fixture_file();
        let mut args = run_args(elf.path(), 5);
        args.board = "no-such-board".into();
        let result = run_captured(&args);
        assert_eq!(result.code, RUNNER_FAILURE);
    }

    #[test]
    fn run_without_a_loadable_elf_is_kernel_unavailable() {
        let result = run_captured(&run_args(Path::new("/nonexistent/kernel.elf"), 5));
        assert_eq!(result.code, KERNEL_UNAVAILABLE);
    }

    #[test]
    fn run_builds_through_the_board_makefile() {
        // A repository whose `print-elf` "builds" the fixture guest: proves
        // the variant reaches make and the printed ELF is the one booted.
        if !test_guest::qemu_available() {
            eprintln!("skipped: qemu-system-aarch64 is not installed");
            return;
        }
        let repo = tempfile::tempdir().expect("temp dir");
        let board = repo.path().join("boards/qemu-virt");
        fs::create_dir_all(&board).expect("board dir");
        let Some(elf) = test_guest::guest_elf(&board, &boot_and_warn(), Some(0)) else {
            eprintln!("skipped: no ld.lld to link the test guest");
            return;
        };
        fs::write(
            board.join("Makefile"),
            format!(
                "print-elf:\n\t@test \"$(VARIANT)\" = test\n\t@echo {}\n",
                elf.display()
            ),
        )
        .expect("Makefile");
        let mut args = run_args(&elf, 30);
        args.elf = None;
        args.test = true;
        args.repo = Some(repo.path().to_path_buf());
        let result = run_captured(&args);
        assert_eq!(result.code, 0, "{}", result.diagnostics);
        assert_eq!(result.out.lines().count(), 2, "{}", result.out);

        // The same repository with another variant fails the build: 126.
        args.test = false;
        args.variant = Some("fault-data-abort".into());
        assert_eq!(run_captured(&args).code, KERNEL_UNAVAILABLE);
    }

    /// A real kernel, when the caller names one: `PORTCULLIS_KERNEL_ELF=<elf>
    /// cargo test -p portcullis` boots it and expects a passing run with a
    /// decoded log.
    #[test]
    fn real_kernel_from_the_environment() {
        let Some(elf) = std::env::var_os("PORTCULLIS_KERNEL_ELF") else {
            eprintln!("skipped: PORTCULLIS_KERNEL_ELF is not set");
            return;
        };
        let result = run_captured(&run_args(Path::new(&elf), 60));
        assert_eq!(result.code, 0, "{}{}", result.out, result.diagnostics);
        assert!(!result.out.is_empty(), "{}", result.diagnostics);
    }

    #[test]
    fn a_read_error_is_passed_on() {
        struct Broken;
        impl Read for Broken {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::Error::other("device gone"))
            }
        }
        let elf = fixture_file();
        let decoder = load_decoder(elf.path(), None).expect("fixture loads");
        let error = decode_all(&decoder, Broken, io::sink(), io::sink()).expect_err("broken input");
        assert_eq!(error.to_string(), "device gone");
    }
}
