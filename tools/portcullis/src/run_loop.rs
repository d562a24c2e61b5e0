// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! The run loop: pass a target's bytes on until it ends or its time is up.

use std::{
    io,
    time::{Duration, Instant},
};

use crate::transport::{Received, TargetEnd, Transport};

/// How a run finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RunOutcome {
    /// The target ended by itself.
    Ended {
        /// How it ended.
        end: TargetEnd,
        /// How many bytes it sent before ending.
        bytes_received: u64,
    },
    /// The deadline passed; the target was stopped.
    TimedOut {
        /// The time limit that was exceeded.
        limit: Duration,
    },
}

/// Bytes read from the transport per call.
const READ_CHUNK: usize = 4096;

/// Feeds every byte the target sends to `on_bytes` until the target ends, or
/// stops it once `limit` has passed since the call.
///
/// A target that closes its output but keeps running still counts against
/// `limit`. Errors from `on_bytes` (e.g. stdout closed) stop the target.
///
/// After every chunk of output, `input` is asked what to send to the
/// target's console now (see `console_script`), until it says nothing.
pub(crate) fn drive(
    transport: &mut dyn Transport,
    limit: Duration,
    mut input: impl FnMut() -> Option<String>,
    mut on_bytes: impl FnMut(&[u8]) -> io::Result<()>,
) -> io::Result<RunOutcome> {
    let deadline = Instant::now() + limit;
    let mut buf = [0u8; READ_CHUNK];
    let mut bytes_received = 0u64;
    let mut closed = false;
    loop {
        let now = Instant::now();
        if now >= deadline {
            transport.stop()?;
            return Ok(RunOutcome::TimedOut { limit });
        }
        let left = deadline - now;
        if closed {
            if let Some(end) = transport.wait_end(left)? {
                return Ok(RunOutcome::Ended {
                    end,
                    bytes_received,
                });
            }
            continue;
        }
        match transport.receive(&mut buf, left)? {
            Received::Data(count) => {
                bytes_received += count as u64;
                if let Err(error) = on_bytes(&buf[..count]) {
                    transport.stop()?;
                    return Err(error);
                }
                while let Some(text) = input() {
                    transport.send(text.as_bytes())?;
                }
            }
            Received::Idle => {}
            Received::Closed => closed = true,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::process::{Command, Stdio};

    use super::*;
    use crate::transport::ProcessTransport;

    fn spawn(program: &str, args: &[&str]) -> ProcessTransport {
        let mut command = Command::new(program);
        command
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped());
        ProcessTransport::spawn(command).expect("test program runs")
    }

    #[test]
    fn input_goes_out_when_the_script_says() {
        // The target answers only what it reads after announcing itself.
        let mut command = Command::new("sh");
        command
            .args(["-c", "printf ready; read line; printf '<%s>' \"$line\""])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped());
        let mut transport = ProcessTransport::spawn(command).expect("sh runs");
        let seen = std::cell::RefCell::new(Vec::new());
        let mut pending = Some("list\n".to_owned());
        let outcome = drive(
            &mut transport,
            Duration::from_secs(20),
            || pending.take().filter(|_| !seen.borrow().is_empty()),
            |bytes| {
                seen.borrow_mut().extend_from_slice(bytes);
                Ok(())
            },
        )
        .expect("the run loop works");
        let seen = seen.into_inner();
        assert!(matches!(outcome, RunOutcome::Ended { .. }));
        assert_eq!(seen, b"ready<list>");
    }

    #[test]
    fn a_target_that_never_ends_is_stopped() {
        let mut transport = spawn("sleep", &["30"]);
        let outcome = drive(&mut transport, Duration::from_secs(1), || None, |_| Ok(()))
            .expect("the run loop works");
        assert_eq!(
            outcome,
            RunOutcome::TimedOut {
                limit: Duration::from_secs(1)
            }
        );
        // The child is gone: stopping reaped it, so it ended by our signal.
        assert_eq!(
            transport.wait_end(Duration::ZERO).expect("wait works"),
            Some(TargetEnd::Signalled(Some(9)))
        );
    }

    #[test]
    fn a_chatty_target_is_stopped_too() {
        // `yes` never ends and never goes quiet: the deadline must still win.
        let mut transport = spawn("yes", &[]);
        let mut seen = 0usize;
        let outcome = drive(
            &mut transport,
            Duration::from_secs(1),
            || None,
            |bytes| {
                seen += bytes.len();
                Ok(())
            },
        )
        .expect("the run loop works");
        assert!(matches!(outcome, RunOutcome::TimedOut { .. }));
        assert!(seen > 0);
    }

    #[test]
    fn a_target_that_closes_output_but_lingers_is_stopped() {
        let mut transport = spawn("sh", &["-c", "exec >&-; exec sleep 30"]);
        let outcome = drive(&mut transport, Duration::from_secs(1), || None, |_| Ok(()))
            .expect("the run loop works");
        assert!(matches!(outcome, RunOutcome::TimedOut { .. }));
    }

    #[test]
    fn output_and_exit_status_are_passed_on() {
        let mut transport = spawn("sh", &["-c", r"printf 'x\000yz'; exit 7"]);
        let mut output = Vec::new();
        let outcome = drive(
            &mut transport,
            Duration::from_secs(20),
            || None,
            |bytes| {
                output.extend_from_slice(bytes);
                Ok(())
            },
        )
        .expect("the run loop works");
        assert_eq!(output, b"x\0yz");
        assert_eq!(
            outcome,
            RunOutcome::Ended {
                end: TargetEnd::Exited(7),
                bytes_received: 4
            }
        );
    }

    #[test]
    fn a_failing_consumer_stops_the_target() {
        let mut transport = spawn("yes", &[]);
        let error = drive(
            &mut transport,
            Duration::from_secs(20),
            || None,
            |_| Err(io::Error::from(io::ErrorKind::BrokenPipe)),
        )
        .expect_err("the consumer failed");
        assert_eq!(error.kind(), io::ErrorKind::BrokenPipe);
        assert!(matches!(
            transport.wait_end(Duration::ZERO).expect("wait works"),
            Some(TargetEnd::Signalled(_))
        ));
    }
}
