// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! Live log printing: raw target bytes in, one text line per message out.
//!
//! A frame that does not decode is reported on the diagnostics writer and
//! skipped; the next frame after the next 0x00 decodes normally, so one
//! corrupted byte costs one message, never the rest of the log.

use std::io::{self, Write};

use crate::{
    framing::{FrameSplitter, Piece},
    log_decoder::LogDecoder,
};

/// Bytes of a bad frame shown in its report.
const REPORTED_BYTES: usize = 32;

/// Counts of what a stream held.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StreamStats {
    /// Messages decoded and printed.
    pub(crate) decoded: u64,
    /// Frames reported as bad (including an unterminated tail).
    pub(crate) malformed: u64,
}

/// Decodes a byte stream as it arrives and writes the lines out.
#[derive(Debug)]
pub(crate) struct LogStream<'d, Out, Diag> {
    decoder: &'d LogDecoder,
    splitter: FrameSplitter,
    out: Out,
    diagnostics: Diag,
    stats: StreamStats,
}

impl<'d, Out: Write, Diag: Write> LogStream<'d, Out, Diag> {
    /// Writes decoded lines to `out` and reports bad frames to `diagnostics`.
    pub(crate) fn new(decoder: &'d LogDecoder, out: Out, diagnostics: Diag) -> Self {
        Self {
            decoder,
            splitter: FrameSplitter::default(),
            out,
            diagnostics,
            stats: StreamStats::default(),
        }
    }

    /// Decodes and prints every message `bytes` complete.
    pub(crate) fn feed(&mut self, bytes: &[u8]) -> io::Result<()> {
        let Self {
            decoder,
            splitter,
            out,
            diagnostics,
            stats,
        } = self;
        splitter.push(bytes, |piece| match piece {
            Piece::Frame(frame) => match decoder.decode(frame) {
                Ok(line) => {
                    stats.decoded += 1;
                    writeln!(out, "{line}")
                }
                Err(error) => {
                    stats.malformed += 1;
                    writeln!(
                        diagnostics,
                        "portcullis: skipped a bad defmt frame ({error}): {}",
                        hex_preview(frame)
                    )
                }
            },
            Piece::Overlong(len) => {
                stats.malformed += 1;
                writeln!(
                    diagnostics,
                    "portcullis: skipped {len} bytes without a frame terminator"
                )
            }
        })?;
        out.flush()
    }

    /// Ends the stream, reporting a frame cut off at the end.
    pub(crate) fn finish(mut self) -> io::Result<StreamStats> {
        if let Some(len) = self.splitter.finish() {
            self.stats.malformed += 1;
            writeln!(
                self.diagnostics,
                "portcullis: the stream ended inside a defmt frame ({len} bytes lost)"
            )?;
        }
        self.out.flush()?;
        self.diagnostics.flush()?;
        Ok(self.stats)
    }
}

/// The first bytes of `frame` in hex, for a report.
fn hex_preview(frame: &[u8]) -> String {
    let shown = &frame[..frame.len().min(REPORTED_BYTES)];
    let mut text: Vec<String> = shown.iter().map(|byte| format!("{byte:02x}")).collect();
    if frame.len() > shown.len() {
        text.push(format!("... ({} bytes)", frame.len()));
    }
    text.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        framing::MAX_FRAME_LEN,
        test_support::{self, INDEX_BOOT, INDEX_PRINTLN, INDEX_WARN},
    };

    struct Captured {
        out: String,
        diagnostics: String,
        stats: StreamStats,
    }

    fn decode_stream(chunks: &[&[u8]]) -> Captured {
        let decoder =
            LogDecoder::from_elf(&test_support::defmt_elf(true), None).expect("fixture table");
        let (mut out, mut diagnostics) = (Vec::new(), Vec::new());
        let mut stream = LogStream::new(&decoder, &mut out, &mut diagnostics);
        for chunk in chunks {
            stream.feed(chunk).expect("writing to memory works");
        }
        let stats = stream.finish().expect("writing to memory works");
        Captured {
            out: String::from_utf8(out).expect("lines are UTF-8"),
            diagnostics: String::from_utf8(diagnostics).expect("reports are UTF-8"),
            stats,
        }
    }

    fn boot() -> Vec<u8> {
        test_support::wire_frame(INDEX_BOOT, 2_000_001, &test_support::boot_args())
    }

    #[test]
    fn consecutive_frames_print_in_order() {
        let mut stream = boot();
        stream.extend(test_support::wire_frame(
            INDEX_WARN,
            3_000_000,
            &0xdeadu32.to_le_bytes(),
        ));
        let captured = decode_stream(&[&stream]);
        assert_eq!(
            captured.out,
            "2.000001 INFO  booted qemu-virt at EL1\n3.000000 WARN  fault at 0xdead\n"
        );
        assert_eq!(captured.diagnostics, "");
        assert_eq!(
            captured.stats,
            StreamStats {
                decoded: 2,
                malformed: 0
            }
        );
    }

    #[test]
    fn frames_split_across_reads_decode() {
        let stream = boot();
        let chunks: Vec<&[u8]> = stream.chunks(3).collect();
        assert_eq!(
            decode_stream(&chunks).out,
            "2.000001 INFO  booted qemu-virt at EL1\n"
        );
    }

    #[test]
    fn garbage_then_a_valid_frame_resyncs() {
        // Line noise (rzCOBS is read from the end, and a final 0x80 announces
        // seven bytes that are not there), its terminator, then a good frame:
        // one report, then the message.
        let mut stream = vec![0x13, 0x37, 0x80, 0x00];
        stream.extend(boot());
        let captured = decode_stream(&[&stream]);
        assert_eq!(captured.out, "2.000001 INFO  booted qemu-virt at EL1\n");
        assert_eq!(
            captured.diagnostics,
            "portcullis: skipped a bad defmt frame (invalid rzCOBS encoding): 13 37 80\n"
        );
        assert_eq!(
            captured.stats,
            StreamStats {
                decoded: 1,
                malformed: 1
            }
        );
    }

    #[test]
    fn garbage_glued_to_a_frame_costs_only_that_frame() {
        // No terminator between the noise and the first frame: the two merge
        // into one bad frame, and the frame after it is intact.
        let mut stream = vec![0x42, 0x42];
        stream.extend(boot());
        stream.extend(test_support::wire_frame(INDEX_PRINTLN, 5, &[]));
        let captured = decode_stream(&[&stream]);
        assert_eq!(captured.out, "0.000005 plain line\n");
        assert_eq!(captured.stats.malformed, 1);
        assert!(
            captured
                .diagnostics
                .starts_with("portcullis: skipped a bad defmt frame ("),
            "{}",
            captured.diagnostics
        );
    }

    #[test]
    fn a_frame_the_table_does_not_know_is_reported_and_skipped() {
        let mut stream = test_support::wire_frame(4242, 0, &[]);
        stream.extend(boot());
        let captured = decode_stream(&[&stream]);
        assert_eq!(captured.out, "2.000001 INFO  booted qemu-virt at EL1\n");
        assert!(
            captured
                .diagnostics
                .contains("does not match the ELF's defmt table"),
            "{}",
            captured.diagnostics
        );
    }

    #[test]
    fn a_flood_without_terminators_is_bounded_and_recovered_from() {
        let flood = vec![0x11u8; MAX_FRAME_LEN * 3];
        let mut stream = flood;
        stream.push(0);
        stream.extend(boot());
        let captured = decode_stream(&[&stream]);
        assert_eq!(captured.out, "2.000001 INFO  booted qemu-virt at EL1\n");
        assert_eq!(
            captured.diagnostics,
            format!(
                "portcullis: skipped {} bytes without a frame terminator\n",
                MAX_FRAME_LEN * 3
            )
        );
    }

    #[test]
    fn a_cut_off_last_frame_is_reported() {
        let mut stream = boot();
        let partial = test_support::frame(INDEX_BOOT, 0, &test_support::boot_args());
        stream.extend(&partial[..4]);
        let captured = decode_stream(&[&stream]);
        assert_eq!(captured.stats.decoded, 1);
        assert_eq!(captured.stats.malformed, 1);
        assert_eq!(
            captured.diagnostics,
            "portcullis: the stream ended inside a defmt frame (4 bytes lost)\n"
        );
    }

    #[test]
    fn long_bad_frames_are_shown_shortened() {
        let preview = hex_preview(&[0xab; 40]);
        assert!(preview.ends_with("ab ... (40 bytes)"), "{preview}");
        assert_eq!(preview.matches("ab").count(), REPORTED_BYTES);
    }
}
