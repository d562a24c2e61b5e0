// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Walking the TBF objects laid back to back in an app region (what
//! `tockloader --flash-file` writes).

use super::error::TbfError;
use super::header::TbfHeader;
use super::parse::{BASE_HEADER_SIZE, parse, read_lengths};

/// One object found in the region.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Found<'a> {
    /// Offset of the object from the region start.
    pub offset: usize,
    /// The object's bytes (`total_size` long).
    pub bytes: &'a [u8],
    /// Its header, or why it was refused (the walk continues past it).
    pub header: Result<TbfHeader<'a>, TbfError>,
}

/// Iterates the objects of an app region. It stops at the end of the
/// region, at erased (0xFF) or zeroed space, or after an object whose sizes
/// cannot be trusted to find the next one (that object is yielded first as
/// an error).
pub struct TbfWalker<'a> {
    region: &'a [u8],
    offset: usize,
    done: bool,
}

impl<'a> TbfWalker<'a> {
    /// Walks `region` from its start.
    pub fn new(region: &'a [u8]) -> Self {
        Self {
            region,
            offset: 0,
            done: false,
        }
    }
}

impl<'a> Iterator for TbfWalker<'a> {
    type Item = Found<'a>;

    fn next(&mut self) -> Option<Found<'a>> {
        if self.done {
            return None;
        }
        let rest = self.region.get(self.offset..)?;
        let head = rest.get(..BASE_HEADER_SIZE.min(rest.len()))?;
        // End of apps: too short for a header, or erased / zeroed flash.
        if rest.len() < BASE_HEADER_SIZE
            || head.iter().all(|b| *b == 0xFF)
            || head[..4].iter().all(|b| *b == 0)
        {
            self.done = true;
            return None;
        }
        let offset = self.offset;
        match read_lengths(rest) {
            Ok(lengths) => {
                let total = lengths.total_size as usize;
                let bytes = &rest[..total];
                self.offset += total;
                Some(Found {
                    offset,
                    bytes,
                    header: parse(bytes),
                })
            }
            Err(err) => {
                self.done = true;
                Some(Found {
                    offset,
                    bytes: rest,
                    header: Err(err),
                })
            }
        }
    }
}
