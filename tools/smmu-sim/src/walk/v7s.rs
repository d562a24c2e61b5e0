// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! AArch32 short-descriptor (VMSAv7 "v7s") stage 1 walker: sections,
//! supersections, large (64 KiB) and small (4 KiB) pages. Written from the
//! Arm ARM (DDI 0487) G5.4 (VMSAv8-32 short-descriptor translation: G5.4.1
//! formats, G5.4.2 TTBR selection with TTBCR.N) and G5.7 (AP`[2:0]` and the
//! simplified model when SCTLR.AFE = 1), as IHI 0062D 2.7 requires. Domains
//! are not implemented by the SMMU (IHI 0062D 3.x): every access is checked
//! as a Client access, so the domain field is ignored.

use super::{Leaf, Perms, TableReader, WalkFault};
use crate::fault::{ContextFaultKind, Stage};

/// A short-descriptor walk, derived from TTBCR/TTBR0/TTBR1/SCTLR.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct V7sWalk {
    /// TTBCR.N: TTBR0 translates VA[31:32-N] == 0, its table is 16 KiB >> N.
    pub(crate) n: u32,
    /// TTBR0 and TTBR1 (only bits [31:14-N] / `[31:14]` are the base).
    pub(crate) ttbr: [u32; 2],
    /// TTBCR.PD0/PD1: a walk through that TTBR faults.
    pub(crate) walk_disabled: [bool; 2],
    /// SCTLR.AFE: AP`[0]` is an access flag and AP`[2:1]` the simplified model.
    pub(crate) afe: bool,
    /// Access flag faults enabled (SCTLR.AFFD = 0), only with `afe`.
    pub(crate) af_faults: bool,
}

/// L1 descriptor bits (DDI 0487 G5.4.1).
const L1_TYPE_MASK: u32 = 0b11;
const L1_PAGE_TABLE: u32 = 0b01;
const L1_PT_PXN: u32 = 1 << 2;
const L1_SECT_PXN: u32 = 1 << 0;
const L1_SECT_XN: u32 = 1 << 4;
const L1_SUPERSECTION: u32 = 1 << 18;
const L1_SECT_NG: u32 = 1 << 17;
/// L2 descriptor bits.
const L2_SMALL: u32 = 1 << 1;
const L2_LARGE: u32 = 0b01;
const L2_SMALL_XN: u32 = 1 << 0;
const L2_LARGE_XN: u32 = 1 << 15;
const L2_NG: u32 = 1 << 11;

impl V7sWalk {
    /// Walks the tables for a 32-bit input address.
    pub(crate) fn walk(&self, va: u32, reader: &mut dyn TableReader) -> Result<Leaf, WalkFault> {
        let fault = |kind, level| WalkFault::new(kind, Stage::One, level);
        // TTBR0 covers VA[31:32-N] == 0 (all addresses when N = 0).
        let use_ttbr1 = self.n != 0 && va >> (32 - self.n) != 0;
        let which = usize::from(use_ttbr1);
        if self.walk_disabled[which] {
            return Err(fault(ContextFaultKind::Translation, 1));
        }
        let (base, index) = if use_ttbr1 {
            (self.ttbr[1] & 0xffff_c000, va >> 20)
        } else {
            let base_mask = !((1u32 << (14 - self.n)) - 1);
            (
                self.ttbr[0] & base_mask,
                (va >> 20) & ((1 << (12 - self.n)) - 1),
            )
        };
        let l1 = reader.read(u64::from(base | index << 2), 4, Stage::One, 1)? as u32;
        match l1 & L1_TYPE_MASK {
            0b00 => Err(fault(ContextFaultKind::Translation, 1)),
            L1_PAGE_TABLE => self.walk_l2(va, l1, reader),
            _ => {
                let bits = LeafBits {
                    ap: ap_bits(l1 >> 10 & 0b11, l1 >> 15 & 1),
                    xn: l1 & L1_SECT_XN != 0,
                    pxn: l1 & L1_SECT_PXN != 0,
                    global: l1 & L1_SECT_NG == 0,
                };
                let (output, size_bits) = if l1 & L1_SUPERSECTION != 0 {
                    // PA[31:24] from bits [31:24], PA[35:32] from [23:20] and
                    // PA[39:36] from [8:5] (DDI 0487 G5.4.1).
                    let pa = u64::from(l1 & 0xff00_0000)
                        | u64::from(l1 >> 20 & 0xf) << 32
                        | u64::from(l1 >> 5 & 0xf) << 36;
                    (pa | u64::from(va & 0x00ff_ffff), 24)
                } else {
                    (u64::from(l1 & 0xfff0_0000 | va & 0x000f_ffff), 20)
                };
                self.leaf(output, size_bits, 1, bits)
            }
        }
    }

    fn walk_l2(&self, va: u32, l1: u32, reader: &mut dyn TableReader) -> Result<Leaf, WalkFault> {
        let table = l1 & 0xffff_fc00;
        let pxn = l1 & L1_PT_PXN != 0;
        let index = (va >> 12) & 0xff;
        let l2 = reader.read(u64::from(table | index << 2), 4, Stage::One, 2)? as u32;
        let bits = |xn: u32| LeafBits {
            ap: ap_bits(l2 >> 4 & 0b11, l2 >> 9 & 1),
            xn: l2 & xn != 0,
            pxn,
            global: l2 & L2_NG == 0,
        };
        if l2 & L2_SMALL != 0 {
            let output = u64::from(l2 & 0xffff_f000 | va & 0xfff);
            self.leaf(output, 12, 2, bits(L2_SMALL_XN))
        } else if l2 & 0b11 == L2_LARGE {
            let output = u64::from(l2 & 0xffff_0000 | va & 0xffff);
            self.leaf(output, 16, 2, bits(L2_LARGE_XN))
        } else {
            Err(WalkFault::new(ContextFaultKind::Translation, Stage::One, 2))
        }
    }

    fn leaf(
        &self,
        output: u64,
        size_bits: u32,
        level: u8,
        bits: LeafBits,
    ) -> Result<Leaf, WalkFault> {
        let LeafBits {
            ap,
            xn,
            pxn,
            global,
        } = bits;
        let (priv_read, priv_write, user_read, user_write) = if self.afe {
            // Simplified model: AP[0] is the access flag (DDI 0487 G5.7.1).
            if ap & 1 == 0 && self.af_faults {
                return Err(WalkFault::new(
                    ContextFaultKind::AccessFlag,
                    Stage::One,
                    level,
                ));
            }
            let read_only = ap & 0b100 != 0;
            let user = ap & 0b010 != 0;
            (true, !read_only, user, user && !read_only)
        } else {
            // Full AP[2:0] decode (DDI 0487 G5.7.1, table "VMSAv8-32 ...").
            match ap {
                0b001 => (true, true, false, false),
                0b010 => (true, true, true, false),
                0b011 => (true, true, true, true),
                0b101 => (true, false, false, false),
                0b110 | 0b111 => (true, false, true, false),
                _ => (false, false, false, false),
            }
        };
        Ok(Leaf {
            output,
            size_bits,
            perms: Perms {
                priv_read,
                priv_write,
                priv_exec: priv_read && !xn && !pxn,
                user_read,
                user_write,
                user_exec: user_read && !xn,
            },
            global,
            level,
        })
    }
}

/// The permission-related bits of a leaf descriptor, gathered per format.
#[derive(Clone, Copy)]
struct LeafBits {
    /// AP`[2:0]`.
    ap: u32,
    xn: bool,
    pxn: bool,
    global: bool,
}

/// AP`[2:0]` from AP`[1:0]` and AP`[2]`.
const fn ap_bits(ap10: u32, ap2: u32) -> u32 {
    ap2 << 2 | ap10
}
