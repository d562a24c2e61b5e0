// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! From a context bank's registers to a configured walk: the table format,
//! the TTBR and region an address selects, granule, start level, output
//! size and ASID (IHI 0062D 10.13-10.14 TCR/TCR2/TTBRn/CONTEXTIDR; region
//! and start-level rules from DDI 0487 D8.2, G5.4, G5.5). Also the table
//! readers: straight from memory, or through stage 2 for nested walks.

use crate::config::AddressSize;
use crate::context::Format;
use crate::fault::{Access, ContextFaultKind, Stage};
use crate::memory::SimMemory;
use crate::regs::sctlr;
use crate::smmu::Smmu;
use crate::walk::lpae::LpaeWalk;
use crate::walk::v7s::V7sWalk;
use crate::walk::{Leaf, TableReader, WalkFault};

/// Reads descriptors straight from physical memory.
pub(crate) struct PhysReader<'a> {
    pub(crate) memory: &'a SimMemory,
}

impl TableReader for PhysReader<'_> {
    fn read(&mut self, addr: u64, size: u8, stage: Stage, level: u8) -> Result<u64, WalkFault> {
        let value = if size == 8 {
            self.memory.read_u64(addr)
        } else {
            self.memory.read_u32(addr).map(u64::from)
        };
        value.map_err(|_| WalkFault::new(ContextFaultKind::External, stage, level))
    }
}

/// Reads stage 1 descriptors at IPAs, translating each through stage 2
/// (IHI 0062D 2.6: nested stage 1 table walks are themselves translated).
struct NestedReader<'a> {
    memory: &'a SimMemory,
    stage2: LpaeWalk,
}

impl TableReader for NestedReader<'_> {
    fn read(&mut self, ipa: u64, size: u8, stage: Stage, level: u8) -> Result<u64, WalkFault> {
        let mut phys = PhysReader {
            memory: self.memory,
        };
        let on_walk = |mut f: WalkFault| {
            f.on_table_walk = true;
            f.ipa = Some(ipa);
            f
        };
        let leaf = self.stage2.walk(ipa, &mut phys).map_err(on_walk)?;
        if !leaf.perms.allows(Access::Read, true) {
            return Err(on_walk(WalkFault::new(
                ContextFaultKind::Permission,
                Stage::Two,
                leaf.level,
            )));
        }
        phys.read(leaf.output, size, stage, level)
    }
}

/// Granule size from TCR.TG0 (DDI 0487 D13.2 TCR_EL1.TG0).
fn tg0_bits(tg: u32) -> Option<u32> {
    match tg {
        0 => Some(12),
        1 => Some(16),
        2 => Some(14),
        _ => None,
    }
}

/// Granule size from TCR.TG1 (a different encoding from TG0).
fn tg1_bits(tg: u32) -> Option<u32> {
    match tg {
        1 => Some(14),
        2 => Some(12),
        3 => Some(16),
        _ => None,
    }
}

impl Smmu {
    /// ASID of stage 1 bank `b` (IHI 0062D 2.8): CONTEXTIDR`[7:0]` for short
    /// descriptors; otherwise TTBRn`[63:48]` (`[55:48]` unless TCR2.AS) of the
    /// TTBR that TCR.A1 names.
    pub(crate) fn asid(&self, b: u8) -> u16 {
        let bank = &self.banks[usize::from(b)];
        let ttbr = bank.ttbr[usize::from(bank.tcr & (1 << 22) != 0)];
        match self.format(b) {
            Format::AArch32Short => (bank.contextidr & 0xff) as u16,
            Format::AArch64 if bank.tcr2 & (1 << 4) != 0 => (ttbr >> 48) as u16,
            _ => (ttbr >> 48 & 0xff) as u16,
        }
    }

    /// Stage 1 walk of bank `b`, with table reads through stage 2 bank `s2`
    /// when nested.
    pub(crate) fn walk_stage1(&self, b: u8, va: u64, s2: Option<u8>) -> Result<Leaf, WalkFault> {
        let mut phys = PhysReader {
            memory: &self.memory,
        };
        let mut nested;
        let reader: &mut dyn TableReader = match s2 {
            Some(s2) => {
                nested = NestedReader {
                    memory: &self.memory,
                    stage2: self.stage2_walk(s2)?,
                };
                &mut nested
            }
            None => &mut phys,
        };
        let bank = &self.banks[usize::from(b)];
        let af_faults = bank.sctlr & sctlr::AFFD == 0;
        let output_bits = if s2.is_some() {
            self.config.ias.bits()
        } else {
            self.config.oas.bits()
        };
        match self.format(b) {
            Format::AArch64 => self.aarch64_stage1(b, va, output_bits)?.walk(va, reader),
            Format::AArch32Long => self.lpae32_stage1(b, va, output_bits)?.walk(va, reader),
            Format::AArch32Short => {
                let va32 = u32::try_from(va)
                    .map_err(|_| WalkFault::new(ContextFaultKind::Translation, Stage::One, 1))?;
                let walk = V7sWalk {
                    n: bank.tcr & 0b111,
                    ttbr: [bank.ttbr[0] as u32, bank.ttbr[1] as u32],
                    walk_disabled: [bank.tcr & (1 << 4) != 0, bank.tcr & (1 << 5) != 0],
                    afe: bank.sctlr & sctlr::AFE != 0,
                    af_faults,
                };
                walk.walk(va32, reader)
            }
        }
    }

    /// AArch64 stage 1 (TCR in TCR_EL1 layout, TCR2.PASize; IHI 0062D
    /// 10.14.5/10.14.6; region selection as DDI 0487 D8.2.2).
    fn aarch64_stage1(&self, b: u8, va: u64, output_limit: u32) -> Result<LpaeWalk, WalkFault> {
        let bank = &self.banks[usize::from(b)];
        let fault = WalkFault::new(ContextFaultKind::Translation, Stage::One, 0);
        let tcr = bank.tcr;
        // TxSZ below 16 (wider than 48 bits) is taken as 16, one of the
        // CONSTRAINED UNPREDICTABLE choices of DDI 0487 D8.1.
        let (t0sz, t1sz) = ((tcr & 0x3f).max(16), (tcr >> 16 & 0x3f).max(16));
        let in_region = |tsz: u32, addr: u64| addr >> (64 - tsz) == 0;
        let (ttbr, tsz, granule, epd) = if in_region(t0sz, va) {
            (0, t0sz, tg0_bits(tcr >> 14 & 3), tcr & (1 << 7) != 0)
        } else if in_region(t1sz, !va) {
            (1, t1sz, tg1_bits(tcr >> 30 & 3), tcr & (1 << 23) != 0)
        } else {
            return Err(fault);
        };
        let granule = granule.ok_or(fault)?;
        let g = &self.config.aarch64;
        let supported = match granule {
            12 => g.g4k,
            14 => g.g16k,
            _ => g.g64k,
        };
        let input_bits = 64 - tsz;
        if epd || !supported || input_bits <= granule {
            return Err(fault);
        }
        let levels = (input_bits - granule).div_ceil(granule - 3);
        if levels > 4 {
            return Err(fault);
        }
        let pa_size = AddressSize::from_field(bank.tcr2 & 0b111).bits();
        Ok(LpaeWalk {
            stage: Stage::One,
            granule_bits: granule,
            input_bits,
            start_level: (4 - levels) as u8,
            table: bank.ttbr[ttbr] & 0x0000_ffff_ffff_fffe,
            output_bits: pa_size.min(output_limit),
            af_faults: bank.sctlr & sctlr::AFFD == 0,
            wxn_el0_implies_pxn: true,
        })
    }

    /// AArch32 long-descriptor stage 1 (TTBCR.T0SZ/T1SZ region selection,
    /// DDI 0487 G5.5.2; 4 KiB granule, 40-bit output).
    fn lpae32_stage1(&self, b: u8, va: u64, output_limit: u32) -> Result<LpaeWalk, WalkFault> {
        let bank = &self.banks[usize::from(b)];
        let fault = WalkFault::new(ContextFaultKind::Translation, Stage::One, 1);
        if va >> 32 != 0 {
            return Err(fault);
        }
        let (t0sz, t1sz) = (bank.tcr & 0b111, bank.tcr >> 16 & 0b111);
        let (r0, r1) = (32 - t0sz, 32 - t1sz);
        let ttbr1_base = (1u64 << 32) - (1u64 << r1);
        let (ttbr, input_bits) = if t0sz == 0 && t1sz == 0 {
            (0, 32)
        } else if va >> r0 == 0 && (t0sz > 0 || va < ttbr1_base) {
            (0, r0)
        } else if t1sz > 0 && va >= ttbr1_base {
            (1, r1)
        } else if t1sz == 0 {
            (1, 32)
        } else {
            return Err(fault);
        };
        let epd = bank.tcr & (1 << if ttbr == 0 { 7 } else { 23 }) != 0;
        if epd {
            return Err(fault);
        }
        Ok(LpaeWalk {
            stage: Stage::One,
            granule_bits: 12,
            input_bits,
            start_level: if input_bits > 30 { 1 } else { 2 },
            table: bank.ttbr[ttbr] & 0x0000_00ff_ffff_fff8,
            output_bits: 40.min(output_limit),
            af_faults: bank.sctlr & sctlr::AFFD == 0,
            wxn_el0_implies_pxn: false,
        })
    }

    /// Stage 2 walk parameters of bank `b` (TCR in VTCR layout: T0SZ, SL0,
    /// TG0, PASize; DDI 0487 D8.2.5 for the start level and concatenation).
    pub(crate) fn stage2_walk(&self, b: u8) -> Result<LpaeWalk, WalkFault> {
        let bank = &self.banks[usize::from(b)];
        let fault = WalkFault::new(ContextFaultKind::Translation, Stage::Two, 0);
        let tcr = bank.tcr;
        let sl0 = tcr >> 6 & 0b11;
        let (granule, input_bits, start_level, output_bits) = match self.format(b) {
            Format::AArch64 => {
                let granule = tg0_bits(tcr >> 14 & 3).ok_or(fault)?;
                let start = match (granule, sl0) {
                    (12, 0) | (14 | 16, 1) => 2,
                    (12, 1) | (14 | 16, 2) => 1,
                    (12, 2) => 0,
                    (14 | 16, 0) => 3,
                    _ => return Err(fault),
                };
                let pa = AddressSize::from_field(tcr >> 16 & 0b111).bits();
                (
                    granule,
                    64 - (tcr & 0x3f),
                    start,
                    pa.min(self.config.oas.bits()),
                )
            }
            _ => {
                // T0SZ is a signed 4-bit field (DDI 0487 G8.2 VTCR.T0SZ).
                let t0sz = ((tcr & 0xf) as i32) << 28 >> 28;
                let start = match sl0 {
                    0 => 2,
                    1 => 1,
                    _ => return Err(fault),
                };
                (
                    12,
                    (32 - t0sz) as u32,
                    start,
                    40.min(self.config.oas.bits()),
                )
            }
        };
        Ok(LpaeWalk {
            stage: Stage::Two,
            granule_bits: granule,
            input_bits,
            start_level,
            table: bank.ttbr[0] & 0x0000_ffff_ffff_fffe,
            output_bits,
            af_faults: bank.sctlr & sctlr::AFFD == 0,
            wxn_el0_implies_pxn: false,
        })
    }
}
