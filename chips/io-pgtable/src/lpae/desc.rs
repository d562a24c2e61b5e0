// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! LPAE descriptor bits (Arm ARM DDI 0487 D8.3 "translation table descriptor
//! formats" and D8.4 "memory attribute fields"; the AArch32 long-descriptor
//! format, DDI 0406C B3.6.1-B3.6.2, has the same layout with a 40-bit
//! output address) and the table-entry count kept in ignored bits.

use crate::config::Stage;
use crate::prot::{MemType, Prot};

/// Bit 0: the descriptor is valid.
pub(crate) const VALID: u64 = 1 << 0;
/// Bits\[1:0\] = 0b11 below the leaf level: table descriptor. At level 3
/// the same value means page descriptor.
pub(crate) const TYPE_MASK: u64 = 0b11;
/// Table (levels 0-2) or page (level 3) descriptor type.
pub(crate) const TYPE_TABLE_OR_PAGE: u64 = 0b11;
/// Block descriptor type (levels 1-2).
pub(crate) const TYPE_BLOCK: u64 = 0b01;
/// Output / next-table address bits \[47:12\] (bits below the granule are
/// RES0 for 16K/64K and are never set by us).
pub(crate) const ADDR_MASK: u64 = 0x0000_ffff_ffff_f000;

/// Lower attributes (D8.3.2): stage 1 AttrIndx\[2:0\] at \[4:2\].
const ATTR_INDX_SHIFT: u32 = 2;
/// Stage 1 NS, bit 5.
const NS: u64 = 1 << 5;
/// Stage 1 AP\[1\], bit 6: unprivileged (EL0) access permitted.
const AP_UNPRIV: u64 = 1 << 6;
/// Stage 1 AP\[2\], bit 7: read-only.
const AP_RDONLY: u64 = 1 << 7;
/// Stage 2 S2AP\[0\], bit 6: read permitted.
const S2AP_READ: u64 = 1 << 6;
/// Stage 2 S2AP\[1\], bit 7: write permitted.
const S2AP_WRITE: u64 = 1 << 7;
/// SH\[1:0\] at \[9:8\].
const SH_SHIFT: u32 = 8;
const SH_OUTER: u64 = 0b10;
const SH_INNER: u64 = 0b11;
/// AF, bit 10: always set, so no Access-flag faults are taken.
const AF: u64 = 1 << 10;
/// Stage 1 nG, bit 11: entries are ASID-tagged.
const NG: u64 = 1 << 11;
/// Upper attributes: Contiguous, bit 52.
pub(crate) const CONTIG: u64 = 1 << 52;
/// Stage 1 PXN, bit 53.
const PXN: u64 = 1 << 53;
/// Stage 1 UXN/XN, stage 2 XN\[1\], bit 54.
const XN: u64 = 1 << 54;
/// Table descriptor NSTable, bit 63 (D8.3.1).
pub(crate) const NS_TABLE: u64 = 1 << 63;

/// MAIR attribute indices this crate uses (D19 MAIR_EL1; one byte each).
pub(crate) const MAIR_IDX_CACHED: u64 = 0;
pub(crate) const MAIR_IDX_NC: u64 = 1;
pub(crate) const MAIR_IDX_DEVICE: u64 = 2;
/// MAIR: Attr0 = 0xff Normal inner/outer WB non-transient RW-allocate;
/// Attr1 = 0x44 Normal inner/outer non-cacheable; Attr2 = 0x04
/// Device-nGnRE.
pub(crate) const MAIR_VALUE: u64 = 0xff | 0x44 << 8 | 0x04 << 16;

/// Stage 2 MemAttr\[3:0\] at \[5:2\] (D8.4.2): 0b1111 Normal outer WB /
/// inner WB; 0b0101 Normal outer NC / inner NC; 0b0001 Device-nGnRE.
const S2_MEMATTR_SHIFT: u32 = 2;
const S2_MEMATTR_CACHED: u64 = 0b1111;
const S2_MEMATTR_NC: u64 = 0b0101;
const S2_MEMATTR_DEVICE: u64 = 0b0001;

/// Attribute bits of a leaf for `prot`, without type bits or address.
pub(crate) fn leaf_attrs(stage: Stage, prot: Prot, non_secure: bool) -> u64 {
    let sh = match prot.mem {
        MemType::Cached => SH_INNER,
        MemType::NonCacheable | MemType::Device => SH_OUTER,
    };
    // Never executable from Device memory.
    let xn = !prot.exec || prot.mem == MemType::Device;
    let mut attrs = AF | sh << SH_SHIFT;
    match stage {
        Stage::S1 => {
            let idx = match prot.mem {
                MemType::Cached => MAIR_IDX_CACHED,
                MemType::NonCacheable => MAIR_IDX_NC,
                MemType::Device => MAIR_IDX_DEVICE,
            };
            attrs |= NG | idx << ATTR_INDX_SHIFT;
            if !prot.write {
                attrs |= AP_RDONLY;
            }
            if !prot.privileged {
                attrs |= AP_UNPRIV;
            }
            if xn {
                attrs |= XN | PXN;
            }
            if non_secure {
                attrs |= NS;
            }
        }
        Stage::S2 => {
            let memattr = match prot.mem {
                MemType::Cached => S2_MEMATTR_CACHED,
                MemType::NonCacheable => S2_MEMATTR_NC,
                MemType::Device => S2_MEMATTR_DEVICE,
            };
            attrs |= memattr << S2_MEMATTR_SHIFT;
            if prot.read {
                attrs |= S2AP_READ;
            }
            if prot.write {
                attrs |= S2AP_WRITE;
            }
            if xn {
                attrs |= XN;
            }
        }
    }
    attrs
}

/// Valid-entry count of the table a table descriptor points to, kept in
/// the descriptor's IGNORED bits \[11:2\] (low 10 bits) and \[58:52\] (high 7
/// bits) (DDI 0487 D8.3.1: "bits\[11:2\] and \[58:52\] are IGNORED" in a table
/// descriptor; DDI 0406C B3.6.1 likewise). Up to 2^17 - 1, enough for the
/// 8192 entries of a 64K-granule table. Hardware never reads them, so
/// updating them on a live descriptor is a single atomic store that does
/// not change the translation.
const COUNT_LO_SHIFT: u32 = 2;
const COUNT_LO_BITS: u32 = 10;
const COUNT_HI_SHIFT: u32 = 52;
const COUNT_MASK: u64 = ((1 << COUNT_LO_BITS) - 1) << COUNT_LO_SHIFT | 0x7f << COUNT_HI_SHIFT;

#[inline(always)]
pub(crate) fn table_count(desc: u64) -> u64 {
    (desc >> COUNT_LO_SHIFT) & ((1 << COUNT_LO_BITS) - 1)
        | ((desc >> COUNT_HI_SHIFT) & 0x7f) << COUNT_LO_BITS
}

#[inline(always)]
pub(crate) fn with_table_count(desc: u64, count: u64) -> u64 {
    (desc & !COUNT_MASK)
        | (count & ((1 << COUNT_LO_BITS) - 1)) << COUNT_LO_SHIFT
        | (count >> COUNT_LO_BITS) << COUNT_HI_SHIFT
}
