// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! Address translation operations ATS1PR/PW/UR/UW and their result in PAR
//! (IHI 0062D 3.x "Address translation operations", 10.16 ATS1*, 10.14.7
//! PAR). Only when sIDR0.ATOSNS = 0. The operation is a stage 1 lookup: the
//! model walks the tables directly (no IOTLB), never records a fault in FSR,
//! and completes at once (ATSR.ACTIVE reads 0).

use crate::context::Format;
use crate::fault::{Access, ContextFaultKind, Stage};
use crate::smmu::Smmu;
use crate::walk::WalkFault;

/// PAR.F: the operation faulted.
pub const PAR_F: u64 = 1 << 0;
/// PAR fault format: PLVL at `[33:32]`.
pub const PAR_PLVL_SHIFT: u32 = 32;
/// PAR fault format: STAGE (1 = stage 2 fault) at bit 35.
pub const PAR_STAGE2: u64 = 1 << 35;
/// PAR success format, long descriptors: PA`[47:12]` at `[47:12]`.
pub const PAR_PA_MASK: u64 = 0x0000_ffff_ffff_f000;

fn par_fault(f: WalkFault) -> u64 {
    PAR_F
        | u64::from(f.kind.fsr_bit())
        | u64::from(f.level.unwrap_or(0) & 0b11) << PAR_PLVL_SHIFT
        | if f.stage == Stage::Two { PAR_STAGE2 } else { 0 }
}

impl Smmu {
    /// Runs an ATS1 operation in bank `bank` and returns the PAR value.
    pub(crate) fn translate_op(
        &self,
        bank: u8,
        operand: u64,
        access: Access,
        privileged: bool,
    ) -> u64 {
        let format = self.format(bank);
        let va = if format == Format::AArch64 {
            operand & !0xfff
        } else {
            operand & 0xffff_f000
        };
        let stage1_only = WalkFault::new(ContextFaultKind::Translation, Stage::Two, 0);
        let Ok(ctx) = self.context(bank) else {
            return par_fault(stage1_only);
        };
        // ATS1 is a stage 1 operation; a stage 2 bank has nothing to answer.
        let Some(s1) = ctx.s1 else {
            return par_fault(stage1_only);
        };
        if !self.banks[usize::from(s1)].enabled() {
            return va;
        }
        let s2 = ctx.s2.filter(|&b| self.banks[usize::from(b)].enabled());
        match self.walk_stage1(s1, va, s2) {
            Ok(leaf) if leaf.perms.allows(access, privileged) => leaf.output & PAR_PA_MASK,
            Ok(leaf) => par_fault(WalkFault::new(
                ContextFaultKind::Permission,
                Stage::One,
                leaf.level,
            )),
            Err(f) => par_fault(f),
        }
    }
}
