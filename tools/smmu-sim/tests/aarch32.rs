// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! AArch32 contexts: long-descriptor (LPAE-32) stage 1 and stage 2, and the
//! short-descriptor (v7s) format: sections, supersections, large and small
//! pages, AP/XN bits, TTBCR.N and the ASID in CONTEXTIDR. Descriptors are
//! hand-computed from DDI 0487 G5.4 (short) and G5.5 (long).

mod common;

use common::*;
use smmu_sim::regs::{cb, fsr, gr1, sctlr};
use smmu_sim::{Access, ContextFaultKind, Fault, Response, Smmu, Stage};

/// TTBCR.EAE: long-descriptor format.
const EAE: u32 = 1 << 31;

fn fault(kind: ContextFaultKind, level: u8) -> Fault {
    Fault::Context {
        bank: 0,
        kind,
        stage: Stage::One,
        level: Some(level),
        response: Response::Abort,
    }
}

/// Bank 0 as an AArch32 stage 1 context (CBA2R.VA64 = 0) for `SID`.
fn aarch32_ctx(s: &mut Smmu, tcr: u32, ttbr0: u64, ttbr1: u64, sctlr_bits: u32) {
    enable(s);
    s.write32(gr1o(s, 0, gr1::CBAR), 1 << CBAR_TYPE_SHIFT);
    s.write32(gr1o(s, 0, gr1::CBA2R), 0);
    s.write64(cbo(s, 0, cb::TTBR0), ttbr0);
    s.write64(cbo(s, 0, cb::TTBR1), ttbr1);
    s.write32(cbo(s, 0, cb::TCR), tcr);
    s.write32(cbo(s, 0, cb::SCTLR), sctlr_bits);
    attach(s, 0, SID, 0);
}

#[test]
fn lpae32_walk_from_level_1_with_40_bit_output() {
    use common::lpae::*;
    let mut s = mmu500();
    // T0SZ = T1SZ = 0: TTBR0 translates all 4 GiB; level 1 has 4 entries.
    let l1 = new_table(&s, 4096);
    let (l2, l3) = (new_table(&s, 4096), new_table(&s, 4096));
    aarch32_ctx(&mut s, EAE, l1 | 0x42 << 48, 0, SCTLR_ON);
    // VA 0xc020_3000: L1 index 3 (bits [31:30]), L2 index 1, L3 index 3.
    set64(&s, l1, 3, table(l2));
    set64(&s, l2, 1, table(l3));
    set64(&s, l3, 3, page(0x8_8012_3000));
    set64(&s, l2, 2, block(0x8060_0000));
    assert_eq!(
        s.transaction(SID, 0xc020_3004, Access::Read, false),
        Ok(0x8_8012_3004)
    );
    assert_eq!(
        s.transaction(SID, 0xc04f_ffff, Access::Read, false),
        Ok(0x806f_ffff)
    );
    // Addresses beyond 32 bits cannot be AArch32 VAs.
    assert_eq!(
        s.transaction(SID, 1 << 32, Access::Read, false),
        Err(fault(ContextFaultKind::Translation, 1))
    );
    // FSR.FORMAT = 0b01 for the AArch32 long-descriptor format.
    assert_eq!(
        s.read32(cbo(&s, 0, cb::FSR)),
        fsr::TF | 0b01 << fsr::FORMAT_SHIFT
    );
}

#[test]
fn lpae32_ttbr0_ttbr1_split() {
    use common::lpae::*;
    let mut s = mmu500();
    let (t0, t1) = (new_table(&s, 4096), new_table(&s, 4096));
    // T0SZ = 1: TTBR0 covers [0, 2 GiB) from level 1 (one index bit);
    // T1SZ = 0: TTBR1 covers the rest, indexed with all 32 bits.
    aarch32_ctx(&mut s, EAE | 1, t0, t1, SCTLR_ON);
    set64(&s, t0, 1, block(0x8_8000_0000));
    set64(&s, t1, 2, block(0x8_c000_0000));
    assert_eq!(
        s.transaction(SID, 0x4000_0010, Access::Read, false),
        Ok(0x8_8000_0010)
    );
    assert_eq!(
        s.transaction(SID, 0x8000_0020, Access::Read, false),
        Ok(0x8_c000_0020)
    );
}

#[test]
fn lpae32_stage2_with_signed_t0sz() {
    use common::lpae::*;
    let mut s = mmu500();
    enable(&mut s);
    // VTCR.T0SZ = 0b1000 (-8): 40-bit IPA; SL0 = 1: start at level 1 with
    // 10 index bits (two concatenated tables).
    let l1 = new_table(&s, 8192);
    s.write32(gr1o(&s, 0, gr1::CBAR), 3);
    s.write64(cbo(&s, 0, cb::TTBR0), l1);
    s.write32(cbo(&s, 0, cb::TCR), 0b1000 | 1 << 6);
    s.write32(cbo(&s, 0, cb::SCTLR), SCTLR_ON);
    attach(&mut s, 0, SID, 0);
    // IPA 0x80_4000_0000: level 1 index 0x201.
    set64(&s, l1, 0x201, 0x8000_0000 | BLOCK | AF | S2AP_R | S2AP_W);
    assert_eq!(
        s.transaction(SID, 0x80_4000_0100, Access::Write, false),
        Ok(0x8000_0100)
    );
}

/// Short-descriptor bits (DDI 0487 G5.4.1).
const SECTION: u32 = 0b10;
const PAGE_TABLE: u32 = 0b01;
const SMALL: u32 = 0b10;
const LARGE: u32 = 0b01;
/// Section AP[0] (access flag with AFE), AP[1] (unprivileged), AP[2] (RO).
const S_AF: u32 = 1 << 10;
const S_USER: u32 = 1 << 11;
const S_RO: u32 = 1 << 15;
const S_XN: u32 = 1 << 4;
const SUPER: u32 = 1 << 18;
/// Small/large page AP[0], AP[1], AP[2].
const P_AF: u32 = 1 << 4;
const P_USER: u32 = 1 << 5;

fn v7s(s: &mut Smmu, n: u32) -> u64 {
    let l1 = new_table(s, 16384);
    aarch32_ctx(s, n, l1, 0, SCTLR_ON);
    s.write32(cbo(s, 0, cb::CONTEXTIDR), 0x17);
    l1
}

#[test]
fn v7s_section_and_supersection() {
    let mut s = mmu500();
    let l1 = v7s(&mut s, 0);
    // VA 0x0010_0000 (index 1): a 1 MiB section at 0x8030_0000.
    set32(&s, l1, 1, 0x8030_0000 | SECTION | S_AF | S_USER);
    assert_eq!(
        s.transaction(SID, 0x0012_3456, Access::Write, false),
        Ok(0x8032_3456)
    );
    // VA 0x0100_0000 (indices 16..=31): a 16 MiB supersection at
    // PA 0x12_8100_0000: PA[35:32] = 2 in bits [23:20], PA[39:36] = 1 in [8:5].
    let ss = 0x8100_0000 | 2 << 20 | 1 << 5 | SUPER | SECTION | S_AF | S_USER;
    for i in 16..32 {
        set32(&s, l1, i, ss);
    }
    assert_eq!(
        s.transaction(SID, 0x01ab_cdef, Access::Read, false),
        Ok(0x12_81ab_cdef)
    );
    // FSR.FORMAT = 0b00 for short descriptors.
    assert_eq!(
        s.transaction(SID, 0x0300_0000, Access::Read, false),
        Err(fault(ContextFaultKind::Translation, 1))
    );
    assert_eq!(s.read32(cbo(&s, 0, cb::FSR)), fsr::TF);
}

#[test]
fn v7s_small_and_large_pages() {
    let mut s = mmu500();
    let l1 = v7s(&mut s, 0);
    let l2 = s.memory().alloc(1024, 1024, 1 << 32).unwrap();
    // VA 0x0020_3000: L1 index 2 -> L2 table; L2 index 3 -> small page.
    set32(&s, l1, 2, l2 as u32 | PAGE_TABLE);
    set32(&s, l2, 3, 0x8040_5000 | SMALL | P_AF | P_USER);
    assert_eq!(
        s.transaction(SID, 0x0020_3ffc, Access::Read, false),
        Ok(0x8040_5ffc)
    );
    // VA 0x0021_0000..0x0022_0000: L2 indices 0x10..=0x1f, a 64 KiB large
    // page replicated 16 times.
    for i in 0x10..0x20 {
        set32(&s, l2, i, 0x8050_0000 | LARGE | P_AF | P_USER);
    }
    assert_eq!(
        s.transaction(SID, 0x0021_1234, Access::Read, false),
        Ok(0x8050_1234)
    );
    assert_eq!(
        s.transaction(SID, 0x0020_4000, Access::Read, false),
        Err(fault(ContextFaultKind::Translation, 2))
    );
}

#[test]
fn v7s_access_permissions() {
    let mut s = mmu500();
    let l1 = v7s(&mut s, 0);
    set32(&s, l1, 0, 0x8000_0000 | SECTION | S_AF | S_USER | S_RO);
    set32(&s, l1, 1, 0x8010_0000 | SECTION | S_AF);
    set32(&s, l1, 2, 0x8020_0000 | SECTION | S_USER);
    set32(&s, l1, 3, 0x8030_0000 | SECTION | S_AF | S_USER | S_XN);
    // AP[2] = 1: read-only for everyone.
    assert_eq!(
        s.transaction(SID, 0x10, Access::Read, false),
        Ok(0x8000_0010)
    );
    assert_eq!(
        s.transaction(SID, 0x10, Access::Write, true),
        Err(fault(ContextFaultKind::Permission, 1))
    );
    assert_eq!(s.read32(cbo(&s, 0, cb::FSR)), fsr::PF);
    s.write32(cbo(&s, 0, cb::FSR), 0xffff_ffff);
    // AP[1] = 0: privileged only.
    assert_eq!(
        s.transaction(SID, 0x0010_0000, Access::Write, true),
        Ok(0x8010_0000)
    );
    assert_eq!(
        s.transaction(SID, 0x0010_0000, Access::Read, false),
        Err(fault(ContextFaultKind::Permission, 1))
    );
    s.write32(cbo(&s, 0, cb::FSR), 0xffff_ffff);
    // AP[0] = 0 with SCTLR.AFE: access flag fault.
    assert_eq!(
        s.transaction(SID, 0x0020_0000, Access::Read, false),
        Err(fault(ContextFaultKind::AccessFlag, 1))
    );
    s.write32(cbo(&s, 0, cb::FSR), 0xffff_ffff);
    // XN: no instruction fetch.
    assert_eq!(
        s.transaction(SID, 0x0030_0000, Access::Execute, false),
        Err(fault(ContextFaultKind::Permission, 1))
    );
    // Without AFE, AP[2:0] = 0b011 (full access) and 0b001 (privileged RW).
    s.write32(cbo(&s, 0, cb::FSR), 0xffff_ffff);
    s.write32(cbo(&s, 0, cb::SCTLR), SCTLR_ON & !sctlr::AFE);
    assert_eq!(
        s.transaction(SID, 0x0012_0000, Access::Write, true),
        Ok(0x8012_0000)
    );
    assert!(
        s.transaction(SID, 0x0012_0000, Access::Read, false)
            .is_err()
    );
    assert_eq!(
        s.transaction(SID, 0x0020_0000, Access::Read, false),
        Ok(0x8020_0000)
    );
}

#[test]
fn v7s_ttbcr_n_splits_ttbr0_and_ttbr1() {
    let mut s = mmu500();
    // N = 1: TTBR0 translates VA[31] == 0 with an 8 KiB table.
    let t0 = s.memory().alloc(8192, 8192, 1 << 32).unwrap();
    let t1 = new_table(&s, 16384);
    aarch32_ctx(&mut s, 1, t0, t1, SCTLR_ON);
    set32(&s, t0, 0x7ff, 0x8010_0000 | SECTION | S_AF | S_USER);
    set32(&s, t1, 0x800, 0x8020_0000 | SECTION | S_AF | S_USER);
    assert_eq!(
        s.transaction(SID, 0x7ff0_0004, Access::Read, false),
        Ok(0x8010_0004)
    );
    assert_eq!(
        s.transaction(SID, 0x8000_0008, Access::Read, false),
        Ok(0x8020_0008)
    );
}
