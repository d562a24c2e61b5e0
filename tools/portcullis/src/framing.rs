// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! Splits the UART byte stream into defmt frames.
//!
//! defmt's rzCOBS encoding never puts 0x00 inside a frame and ends every
//! frame with one, so 0x00 is a resynchronisation point: whatever garbage or
//! loss corrupts one frame, the next one starts cleanly after the next 0x00.
//! This module only finds the boundaries; `log_decoder` checks the contents.

/// Longest frame kept, in encoded bytes. defmt frames are a few hundred bytes
/// at most; anything longer is noise without a terminator, and bounding it
/// keeps a runaway stream from growing memory without limit.
pub(crate) const MAX_FRAME_LEN: usize = 16 * 1024;

/// One delimited piece of the stream.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Piece<'a> {
    /// The bytes between two 0x00 terminators (never empty).
    Frame(&'a [u8]),
    /// A frame longer than [`MAX_FRAME_LEN`]: it was dropped, and this is
    /// its length including the dropped bytes.
    Overlong(usize),
}

/// Finds frame boundaries across arbitrarily split input.
#[derive(Debug, Default)]
pub(crate) struct FrameSplitter {
    /// The unterminated frame so far (at most [`MAX_FRAME_LEN`] bytes).
    current: Vec<u8>,
    /// Bytes of `current`'s frame dropped for being over the limit.
    dropped: usize,
}

impl FrameSplitter {
    /// Consumes `bytes`, calling `on_piece` for every frame they complete.
    /// Empty frames (runs of 0x00, as a logger sends to flush a link) are
    /// skipped.
    pub(crate) fn push<E>(
        &mut self,
        bytes: &[u8],
        mut on_piece: impl FnMut(Piece<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut rest = bytes;
        while !rest.is_empty() {
            let (body, terminated) = match rest.iter().position(|&byte| byte == 0) {
                Some(zero) => (&rest[..zero], true),
                None => (rest, false),
            };
            self.take(body);
            rest = &rest[body.len() + usize::from(terminated)..];
            if terminated {
                let piece_result = if self.dropped > 0 {
                    on_piece(Piece::Overlong(self.current.len() + self.dropped))
                } else if self.current.is_empty() {
                    Ok(())
                } else {
                    on_piece(Piece::Frame(&self.current))
                };
                self.current.clear();
                self.dropped = 0;
                piece_result?;
            }
        }
        Ok(())
    }

    /// Appends `body` to the current frame within the length limit.
    fn take(&mut self, body: &[u8]) {
        let room = MAX_FRAME_LEN.saturating_sub(self.current.len());
        if self.dropped > 0 || body.len() > room {
            self.dropped += body.len();
        } else {
            self.current.extend_from_slice(body);
        }
    }

    /// Ends the stream: the length of the unterminated frame left over (a
    /// frame cut off mid-way), if any.
    pub(crate) fn finish(&mut self) -> Option<usize> {
        let left = self.current.len() + self.dropped;
        self.current.clear();
        self.dropped = 0;
        (left > 0).then_some(left)
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use super::*;

    /// The pieces `chunks` produce, owned, in order.
    fn split(chunks: &[&[u8]]) -> (Vec<Result<Vec<u8>, usize>>, Option<usize>) {
        let mut splitter = FrameSplitter::default();
        let mut pieces = Vec::new();
        for chunk in chunks {
            splitter
                .push(chunk, |piece| {
                    pieces.push(match piece {
                        Piece::Frame(frame) => Ok(frame.to_vec()),
                        Piece::Overlong(len) => Err(len),
                    });
                    Ok::<(), Infallible>(())
                })
                .expect("the callback does not fail");
        }
        (pieces, splitter.finish())
    }

    #[test]
    fn frames_are_split_at_zeros() {
        let (pieces, left) = split(&[b"abc\0de\0"]);
        assert_eq!(pieces, [Ok(b"abc".to_vec()), Ok(b"de".to_vec())]);
        assert_eq!(left, None);
    }

    #[test]
    fn frames_survive_any_chunking() {
        let stream = b"\0\0first\0second frame\0\0third\0";
        let expected = [
            Ok(b"first".to_vec()),
            Ok(b"second frame".to_vec()),
            Ok(b"third".to_vec()),
        ];
        for split_at in 0..stream.len() {
            let (head, tail) = stream.split_at(split_at);
            assert_eq!(split(&[head, tail]).0, expected, "split at {split_at}");
        }
        let byte_by_byte: Vec<&[u8]> = stream.chunks(1).collect();
        assert_eq!(split(&byte_by_byte).0, expected);
    }

    #[test]
    fn runs_of_zeros_are_not_frames() {
        assert_eq!(split(&[b"\0\0\0", b"\0"]), (vec![], None));
    }

    #[test]
    fn an_unterminated_tail_is_reported_at_the_end() {
        let (pieces, left) = split(&[b"ok\0cut o", b"ff"]);
        assert_eq!(pieces, [Ok(b"ok".to_vec())]);
        assert_eq!(left, Some(7));
    }

    #[test]
    fn an_overlong_frame_is_dropped_and_the_next_one_kept() {
        let noise = vec![0x55u8; MAX_FRAME_LEN + 10];
        let (pieces, left) = split(&[&noise[..100], &noise[100..], b"\0next\0"]);
        assert_eq!(pieces, [Err(MAX_FRAME_LEN + 10), Ok(b"next".to_vec())]);
        assert_eq!(left, None);
    }

    #[test]
    fn a_frame_of_exactly_the_limit_is_kept() {
        let mut stream = vec![0x55u8; MAX_FRAME_LEN];
        stream.push(0);
        let (pieces, _) = split(&[&stream]);
        assert_eq!(pieces, [Ok(vec![0x55u8; MAX_FRAME_LEN])]);
    }

    #[test]
    fn a_callback_error_stops_the_push() {
        let mut splitter = FrameSplitter::default();
        let mut seen = 0;
        let result = splitter.push(b"a\0b\0", |_| {
            seen += 1;
            Err("stop")
        });
        assert_eq!(result, Err("stop"));
        assert_eq!(seen, 1);
    }
}
