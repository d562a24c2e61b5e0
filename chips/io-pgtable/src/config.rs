// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! What a page table is asked to be: format, stage, granule, address sizes
//! and the few options the formats offer. Validation lives with each format
//! (`lpae::Geometry::new`, `v7s`), so this file is plain data.

/// Translation stage of an LPAE table (SMMUv2 IHI 0062D 2.3: a context bank
/// is stage 1, stage 2, or stage 1 nested in stage 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stage {
    /// Stage 1: VA -> IPA/PA, ASID-tagged, MAIR attributes, AP/XN.
    S1,
    /// Stage 2: IPA -> PA, VMID-tagged, S2AP/MemAttr, may start with
    /// concatenated tables.
    S2,
}

/// LPAE translation granule (Arm ARM DDI 0487 D8.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Granule {
    /// 4 KiB pages, 2 MiB and 1 GiB blocks.
    K4,
    /// 16 KiB pages, 32 MiB blocks.
    K16,
    /// 64 KiB pages, 512 MiB blocks.
    K64,
}

impl Granule {
    /// log2 of the granule size in bytes.
    pub const fn shift(self) -> u32 {
        match self {
            Self::K4 => 12,
            Self::K16 => 14,
            Self::K64 => 16,
        }
    }

    /// Granule size in bytes; also the size of every LPAE table page.
    pub const fn size(self) -> usize {
        1 << self.shift()
    }
}

/// Page-table format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// VMSAv8-64 long descriptors (SMMUv2 AArch64 context, CBA2R.VA64 = 1).
    Lpae64 {
        /// Translation stage.
        stage: Stage,
        /// Granule.
        granule: Granule,
    },
    /// VMSAv7 LPAE long descriptors (SMMUv2 AArch32-L context): 4 KiB
    /// granule, at most 40-bit output, 32-bit stage-1 input.
    Lpae32 {
        /// Translation stage.
        stage: Stage,
    },
    /// VMSAv7 short descriptors (SMMUv2 AArch32-S context): 32-bit input,
    /// stage 1 only.
    V7s,
}

/// Memory-attribute encoding used by v7s tables (Armv7 ARM DDI 0406C B3.8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum V7sAttrModel {
    /// `TEX[2:0]`/C/B carry the memory type directly (SCTLR.TRE = 0).
    TexCb,
    /// `TEX[0]`/C/B index PRRR/NMRR (SCTLR.TRE = 1); `HwConfig` gives the
    /// PRRR/NMRR values to program.
    TexRemap,
}

/// A page-table configuration, fixed for the life of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Config {
    /// Format, stage and granule.
    pub format: Format,
    /// Input (IOVA / IPA) address size in bits.
    pub ias: u32,
    /// Output (PA / IPA) address size in bits.
    pub oas: u32,
    /// The SMMU walker snoops the CPU caches. When false, every batch of
    /// table writes is cleaned to the point of coherency through the
    /// [`CacheMaintenance`](crate::CacheMaintenance) hook and the walker is
    /// programmed for non-cacheable table walks.
    pub coherent_walk: bool,
    /// Stage 1 only: set NS in leaf descriptors and NSTable in table
    /// descriptors, so a Secure context produces Non-secure accesses.
    pub non_secure: bool,
    /// LPAE only: add contiguous-hint sizes (64 KiB and 32 MiB with the 4K
    /// granule; DDI 0487 D8.6.1) to the page-size bitmap.
    pub contiguous_hint: bool,
    /// v7s only: how memory types are encoded.
    pub v7s_attrs: V7sAttrModel,
}

impl Config {
    /// A configuration with no options: coherent walk, secure-state NS
    /// unchanged, no contiguous hint, TEX/C/B attributes.
    pub const fn new(format: Format, ias: u32, oas: u32) -> Self {
        Self {
            format,
            ias,
            oas,
            coherent_walk: true,
            non_secure: false,
            contiguous_hint: false,
            v7s_attrs: V7sAttrModel::TexCb,
        }
    }
}
