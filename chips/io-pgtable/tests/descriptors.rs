// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! Hand-checked descriptor and register values. Each expected value is
//! spelled out field by field from the architecture, with the section it
//! comes from; none is computed by the crate's own encoders.

// Zero-valued fields are written out (`0 << 7`) on purpose: each expected
// value lists every field of the encoding.
#![allow(clippy::identity_op)]

mod common;

use common::{Harness, walker::translate};
use io_pgtable::{Config, ContextRegs, Format, Granule, MemType, Prot, Stage, V7sAttrModel};

fn lpae(stage: Stage, granule: Granule, ias: u32, oas: u32) -> Config {
    Config::new(Format::Lpae64 { stage, granule }, ias, oas)
}

fn leaf(h: &Harness, iova: u64) -> u64 {
    translate(h.table.allocator(), &h.table.hw_config(), iova)
        .unwrap()
        .desc
}

#[test]
fn lpae_s1_4k_page_and_block() {
    let mut h = Harness::new(lpae(Stage::S1, Granule::K4, 48, 48));
    h.map(0x1234_5000, 0x8_7654_3000, 0x1000, 1, Prot::READ_WRITE)
        .unwrap();
    // DDI 0487 D8.3.2 (page descriptor, level 3) and D8.4:
    let expected = 0x8_7654_3000 // OA[47:12]
        | 0b11                   // [1:0] page
        | 0 << 2                 // AttrIndx = 0 (MAIR Attr0 = 0xff, WB)
        | 1 << 6                 // AP[1] = 1: EL0 access
        | 0 << 7                 // AP[2] = 0: read/write
        | 0b11 << 8              // SH = Inner Shareable
        | 1 << 10                // AF
        | 1 << 11                // nG
        | 1 << 53                // PXN
        | 1 << 54; // UXN
    assert_eq!(leaf(&h, 0x1234_5000), expected);
    assert_eq!(expected, 0x0060_0008_7654_3f43);

    let ro_priv_nc = Prot {
        read: true,
        write: false,
        exec: true,
        privileged: true,
        mem: MemType::NonCacheable,
    };
    h.map(0x4000_0000, 0x2_0000_0000, 2 << 20, 1, ro_priv_nc)
        .unwrap();
    // Block descriptor at level 2 (D8.3.1): [1:0] = 0b01.
    let expected = 0x2_0000_0000 | 0b01
        | 1 << 2     // AttrIndx = 1 (Attr1 = 0x44, non-cacheable)
        | 0 << 6     // AP[1] = 0: privileged only
        | 1 << 7     // AP[2] = 1: read-only
        | 0b10 << 8  // Outer Shareable
        | 1 << 10 | 1 << 11; // AF, nG; executable: no XN bits
    assert_eq!(leaf(&h, 0x4000_0000), expected);
    assert_eq!(expected, 0x2_0000_0e85);

    // The table descriptors on the way: level 0 -> level 1 -> level 2
    // -> level 3 table, type 0b11, with the child's valid-entry count in
    // IGNORED bits [11:2] (D8.3.1).
    let hw = h.table.hw_config();
    let ContextRegs::LpaeS1(regs) = hw.regs else {
        panic!()
    };
    let arena = h.table.allocator();
    let l0 = arena.read_u64(regs.ttbr0).unwrap(); // index 0 for both IOVAs
    assert_eq!(l0 & 0b11, 0b11);
    assert_eq!(
        (l0 >> 2) & 0x3ff,
        2,
        "two level-1 entries used (GiB 0 and GiB 1)"
    );
    let l1 = arena.read_u64(l0 & 0xffff_ffff_f000).unwrap(); // GiB 0
    assert_eq!(l1 & 0b11, 0b11);
    assert_eq!(
        (l1 >> 2) & 0x3ff,
        1,
        "one level-2 entry used (the page's level-3 table)"
    );
    assert_eq!(l0 >> 48, 0, "no upper attributes on table descriptors");
}

#[test]
fn lpae_s1_contiguous_and_ns() {
    let mut c = lpae(Stage::S1, Granule::K4, 48, 48);
    c.contiguous_hint = true;
    c.non_secure = true;
    let mut h = Harness::new(c);
    h.map(0x10_0000, 0x20_0000, 64 << 10, 1, Prot::READ)
        .unwrap();
    for i in 0..16u64 {
        // D8.6.1: 16 level-3 entries with Contiguous (bit 52), each with its
        // own output address; NS (bit 5) from the option.
        let expected = (0x20_0000 + i * 0x1000)
            | 0b11
            | 1 << 5
            | 1 << 6
            | 1 << 7
            | 0b11 << 8
            | 1 << 10
            | 1 << 11
            | 1 << 52
            | 1 << 53
            | 1 << 54;
        assert_eq!(leaf(&h, 0x10_0000 + i * 0x1000), expected);
    }
    // NSTable (bit 63) on the table descriptors (D8.3.1).
    let ContextRegs::LpaeS1(regs) = h.table.hw_config().regs else {
        panic!()
    };
    let l0 = h.table.allocator().read_u64(regs.ttbr0).unwrap();
    assert_eq!(l0 >> 63, 1);
}

#[test]
fn lpae_s2_4k_page() {
    let mut h = Harness::new(lpae(Stage::S2, Granule::K4, 40, 40));
    h.map(0xff_ffff_f000, 0x12_3456_7000, 0x1000, 1, Prot::READ_WRITE)
        .unwrap();
    // D8.3.2 stage 2 page: MemAttr[5:2] = 0b1111 (outer WB, inner WB,
    // D8.4.2), S2AP[7:6] = 0b11 read/write, SH Inner, AF, XN[54].
    let expected = 0x12_3456_7000 | 0b11 | 0b1111 << 2 | 0b11 << 6 | 0b11 << 8 | 1 << 10 | 1 << 54;
    assert_eq!(leaf(&h, 0xff_ffff_f000), expected);
    assert_eq!(expected, 0x0040_0012_3456_77ff);
    // Write-only is expressible at stage 2: S2AP = 0b10.
    h.map(
        0x1000,
        0x1000,
        0x1000,
        1,
        Prot::WRITE.with_mem(MemType::Device),
    )
    .unwrap();
    let expected = 0x1000 | 0b11 | 0b0001 << 2 | 0b10 << 6 | 0b10 << 8 | 1 << 10 | 1 << 54;
    assert_eq!(leaf(&h, 0x1000), expected);
}

#[test]
fn v7s_descriptors() {
    let mut h = Harness::new(Config::new(Format::V7s, 32, 40));
    // Small page (DDI 0406C B3.5.1): XN[0], type bit 1, B[2], C[3],
    // AP[1:0][5:4], TEX[8:6], AP[2][9], S[10], nG[11]. Normal WB-WA is
    // TEX=001 C=1 B=1 (B3.8.2 table B3-10).
    h.map(0x1234_5000, 0x8765_4000, 0x1000, 1, Prot::READ_WRITE)
        .unwrap();
    let expected =
        0x8765_4000u64 | 1 | 0b10 | 1 << 2 | 1 << 3 | 0b11 << 4 | 0b001 << 6 | 1 << 10 | 1 << 11;
    assert_eq!(leaf(&h, 0x1234_5000), expected);
    assert_eq!(expected, 0x8765_4c7f);

    // Large page: type 0b01, B[2] C[3] AP[1:0][5:4] AP[2][9] S[10] nG[11]
    // TEX[14:12] XN[15]; replicated in 16 entries.
    h.map(0x0100_0000, 0x0203_0000, 0x1_0000, 1, Prot::READ)
        .unwrap();
    let expected = 0x0203_0000u64
        | 0b01
        | 1 << 2
        | 1 << 3
        | 0b11 << 4
        | 1 << 9
        | 1 << 10
        | 1 << 11
        | 0b001 << 12
        | 1 << 15;
    for i in 0..16 {
        assert_eq!(leaf(&h, 0x0100_0000 + i * 0x1000), expected);
    }

    // Section: type 0b10, B[2] C[3] XN[4] AP[1:0][11:10] TEX[14:12]
    // AP[2][15] S[16] nG[17]; non-cacheable is TEX=001 C=0 B=0.
    let ro_priv_nc = Prot {
        read: true,
        write: false,
        exec: false,
        privileged: true,
        mem: MemType::NonCacheable,
    };
    h.map(0x4560_0000, 0x4560_0000, 1 << 20, 1, ro_priv_nc)
        .unwrap();
    let expected =
        0x4560_0000u64 | 0b10 | 1 << 4 | 0b01 << 10 | 0b001 << 12 | 1 << 15 | 1 << 16 | 1 << 17;
    assert_eq!(leaf(&h, 0x4560_0000), expected);
    assert_eq!(expected, 0x4563_9412);

    // Supersection with a 40-bit PA: PA[31:24] at [31:24], PA[35:32] at
    // [23:20], PA[39:36] at [8:5], bit 18 set; 16 identical entries.
    h.map(0x8000_0000, 0xab_1200_0000, 16 << 20, 1, Prot::READ_WRITE)
        .unwrap();
    let expected = 0x1200_0000u64
        | 0xb << 20
        | 0xa << 5
        | 1 << 18
        | 0b10
        | 1 << 2
        | 1 << 3
        | 1 << 4
        | 0b11 << 10
        | 0b001 << 12
        | 1 << 16
        | 1 << 17;
    for i in 0..16 {
        assert_eq!(leaf(&h, 0x8000_0000 + i * (1 << 20)), expected);
    }
    assert_eq!(h.table.iova_to_phys(0x80ff_fff0), Some(0xab_12ff_fff0));
}

#[test]
fn v7s_tex_remap_and_ns() {
    let mut c = Config::new(Format::V7s, 32, 32);
    c.v7s_attrs = V7sAttrModel::TexRemap;
    c.non_secure = true;
    let mut h = Harness::new(c);
    h.map(0x10_0000, 0x20_0000, 1 << 20, 1, Prot::READ_WRITE)
        .unwrap();
    // Remap index 3 = {TEX[0]=0, C=1, B=1} (B3.8.3); NS bit 19.
    let expected =
        0x20_0000u64 | 0b10 | 1 << 2 | 1 << 3 | 1 << 4 | 0b11 << 10 | 1 << 16 | 1 << 17 | 1 << 19;
    assert_eq!(leaf(&h, 0x10_0000), expected);
    h.map(0x30_0000, 0x40_0000, 0x1000, 1, Prot::READ_WRITE)
        .unwrap();
    // Level-1 page-table descriptor: type 0b01, NS bit 3 (B3.5.1).
    let ContextRegs::V7s(regs) = h.table.hw_config().regs else {
        panic!()
    };
    let l1 = h
        .table
        .allocator()
        .read_u32(u64::from(regs.ttbr0 & !0x3fff) + 3 * 4)
        .unwrap();
    assert_eq!(l1 & 0x3ff, 0b01 | 1 << 3);
    // PRRR (B4.1.127): TR0 = 0b10, TR1 = 0b01, TR3 = 0b10, DS0, DS1, NS1,
    // NOS3. NMRR (B4.1.111): IR3 = OR3 = 0b01.
    assert!(regs.tex_remap);
    assert_eq!(regs.prrr, 0x080b_0086);
    assert_eq!(regs.nmrr, 0x0040_0040);
}

#[test]
fn context_registers() {
    let h = Harness::new(lpae(Stage::S1, Granule::K4, 48, 40));
    let ContextRegs::LpaeS1(r) = h.table.hw_config().regs else {
        panic!()
    };
    // TCR (DDI 0487 D19.2.139 TCR_EL1): T0SZ = 16, IRGN0 = ORGN0 = 0b01,
    // SH0 = 0b11, TG0 = 0b00 (4K), EPD1, IPS = 0b010 (40 bits).
    assert_eq!(
        r.tcr_aarch64(),
        16 | 1 << 8 | 1 << 10 | 3 << 12 | 1 << 23 | 2 << 32
    );
    assert_eq!(r.mair, 0x0004_44ff);

    let mut c = lpae(Stage::S1, Granule::K64, 48, 48);
    c.coherent_walk = false;
    let h = Harness::new(c);
    let ContextRegs::LpaeS1(r) = h.table.hw_config().regs else {
        panic!()
    };
    // TG0 = 0b01 (64K); non-cacheable, outer-shareable walks; IPS 0b101.
    assert_eq!(r.tcr_aarch64(), 16 | 2 << 12 | 1 << 14 | 1 << 23 | 5 << 32);

    // Stage 2, 4K, 40-bit IPA: level 0 would hold 2 entries, so two level-1
    // tables are concatenated and SL0 = 0b01 (start level 1) (DDI 0487
    // D8.2.x concatenation; D19 VTCR_EL2).
    let h = Harness::new(lpae(Stage::S2, Granule::K4, 40, 40));
    let ContextRegs::LpaeS2(r) = h.table.hw_config().regs else {
        panic!()
    };
    assert_eq!(
        (r.t0sz, r.sl0, r.start_level, r.concatenated),
        (24, 1, 1, 2)
    );
    assert_eq!(r.vtcr(), 24 | 1 << 6 | 1 << 8 | 1 << 10 | 3 << 12 | 2 << 16);
    assert_eq!(
        r.vttbr % (2 * 4096),
        0,
        "concatenated tables aligned to their size"
    );

    // 16K, 48-bit IPA: level 0 cannot be a stage-2 start level; two level-1
    // tables, SL0 = 0b10.
    let h = Harness::new(lpae(Stage::S2, Granule::K16, 48, 48));
    let ContextRegs::LpaeS2(r) = h.table.hw_config().regs else {
        panic!()
    };
    assert_eq!((r.sl0, r.start_level, r.concatenated, r.tg0), (2, 1, 2, 2));

    // 64K, 42-bit IPA: level 2 resolves 13 bits, no concatenation; SL0 = 1.
    let h = Harness::new(lpae(Stage::S2, Granule::K64, 42, 42));
    let ContextRegs::LpaeS2(r) = h.table.hw_config().regs else {
        panic!()
    };
    assert_eq!((r.sl0, r.start_level, r.concatenated), (1, 2, 1));

    // AArch32 LPAE stage 2, 40-bit IPA: VTCR.T0SZ = -8 as 4 bits with S
    // (bit 4) = 1, SL0 = 1, two concatenated level-1 tables (DDI 0406C
    // B3.6.6, B4.1.159).
    let h = Harness::new(Config::new(Format::Lpae32 { stage: Stage::S2 }, 40, 40));
    let ContextRegs::LpaeS2(r) = h.table.hw_config().regs else {
        panic!()
    };
    assert_eq!((r.t0sz, r.sl0, r.concatenated), (0b1_1000, 1, 2));

    // AArch32 LPAE stage 1: TTBCR with EAE (bit 31), T0SZ = 0.
    let h = Harness::new(Config::new(Format::Lpae32 { stage: Stage::S1 }, 32, 40));
    let ContextRegs::LpaeS1(r) = h.table.hw_config().regs else {
        panic!()
    };
    assert_eq!(
        r.ttbcr_aarch32(),
        1 << 8 | 1 << 10 | 3 << 12 | 1 << 23 | 1 << 31
    );

    // v7s TTBR0 (DDI 0406C B4.1.154): IRGN = 0b01 split over bits 0 and 6,
    // RGN = 0b01, S, NOS; TTBCR PD1.
    let h = Harness::new(Config::new(Format::V7s, 32, 32));
    let ContextRegs::V7s(r) = h.table.hw_config().regs else {
        panic!()
    };
    assert_eq!(r.ttbr0 & 0x3fff, 1 << 6 | 1 << 5 | 1 << 3 | 1 << 1);
    assert!(
        h.table
            .allocator()
            .is_live(u64::from(r.ttbr0 & !0x3fff), 16 << 10)
    );
    assert_eq!(r.ttbcr, 1 << 5);
    assert_eq!(
        h.table.pgsize_bitmap(),
        1 << 12 | 1 << 16 | 1 << 20 | 1 << 24
    );
}

#[test]
fn page_size_bitmaps() {
    let bm = |c: Config| Harness::new(c).table.pgsize_bitmap();
    assert_eq!(
        bm(lpae(Stage::S1, Granule::K4, 48, 48)),
        1 << 12 | 1 << 21 | 1 << 30
    );
    assert_eq!(bm(lpae(Stage::S1, Granule::K16, 48, 48)), 1 << 14 | 1 << 25);
    assert_eq!(bm(lpae(Stage::S1, Granule::K64, 48, 48)), 1 << 16 | 1 << 29);
    // IAS 30 with 4K: the walk starts at level 2, so no 1G blocks.
    assert_eq!(bm(lpae(Stage::S1, Granule::K4, 30, 32)), 1 << 12 | 1 << 21);
    let mut c = lpae(Stage::S1, Granule::K4, 48, 48);
    c.contiguous_hint = true;
    assert_eq!(bm(c), 1 << 12 | 1 << 16 | 1 << 21 | 1 << 25 | 1 << 30);
}
