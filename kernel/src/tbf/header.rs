// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The parsed contents of a TBF header (Tock's "Tock Binary Format"
//! document: base header v2 and TLVs 1, 2, 3, 5, 6, 7, 8, 9, 10).

use core::num::NonZeroU32;

/// TLV type numbers.
pub mod tlv {
    /// Main.
    pub const MAIN: u16 = 1;
    /// Writeable flash regions.
    pub const WRITEABLE_FLASH_REGIONS: u16 = 2;
    /// Package name.
    pub const PACKAGE_NAME: u16 = 3;
    /// Fixed addresses.
    pub const FIXED_ADDRESSES: u16 = 5;
    /// Driver permissions.
    pub const PERMISSIONS: u16 = 6;
    /// Persistent storage ACL.
    pub const PERSISTENT_ACL: u16 = 7;
    /// Kernel version.
    pub const KERNEL_VERSION: u16 = 8;
    /// Program.
    pub const PROGRAM: u16 = 9;
    /// Short id.
    pub const SHORT_ID: u16 = 10;
}

/// Base-header flag: start the process at boot.
pub const FLAG_ENABLED: u32 = 1 << 0;
/// Base-header flag: sticky (tools ask before erasing).
pub const FLAG_STICKY: u32 = 1 << 1;

/// The fields Main and Program share (Program adds the last two).
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub struct ProgramInfo {
    /// Entry point, as an offset from the end of the header.
    pub init_fn_offset: u32,
    /// Protected bytes after the header (elf2tab's "trailer").
    pub protected_trailer: u32,
    /// RAM the process needs.
    pub minimum_ram_size: u32,
    /// Offset from the object start where the binary ends (footers follow).
    pub binary_end_offset: u32,
    /// Application version (0 with only a Main TLV).
    pub version: u32,
}

/// Fixed addresses: `None` where the TLV says 0xFFFF_FFFF ("not fixed").
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub struct FixedAddresses {
    /// Required start of process RAM.
    pub ram: Option<u32>,
    /// Required address of the binary in flash.
    pub flash: Option<u32>,
}

/// One driver-permission entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub struct DriverPermission {
    /// Driver number.
    pub driver: u32,
    /// Which block of 64 commands `allowed` describes.
    pub offset: u32,
    /// Bit `n` allows command `64 * offset + n`.
    pub allowed: u64,
}

/// The Permissions TLV: a view over its packed entries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Permissions<'a> {
    pub(crate) entries: &'a [u8],
}

impl<'a> Permissions<'a> {
    /// A view over packed 16-byte entries (the TLV's data after its count);
    /// `None` if the length is not a whole number of entries.
    pub fn new(entries: &'a [u8]) -> Option<Self> {
        entries.len().is_multiple_of(16).then_some(Self { entries })
    }

    /// The entries in header order.
    pub fn iter(&self) -> impl Iterator<Item = DriverPermission> + 'a {
        self.entries.chunks_exact(16).map(|e| DriverPermission {
            driver: super::parse::le_u32(e, 0),
            offset: super::parse::le_u32(e, 4),
            allowed: u64::from(super::parse::le_u32(e, 8))
                | (u64::from(super::parse::le_u32(e, 12)) << 32),
        })
    }

    /// True if `command` of `driver` is allowed. Allow and subscribe are
    /// allowed for any listed driver (TBF doc, Permissions).
    pub fn allows_command(&self, driver: u32, command: u32) -> bool {
        let (block, bit) = (command / 64, command % 64);
        self.iter()
            .any(|p| p.driver == driver && p.offset == block && p.allowed & (1 << bit) != 0)
    }

    /// True if the driver appears at all.
    pub fn lists_driver(&self, driver: u32) -> bool {
        self.iter().any(|p| p.driver == driver)
    }
}

/// A parsed TBF header. Offsets are from the start of the TBF object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TbfHeader<'a> {
    /// Bytes of the header (base plus TLVs).
    pub header_size: u16,
    /// Bytes of the whole object (header, binary, footers, padding).
    pub total_size: u32,
    /// Base-header flags.
    pub flags: u32,
    /// Main or Program info; `None` for a padding object.
    pub program: Option<ProgramInfo>,
    /// Package name TLV.
    pub package_name: Option<&'a str>,
    /// Fixed-addresses TLV.
    pub fixed_addresses: Option<FixedAddresses>,
    /// Permissions TLV.
    pub permissions: Option<Permissions<'a>>,
    /// Kernel version TLV (major, minor).
    pub kernel_version: Option<(u16, u16)>,
    /// Short id TLV (0 means "none").
    pub short_id: Option<NonZeroU32>,
    /// Number of writeable flash regions declared.
    pub writeable_flash_regions: u16,
    /// TLVs skipped because their type is unknown.
    pub unknown_tlvs: u16,
}

impl TbfHeader<'_> {
    /// True if the process should start at boot.
    pub fn is_enabled(&self) -> bool {
        self.flags & FLAG_ENABLED != 0
    }

    /// True if this object is an app (it has Main or Program), not padding.
    pub fn is_app(&self) -> bool {
        self.program.is_some()
    }

    /// End of the protected region (header plus trailer), from the start.
    pub fn protected_end(&self) -> u32 {
        // Checked when parsing: never overflows and never exceeds total_size.
        self.program.map_or(u32::from(self.header_size), |p| {
            u32::from(self.header_size) + p.protected_trailer
        })
    }

    /// Entry point offset from the start of the object.
    pub fn entry_offset(&self) -> Option<u32> {
        self.program
            .map(|p| u32::from(self.header_size) + p.init_fn_offset)
    }
}
