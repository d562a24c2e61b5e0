// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! What the simulated SMMU implements, and the ID register values that
//! advertise it (SMMUv2 arch spec (IHI 0062D) 10.6.2 sIDR0, 10.6.3 sIDR1,
//! 10.6.4 sIDR2, 10.6.8 sIDR7).

use core::fmt;

/// An address size as the ID registers encode it (IAS/OAS/UBS, and the
/// TCR2/TCR PASize fields): 0 = 32 bits ... 5 = 48 bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum AddressSize {
    /// 32 bits (4 GiB).
    Bits32 = 0,
    /// 36 bits (64 GiB).
    Bits36 = 1,
    /// 40 bits (1 TiB).
    Bits40 = 2,
    /// 42 bits (4 TiB).
    Bits42 = 3,
    /// 44 bits (16 TiB).
    Bits44 = 4,
    /// 48 bits (256 TiB).
    Bits48 = 5,
}

impl AddressSize {
    /// Number of address bits.
    pub const fn bits(self) -> u32 {
        match self {
            Self::Bits32 => 32,
            Self::Bits36 => 36,
            Self::Bits40 => 40,
            Self::Bits42 => 42,
            Self::Bits44 => 44,
            Self::Bits48 => 48,
        }
    }

    /// Decodes the 3-bit (PASize) or 4-bit (IAS/OAS/UBS) field; encodings
    /// above 48 bits are treated as 48, as the largest size implemented.
    pub const fn from_field(field: u32) -> Self {
        match field {
            0 => Self::Bits32,
            1 => Self::Bits36,
            2 => Self::Bits40,
            3 => Self::Bits42,
            4 => Self::Bits44,
            _ => Self::Bits48,
        }
    }
}

/// Which AArch64 translation granules the implementation supports
/// (sIDR2.PTFSv8_4kB/16kB/64kB, IHI 0062D 10.6.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Granules {
    /// 4 KiB granule.
    pub g4k: bool,
    /// 16 KiB granule.
    pub g16k: bool,
    /// 64 KiB granule.
    pub g64k: bool,
}

impl Granules {
    /// Whether any AArch64 granule (so the AArch64 format) is supported.
    pub const fn any(&self) -> bool {
        self.g4k || self.g16k || self.g64k
    }
}

/// Configuration of the simulated SMMU. Build one from [`SmmuConfig::mmu500`]
/// and override fields with struct-update syntax.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmmuConfig {
    /// Stream matching (SMRs, sIDR0.SMS = 1) rather than stream indexing.
    pub stream_matching: bool,
    /// Number of stream mapping register groups (SMR/S2CR pairs), 1..=127
    /// (sIDR0.NUMSMRG). With stream indexing this is the number of S2CRs and
    /// stream IDs `>= num_smrg` are unidentified.
    pub num_smrg: u8,
    /// Implemented stream ID bits, 1..=15 (sIDR0.NUMSIDB).
    pub stream_id_bits: u8,
    /// Number of context banks, 1..=128 (sIDR1.NUMCB).
    pub num_context_banks: u8,
    /// How many of the lowest-numbered banks support stage 2 only
    /// (sIDR1.NUMS2CB).
    pub num_s2_only_banks: u8,
    /// Stage 1 translation (sIDR0.S1TS).
    pub stage1: bool,
    /// Stage 2 translation (sIDR0.S2TS).
    pub stage2: bool,
    /// Nested stage 1 + stage 2 translation (sIDR0.NTS).
    pub nested: bool,
    /// AArch32 long-descriptor (LPAE) tables (sIDR0.PTFS).
    pub aarch32_long: bool,
    /// AArch32 short-descriptor (v7s) tables (sIDR0.PTFS; requires
    /// `aarch32_long`: the encoding has no "short only").
    pub aarch32_short: bool,
    /// AArch64 granules (sIDR2.PTFSv8_*). All false means no AArch64 format.
    pub aarch64: Granules,
    /// Input (IPA) address size (sIDR2.IAS).
    pub ias: AddressSize,
    /// Output (PA) address size (sIDR2.OAS).
    pub oas: AddressSize,
    /// Upstream bus (device address) size (sIDR2.UBS): address bits the
    /// devices can present; higher transaction address bits are dropped.
    pub ubs: AddressSize,
    /// Address translation operations ATS1* (advertised by sIDR0.ATOSNS = 0).
    pub address_translation_ops: bool,
    /// 64 KiB register pages rather than 4 KiB (sIDR1.PAGESIZE).
    pub page_size_64k: bool,
    /// log2(pages in the global space) - 1, 0..=7 (sIDR1.NUMPAGENDXB).
    pub numpagendxb: u8,
    /// Number of context interrupts (sIDR0.NUMIRPT).
    pub num_context_irqs: u8,
    /// 16-bit VMIDs (sIDR2.VMID16S).
    pub vmid16: bool,
    /// sIDR7 MAJOR/MINOR (MMU-500 r2p4 reads 2/4: DDI 0517 3.3).
    pub revision: (u8, u8),
    /// Reads of TLBSTATUS/TLBGSTATUS that still report "active" after a sync
    /// is issued, before it completes. Makes a driver that never polls fail.
    pub sync_polls: u32,
}

impl SmmuConfig {
    /// An MMU-500 as the Xilinx ZynqMP instantiates it (UG1085 / UG1087: 48
    /// SMRs, 16 context banks, 4 KiB register pages in a 128 KiB frame, all
    /// stages and formats, 48-bit addresses, ATOS supported).
    pub fn mmu500() -> Self {
        Self {
            stream_matching: true,
            num_smrg: 48,
            stream_id_bits: 15,
            num_context_banks: 16,
            num_s2_only_banks: 0,
            stage1: true,
            stage2: true,
            nested: true,
            aarch32_long: true,
            aarch32_short: true,
            aarch64: Granules {
                g4k: true,
                g16k: true,
                g64k: true,
            },
            ias: AddressSize::Bits48,
            oas: AddressSize::Bits48,
            ubs: AddressSize::Bits48,
            address_translation_ops: true,
            page_size_64k: false,
            numpagendxb: 3,
            num_context_irqs: 16,
            vmid16: true,
            revision: (2, 4),
            sync_polls: 2,
        }
    }

    /// Size of one register page in bytes.
    pub const fn page_size(&self) -> u64 {
        if self.page_size_64k { 1 << 16 } else { 1 << 12 }
    }

    /// Size of the global address space; context bank `n` lives at
    /// `global_space_size() + n * page_size()` (IHI 0062D 8.1).
    pub const fn global_space_size(&self) -> u64 {
        self.page_size() << (self.numpagendxb + 1)
    }

    /// Size of the whole SMMU register frame.
    pub const fn frame_size(&self) -> u64 {
        2 * self.global_space_size()
    }

    /// Offset of context bank `n`'s register page.
    pub const fn context_bank_offset(&self, n: u8) -> u64 {
        self.global_space_size() + n as u64 * self.page_size()
    }

    /// Checks the configuration is one the architecture allows.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let pages = 1u64 << (self.numpagendxb + 1);
        let checks = [
            (
                self.num_smrg == 0 || self.num_smrg > 127,
                "num_smrg must be 1..=127",
            ),
            (
                !(1..=15).contains(&self.stream_id_bits),
                "stream_id_bits must be 1..=15",
            ),
            (
                self.num_context_banks == 0 || self.num_context_banks > 128,
                "num_context_banks must be 1..=128",
            ),
            (
                u64::from(self.num_context_banks) > pages,
                "context banks do not fit the context bank space",
            ),
            (self.numpagendxb > 7, "numpagendxb must be 0..=7"),
            (
                self.num_s2_only_banks > self.num_context_banks,
                "more stage-2-only banks than banks",
            ),
            (
                !self.stage1 && !self.stage2,
                "at least one stage is required",
            ),
            (
                self.nested && !(self.stage1 && self.stage2),
                "nesting requires both stages",
            ),
            (
                self.aarch32_short && !self.aarch32_long,
                "PTFS cannot encode short-descriptor without long-descriptor",
            ),
            (
                !self.aarch32_long && !self.aarch64.any(),
                "no translation table format",
            ),
        ];
        match checks.into_iter().find(|(bad, _)| *bad) {
            Some((_, why)) => Err(ConfigError(why)),
            None => Ok(()),
        }
    }

    /// sIDR0 (IHI 0062D 10.6.2).
    pub fn idr0(&self) -> u32 {
        let ptfs = match (self.aarch32_long, self.aarch32_short) {
            (true, true) => 0b00,
            (true, false) => 0b01,
            _ => 0b10,
        };
        u32::from(self.stage1) << 30
            | u32::from(self.stage2) << 29
            | u32::from(self.nested) << 28
            | u32::from(self.stream_matching) << 27
            | u32::from(!self.address_translation_ops) << 26
            | ptfs << 24
            | u32::from(self.num_context_irqs) << 16
            | u32::from(self.stream_id_bits) << 9
            | u32::from(self.num_smrg)
    }

    /// sIDR1 (IHI 0062D 10.6.3).
    pub fn idr1(&self) -> u32 {
        u32::from(self.page_size_64k) << 31
            | u32::from(self.numpagendxb) << 28
            | u32::from(self.num_s2_only_banks) << 16
            | u32::from(self.num_context_banks)
    }

    /// sIDR2 (IHI 0062D 10.6.4).
    pub fn idr2(&self) -> u32 {
        u32::from(self.vmid16) << 15
            | u32::from(self.aarch64.g64k) << 14
            | u32::from(self.aarch64.g16k) << 13
            | u32::from(self.aarch64.g4k) << 12
            | (self.ubs as u32) << 8
            | (self.oas as u32) << 4
            | self.ias as u32
    }

    /// sIDR7 (IHI 0062D 10.6.8).
    pub fn idr7(&self) -> u32 {
        u32::from(self.revision.0 & 0xf) << 4 | u32::from(self.revision.1 & 0xf)
    }
}

/// A configuration the architecture does not allow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConfigError(pub &'static str);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid SMMU configuration: {}", self.0)
    }
}

impl std::error::Error for ConfigError {}
