// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Parsing one TBF object from bytes. Every read is bounds checked and every
//! size relation is checked with overflow-free arithmetic; nothing here can
//! panic on any input.

use core::num::NonZeroU32;

use super::error::TbfError;
use super::header::{FixedAddresses, Permissions, ProgramInfo, TbfHeader, tlv};

/// Size of the base header.
pub const BASE_HEADER_SIZE: usize = 16;

/// Little-endian `u16` at `at`; callers check bounds first (0 if short).
pub(crate) fn le_u16(bytes: &[u8], at: usize) -> u16 {
    bytes
        .get(at..at + 2)
        .and_then(|b| b.try_into().ok())
        .map_or(0, u16::from_le_bytes)
}

/// Little-endian `u32` at `at`; callers check bounds first (0 if short).
pub(crate) fn le_u32(bytes: &[u8], at: usize) -> u32 {
    bytes
        .get(at..at + 4)
        .and_then(|b| b.try_into().ok())
        .map_or(0, u32::from_le_bytes)
}

/// The three size fields of the base header, enough to find the next object
/// even if the rest of this one is bad.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub struct Lengths {
    /// Format version.
    pub version: u16,
    /// Header size.
    pub header_size: u16,
    /// Object size.
    pub total_size: u32,
}

/// Reads and sanity-checks the base header's sizes against `bytes` (which
/// must hold the whole object).
pub fn read_lengths(bytes: &[u8]) -> Result<Lengths, TbfError> {
    if bytes.len() < BASE_HEADER_SIZE {
        return Err(TbfError::Truncated {
            needed: BASE_HEADER_SIZE as u64,
            available: bytes.len() as u64,
        });
    }
    let lengths = Lengths {
        version: le_u16(bytes, 0),
        header_size: le_u16(bytes, 2),
        total_size: le_u32(bytes, 4),
    };
    if lengths.version != 2 {
        return Err(TbfError::UnsupportedVersion(lengths.version));
    }
    let header = usize::from(lengths.header_size);
    if header < BASE_HEADER_SIZE
        || !header.is_multiple_of(4)
        || u64::from(lengths.header_size) > u64::from(lengths.total_size)
    {
        return Err(TbfError::BadHeaderSize(lengths.header_size));
    }
    if u64::from(lengths.total_size) > bytes.len() as u64 {
        return Err(TbfError::Truncated {
            needed: lengths.total_size.into(),
            available: bytes.len() as u64,
        });
    }
    Ok(lengths)
}

/// XOR of every header word except the checksum word (offset 12).
fn checksum(header: &[u8]) -> u32 {
    header
        .chunks_exact(4)
        .enumerate()
        .filter(|(i, _)| *i != 3)
        .fold(0, |acc, (_, w)| acc ^ le_u32(w, 0))
}

/// Parses the TBF object at the start of `bytes`; `bytes` must contain the
/// whole object (`total_size` bytes), and may continue past it.
pub fn parse(bytes: &[u8]) -> Result<TbfHeader<'_>, TbfError> {
    let lengths = read_lengths(bytes)?;
    let header = &bytes[..usize::from(lengths.header_size)];
    let stored = le_u32(header, 12);
    let computed = checksum(header);
    if stored != computed {
        return Err(TbfError::BadChecksum { stored, computed });
    }
    let mut out = TbfHeader {
        header_size: lengths.header_size,
        total_size: lengths.total_size,
        flags: le_u32(header, 8),
        program: None,
        package_name: None,
        fixed_addresses: None,
        permissions: None,
        kernel_version: None,
        short_id: None,
        writeable_flash_regions: 0,
        unknown_tlvs: 0,
    };
    let (mut main, mut program) = (None, None);
    let mut seen: u16 = 0; // bit n: TLV type n (1..=10) seen
    let mut at = BASE_HEADER_SIZE;
    while at < header.len() {
        let Some(tl) = header.get(at..at + 4) else {
            return Err(TbfError::TlvOverflow { offset: at as u16 });
        };
        let (ty, len) = (le_u16(tl, 0), le_u16(tl, 2));
        let start = at + 4;
        let Some(value) = header.get(start..start + usize::from(len)) else {
            return Err(TbfError::TlvOverflow { offset: at as u16 });
        };
        if (1..=10).contains(&ty) {
            if seen & (1 << ty) != 0 {
                return Err(TbfError::DuplicateTlv(ty));
            }
            seen |= 1 << ty;
        }
        let bad_len = || TbfError::BadTlvLength {
            tlv: ty,
            length: len,
        };
        match ty {
            tlv::MAIN => {
                if len != 12 {
                    return Err(bad_len());
                }
                main = Some((le_u32(value, 0), le_u32(value, 4), le_u32(value, 8)));
            }
            tlv::PROGRAM => {
                if len != 20 {
                    return Err(bad_len());
                }
                program = Some(ProgramInfo {
                    init_fn_offset: le_u32(value, 0),
                    protected_trailer: le_u32(value, 4),
                    minimum_ram_size: le_u32(value, 8),
                    binary_end_offset: le_u32(value, 12),
                    version: le_u32(value, 16),
                });
            }
            tlv::PACKAGE_NAME => {
                out.package_name =
                    Some(core::str::from_utf8(value).map_err(|_| TbfError::BadPackageName)?);
            }
            tlv::WRITEABLE_FLASH_REGIONS => {
                if !len.is_multiple_of(8) {
                    return Err(bad_len());
                }
                out.writeable_flash_regions = len / 8;
            }
            tlv::FIXED_ADDRESSES => {
                if len != 8 {
                    return Err(bad_len());
                }
                let fixed = |v: u32| (v != u32::MAX).then_some(v);
                out.fixed_addresses = Some(FixedAddresses {
                    ram: fixed(le_u32(value, 0)),
                    flash: fixed(le_u32(value, 4)),
                });
            }
            tlv::PERMISSIONS => {
                let count = usize::from(le_u16(value, 0));
                if len < 2 || usize::from(len) != 2 + 16 * count {
                    return Err(bad_len());
                }
                out.permissions = Some(Permissions {
                    entries: &value[2..],
                });
            }
            tlv::KERNEL_VERSION => {
                if len != 4 {
                    return Err(bad_len());
                }
                out.kernel_version = Some((le_u16(value, 0), le_u16(value, 2)));
            }
            tlv::SHORT_ID => {
                if len != 4 {
                    return Err(bad_len());
                }
                out.short_id = NonZeroU32::new(le_u32(value, 0));
            }
            // Persistent ACL: recognised, not used by this kernel.
            tlv::PERSISTENT_ACL => {}
            _ => out.unknown_tlvs = out.unknown_tlvs.saturating_add(1),
        }
        // TLVs are padded to 4 bytes.
        at = start + usize::from(len).next_multiple_of(4);
    }
    out.program = reconcile(main, program, lengths.total_size)?;
    check_sizes(&out)?;
    Ok(out)
}

/// Program wins over Main (newer kernels use it); if both exist they must
/// agree. With Main only, the binary ends at `total_size` and version is 0.
fn reconcile(
    main: Option<(u32, u32, u32)>,
    program: Option<ProgramInfo>,
    total_size: u32,
) -> Result<Option<ProgramInfo>, TbfError> {
    match (main, program) {
        (Some(m), Some(p)) if m != (p.init_fn_offset, p.protected_trailer, p.minimum_ram_size) => {
            Err(TbfError::MainProgramMismatch)
        }
        (_, Some(p)) => Ok(Some(p)),
        (Some((init_fn_offset, protected_trailer, minimum_ram_size)), None) => {
            Ok(Some(ProgramInfo {
                init_fn_offset,
                protected_trailer,
                minimum_ram_size,
                binary_end_offset: total_size,
                version: 0,
            }))
        }
        (None, None) => Ok(None),
    }
}

fn check_sizes(h: &TbfHeader<'_>) -> Result<(), TbfError> {
    let Some(p) = h.program else { return Ok(()) };
    let protected_end = u32::from(h.header_size)
        .checked_add(p.protected_trailer)
        .ok_or(TbfError::InconsistentSizes)?;
    if protected_end > h.total_size
        || p.binary_end_offset < protected_end
        || p.binary_end_offset > h.total_size
    {
        return Err(TbfError::InconsistentSizes);
    }
    let entry = u32::from(h.header_size)
        .checked_add(p.init_fn_offset)
        .ok_or(TbfError::BadEntryPoint)?;
    if entry < protected_end || entry >= p.binary_end_offset || !entry.is_multiple_of(4) {
        return Err(TbfError::BadEntryPoint);
    }
    Ok(())
}
