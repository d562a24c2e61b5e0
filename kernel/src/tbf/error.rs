// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Why a TBF object was refused. Each reason is specific enough for the
//! loader to log it and move on to the next app.

/// A malformed or unsupported TBF object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum TbfError {
    /// Fewer bytes than the format needs at this point.
    Truncated {
        /// Bytes needed.
        needed: u64,
        /// Bytes available.
        available: u64,
    },
    /// Base header version is not 2.
    UnsupportedVersion(u16),
    /// Header size below the 16-byte base header, not a multiple of 4, or
    /// larger than the object.
    BadHeaderSize(u16),
    /// The XOR checksum over the header does not match.
    BadChecksum {
        /// Value stored in the header.
        stored: u32,
        /// Value computed over the header.
        computed: u32,
    },
    /// A TLV runs past the end of the header.
    TlvOverflow {
        /// Offset of the TLV from the start of the object.
        offset: u16,
    },
    /// A known TLV has a length its type does not allow.
    BadTlvLength {
        /// TLV type.
        tlv: u16,
        /// Length found.
        length: u16,
    },
    /// A TLV that may appear once appears twice.
    DuplicateTlv(u16),
    /// The package name is not UTF-8.
    BadPackageName,
    /// Sizes contradict each other (protected region beyond the object,
    /// binary end outside it, arithmetic overflow).
    InconsistentSizes,
    /// Main and Program TLVs disagree on entry point, protected size or RAM.
    MainProgramMismatch,
    /// The entry point is outside the binary.
    BadEntryPoint,
}
