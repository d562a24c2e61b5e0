// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Decoding the SMMUv2 identification registers (sIDR0/1/2) into the
//! capabilities the driver relies on, refusing configurations it cannot
//! drive safely.
//!
//! Fields: IHI 0062D, SMMU_sIDR0, SMMU_sIDR1, SMMU_sIDR2.

use tock_registers::LocalRegisterCopy;

use crate::error::ProbeError;
use crate::registers::global::{S2CR_BASE, SIDR0_REG, SIDR1_REG, SIDR2_REG, SMR_BASE};

/// Which translation-table formats the SMMU's context banks can walk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Formats {
    /// AArch64 (VMSAv8-64) with a 4 KiB granule.
    pub aarch64_4k: bool,
    /// AArch64 with a 16 KiB granule.
    pub aarch64_16k: bool,
    /// AArch64 with a 64 KiB granule.
    pub aarch64_64k: bool,
    /// AArch32 long descriptors (LPAE, 32-bit input).
    pub aarch32_long: bool,
    /// AArch32 short descriptors (v7s).
    pub aarch32_short: bool,
}

/// What the probed SMMU offers, decoded from its ID registers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Capabilities {
    /// Stream matching (SMR + S2CR) rather than stream indexing (S2CR only).
    pub stream_matching: bool,
    /// Stream-mapping entries: SMR/S2CR pairs when matching, S2CRs (one per
    /// stream ID) when indexing.
    pub stream_entries: usize,
    /// Width of a stream ID in bits.
    pub stream_id_bits: u8,
    /// Translation context banks.
    pub context_banks: usize,
    /// How many of the context banks (the lowest-numbered) support only
    /// stage 2.
    pub stage2_only_banks: usize,
    /// Stage 1 translation.
    pub stage1: bool,
    /// Stage 2 translation.
    pub stage2: bool,
    /// Table formats.
    pub formats: Formats,
    /// Stage 1 output / stage 2 input address size, in bits.
    pub ias_bits: u8,
    /// Stage 2 output address size, in bits.
    pub oas_bits: u8,
    /// Upstream (device-side) bus address size, in bits.
    pub ubs_bits: u8,
    /// Address translation operations (ATS1PR ...) are offered.
    pub address_translation: bool,
    /// Table walks are IO-coherent.
    pub coherent_walk: bool,
    /// 16-bit VMIDs.
    pub vmid16: bool,
    /// Context interrupts implemented.
    pub context_interrupts: usize,
    /// log2 of the register page size (12 or 16).
    pub page_shift: u32,
    /// Pages in the global address space; the context banks follow them.
    pub global_pages: usize,
}

impl Capabilities {
    /// Decodes sIDR0..2, checking everything the driver depends on.
    pub fn decode(idr0: u32, idr1: u32, idr2: u32) -> Result<Self, ProbeError> {
        let id0 = LocalRegisterCopy::<u32, SIDR0_REG::Register>::new(idr0);
        let id1 = LocalRegisterCopy::<u32, SIDR1_REG::Register>::new(idr1);
        let id2 = LocalRegisterCopy::<u32, SIDR2_REG::Register>::new(idr2);

        let stage1 = id0.is_set(SIDR0_REG::S1TS);
        let stage2 = id0.is_set(SIDR0_REG::S2TS);
        if !stage1 && !stage2 {
            return Err(ProbeError::NoTranslationStage);
        }

        let aarch32 = !id0.is_set(SIDR0_REG::PTFS_NO_AARCH32);
        let formats = Formats {
            aarch64_4k: id2.is_set(SIDR2_REG::PTFS_4K),
            aarch64_16k: id2.is_set(SIDR2_REG::PTFS_16K),
            aarch64_64k: id2.is_set(SIDR2_REG::PTFS_64K),
            aarch32_long: aarch32,
            aarch32_short: aarch32 && !id0.is_set(SIDR0_REG::PTFS_NO_AARCH32S),
        };
        if !(formats.aarch64_4k
            || formats.aarch64_16k
            || formats.aarch64_64k
            || formats.aarch32_long
            || formats.aarch32_short)
        {
            return Err(ProbeError::NoTableFormat);
        }

        let context_banks = id1.read(SIDR1_REG::NUMCB) as usize;
        let stage2_only_banks = id1.read(SIDR1_REG::NUMS2CB) as usize;
        if context_banks == 0 {
            return Err(ProbeError::NoContextBanks);
        }
        if stage2_only_banks > context_banks {
            return Err(ProbeError::Inconsistent);
        }

        let stream_matching = id0.is_set(SIDR0_REG::SMS);
        let stream_id_bits = id0.read(SIDR0_REG::NUMSIDB) as u8;
        // With indexing, every stream ID owns one S2CR: the S2CR array
        // (IHI 0062D, SMMU_S2CRn) occupies 0xC00..0x1000 of GR0.
        let s2cr_slots = (0x1000 - S2CR_BASE) / 4;
        let stream_entries = if stream_matching {
            let smrs = id0.read(SIDR0_REG::NUMSMRG) as usize;
            smrs.min((S2CR_BASE - SMR_BASE) / 4)
        } else {
            (1usize << stream_id_bits).min(s2cr_slots)
        };
        if stream_entries == 0 {
            return Err(ProbeError::NoStreamEntries);
        }

        let global_pages = 1 << (id1.read(SIDR1_REG::NUMPAGENDXB) + 1);
        // The translation context space holds one page per bank and is as
        // large as the global space (IHI 0062D, the SMMU address map).
        if context_banks > global_pages {
            return Err(ProbeError::Inconsistent);
        }

        let ias_bits = decode_address_size(id2.read(SIDR2_REG::IAS))?;
        let oas_bits = decode_address_size(id2.read(SIDR2_REG::OAS))?;
        let ubs_bits = decode_upstream_size(id2.read(SIDR2_REG::UBS))?;

        Ok(Self {
            stream_matching,
            stream_entries,
            stream_id_bits,
            context_banks,
            stage2_only_banks,
            stage1,
            stage2,
            formats,
            ias_bits,
            oas_bits,
            ubs_bits,
            address_translation: !id0.is_set(SIDR0_REG::ATOSNS),
            coherent_walk: id0.is_set(SIDR0_REG::CTTW),
            vmid16: id2.is_set(SIDR2_REG::VMID16S),
            context_interrupts: id0.read(SIDR0_REG::NUMIRPT) as usize,
            page_shift: if id1.is_set(SIDR1_REG::PAGESIZE) {
                16
            } else {
                12
            },
            global_pages,
        })
    }

    /// Byte offset of global register space 1 (the second register page).
    pub const fn gr1_base(&self) -> usize {
        1 << self.page_shift
    }

    /// Byte offset of context bank `index`'s register page: the banks follow
    /// the global space (IHI 0062D, the SMMU address map).
    pub const fn context_bank_base(&self, index: usize) -> usize {
        (self.global_pages + index) << self.page_shift
    }

    /// Bytes of register window the whole SMMU occupies: the global space and
    /// an equally sized translation context space.
    pub const fn window_size(&self) -> usize {
        (2 * self.global_pages) << self.page_shift
    }

    /// Whether context bank `index` can hold a stage 1 context.
    pub const fn bank_supports_stage1(&self, index: usize) -> bool {
        self.stage1 && index >= self.stage2_only_banks && index < self.context_banks
    }

    /// The largest stream ID the SMMU can distinguish.
    pub const fn max_stream_id(&self) -> u32 {
        if self.stream_id_bits >= 32 {
            u32::MAX
        } else {
            (1u32 << self.stream_id_bits) - 1
        }
    }
}

/// IAS / OAS encoding (IHI 0062D, SMMU_sIDR2).
fn decode_address_size(field: u32) -> Result<u8, ProbeError> {
    match field {
        0 => Ok(32),
        1 => Ok(36),
        2 => Ok(40),
        3 => Ok(42),
        4 => Ok(44),
        5 => Ok(48),
        _ => Err(ProbeError::Inconsistent),
    }
}

/// UBS encoding (IHI 0062D, SMMU_sIDR2).
fn decode_upstream_size(field: u32) -> Result<u8, ProbeError> {
    match field {
        0 => Ok(32),
        1 => Ok(36),
        2 => Ok(40),
        3 => Ok(42),
        4 => Ok(44),
        5 => Ok(49),
        0xF => Ok(64),
        _ => Err(ProbeError::Inconsistent),
    }
}

#[cfg(test)]
mod tests {
    use super::Capabilities;
    use crate::error::ProbeError;

    /// sIDR0 of an MMU-500 configured like the ZynqMP's: S1 + S2 + nested,
    /// stream matching with 48 SMRs, 15 stream-ID bits, ATOS, coherent walk,
    /// AArch32 long and short formats.
    const MMU500_IDR0: u32 =
        (1 << 30) | (1 << 29) | (1 << 28) | (1 << 27) | (1 << 14) | (15 << 9) | 48;
    /// 16 context banks, none stage-2-only, 4 KiB pages, 16 global pages.
    const MMU500_IDR1: u32 = (3 << 28) | 16;
    /// IAS 48, OAS 48, UBS 48, all AArch64 granules.
    const MMU500_IDR2: u32 = (0b111 << 12) | (5 << 8) | (5 << 4) | 5;

    #[test]
    fn decodes_an_mmu500() {
        let caps = Capabilities::decode(MMU500_IDR0, MMU500_IDR1, MMU500_IDR2).unwrap();
        assert!(caps.stream_matching && caps.stage1 && caps.stage2);
        assert_eq!(caps.stream_entries, 48);
        assert_eq!(caps.stream_id_bits, 15);
        assert_eq!(caps.context_banks, 16);
        assert_eq!(caps.stage2_only_banks, 0);
        assert!(caps.formats.aarch64_4k && caps.formats.aarch64_16k && caps.formats.aarch64_64k);
        assert!(caps.formats.aarch32_long && caps.formats.aarch32_short);
        assert_eq!((caps.ias_bits, caps.oas_bits, caps.ubs_bits), (48, 48, 49));
        assert!(caps.address_translation && caps.coherent_walk);
        assert_eq!(caps.page_shift, 12);
        assert_eq!(caps.global_pages, 16);
        assert_eq!(caps.gr1_base(), 0x1000);
        assert_eq!(caps.context_bank_base(0), 0x10000);
        assert_eq!(caps.context_bank_base(3), 0x13000);
        assert_eq!(caps.window_size(), 0x20000);
        assert_eq!(caps.max_stream_id(), 0x7fff);
    }

    #[test]
    fn decodes_64k_pages_and_stage2_only_banks() {
        // 64 KiB pages, NUMPAGENDXB = 2 (eight global pages), 4 of 8 banks
        // stage-2-only.
        let idr1 = (1 << 31) | (2 << 28) | (4 << 16) | 8;
        let caps = Capabilities::decode(MMU500_IDR0, idr1, MMU500_IDR2).unwrap();
        assert_eq!(caps.page_shift, 16);
        assert_eq!(caps.global_pages, 8);
        assert_eq!(caps.context_bank_base(1), 9 << 16);
        assert_eq!(caps.window_size(), 16 << 16);
        assert!(!caps.bank_supports_stage1(3));
        assert!(caps.bank_supports_stage1(4));
        assert!(!caps.bank_supports_stage1(8));
    }

    #[test]
    fn aarch32_flags_are_negative_logic() {
        let no_short = MMU500_IDR0 | (1 << 24);
        let caps = Capabilities::decode(no_short, MMU500_IDR1, MMU500_IDR2).unwrap();
        assert!(caps.formats.aarch32_long && !caps.formats.aarch32_short);
        let no_aarch32 = MMU500_IDR0 | (1 << 25);
        let caps = Capabilities::decode(no_aarch32, MMU500_IDR1, MMU500_IDR2).unwrap();
        assert!(!caps.formats.aarch32_long && !caps.formats.aarch32_short);
        let no_atos = MMU500_IDR0 | (1 << 26);
        let caps = Capabilities::decode(no_atos, MMU500_IDR1, MMU500_IDR2).unwrap();
        assert!(!caps.address_translation);
    }

    #[test]
    fn stream_indexing_sizes_the_s2cr_array_by_id_bits() {
        let indexing = (1 << 30) | (6 << 9);
        let caps = Capabilities::decode(indexing, MMU500_IDR1, MMU500_IDR2).unwrap();
        assert!(!caps.stream_matching);
        assert_eq!(caps.stream_entries, 64);
        let wide = (1 << 30) | (15 << 9);
        let caps = Capabilities::decode(wide, MMU500_IDR1, MMU500_IDR2).unwrap();
        assert_eq!(
            caps.stream_entries, 256,
            "capped by the S2CR register array"
        );
    }

    #[test]
    fn refuses_what_it_cannot_drive() {
        let no_stage = MMU500_IDR0 & !((1 << 30) | (1 << 29));
        assert_eq!(
            Capabilities::decode(no_stage, MMU500_IDR1, MMU500_IDR2),
            Err(ProbeError::NoTranslationStage)
        );
        let no_format = MMU500_IDR0 | (1 << 25);
        assert_eq!(
            Capabilities::decode(no_format, MMU500_IDR1, MMU500_IDR2 & !(0b111 << 12)),
            Err(ProbeError::NoTableFormat)
        );
        assert_eq!(
            Capabilities::decode(MMU500_IDR0, MMU500_IDR1 & !0xff, MMU500_IDR2),
            Err(ProbeError::NoContextBanks)
        );
        assert_eq!(
            Capabilities::decode(MMU500_IDR0 & !0xff, MMU500_IDR1, MMU500_IDR2),
            Err(ProbeError::NoStreamEntries)
        );
        assert_eq!(
            Capabilities::decode(MMU500_IDR0, MMU500_IDR1 | (17 << 16), MMU500_IDR2),
            Err(ProbeError::Inconsistent)
        );
        assert_eq!(
            Capabilities::decode(MMU500_IDR0, MMU500_IDR1, (MMU500_IDR2 & !0xf) | 7),
            Err(ProbeError::Inconsistent)
        );
        // 17 banks cannot fit 16 context-bank pages.
        assert_eq!(
            Capabilities::decode(MMU500_IDR0, (MMU500_IDR1 & !0xff) | 17, MMU500_IDR2),
            Err(ProbeError::Inconsistent)
        );
    }
}
