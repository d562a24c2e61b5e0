// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! Long-descriptor (LPAE) walker for AArch64 (4K/16K/64K granules) and
//! AArch32 long-descriptor contexts, stage 1 and stage 2. Written from the Arm
//! ARM (DDI 0487) D8.2-D8.4 (VMSAv8-64 translation, descriptor formats,
//! permissions) and G5.5 (VMSAv8-32 long-descriptor), as IHI 0062D 2.7 and 3.x
//! require the SMMU to walk them.

use super::{Leaf, Perms, TableReader, WalkFault};
use crate::fault::{ContextFaultKind, Stage};

/// Everything a long-descriptor walk needs, already derived from TCR/TTBR.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LpaeWalk {
    pub(crate) stage: Stage,
    /// log2 of the granule: 12, 14 or 16.
    pub(crate) granule_bits: u32,
    /// Size of the input region in bits (64 - TxSZ, or 32 - T0SZ for AArch32).
    pub(crate) input_bits: u32,
    /// Level of the start table (concatenated start tables for stage 2).
    pub(crate) start_level: u8,
    /// Start table address (TTBR base).
    pub(crate) table: u64,
    /// Output address size in bits; wider addresses are address size faults.
    pub(crate) output_bits: u32,
    /// Access flag faults enabled (SCTLR.AFFD = 0).
    pub(crate) af_faults: bool,
    /// VMSAv8-64 stage 1: memory writable at EL0 is never executable at
    /// EL1 (DDI 0487 D8.4.1). AArch32 long descriptors have no such rule.
    pub(crate) wxn_el0_implies_pxn: bool,
}

const VALID: u64 = 1 << 0;
const TABLE_OR_PAGE: u64 = 1 << 1;
const AF: u64 = 1 << 10;
const NG: u64 = 1 << 11;
const PXN: u64 = 1 << 53;
const XN: u64 = 1 << 54;
const PXN_TABLE: u64 = 1 << 59;
const XN_TABLE: u64 = 1 << 60;
const AP_TABLE_NO_EL0: u64 = 1 << 61;
const AP_TABLE_RO: u64 = 1 << 62;
/// Output address field of table and leaf descriptors, bits `[47:12]`
/// (DDI 0487 D8.3.1); bits above the granule's page bits are used.
const OA_MASK: u64 = 0x0000_ffff_ffff_f000;

/// Hierarchical permission limits gathered from stage 1 table descriptors
/// (DDI 0487 D8.4.2).
#[derive(Clone, Copy, Default)]
struct TableLimits {
    no_el0: bool,
    read_only: bool,
    no_user_exec: bool,
    no_priv_exec: bool,
}

impl LpaeWalk {
    /// Bits translated by each level (granule - 3: 9, 11 or 13).
    const fn stride(&self) -> u32 {
        self.granule_bits - 3
    }

    /// Lowest input bit that indexes a table at `level`.
    const fn level_shift(&self, level: u8) -> u32 {
        self.granule_bits + self.stride() * (3 - level as u32)
    }

    /// Checks the start level and region size are consistent; for stage 2 the
    /// start table may be up to 16 concatenated tables (DDI 0487 D8.2.5).
    pub(crate) fn is_consistent(&self) -> bool {
        if self.start_level > 3 || self.input_bits > 48 {
            return false;
        }
        let shift = self.level_shift(self.start_level);
        let Some(index_bits) = self.input_bits.checked_sub(shift) else {
            return false;
        };
        let max = match self.stage {
            Stage::One => self.stride(),
            Stage::Two => self.stride() + 4,
        };
        // A start table resolves at least one bit; only stage 2 may
        // concatenate (up to 16 tables, 4 extra bits).
        (1..=max).contains(&index_bits)
    }

    /// Blocks are allowed at level 1 (4K granule) and level 2 (all granules).
    fn block_allowed(&self, level: u8) -> bool {
        matches!((self.granule_bits, level), (12, 1) | (_, 2))
    }

    /// Walks the tables for input address `ia`.
    pub(crate) fn walk(&self, ia: u64, reader: &mut dyn TableReader) -> Result<Leaf, WalkFault> {
        let fault = |kind, level| WalkFault::new(kind, self.stage, level);
        if !self.is_consistent() {
            return Err(fault(ContextFaultKind::Translation, self.start_level));
        }
        if self.input_bits < 64 && ia >> self.input_bits != 0 && self.stage == Stage::Two {
            return Err(fault(ContextFaultKind::Translation, self.start_level));
        }
        if self.table >> self.output_bits != 0 {
            return Err(fault(ContextFaultKind::AddressSize, self.start_level));
        }
        let mut level = self.start_level;
        // The start table is aligned to its own size; TTBR bits below that
        // are RES0 and ignored (DDI 0487 D8.2.x, TTBR BADDR).
        let start_bytes = 8u64 << (self.input_bits - self.level_shift(level));
        let mut table = self.table & !(start_bytes - 1);
        let mut limits = TableLimits::default();
        loop {
            let shift = self.level_shift(level);
            let index_bits = if level == self.start_level {
                self.input_bits - shift
            } else {
                self.stride()
            };
            let index = (ia >> shift) & ((1u64 << index_bits) - 1);
            let desc = reader.read(table + index * 8, 8, self.stage, level)?;
            if desc & VALID == 0 {
                return Err(fault(ContextFaultKind::Translation, level));
            }
            let is_table = desc & TABLE_OR_PAGE != 0 && level < 3;
            let is_leaf = (desc & TABLE_OR_PAGE != 0 && level == 3)
                || (desc & TABLE_OR_PAGE == 0 && self.block_allowed(level));
            let granule_mask = !((1u64 << self.granule_bits) - 1);
            if is_table {
                let next = desc & OA_MASK & granule_mask;
                if next >> self.output_bits != 0 {
                    return Err(fault(ContextFaultKind::AddressSize, level));
                }
                if self.stage == Stage::One {
                    limits.no_el0 |= desc & AP_TABLE_NO_EL0 != 0;
                    limits.read_only |= desc & AP_TABLE_RO != 0;
                    limits.no_user_exec |= desc & XN_TABLE != 0;
                    limits.no_priv_exec |= desc & PXN_TABLE != 0;
                }
                table = next;
                level += 1;
                continue;
            }
            if !is_leaf {
                // A block where the granule allows none, or a reserved
                // encoding at level 3 (DDI 0487 D8.3.1).
                return Err(fault(ContextFaultKind::Translation, level));
            }
            let offset_mask = (1u64 << shift) - 1;
            let base = desc & OA_MASK & !offset_mask;
            if (desc & OA_MASK) >> self.output_bits != 0 {
                return Err(fault(ContextFaultKind::AddressSize, level));
            }
            if desc & AF == 0 && self.af_faults {
                return Err(fault(ContextFaultKind::AccessFlag, level));
            }
            let perms = match self.stage {
                Stage::One => stage1_perms(desc, limits, self.wxn_el0_implies_pxn),
                Stage::Two => stage2_perms(desc),
            };
            return Ok(Leaf {
                output: base | (ia & offset_mask),
                size_bits: shift,
                perms,
                global: self.stage == Stage::Two || desc & NG == 0,
                level,
            });
        }
    }
}

/// Stage 1 data and instruction permissions (DDI 0487 D8.4.1, D8.4.2):
/// AP`[2]` (bit 7) read-only, AP`[1]` (bit 6) EL0 access; memory writable at EL0
/// is never privileged-executable.
fn stage1_perms(desc: u64, limits: TableLimits, el0_write_implies_pxn: bool) -> Perms {
    let read_only = desc & (1 << 7) != 0 || limits.read_only;
    let el0 = desc & (1 << 6) != 0 && !limits.no_el0;
    let user_write = el0 && !read_only;
    Perms {
        priv_read: true,
        priv_write: !read_only,
        priv_exec: desc & PXN == 0
            && !limits.no_priv_exec
            && !(el0_write_implies_pxn && user_write),
        user_read: el0,
        user_write,
        user_exec: el0 && desc & XN == 0 && !limits.no_user_exec,
    }
}

/// Stage 2 permissions: S2AP`[0]` (bit 6) read, S2AP`[1]` (bit 7) write, XN
/// (bit 54) (DDI 0487 D8.4.3); privilege does not matter at stage 2.
fn stage2_perms(desc: u64) -> Perms {
    let read = desc & (1 << 6) != 0;
    let write = desc & (1 << 7) != 0;
    let exec = desc & XN == 0;
    Perms {
        priv_read: read,
        priv_write: write,
        priv_exec: exec,
        user_read: read,
        user_write: write,
        user_exec: exec,
    }
}
