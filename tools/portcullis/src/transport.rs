// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! How bytes get from a running target to the host, and how the target ends.
//!
//! [`Transport`] is what the run loop needs from any target: bytes with a
//! bounded wait (so a silent target cannot stall the timeout), a way to learn
//! how it ended, and a way to stop it. [`ProcessTransport`] implements it for
//! an emulator child process whose stdout is the board's UART. A serial-port
//! transport for real boards implements the same three calls with the port's
//! read timeout.

use std::{
    io::{self, Read, Write},
    os::unix::process::ExitStatusExt,
    process::{Child, ChildStdin, ChildStdout, Command, ExitStatus},
    sync::mpsc::{self, Receiver, RecvTimeoutError},
    thread,
    time::{Duration, Instant},
};

/// What one [`Transport::receive`] call produced.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Received {
    /// This many bytes were copied into the buffer.
    Data(usize),
    /// Nothing arrived within the wait; the target may still be running.
    Idle,
    /// The target closed the link: no more bytes will come.
    Closed,
}

/// How a target ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TargetEnd {
    /// It exited with this status (for QEMU: the guest's semihosting exit code).
    Exited(i32),
    /// It was killed by this signal (unknown when the platform does not say).
    Signalled(Option<i32>),
}

/// A link to a running target.
pub(crate) trait Transport {
    /// Copies bytes the target sent into `buf`, waiting at most `wait` for
    /// the first one.
    fn receive(&mut self, buf: &mut [u8], wait: Duration) -> io::Result<Received>;

    /// Waits at most `wait` for the target to end; `None` if it has not.
    fn wait_end(&mut self, wait: Duration) -> io::Result<Option<TargetEnd>>;

    /// Stops the target now and reaps it.
    fn stop(&mut self) -> io::Result<()>;

    /// Sends `bytes` to the target's console input (the UART's receive
    /// side).
    fn send(&mut self, bytes: &[u8]) -> io::Result<()>;
}

/// A target that is a child process writing the UART to its stdout.
///
/// A helper thread turns the blocking pipe into a channel, so
/// [`Transport::receive`] can wait with a deadline.
#[derive(Debug)]
pub(crate) struct ProcessTransport {
    child: Child,
    /// The child's stdin when it was piped: the console input.
    input: Option<ChildStdin>,
    chunks: Receiver<io::Result<Vec<u8>>>,
    /// Bytes of the last chunk that did not fit the caller's buffer.
    pending: Vec<u8>,
    /// How far into `pending` the caller has read.
    pending_read: usize,
}

/// Size of one read from the pipe.
const PIPE_CHUNK: usize = 4096;

/// How often [`ProcessTransport::wait_end`] checks the child.
const POLL_INTERVAL: Duration = Duration::from_millis(10);

impl ProcessTransport {
    /// Spawns `command`, whose stdout must be piped (and whose stdin is
    /// piped if the console input is used).
    pub(crate) fn spawn(mut command: Command) -> io::Result<Self> {
        let mut child = command.spawn()?;
        let input = child.stdin.take();
        let Some(stdout) = child.stdout.take() else {
            // Not a runtime condition: the caller forgot `Stdio::piped()`.
            let _ = child.kill();
            let _ = child.wait();
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the target process's stdout is not piped",
            ));
        };
        let (sender, chunks) = mpsc::channel();
        thread::Builder::new()
            .name("target-output".into())
            .spawn(move || forward_output(stdout, &sender))?;
        Ok(Self {
            child,
            input,
            chunks,
            pending: Vec::new(),
            pending_read: 0,
        })
    }

    /// Copies as much of `pending` as fits into `buf`.
    fn drain_pending(&mut self, buf: &mut [u8]) -> usize {
        let rest = &self.pending[self.pending_read..];
        let count = rest.len().min(buf.len());
        buf[..count].copy_from_slice(&rest[..count]);
        self.pending_read += count;
        if self.pending_read == self.pending.len() {
            self.pending.clear();
            self.pending_read = 0;
        }
        count
    }
}

/// Reads the child's stdout until end of file, sending each chunk on.
/// Ends when the pipe closes, reading fails or the transport is dropped.
fn forward_output(mut stdout: ChildStdout, sender: &mpsc::Sender<io::Result<Vec<u8>>>) {
    let mut buf = [0u8; PIPE_CHUNK];
    loop {
        let message = match stdout.read(&mut buf) {
            Ok(0) => return,
            Ok(count) => Ok(buf[..count].to_vec()),
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => Err(error),
        };
        let failed = message.is_err();
        if sender.send(message).is_err() || failed {
            return;
        }
    }
}

fn target_end(status: ExitStatus) -> TargetEnd {
    match status.code() {
        Some(code) => TargetEnd::Exited(code),
        None => TargetEnd::Signalled(status.signal()),
    }
}

impl Transport for ProcessTransport {
    fn receive(&mut self, buf: &mut [u8], wait: Duration) -> io::Result<Received> {
        if buf.is_empty() {
            return Ok(Received::Data(0));
        }
        if !self.pending.is_empty() {
            return Ok(Received::Data(self.drain_pending(buf)));
        }
        match self.chunks.recv_timeout(wait) {
            Ok(Ok(chunk)) => {
                self.pending = chunk;
                Ok(Received::Data(self.drain_pending(buf)))
            }
            Ok(Err(error)) => Err(error),
            Err(RecvTimeoutError::Timeout) => Ok(Received::Idle),
            Err(RecvTimeoutError::Disconnected) => Ok(Received::Closed),
        }
    }

    fn wait_end(&mut self, wait: Duration) -> io::Result<Option<TargetEnd>> {
        let deadline = Instant::now() + wait;
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(Some(target_end(status)));
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(None);
            }
            thread::sleep(POLL_INTERVAL.min(deadline - now));
        }
    }

    fn stop(&mut self) -> io::Result<()> {
        if self.child.try_wait()?.is_none() {
            match self.child.kill() {
                // It may have exited between the check and the kill.
                Err(error) if error.kind() != io::ErrorKind::InvalidInput => return Err(error),
                _ => {}
            }
        }
        self.child.wait().map(drop)
    }

    fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        let Some(input) = self.input.as_mut() else {
            return Err(io::Error::new(
                io::ErrorKind::NotConnected,
                "the target's console input is not piped",
            ));
        };
        input.write_all(bytes)?;
        input.flush()
    }
}

impl Drop for ProcessTransport {
    /// Never leave an emulator running behind an early return or a panic.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::process::Stdio;

    use super::*;

    const PATIENCE: Duration = Duration::from_secs(20);

    fn shell(script: &str) -> ProcessTransport {
        let mut command = Command::new("sh");
        command
            .args(["-c", script])
            .stdin(Stdio::null())
            .stdout(Stdio::piped());
        ProcessTransport::spawn(command).expect("sh runs")
    }

    /// Everything the target sends, in order, until it closes the link.
    fn receive_all(transport: &mut ProcessTransport, buf_len: usize) -> Vec<u8> {
        let mut all = Vec::new();
        let mut buf = vec![0u8; buf_len];
        loop {
            match transport.receive(&mut buf, PATIENCE).expect("pipe reads") {
                Received::Data(count) => all.extend_from_slice(&buf[..count]),
                Received::Idle => panic!("the shell went silent without exiting"),
                Received::Closed => return all,
            }
        }
    }

    #[test]
    fn bytes_then_exit_status() {
        let mut transport = shell(r"printf 'ab\000cd'; exit 3");
        assert_eq!(receive_all(&mut transport, 64), b"ab\0cd");
        assert_eq!(
            transport.wait_end(PATIENCE).expect("wait works"),
            Some(TargetEnd::Exited(3))
        );
    }

    #[test]
    fn small_buffers_see_every_byte_in_order() {
        let mut transport = shell(r"printf '0123456789'");
        assert_eq!(receive_all(&mut transport, 3), b"0123456789");
        assert_eq!(
            transport.wait_end(PATIENCE).expect("wait works"),
            Some(TargetEnd::Exited(0))
        );
    }

    #[test]
    fn silent_target_is_idle_not_closed() {
        let mut command = Command::new("sleep");
        command.arg("30").stdout(Stdio::piped());
        let mut transport = ProcessTransport::spawn(command).expect("sleep runs");
        let mut buf = [0u8; 8];
        assert_eq!(
            transport
                .receive(&mut buf, Duration::from_millis(50))
                .expect("pipe reads"),
            Received::Idle
        );
        assert_eq!(
            transport
                .wait_end(Duration::from_millis(50))
                .expect("wait works"),
            None
        );
        transport.stop().expect("sleep can be killed");
        assert_eq!(
            transport.wait_end(PATIENCE).expect("wait works"),
            Some(TargetEnd::Signalled(Some(9)))
        );
    }

    #[test]
    fn console_input_reaches_the_target() {
        let mut command = Command::new("head");
        command
            .args(["-c", "6"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped());
        let mut transport = ProcessTransport::spawn(command).expect("spawn head");
        transport.send(b"list\n!").expect("send");
        assert_eq!(receive_all(&mut transport, 16), b"list\n!");
    }

    #[test]
    fn sending_without_a_piped_input_is_an_error() {
        let mut transport = shell("exit 0");
        let error = transport.send(b"x").expect_err("stdin is not piped");
        assert_eq!(error.kind(), io::ErrorKind::NotConnected);
    }

    #[test]
    fn stopping_an_ended_target_is_fine() {
        let mut transport = shell("exit 0");
        assert_eq!(receive_all(&mut transport, 8), b"");
        transport.stop().expect("nothing left to kill");
    }

    #[test]
    fn signal_death_is_reported() {
        let mut transport = shell("kill -TERM $$");
        assert_eq!(receive_all(&mut transport, 8), b"");
        assert_eq!(
            transport.wait_end(PATIENCE).expect("wait works"),
            Some(TargetEnd::Signalled(Some(15)))
        );
    }

    #[test]
    fn unpiped_stdout_is_refused() {
        let mut command = Command::new("true");
        command.stdout(Stdio::null());
        let error = ProcessTransport::spawn(command).expect_err("stdout is not piped");
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn missing_program_fails_to_spawn() {
        let mut command = Command::new("/nonexistent/portcullis-test-emulator");
        command.stdout(Stdio::piped());
        let error = ProcessTransport::spawn(command).expect_err("no such program");
        assert_eq!(error.kind(), io::ErrorKind::NotFound);
    }
}
