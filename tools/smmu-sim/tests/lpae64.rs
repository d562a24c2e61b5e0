// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! AArch64 long-descriptor contexts: stage 1 walks with each granule (blocks
//! and pages), TTBR1, permissions and the fault syndromes they produce;
//! stage 2 with concatenated start tables; nested translation. Descriptors
//! are hand-computed from DDI 0487 D8.2-D8.4; context programming follows
//! IHI 0062D 10.7 and 10.14.

mod common;

use common::lpae::*;
use common::*;
use smmu_sim::regs::{cb, fsr, fsynr0, gr1, sctlr};
use smmu_sim::{Access, ContextFaultKind, Fault, Response, Stage};

/// TCR: T0SZ = 25 (39-bit VA), TG0 = 4K, EPD1 (no TTBR1 walks).
const TCR_4K_39: u32 = 25 | 1 << 23;
/// TCR2.PASize = 0b101: 48-bit output.
const TCR2_48: u32 = 5;

/// A 4K, 39-bit context in bank 0 for `SID` with ASID 1; returns the L1 table.
fn ctx_4k(s: &mut smmu_sim::Smmu) -> u64 {
    enable(s);
    let l1 = new_table(s, 4096);
    s1_aarch64(s, 0, 0, TCR_4K_39, TCR2_48, l1 | 1 << 48, 0);
    attach(s, 0, SID, 0);
    l1
}

fn ctx_fault(kind: ContextFaultKind, level: u8) -> Fault {
    Fault::Context {
        bank: 0,
        kind,
        stage: Stage::One,
        level: Some(level),
        response: Response::Abort,
    }
}

#[test]
fn granule_4k_pages_and_both_block_sizes() {
    let mut s = mmu500();
    let l1 = ctx_4k(&mut s);
    let l2 = new_table(&s, 4096);
    let l3 = new_table(&s, 4096);
    // VA 0x4020_3000: L1 index 1, L2 index 1, L3 index 3 (bits [38:30],
    // [29:21], [20:12]).
    set64(&s, l1, 1, table(l2));
    set64(&s, l2, 1, table(l3));
    set64(&s, l3, 3, page(0x8_8012_3000));
    // VA 0x4060_0000: L2 index 3, a 2 MiB block.
    set64(&s, l2, 3, block(0x8060_0000));
    // VA 0x8000_0000: L1 index 2, a 1 GiB block.
    set64(&s, l1, 2, block(0x8_8000_0000));
    assert_eq!(
        s.transaction(SID, 0x4020_3abc, Access::Read, false),
        Ok(0x8_8012_3abc)
    );
    assert_eq!(
        s.transaction(SID, 0x4071_2345, Access::Write, false),
        Ok(0x8071_2345)
    );
    assert_eq!(
        s.transaction(SID, 0xbfff_fff8, Access::Read, false),
        Ok(0x8_bfff_fff8)
    );
    // Level 3 neighbour without a descriptor: translation fault at level 3.
    assert_eq!(
        s.transaction(SID, 0x4020_4000, Access::Read, false),
        Err(ctx_fault(ContextFaultKind::Translation, 3))
    );
}

#[test]
fn start_level_0_for_48_bit_inputs() {
    let mut s = mmu500();
    enable(&mut s);
    let (l0, l1, l2, l3) = (
        new_table(&s, 4096),
        new_table(&s, 4096),
        new_table(&s, 4096),
        new_table(&s, 4096),
    );
    // T0SZ = 16: 48-bit VA, four levels from level 0.
    s1_aarch64(&mut s, 0, 0, 16 | 1 << 23, TCR2_48, l0, 0);
    attach(&mut s, 0, SID, 0);
    let va = 0x0000_8040_0060_1000u64;
    set64(&s, l0, va >> 39 & 0x1ff, table(l1));
    set64(&s, l1, va >> 30 & 0x1ff, table(l2));
    set64(&s, l2, va >> 21 & 0x1ff, table(l3));
    set64(&s, l3, va >> 12 & 0x1ff, page(0x8000_7000));
    assert_eq!(
        s.transaction(SID, va + 0x10, Access::Read, false),
        Ok(0x8000_7010)
    );
    // Beyond 48 bits (and not a TTBR1 address): level 0 translation fault.
    assert_eq!(
        s.transaction(SID, 1 << 48, Access::Read, false),
        Err(ctx_fault(ContextFaultKind::Translation, 0))
    );
}

#[test]
fn granule_16k_page_and_32m_block() {
    let mut s = mmu500();
    enable(&mut s);
    // T0SZ = 28 (36-bit VA), TG0 = 0b10 (16K): start level 2 with 11 bits.
    let l2 = new_table(&s, 16384);
    let l3 = new_table(&s, 16384);
    s1_aarch64(&mut s, 0, 0, 28 | 0b10 << 14 | 1 << 23, TCR2_48, l2, 0);
    attach(&mut s, 0, SID, 0);
    // VA 0x0200_8000: L2 index 1 (bits [35:25]), L3 index 2 (bits [24:14]).
    set64(&s, l2, 1, table(l3));
    set64(&s, l3, 2, page(0x8010_c000));
    // VA 0x0600_0000: L2 index 3, a 32 MiB block.
    set64(&s, l2, 3, block(0x8200_0000));
    assert_eq!(
        s.transaction(SID, 0x0200_bfff, Access::Read, false),
        Ok(0x8010_ffff)
    );
    assert_eq!(
        s.transaction(SID, 0x07ff_0001, Access::Read, false),
        Ok(0x83ff_0001)
    );
}

#[test]
fn granule_64k_page_and_512m_block() {
    let mut s = mmu500();
    enable(&mut s);
    // T0SZ = 22 (42-bit VA), TG0 = 0b01 (64K): start level 2 with 13 bits.
    let l2 = new_table(&s, 65536);
    let l3 = new_table(&s, 65536);
    s1_aarch64(&mut s, 0, 0, 22 | 0b01 << 14 | 1 << 23, TCR2_48, l2, 0);
    attach(&mut s, 0, SID, 0);
    // VA 0x2003_0000: L2 index 1 (bits [41:29]), L3 index 3 (bits [28:16]).
    set64(&s, l2, 1, table(l3));
    set64(&s, l3, 3, page(0x8_8005_0000));
    set64(&s, l2, 3, block(0x8_8000_0000));
    assert_eq!(
        s.transaction(SID, 0x2003_fff0, Access::Read, false),
        Ok(0x8_8005_fff0)
    );
    assert_eq!(
        s.transaction(SID, 0x7fff_0000, Access::Read, false),
        Ok(0x8_9fff_0000)
    );
}

#[test]
fn ttbr1_translates_the_top_of_the_address_space() {
    let mut s = mmu500();
    enable(&mut s);
    let (t1, l2, l3) = (
        new_table(&s, 4096),
        new_table(&s, 4096),
        new_table(&s, 4096),
    );
    // T1SZ = 25, TG1 = 0b10 (4K), EPD0: only TTBR1 walks.
    s1_aarch64(&mut s, 0, 0, 25 << 16 | 0b10 << 30 | 1 << 7, TCR2_48, 0, t1);
    attach(&mut s, 0, SID, 0);
    set64(&s, t1, 0, table(l2));
    set64(&s, l2, 0, table(l3));
    set64(&s, l3, 1, page(0x8000_9000));
    assert_eq!(
        s.transaction(SID, 0xffff_ff80_0000_1008, Access::Read, false),
        Ok(0x8000_9008)
    );
    // TTBR0 region with EPD0 set: level 0 translation fault.
    assert_eq!(
        s.transaction(SID, 0x1000, Access::Read, false),
        Err(ctx_fault(ContextFaultKind::Translation, 0))
    );
}

#[test]
fn permission_faults_record_fsr_far_and_fsynr0() {
    let mut s = mmu500();
    let l1 = ctx_4k(&mut s);
    let l2 = new_table(&s, 4096);
    let l3 = new_table(&s, 4096);
    set64(&s, l1, 0, table(l2));
    set64(&s, l2, 0, table(l3));
    set64(&s, l3, 1, page(0x8000_1000) | AP_RO); // read-only
    set64(&s, l3, 2, page(0x8000_2000) & !AP_EL0); // privileged only
    set64(&s, l3, 3, page(0x8000_3000) | XN); // no instruction fetch
    assert_eq!(
        s.transaction(SID, 0x1010, Access::Read, false),
        Ok(0x8000_1010)
    );
    assert_eq!(
        s.transaction(SID, 0x1010, Access::Write, false),
        Err(ctx_fault(ContextFaultKind::Permission, 3))
    );
    // FSR: PF, FORMAT = AArch64 (0b10); FSYNR0: PLVL 3, WNR, unprivileged;
    // CBFRSYNRA: the stream (IHI 0062D 10.14.8, 10.14.10, 10.7.2).
    assert_eq!(
        s.read32(cbo(&s, 0, cb::FSR)),
        fsr::PF | 0b10 << fsr::FORMAT_SHIFT
    );
    assert_eq!(s.read64(cbo(&s, 0, cb::FAR)), 0x1010);
    assert_eq!(s.read32(cbo(&s, 0, cb::FSYNR0)), 3 | fsynr0::WNR);
    assert_eq!(s.read32(gr1o(&s, 0, gr1::CBFRSYNRA)), u32::from(SID));
    assert!(s.context_irq(0));
    s.write32(cbo(&s, 0, cb::FSR), fsr::PF);
    assert!(!s.context_irq(0));

    assert_eq!(
        s.transaction(SID, 0x2000, Access::Read, false),
        Err(ctx_fault(ContextFaultKind::Permission, 3))
    );
    assert_eq!(s.read32(cbo(&s, 0, cb::FSYNR0)), 3, "read, unprivileged");
    s.write32(cbo(&s, 0, cb::FSR), 0xffff_ffff);
    assert_eq!(
        s.transaction(SID, 0x2000, Access::Write, true),
        Ok(0x8000_2000)
    );

    assert_eq!(
        s.transaction(SID, 0x3000, Access::Read, false),
        Ok(0x8000_3000)
    );
    assert_eq!(
        s.transaction(SID, 0x3000, Access::Execute, false),
        Err(ctx_fault(ContextFaultKind::Permission, 3))
    );
    assert_eq!(s.read32(cbo(&s, 0, cb::FSYNR0)), 3 | fsynr0::IND);
}

#[test]
fn table_descriptor_limits_apply_below_them() {
    let mut s = mmu500();
    let l1 = ctx_4k(&mut s);
    let l2 = new_table(&s, 4096);
    // APTable = 0b10 (bit 62): everything below is read-only.
    set64(&s, l1, 0, table(l2) | 1 << 62);
    set64(&s, l2, 0, block(0x8000_0000));
    assert_eq!(
        s.transaction(SID, 0x10, Access::Read, false),
        Ok(0x8000_0010)
    );
    assert_eq!(
        s.transaction(SID, 0x10, Access::Write, true),
        Err(ctx_fault(ContextFaultKind::Permission, 2))
    );
}

#[test]
fn access_flag_fault_unless_disabled() {
    let mut s = mmu500();
    let l1 = ctx_4k(&mut s);
    set64(&s, l1, 0, block(0x8000_0000) & !AF);
    assert_eq!(
        s.transaction(SID, 0x10, Access::Read, false),
        Err(ctx_fault(ContextFaultKind::AccessFlag, 1))
    );
    assert_eq!(s.read32(cbo(&s, 0, cb::FSR)) & fsr::AFF, fsr::AFF);
    s.write32(cbo(&s, 0, cb::FSR), 0xffff_ffff);
    // SCTLR.AFFD treats AF = 0 as if it were 1.
    s.write32(cbo(&s, 0, cb::SCTLR), SCTLR_ON | sctlr::AFFD);
    assert_eq!(
        s.transaction(SID, 0x10, Access::Read, false),
        Ok(0x8000_0010)
    );
}

#[test]
fn address_size_and_external_faults() {
    let mut s = mmu500();
    let l1 = ctx_4k(&mut s);
    // TCR2.PASize = 0b000: 32-bit outputs; a block at 0x8_8000_0000 is too wide.
    s.write32(cbo(&s, 0, cb::TCR2), 0);
    set64(&s, l1, 2, block(0x8_8000_0000));
    assert_eq!(
        s.transaction(SID, 0x8000_0000, Access::Read, false),
        Err(ctx_fault(ContextFaultKind::AddressSize, 1))
    );
    s.write32(cbo(&s, 0, cb::FSR), 0xffff_ffff);
    // A table pointer into unbacked memory: external abort on the walk.
    set64(&s, l1, 3, table(0x1000_0000));
    assert_eq!(
        s.transaction(SID, 0xc000_0000, Access::Read, false),
        Err(ctx_fault(ContextFaultKind::External, 2))
    );
    assert_eq!(s.read32(cbo(&s, 0, cb::FSR)) & fsr::EF, fsr::EF);
}

#[test]
fn disabled_context_bypasses_stage_1() {
    let mut s = mmu500();
    ctx_4k(&mut s);
    s.write32(cbo(&s, 0, cb::SCTLR), 0);
    assert_eq!(s.transaction(SID, 0x1234, Access::Write, false), Ok(0x1234));
}

/// Stage 2 bank 1, VMID 5: T0SZ = 24 (40-bit IPA), SL0 = 1 (start at level
/// 1), 4K, PASize 40 bits. Level 1 needs 10 index bits: two concatenated
/// tables (DDI 0487 D8.2.5).
fn stage2_ctx(s: &mut smmu_sim::Smmu) -> u64 {
    let l1 = new_table(s, 8192);
    s.write32(gr1o(s, 1, gr1::CBAR), 5);
    s.write32(gr1o(s, 1, gr1::CBA2R), 1);
    s.write64(cbo(s, 1, cb::TTBR0), l1);
    s.write32(cbo(s, 1, cb::TCR), 24 | 1 << 6 | 2 << 16);
    s.write32(cbo(s, 1, cb::SCTLR), SCTLR_ON);
    l1
}

#[test]
fn stage2_concatenated_start_table_and_s2ap() {
    let mut s = mmu500();
    enable(&mut s);
    let l1 = stage2_ctx(&mut s);
    attach(&mut s, 0, SID, 1);
    let (l2, l3) = (new_table(&s, 4096), new_table(&s, 4096));
    // IPA 0x80_4000_2000: level 1 index 0x201 lands in the second table.
    set64(&s, l1, 0x201, table(l2));
    set64(&s, l2, 0, table(l3));
    set64(&s, l3, 2, 0x8000_5000 | PAGE | AF | S2AP_R);
    assert_eq!(
        s.transaction(SID, 0x80_4000_2010, Access::Read, false),
        Ok(0x8000_5010)
    );
    assert_eq!(
        s.transaction(SID, 0x80_4000_2010, Access::Write, true),
        Err(Fault::Context {
            bank: 1,
            kind: ContextFaultKind::Permission,
            stage: Stage::Two,
            level: Some(3),
            response: Response::Abort
        })
    );
    assert_eq!(
        s.read32(cbo(&s, 1, cb::FSR)),
        fsr::PF | 0b10 << fsr::FORMAT_SHIFT
    );
    // Beyond the 40-bit IPA space: level 1 translation fault.
    s.write32(cbo(&s, 1, cb::FSR), 0xffff_ffff);
    assert!(matches!(
        s.transaction(SID, 1 << 40, Access::Read, false),
        Err(Fault::Context {
            kind: ContextFaultKind::Translation,
            stage: Stage::Two,
            ..
        })
    ));
}

#[test]
fn stage2_start_level_needing_more_than_16_tables_faults() {
    let mut s = mmu500();
    enable(&mut s);
    stage2_ctx(&mut s);
    attach(&mut s, 0, SID, 1);
    // T0SZ = 16 (48-bit IPA) starting at level 2 would need 2^18
    // concatenated tables; only 16 are allowed (DDI 0487 D8.2.5).
    s.write32(cbo(&s, 1, cb::TCR), 16 | 2 << 16);
    assert!(matches!(
        s.transaction(SID, 0x1000, Access::Read, false),
        Err(Fault::Context {
            bank: 1,
            kind: ContextFaultKind::Translation,
            stage: Stage::Two,
            ..
        })
    ));
    // SL0 = 0b11 is reserved for the 4K granule.
    s.write32(cbo(&s, 1, cb::FSR), 0xffff_ffff);
    s.write32(cbo(&s, 1, cb::TCR), 24 | 3 << 6 | 2 << 16);
    assert!(s.transaction(SID, 0x1000, Access::Read, false).is_err());
}

/// Nested: bank 2 stage 1 (CBAR type 3, CBNDX 1) over stage 2 bank 1.
/// Stage 2 (T0SZ = 32, SL0 = 1: four level 1 entries) maps IPA
/// 0x8000_0000 -> PA 0x8000_0000 (tables) and IPA 0x4000_0000 -> PA
/// 0x8_8000_0000 with 1 GiB blocks.
#[test]
fn nested_translation_and_stage2_fault_on_the_stage1_walk() {
    let mut s = mmu500();
    enable(&mut s);
    let s2 = new_table(&s, 4096);
    s.write32(gr1o(&s, 1, gr1::CBAR), 7);
    s.write32(gr1o(&s, 1, gr1::CBA2R), 1);
    s.write64(cbo(&s, 1, cb::TTBR0), s2);
    s.write32(cbo(&s, 1, cb::TCR), 32 | 1 << 6 | 2 << 16);
    s.write32(cbo(&s, 1, cb::SCTLR), SCTLR_ON);
    set64(&s, s2, 2, 0x8000_0000 | BLOCK | AF | S2AP_R | S2AP_W);
    set64(&s, s2, 1, 0x8_8000_0000 | BLOCK | AF | S2AP_R | S2AP_W);

    let (l1, l2, l3) = (
        new_table(&s, 4096),
        new_table(&s, 4096),
        new_table(&s, 4096),
    );
    s.write32(gr1o(&s, 2, gr1::CBAR), 3 << CBAR_TYPE_SHIFT | 1 << 8);
    s.write32(gr1o(&s, 2, gr1::CBA2R), 1);
    s.write32(cbo(&s, 2, cb::TCR2), TCR2_48);
    s.write64(cbo(&s, 2, cb::TTBR0), l1 | 9 << 48);
    s.write32(cbo(&s, 2, cb::TCR), TCR_4K_39);
    s.write32(cbo(&s, 2, cb::SCTLR), SCTLR_ON);
    attach(&mut s, 0, SID, 2);
    set64(&s, l1, 0, table(l2));
    set64(&s, l2, 0, table(l3));
    set64(&s, l3, 1, page(0x4000_5000));
    assert_eq!(
        s.transaction(SID, 0x1234, Access::Write, false),
        Ok(0x8_8000_5234)
    );

    // Point the stage 1 tables at an IPA stage 2 does not map: the fault is
    // a stage 2 fault on the table walk, recorded in the stage 2 bank with
    // S1CBNDX and PTWF (IHI 0062D 10.14.10) and the IPA in IPAFAR.
    s.write64(cbo(&s, 2, cb::TTBR0), 0xc000_0000 | 9 << 48);
    assert_eq!(
        s.transaction(SID, 0x5000, Access::Read, false),
        Err(Fault::Context {
            bank: 1,
            kind: ContextFaultKind::Translation,
            stage: Stage::Two,
            level: Some(1),
            response: Response::Abort
        })
    );
    assert_eq!(
        s.read32(cbo(&s, 1, cb::FSYNR0)),
        1 | fsynr0::PTWF | 2 << fsynr0::S1CBNDX_SHIFT
    );
    assert_eq!(s.read64(cbo(&s, 1, cb::IPAFAR)), 0xc000_0000);
    assert_eq!(s.read64(cbo(&s, 1, cb::FAR)), 0x5000);
    assert_eq!(
        s.read32(cbo(&s, 2, cb::FSR)),
        0,
        "the stage 1 bank records nothing"
    );
}

#[test]
fn el0_writable_memory_is_not_privileged_executable_in_aarch64() {
    let mut s = mmu500();
    let l1 = ctx_4k(&mut s);
    // A 1 GiB block writable at EL0 with XN/PXN clear (DDI 0487 D8.4.1).
    set64(&s, l1, 0, block(0x8000_0000));
    assert_eq!(
        s.transaction(SID, 0x10, Access::Execute, false),
        Ok(0x8000_0010)
    );
    assert_eq!(
        s.transaction(SID, 0x10, Access::Execute, true),
        Err(ctx_fault(ContextFaultKind::Permission, 1))
    );
}

#[test]
fn context_banks_work_with_64k_register_pages() {
    let mut s = with_config(smmu_sim::SmmuConfig {
        page_size_64k: true,
        numpagendxb: 1,
        num_context_banks: 4,
        ..smmu_sim::SmmuConfig::mmu500()
    });
    // 64 KiB pages, 4 global pages: bank 2 lives at 0x40000 + 2 * 0x10000,
    // GR1 at 0x10000.
    assert_eq!(cbo(&s, 2, 0), 0x6_0000);
    assert_eq!(gr1o(&s, 2, gr1::CBAR), 0x1_0008);
    enable(&mut s);
    let l1 = new_table(&s, 4096);
    s1_aarch64(&mut s, 2, 0, TCR_4K_39, TCR2_48, l1, 0);
    attach(&mut s, 0, SID, 2);
    set64(&s, l1, 0, block(0x8000_0000));
    assert_eq!(
        s.transaction(SID, 0x123, Access::Read, false),
        Ok(0x8000_0123)
    );
}
