// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! Turns one defmt frame into a log line, using the kernel ELF's defmt table.
//!
//! The table (format strings, levels, timestamp format) and the source
//! locations come from `defmt-decoder`; this module adds the checks a
//! runner needs to trust a frame (rzCOBS valid, nothing left over) and the
//! compact line format.

use std::{
    fmt,
    path::{Path, PathBuf},
};

use defmt_decoder::{DecodeError, Encoding, Locations, Table};

/// Why a kernel ELF cannot be used to decode its log.
#[derive(Debug)]
pub(crate) enum TableError {
    /// The ELF has no `.defmt` section: the kernel does not log with defmt.
    NoDefmtData,
    /// The table is framed in a way the runner cannot resynchronise on.
    UnsupportedEncoding(Encoding),
    /// `defmt-decoder` rejected the ELF (not an ELF, wrong defmt version...).
    Invalid(anyhow::Error),
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoDefmtData => f.write_str("the ELF has no defmt data (no `.defmt` section)"),
            Self::UnsupportedEncoding(encoding) => write!(
                f,
                "the kernel's defmt encoding is {encoding:?}; the runner needs rzCOBS \
                 (defmt's default) to find frame boundaries"
            ),
            Self::Invalid(error) => write!(f, "cannot read the defmt table: {error:#}"),
        }
    }
}

impl std::error::Error for TableError {}

/// Why one frame could not be decoded.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum FrameError {
    /// The bytes are not valid rzCOBS.
    Encoding,
    /// The decoded bytes do not match the table (unknown index, short data...).
    Content(DecodeError),
    /// The message decoded but bytes were left over.
    TrailingBytes {
        /// Bytes the message used.
        used: usize,
        /// Bytes the frame held.
        len: usize,
    },
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Encoding => f.write_str("invalid rzCOBS encoding"),
            Self::Content(error) => write!(f, "does not match the ELF's defmt table: {error}"),
            Self::TrailingBytes { used, len } => {
                write!(f, "message used {used} of {len} bytes")
            }
        }
    }
}

impl std::error::Error for FrameError {}

/// One decoded log message.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct LogLine {
    /// The formatted timestamp, if the kernel defines one.
    pub(crate) timestamp: Option<String>,
    /// `INFO`, `WARN`...; `None` for `println!`.
    pub(crate) level: Option<String>,
    /// The formatted message.
    pub(crate) message: String,
    /// `module @ file:line`, if the ELF's debug info has it.
    pub(crate) location: Option<String>,
}

impl fmt::Display for LogLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(timestamp) = &self.timestamp {
            write!(f, "{timestamp} ")?;
        }
        if let Some(level) = &self.level {
            write!(f, "{level:<5} ")?;
        }
        f.write_str(&self.message)?;
        if let Some(location) = &self.location {
            write!(f, "  [{location}]")?;
        }
        Ok(())
    }
}

/// A kernel's defmt table and source locations.
pub(crate) struct LogDecoder {
    table: Table,
    locations: Locations,
    /// Paths under this directory are shown relative to it.
    source_root: Option<PathBuf>,
}

impl fmt::Debug for LogDecoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogDecoder")
            .field("locations", &self.locations.len())
            .field("source_root", &self.source_root)
            .finish_non_exhaustive()
    }
}

impl LogDecoder {
    /// Reads the defmt table (and, when debug info allows, the source
    /// location of every message) from a kernel ELF's bytes.
    pub(crate) fn from_elf(elf: &[u8], source_root: Option<PathBuf>) -> Result<Self, TableError> {
        let table = Table::parse(elf)
            .map_err(TableError::Invalid)?
            .ok_or(TableError::NoDefmtData)?;
        if table.encoding() != Encoding::Rzcobs {
            return Err(TableError::UnsupportedEncoding(table.encoding()));
        }
        // Locations only make lines nicer: an ELF without usable debug info
        // still decodes.
        let locations = table.get_locations(elf).unwrap_or_default();
        Ok(Self {
            table,
            locations,
            source_root,
        })
    }

    /// Decodes one rzCOBS frame (without its 0x00 terminator).
    pub(crate) fn decode(&self, encoded: &[u8]) -> Result<LogLine, FrameError> {
        let bytes = rzcobs::decode(encoded).map_err(|_| FrameError::Encoding)?;
        let (frame, used) = self.table.decode(&bytes).map_err(|error| match error {
            // A whole frame is here: running out of bytes means it is bad.
            DecodeError::UnexpectedEof | DecodeError::Malformed => {
                FrameError::Content(DecodeError::Malformed)
            }
        })?;
        if !is_rzcobs_padding(&bytes[used..]) {
            return Err(FrameError::TrailingBytes {
                used,
                len: bytes.len(),
            });
        }
        Ok(LogLine {
            timestamp: frame.display_timestamp().map(|ts| ts.to_string()),
            level: frame
                .level()
                .map(|level| level.as_str().to_ascii_uppercase()),
            message: frame.display_message().to_string(),
            location: self.locations.get(&frame.index()).map(|location| {
                format!(
                    "{} @ {}:{}",
                    location.module,
                    compact_path(&location.file, self.source_root.as_deref()).display(),
                    location.line
                )
            }),
        })
    }
}

/// Whether `rest`, what is left of a frame after its message, is only the
/// zero padding rzCOBS may add: the encoder closes a last group of fewer than
/// seven bytes by marking the missing positions as zeros, so decoding can
/// yield up to six extra 0x00 bytes at the end.
fn is_rzcobs_padding(rest: &[u8]) -> bool {
    rest.len() <= 6 && rest.iter().all(|&byte| byte == 0)
}

/// `file` relative to `root` when it is inside it; otherwise as recorded.
fn compact_path<'a>(file: &'a Path, root: Option<&Path>) -> &'a Path {
    root.and_then(|root| file.strip_prefix(root).ok())
        .unwrap_or(file)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{self, INDEX_BOOT, INDEX_PRINTLN, INDEX_WARN};

    fn decoder() -> LogDecoder {
        LogDecoder::from_elf(&test_support::defmt_elf(true), None).expect("fixture table")
    }

    #[test]
    fn a_frame_decodes_to_a_line() {
        let frame = test_support::frame(INDEX_BOOT, 1_500_000, &test_support::boot_args());
        let line = decoder().decode(&frame).expect("valid frame");
        assert_eq!(
            line,
            LogLine {
                timestamp: Some("1.500000".into()),
                level: Some("INFO".into()),
                message: "booted qemu-virt at EL1".into(),
                location: None,
            }
        );
        assert_eq!(line.to_string(), "1.500000 INFO  booted qemu-virt at EL1");
    }

    #[test]
    fn levels_and_println() {
        let warn = decoder()
            .decode(&test_support::frame(
                INDEX_WARN,
                7,
                &0x1234u32.to_le_bytes(),
            ))
            .expect("valid frame");
        assert_eq!(warn.level.as_deref(), Some("WARN"));
        assert_eq!(warn.message, "fault at 0x1234");
        let println = decoder()
            .decode(&test_support::frame(INDEX_PRINTLN, 0, &[]))
            .expect("valid frame");
        assert_eq!(println.level, None);
        assert_eq!(println.to_string(), "0.000000 plain line");
    }

    #[test]
    fn without_timestamp_format_there_is_no_timestamp() {
        let decoder =
            LogDecoder::from_elf(&test_support::defmt_elf(false), None).expect("fixture table");
        let frame = rzcobs::encode(&INDEX_PRINTLN.to_le_bytes());
        let line = decoder.decode(&frame).expect("valid frame");
        assert_eq!(line.to_string(), "plain line");
    }

    #[test]
    fn invalid_rzcobs_is_an_encoding_error() {
        // 0x80 announces 7 literal bytes that are not there.
        assert_eq!(decoder().decode(&[0x80]), Err(FrameError::Encoding));
    }

    #[test]
    fn unknown_index_is_a_content_error() {
        let frame = test_support::frame(999, 0, &[]);
        assert_eq!(
            decoder().decode(&frame),
            Err(FrameError::Content(DecodeError::Malformed))
        );
    }

    #[test]
    fn short_arguments_are_a_content_error() {
        // A 20-byte string announced, 3 bytes sent. (A short fixed-size
        // argument cannot be caught: rzCOBS padding zeros can complete it.)
        let mut args = 20u32.to_le_bytes().to_vec();
        args.extend_from_slice(b"qem");
        let frame = test_support::frame(INDEX_BOOT, 0, &args);
        assert_eq!(
            decoder().decode(&frame),
            Err(FrameError::Content(DecodeError::Malformed))
        );
    }

    #[test]
    fn leftover_bytes_are_reported() {
        let frame = test_support::frame(INDEX_PRINTLN, 0, &[0xAA]);
        assert!(matches!(
            decoder().decode(&frame),
            Err(FrameError::TrailingBytes { used: 10, .. })
        ));
        // Zeros beyond what rzCOBS padding can explain are not padding.
        let frame = test_support::frame(INDEX_PRINTLN, 0, &[0; 7]);
        assert!(matches!(
            decoder().decode(&frame),
            Err(FrameError::TrailingBytes { used: 10, .. })
        ));
    }

    #[test]
    fn every_message_length_survives_rzcobs_padding() {
        // Strings of every length put the frame's end at every position of
        // an rzCOBS group, including non-zero bytes next to padding.
        for len in 0..40u8 {
            let text: Vec<u8> = (0..len).map(|i| b'a' + i % 26).collect();
            let mut args = u32::from(len).to_le_bytes().to_vec();
            args.extend_from_slice(&text);
            args.push(2);
            let line = decoder()
                .decode(&test_support::frame(INDEX_BOOT, 0, &args))
                .expect("valid frame");
            let text = String::from_utf8(text).expect("ASCII");
            assert_eq!(line.message, format!("booted {text} at EL2"));
        }
    }

    #[test]
    fn padding_is_at_most_six_zeros() {
        assert!(is_rzcobs_padding(&[]));
        assert!(is_rzcobs_padding(&[0; 6]));
        assert!(!is_rzcobs_padding(&[0; 7]));
        assert!(!is_rzcobs_padding(&[0, 1]));
    }

    #[test]
    fn an_elf_without_defmt_is_refused() {
        let error =
            LogDecoder::from_elf(&test_support::elf_without_defmt(), None).expect_err("no table");
        assert!(matches!(error, TableError::NoDefmtData), "{error}");
    }

    #[test]
    fn raw_encoding_is_refused() {
        let error = LogDecoder::from_elf(&test_support::defmt_elf_with_encoding("raw"), None)
            .expect_err("raw cannot be resynchronised");
        assert!(
            matches!(error, TableError::UnsupportedEncoding(Encoding::Raw)),
            "{error}"
        );
    }

    #[test]
    fn garbage_is_not_an_elf() {
        let error = LogDecoder::from_elf(b"not an elf", None).expect_err("garbage");
        assert!(matches!(error, TableError::Invalid(_)), "{error}");
    }

    #[test]
    fn paths_are_shown_relative_to_the_root() {
        let root = Path::new("/work/main");
        assert_eq!(
            compact_path(Path::new("/work/main/kernel/src/boot.rs"), Some(root)),
            Path::new("kernel/src/boot.rs")
        );
        assert_eq!(
            compact_path(Path::new("/elsewhere/lib.rs"), Some(root)),
            Path::new("/elsewhere/lib.rs")
        );
        assert_eq!(
            compact_path(Path::new("src/x.rs"), None),
            Path::new("src/x.rs")
        );
    }
}
