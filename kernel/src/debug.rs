// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Kernel log output: the `defmt` global logger.
//!
//! Every kernel log line is a `defmt` frame. Format strings stay in the
//! kernel ELF and only compact, rzCOBS-framed records cross the wire; the host
//! (`portcullis run`) decodes them against the same ELF. That keeps logging
//! cheap enough to leave on in interrupt paths and keeps string tables out of
//! the loaded image.
//!
//! The board installs a byte [`Sink`] (normally a polled UART transmit
//! routine) with [`set_sink`]; until it does, frames are dropped. The logger
//! is safe to use from any context: it runs each frame inside a critical
//! section, and a frame started while another is being written (a fault or
//! panic inside the logger itself) is discarded instead of corrupting the
//! stream or recursing.

use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, AtomicPtr, Ordering};

/// Where encoded log bytes go. Must not log, panic or block indefinitely.
pub type Sink = fn(&[u8]);

static SINK: AtomicPtr<()> = AtomicPtr::new(core::ptr::null_mut());

/// Installs the byte sink that receives every log frame from now on.
pub fn set_sink(sink: Sink) {
    SINK.store(sink as *mut (), Ordering::Release);
}

/// Sends raw bytes to the installed sink, if any.
fn emit(bytes: &[u8]) {
    let sink = SINK.load(Ordering::Acquire);
    if !sink.is_null() {
        // SAFETY: the only non-null value ever stored in `SINK` is a `Sink`
        // function pointer, cast in `set_sink`; the cast back is its inverse.
        let sink = unsafe { core::mem::transmute::<*mut (), Sink>(sink) };
        sink(bytes);
    }
}

/// State of the frame being written.
struct FrameState {
    /// Interrupt state to restore when the frame ends.
    restore: UnsafeCell<critical_section::RestoreState>,
    /// The rzCOBS encoder carrying the frame.
    encoder: UnsafeCell<defmt::Encoder>,
    /// Set when the current frame was opened inside another and is dropped.
    discarding: AtomicBool,
}

// SAFETY: the cells are only touched between `acquire` and `release`, which
// hold a critical section (no other context runs on this core) and the
// `TAKEN` flag (a nested acquire never touches them, see `acquire`).
unsafe impl Sync for FrameState {}

static TAKEN: AtomicBool = AtomicBool::new(false);
static FRAME: FrameState = FrameState {
    restore: UnsafeCell::new(critical_section::RestoreState::invalid()),
    encoder: UnsafeCell::new(defmt::Encoder::new()),
    discarding: AtomicBool::new(false),
};

#[defmt::global_logger]
struct Logger;

// SAFETY: `acquire` takes a critical section and the `TAKEN` flag, so frames
// never interleave; a nested `acquire` only marks its frame as discarded.
unsafe impl defmt::Logger for Logger {
    fn acquire() {
        // SAFETY: paired with the `critical_section::release` in `release`,
        // which defmt always calls after a successful `acquire`.
        let restore = unsafe { critical_section::acquire() };
        if TAKEN.swap(true, Ordering::Acquire) {
            // Nested frame: a fault or panic while a frame was being written.
            // Drop it; the outer frame's state must stay intact. The nested
            // critical section is released at once (acquire/release nest).
            FRAME.discarding.store(true, Ordering::Relaxed);
            // SAFETY: releases the critical section taken just above.
            unsafe { critical_section::release(restore) };
            return;
        }
        // SAFETY: we hold the critical section and `TAKEN`, so nothing else
        // accesses the frame state until `release`.
        unsafe {
            *FRAME.restore.get() = restore;
            (*FRAME.encoder.get()).start_frame(emit);
        }
    }

    unsafe fn flush() {}

    unsafe fn release() {
        if FRAME.discarding.swap(false, Ordering::Relaxed) {
            return;
        }
        // SAFETY: defmt calls `release` only after `acquire`, which took the
        // critical section and `TAKEN`; the state is ours until we clear them.
        unsafe {
            (*FRAME.encoder.get()).end_frame(emit);
            let restore = *FRAME.restore.get();
            TAKEN.store(false, Ordering::Release);
            critical_section::release(restore);
        }
    }

    unsafe fn write(bytes: &[u8]) {
        if FRAME.discarding.load(Ordering::Relaxed) {
            return;
        }
        // SAFETY: as in `release`: called between `acquire` and `release`.
        unsafe { (*FRAME.encoder.get()).write(bytes, emit) };
    }
}

/// A `core::fmt::Write` that logs each completed line as one record (for
/// reports formatted as text, such as the process list). A line longer than
/// its buffer is split; what remains unterminated is logged on drop.
pub struct LogLines {
    buffer: [u8; Self::LINE],
    len: usize,
}

impl LogLines {
    /// Longest line logged as one record.
    pub const LINE: usize = 160;

    /// An empty line buffer.
    pub const fn new() -> Self {
        Self {
            buffer: [0; Self::LINE],
            len: 0,
        }
    }

    fn emit(&mut self) {
        let text = core::str::from_utf8(&self.buffer[..self.len]).unwrap_or("<invalid utf-8>");
        defmt::info!("{=str}", text);
        self.len = 0;
    }
}

impl Default for LogLines {
    fn default() -> Self {
        Self::new()
    }
}

impl core::fmt::Write for LogLines {
    fn write_str(&mut self, text: &str) -> core::fmt::Result {
        for &byte in text.as_bytes() {
            if byte == b'\n' {
                self.emit();
                continue;
            }
            if self.len == Self::LINE {
                self.emit();
            }
            self.buffer[self.len] = byte;
            self.len += 1;
        }
        Ok(())
    }
}

impl Drop for LogLines {
    fn drop(&mut self) {
        if self.len > 0 {
            self.emit();
        }
    }
}

// Boards define the log timestamp from their clock. Host builds (unit tests
// of every crate that logs) have no board, so frames carry a zero stamp.
#[cfg(not(target_os = "none"))]
defmt::timestamp!("{=u64}", 0);
