// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! Register file: reset values, ID registers, the address map, and reserved
//! or read-only bits (IHI 0062D chapter 10; DDI 0517 chapter 3; reset values
//! cross-checked with the ZynqMP register reference UG1087).

mod common;

use common::*;
use smmu_sim::regs::{cb, cr0, gr0, gr1};
use smmu_sim::{AddressSize, Granules, SimMemory, Smmu, SmmuConfig};

#[test]
fn reset_values_match_the_mmu500() {
    let mut s = mmu500();
    // sCR0 resets with CLIENTPD and SMCFCFG set (UG1087 SMMU_SCR0; DDI 0517 3.4).
    assert_eq!(s.read32(gr0::CR0), 0x0020_0001);
    // S2CRn reset to TYPE = fault, SMRn to invalid (UG1087 0x00020000 / 0).
    assert_eq!(s.read32(gr0::S2CR), 0x0002_0000);
    assert_eq!(s.read32(gr0::S2CR + 4 * 47), 0x0002_0000);
    assert_eq!(s.read32(gr0::SMR), 0);
    // sACR.CACHE_LOCK resets to 1 (DDI 0517 3.5.1).
    assert_eq!(s.read32(gr0::ACR), 1 << 26);
    assert_eq!(s.read32(gr0::GFSR), 0);
    assert_eq!(s.read32(gr0::TLBGSTATUS), 0);
    // CBn_ACTLR resets with CPRE and CMTLB set (UG1087 0x00000003).
    assert_eq!(s.read32(cbo(&s, 0, cb::ACTLR)), 3);
    // CBn_SCTLR resets with HUPCF set (UG1087 0x00000100).
    assert_eq!(s.read32(cbo(&s, 15, cb::SCTLR)), 0x100);
    assert_eq!(s.read32(cbo(&s, 15, cb::FSR)), 0);
    assert_eq!(s.read32(gr1o(&s, 3, gr1::CBAR)), 0);
}

#[test]
fn id_registers_encode_the_configuration() {
    let mut s = mmu500();
    let idr0 = s.read32(gr0::IDR0);
    // sIDR0 (IHI 0062D 10.6.2): S1TS, S2TS, NTS, SMS set; ATOSNS clear;
    // PTFS 0b00; NUMIRPT 16; NUMSIDB 15; NUMSMRG 48.
    assert_eq!(
        idr0,
        1 << 30 | 1 << 29 | 1 << 28 | 1 << 27 | 16 << 16 | 15 << 9 | 48
    );
    // sIDR1 (10.6.3): PAGESIZE 0 (4K), NUMPAGENDXB 3, NUMS2CB 0, NUMCB 16.
    assert_eq!(s.read32(gr0::IDR1), 3 << 28 | 16);
    // sIDR2 (10.6.4): VMID16S, all three granules, UBS/OAS/IAS = 48 bits.
    assert_eq!(
        s.read32(gr0::IDR2),
        1 << 15 | 0b111 << 12 | 5 << 8 | 5 << 4 | 5
    );
    assert_eq!(s.read32(gr0::IDR7), 0x24);

    let small = SmmuConfig {
        stream_matching: false,
        num_smrg: 8,
        num_context_banks: 4,
        nested: false,
        stage2: false,
        aarch32_short: false,
        aarch64: Granules {
            g4k: true,
            g16k: false,
            g64k: true,
        },
        ias: AddressSize::Bits40,
        oas: AddressSize::Bits40,
        ubs: AddressSize::Bits36,
        address_translation_ops: false,
        page_size_64k: true,
        numpagendxb: 2,
        ..SmmuConfig::mmu500()
    };
    let mut s = with_config(small);
    let idr0 = s.read32(gr0::IDR0);
    assert_eq!(idr0 >> 27 & 0xf, 0b1000, "S1TS only, SMS = 0");
    assert_eq!(idr0 >> 26 & 1, 1, "ATOSNS: no translation operations");
    assert_eq!(idr0 >> 24 & 3, 0b01, "PTFS: long descriptor only");
    assert_eq!(s.read32(gr0::IDR1), 1 << 31 | 2 << 28 | 4);
    assert_eq!(
        s.read32(gr0::IDR2) & 0x7fff,
        0b101 << 12 | 1 << 8 | 2 << 4 | 2
    );
}

#[test]
fn invalid_configurations_are_refused() {
    let bad = [
        SmmuConfig {
            num_context_banks: 0,
            ..SmmuConfig::mmu500()
        },
        SmmuConfig {
            nested: true,
            stage2: false,
            ..SmmuConfig::mmu500()
        },
        SmmuConfig {
            aarch32_long: false,
            ..SmmuConfig::mmu500()
        },
        // 16 pages of context bank space cannot hold 17 banks.
        SmmuConfig {
            num_context_banks: 17,
            ..SmmuConfig::mmu500()
        },
    ];
    for config in bad {
        assert!(Smmu::new(config, SimMemory::empty()).is_err());
    }
}

#[test]
fn context_banks_live_in_the_upper_half() {
    let s = mmu500();
    // 4 KiB pages, NUMPAGENDXB = 3: 16 global pages, so CB0 is at 0x10000
    // (IHI 0062D 8.1; ZynqMP CB0 at 0xFD81_0000 = base + 0x10000).
    assert_eq!(s.config().context_bank_offset(0), 0x1_0000);
    assert_eq!(s.config().context_bank_offset(1), 0x1_1000);
    let big = with_config(SmmuConfig {
        page_size_64k: true,
        numpagendxb: 0,
        num_context_banks: 2,
        ..SmmuConfig::mmu500()
    });
    assert_eq!(big.config().context_bank_offset(1), 0x3_0000);
    assert_eq!(big.config().frame_size(), 0x4_0000);
}

#[test]
fn context_bank_registers_are_separate_per_bank_and_64_bit_wide() {
    let mut s = mmu500();
    s.write64(cbo(&s, 2, cb::TTBR0), 0x0042_0000_8000_4000);
    assert_eq!(s.read64(cbo(&s, 2, cb::TTBR0)), 0x0042_0000_8000_4000);
    assert_eq!(s.read64(cbo(&s, 3, cb::TTBR0)), 0);
    // The halves can be written on their own.
    s.write32(cbo(&s, 2, cb::TTBR0) + 4, 0x0077_0000);
    assert_eq!(s.read32(cbo(&s, 2, cb::TTBR0)), 0x8000_4000);
    assert_eq!(s.read64(cbo(&s, 2, cb::TTBR0)), 0x0077_0000_8000_4000);
}

#[test]
fn read_only_and_reserved_bits_ignore_writes() {
    let mut s = mmu500();
    // sCR0: SMCFCFG, STALLD and GSE are read-only; bits 3 and 30 reserved.
    s.write32(gr0::CR0, 0);
    assert_eq!(s.read32(gr0::CR0), cr0::SMCFCFG);
    s.write32(gr0::CR0, 0xffff_ffff);
    let v = s.read32(gr0::CR0);
    assert_eq!(v & (1 << 3 | 1 << 8 | 1 << 9 | 1 << 30), 0);
    assert_ne!(v & cr0::USFCFG, 0);
    // ID registers are read-only.
    let idr0 = s.read32(gr0::IDR0);
    s.write32(gr0::IDR0, 0);
    assert_eq!(s.read32(gr0::IDR0), idr0);
    // SMR bit 15 is reserved; S2CR bit 10 is reserved (10.6.19, 10.6.20).
    s.write32(gr0::SMR, 0xffff_ffff);
    assert_eq!(s.read32(gr0::SMR), 0xffff_7fff);
    s.write32(gr0::S2CR, 0xffff_ffff);
    assert_eq!(s.read32(gr0::S2CR) & (1 << 10 | 0xc000_0000), 0);
    // SCTLR bit 11, ASIDPNE (12) and [31:30] read as zero on the MMU-500.
    s.write32(cbo(&s, 1, cb::SCTLR), 0xffff_ffff);
    assert_eq!(s.read32(cbo(&s, 1, cb::SCTLR)), 0x3fff_e7ff);
    // Locations past the last context bank and unused pages read as zero.
    let past = s.config().context_bank_offset(15) + s.config().page_size();
    s.write32(past, 0x1234);
    assert_eq!(s.read32(past), 0);
    s.write32(0x2000, 0x1234);
    assert_eq!(s.read32(0x2000), 0);
}

#[test]
fn smr_id_bits_beyond_numsidb_are_raz_wi() {
    let mut s = with_config(SmmuConfig {
        stream_id_bits: 10,
        ..SmmuConfig::mmu500()
    });
    s.write32(gr0::SMR, 1 << 31 | 0x7fff << 16 | 0x7fff);
    assert_eq!(s.read32(gr0::SMR), 1 << 31 | 0x3ff << 16 | 0x3ff);
}

#[test]
fn stream_indexing_has_no_smrs() {
    let mut s = with_config(SmmuConfig {
        stream_matching: false,
        num_smrg: 16,
        ..SmmuConfig::mmu500()
    });
    s.write32(gr0::SMR, 0x8000_0001);
    assert_eq!(
        s.read32(gr0::SMR),
        0,
        "SMRs are RAZ/WI with stream indexing"
    );
}

#[test]
fn cba2r_va64_follows_the_supported_formats() {
    let mut s = with_config(SmmuConfig {
        aarch64: Granules {
            g4k: false,
            g16k: false,
            g64k: false,
        },
        ..SmmuConfig::mmu500()
    });
    s.write32(gr1o(&s, 0, gr1::CBA2R), 1);
    assert_eq!(
        s.read32(gr1o(&s, 0, gr1::CBA2R)),
        0,
        "no AArch64: VA64 RAZ/WI"
    );
    let mut s = with_config(SmmuConfig {
        aarch32_long: false,
        aarch32_short: false,
        ..SmmuConfig::mmu500()
    });
    s.write32(gr1o(&s, 0, gr1::CBA2R), 0);
    assert_eq!(
        s.read32(gr1o(&s, 0, gr1::CBA2R)) & 1,
        1,
        "AArch64 only: VA64 RAO/WI"
    );
}

#[test]
fn actlr_is_locked_until_acr_cache_lock_is_cleared() {
    let mut s = mmu500();
    // DDI 0517 3.5.1: with CACHE_LOCK set, CBn_ACTLR is read-only.
    s.write32(cbo(&s, 0, cb::ACTLR), 0);
    assert_eq!(s.read32(cbo(&s, 0, cb::ACTLR)), 3);
    s.write32(gr0::ACR, 0);
    s.write32(cbo(&s, 0, cb::ACTLR), 1);
    assert_eq!(s.read32(cbo(&s, 0, cb::ACTLR)), 1);
}

#[test]
fn reset_restores_reset_values_and_keeps_memory() {
    let mut s = mmu500();
    s.write32(gr0::CR0, 0);
    s.write32(gr0::SMR, 0x8000_0001);
    s.memory().write_u64(0x8000_0000, 0xabcd).unwrap();
    s.reset();
    assert_eq!(s.read32(gr0::CR0), 0x0020_0001);
    assert_eq!(s.read32(gr0::SMR), 0);
    assert_eq!(s.memory().read_u64(0x8000_0000), Ok(0xabcd));
}
