// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! The one error type every operation returns. Whenever an operation returns
//! an error the page table is exactly as it was before the call (the TLB
//! gather may still hold ranges to invalidate after a `map` was unwound).

use core::fmt;

/// Why a configuration or an operation was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Error {
    /// The input address size is not one the format can express.
    UnsupportedIas,
    /// The output address size is not one the format can express.
    UnsupportedOas,
    /// An option was requested that the format or stage has no encoding for
    /// (for example the NS bit on a stage 2 table).
    UnsupportedOption,
    /// The page size is not in the configuration's page-size bitmap.
    UnsupportedPageSize,
    /// The IOVA, or IOVA + size, lies beyond the input address size (or the
    /// arithmetic would wrap).
    IovaOutOfRange,
    /// The physical address, or its end, lies beyond the output address size.
    PhysOutOfRange,
    /// The protection grants neither read nor write.
    NoAccess,
    /// IOVA or physical address is not aligned to the page size, or an
    /// unmap size is not a multiple of the smallest page size.
    Misaligned,
    /// A page count or size of zero.
    ZeroSize,
    /// Part of the range is already mapped; nothing was changed.
    AlreadyMapped {
        /// Start of the first entry found in use: a mapping, or a table
        /// holding mappings inside the requested range.
        iova: u64,
    },
    /// The unmap range would cut through a block, a contiguous run, a v7s
    /// large page or supersection; nothing was changed.
    PartialUnmap {
        /// Start of the mapping the range boundary falls inside.
        iova: u64,
    },
    /// The page allocator had no memory.
    OutOfMemory,
    /// The allocator returned memory that breaks its contract (misaligned,
    /// or, for v7s, at or above 4 GiB).
    BadTableMemory,
    /// The TLB gather holds work for a different page table.
    ForeignGather,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnsupportedIas => f.write_str("input address size not supported by the format"),
            Self::UnsupportedOas => f.write_str("output address size not supported by the format"),
            Self::UnsupportedOption => f.write_str("option not supported by the format/stage"),
            Self::UnsupportedPageSize => f.write_str("page size not in the page-size bitmap"),
            Self::IovaOutOfRange => f.write_str("IOVA range beyond the input address size"),
            Self::PhysOutOfRange => f.write_str("physical range beyond the output address size"),
            Self::NoAccess => f.write_str("neither read nor write permission"),
            Self::Misaligned => f.write_str("address or size not aligned to the page size"),
            Self::ZeroSize => f.write_str("zero-sized request"),
            Self::AlreadyMapped { iova } => write!(f, "IOVA {iova:#x} is already mapped"),
            Self::PartialUnmap { iova } => {
                write!(f, "unmap would split the mapping at {iova:#x}")
            }
            Self::OutOfMemory => f.write_str("page allocator exhausted"),
            Self::BadTableMemory => f.write_str("allocator returned unusable table memory"),
            Self::ForeignGather => f.write_str("TLB gather belongs to another page table"),
        }
    }
}

impl core::error::Error for Error {}
