// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! Short-descriptor bits (Armv7 ARM DDI 0406C B3.5.1 "short-descriptor
//! translation table format descriptors"; memory attributes B3.8.2 and
//! TEX remap B3.8.3; access permissions B3.7.1).

use crate::prot::{MemType, Prot};

/// Level-1 descriptor type bits\[1:0\].
pub(crate) const L1_TYPE_MASK: u32 = 0b11;
/// Level-1 page-table descriptor.
pub(crate) const L1_TYPE_TABLE: u32 = 0b01;
/// Level-1 page-table descriptor: NS bit 3; level-2 base address \[31:10\].
pub(crate) const L1_TABLE_NS: u32 = 1 << 3;
pub(crate) const L1_TABLE_ADDR_MASK: u32 = 0xffff_fc00;
/// Section and supersection: bit 1 set (bit 0 is PXN, never set here).
pub(crate) const L1_SECTION: u32 = 0b10;
/// Bit 18 distinguishes a supersection from a section.
pub(crate) const L1_SUPERSECTION: u32 = 1 << 18;
/// Level-2 type bits\[1:0\]: 0b01 large page; 0b1x small page (bit 0 XN).
pub(crate) const L2_TYPE_MASK: u32 = 0b11;
pub(crate) const L2_TYPE_LARGE: u32 = 0b01;
pub(crate) const L2_SMALL: u32 = 0b10;

/// Memory-type encoding: (TEX\[2:0\], C, B, S).
fn tex_c_b_s(mem: MemType, remap: bool) -> (u32, u32, u32, u32) {
    match (mem, remap) {
        // B3.8.2 table B3-10: TEX=001 C=1 B=1 Outer and Inner WB-WA;
        // TEX=001 C=0 B=0 Outer and Inner non-cacheable; TEX=000 C=0 B=1
        // Shareable Device.
        (MemType::Cached, false) => (0b001, 1, 1, 1),
        (MemType::NonCacheable, false) => (0b001, 0, 0, 1),
        (MemType::Device, false) => (0b000, 0, 1, 0),
        // With TEX remap, {TEX[0], C, B} is an index n into PRRR/NMRR
        // (B3.8.3): n = 3 cached, n = 0 non-cacheable, n = 1 device.
        (MemType::Cached, true) => (0, 1, 1, 1),
        (MemType::NonCacheable, true) => (0, 0, 0, 1),
        (MemType::Device, true) => (0, 0, 1, 0),
    }
}

/// PRRR for the remap indices above (B4.1.127): TR0 = Normal, TR1 =
/// Device, TR3 = Normal; DS0 = DS1 = 1 (Device shareable); NS1 = 1 (Normal
/// with S = 1 shareable); NOS3 = 1 (index 3 Inner Shareable; index 0 Outer
/// Shareable).
pub(crate) const PRRR: u32 = 0b10 | 0b01 << 2 | 0b10 << 6 | 1 << 16 | 1 << 17 | 1 << 19 | 1 << 27;
/// NMRR (B4.1.111): IR3 = OR3 = 0b01 write-back write-allocate; index 0
/// non-cacheable.
pub(crate) const NMRR: u32 = 0b01 << 6 | 0b01 << 22;

/// Attribute bits (no type bits, no address) of the three leaf kinds.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LeafAttrs {
    pub(crate) section: u32,
    pub(crate) large: u32,
    pub(crate) small: u32,
}

pub(crate) fn leaf_attrs(prot: Prot, remap: bool, non_secure: bool) -> LeafAttrs {
    let (tex, c, b, s) = tex_c_b_s(prot.mem, remap);
    // AP[2:0] (B3.7.1): AP[0] = 1 always (it doubles as the Access flag
    // when AFE = 1), AP[1] = unprivileged access, AP[2] = read-only.
    let ap0 = 1;
    let ap1 = u32::from(!prot.privileged);
    let ap2 = u32::from(!prot.write);
    let xn = u32::from(!prot.exec || prot.mem == MemType::Device);
    let ng = 1;
    let ns = u32::from(non_secure);
    LeafAttrs {
        // Section: B[2] C[3] XN[4] AP[1:0][11:10] TEX[14:12] AP[2][15]
        // S[16] nG[17] NS[19].
        section: b << 2
            | c << 3
            | xn << 4
            | ap0 << 10
            | ap1 << 11
            | tex << 12
            | ap2 << 15
            | s << 16
            | ng << 17
            | ns << 19,
        // Large page: B[2] C[3] AP[1:0][5:4] AP[2][9] S[10] nG[11]
        // TEX[14:12] XN[15].
        large: b << 2
            | c << 3
            | ap0 << 4
            | ap1 << 5
            | ap2 << 9
            | s << 10
            | ng << 11
            | tex << 12
            | xn << 15,
        // Small page: XN[0] B[2] C[3] AP[1:0][5:4] TEX[8:6] AP[2][9]
        // S[10] nG[11].
        small: xn
            | b << 2
            | c << 3
            | ap0 << 4
            | ap1 << 5
            | tex << 6
            | ap2 << 9
            | s << 10
            | ng << 11,
    }
}

/// Supersection base address bits: PA\[31:24\] at \[31:24\], PA\[35:32\] at
/// \[23:20\], PA\[39:36\] at \[8:5\] (B3.5.1, "supersection descriptor").
#[inline(always)]
pub(crate) fn supersection_addr(pa: u64) -> u32 {
    (pa as u32 & 0xff00_0000) | (((pa >> 32) & 0xf) as u32) << 20 | (((pa >> 36) & 0xf) as u32) << 5
}

/// Inverse of `supersection_addr`, for the descriptor `d`.
#[inline(always)]
pub(crate) fn supersection_pa(d: u32) -> u64 {
    u64::from(d & 0xff00_0000) | u64::from((d >> 20) & 0xf) << 32 | u64::from((d >> 5) & 0xf) << 36
}
