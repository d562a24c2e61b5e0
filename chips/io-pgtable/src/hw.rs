// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! The register values a translation context needs to walk a table: what an
//! SMMUv2 driver writes into a context bank (IHI 0062D chapter 17,
//! SMMU_CBn_TTBRm / TCR / TCR2 / MAIRm / PRRR / NMRR), also usable for an
//! SMMUv3 context descriptor. Fields are given raw, plus encoders for the
//! common register layouts.

use crate::config::Format;

/// Everything a driver needs to program a context for one page table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HwConfig {
    /// Format the table was built in.
    pub format: Format,
    /// Input address size in bits.
    pub ias: u32,
    /// Output address size in bits.
    pub oas: u32,
    /// Bit n set: pages of 2^n bytes can be mapped.
    pub pgsize_bitmap: u64,
    /// Per-format register values.
    pub regs: ContextRegs,
}

/// Register values per format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContextRegs {
    /// LPAE stage 1 (AArch64 or AArch32-L context).
    LpaeS1(LpaeS1Regs),
    /// LPAE stage 2 (AArch64 or AArch32-L context).
    LpaeS2(LpaeS2Regs),
    /// Short-descriptor stage 1 (AArch32-S context).
    V7s(V7sRegs),
}

/// Walk attributes shared by TCR and VTCR: cacheability and shareability of
/// the walker's own table reads (Arm ARM DDI 0487 D19 TCR_EL1 / VTCR_EL2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WalkAttrs {
    /// Inner cacheability: 0 non-cacheable, 1 write-back write-allocate.
    pub irgn0: u8,
    /// Outer cacheability, same encoding.
    pub orgn0: u8,
    /// Shareability: 2 outer, 3 inner.
    pub sh0: u8,
}

/// LPAE stage 1 registers. TTBR1 walks are disabled (`epd1`): an IOVA
/// space is one TTBR0 region.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LpaeS1Regs {
    /// TTBR0 value: physical base of the start-level table (ASID bits are
    /// the driver's).
    pub ttbr0: u64,
    /// TCR.T0SZ = 64 - IAS (AArch32-L TTBCR.T0SZ = 32 - IAS).
    pub t0sz: u8,
    /// TCR.TG0: 0 = 4K, 1 = 64K, 2 = 16K.
    pub tg0: u8,
    /// Table walk attributes.
    pub walk: WalkAttrs,
    /// TCR.IPS (AArch64) / SMMU_CBn_TCR2.PASize encoding of the OAS:
    /// 0 = 32, 1 = 36, 2 = 40, 3 = 42, 4 = 44, 5 = 48 bits.
    pub ips: u8,
    /// Disable TTBR1 walks (always true).
    pub epd1: bool,
    /// MAIR value (MAIR0 = low 32 bits, MAIR1 = high 32 bits for AArch32).
    pub mair: u64,
}

impl LpaeS1Regs {
    /// AArch64 TCR layout (TCR_EL1, DDI 0487 D19.2; SMMU_CBn_TCR with
    /// CBA2R.VA64 = 1 uses the same low 32 bits, with IPS moved to
    /// `SMMU_CBn_TCR2.PASize[2:0]`): `T0SZ[5:0]`, `EPD0[7]` = 0, `IRGN0[9:8]`,
    /// `ORGN0[11:10]`, `SH0[13:12]`, `TG0[15:14]`, `EPD1[23]`, `IPS[34:32]`.
    pub const fn tcr_aarch64(&self) -> u64 {
        (self.t0sz as u64 & 0x3f)
            | (self.walk.irgn0 as u64) << 8
            | (self.walk.orgn0 as u64) << 10
            | (self.walk.sh0 as u64) << 12
            | (self.tg0 as u64) << 14
            | (self.epd1 as u64) << 23
            | (self.ips as u64) << 32
    }

    /// AArch32 long-descriptor TTBCR (DDI 0406C B4.1.153, EAE = 1):
    /// `T0SZ[2:0]`, `EPD0[7]` = 0, `IRGN0[9:8]`, `ORGN0[11:10]`, `SH0[13:12]`,
    /// `EPD1[23]`, `EAE[31]` = 1.
    pub const fn ttbcr_aarch32(&self) -> u32 {
        (self.t0sz as u32 & 0x7)
            | (self.walk.irgn0 as u32) << 8
            | (self.walk.orgn0 as u32) << 10
            | (self.walk.sh0 as u32) << 12
            | (self.epd1 as u32) << 23
            | 1 << 31
    }
}

/// LPAE stage 2 registers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LpaeS2Regs {
    /// VTTBR value: physical base of the (possibly concatenated) start table.
    pub vttbr: u64,
    /// VTCR.T0SZ = 64 - IAS (AArch32: 32 - IAS as a 4-bit signed value).
    pub t0sz: u8,
    /// VTCR.SL0: start level, encoded per granule (DDI 0487 D19 VTCR_EL2:
    /// 4K: 0 = level 2, 1 = level 1, 2 = level 0; 16K/64K: 0 = level 3,
    /// 1 = level 2, 2 = level 1).
    pub sl0: u8,
    /// Start level of the walk (0..=3), what `sl0` encodes.
    pub start_level: u8,
    /// Number of concatenated start-level tables (1 = none).
    pub concatenated: u8,
    /// VTCR.TG0: 0 = 4K, 1 = 64K, 2 = 16K.
    pub tg0: u8,
    /// Table walk attributes.
    pub walk: WalkAttrs,
    /// VTCR.PS / SMMU_CBn_TCR.PASize encoding of the OAS (as `ips`).
    pub ps: u8,
}

impl LpaeS2Regs {
    /// VTCR layout (VTCR_EL2, DDI 0487 D19.2; SMMU_CBn_TCR for stage 2,
    /// IHI 0062D 17.3.x): `T0SZ[5:0]`, `SL0[7:6]`, `IRGN0[9:8]`, `ORGN0[11:10]`,
    /// `SH0[13:12]`, `TG0[15:14]`, `PS[18:16]`. For an AArch32 context only
    /// `T0SZ[3:0]` plus `S[4]` (sign of T0SZ) are used and TG0/PS are RES0.
    pub const fn vtcr(&self) -> u32 {
        (self.t0sz as u32 & 0x3f)
            | (self.sl0 as u32) << 6
            | (self.walk.irgn0 as u32) << 8
            | (self.walk.orgn0 as u32) << 10
            | (self.walk.sh0 as u32) << 12
            | (self.tg0 as u32) << 14
            | (self.ps as u32) << 16
    }
}

/// Short-descriptor registers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct V7sRegs {
    /// TTBR0 (DDI 0406C B4.1.154, Multiprocessing Extensions layout):
    /// `base[31:14]` | `IRGN[0]` bit 6 | NOS bit 5 | `RGN[4:3]` | S bit 1 |
    /// `IRGN[1]` bit 0.
    pub ttbr0: u32,
    /// TTBCR (B4.1.153): N = 0 (TTBR0 covers all 4 GiB), PD1 = 1.
    pub ttbcr: u32,
    /// The table uses TEX remap; program PRRR/NMRR and set SCTLR.TRE.
    pub tex_remap: bool,
    /// PRRR (B4.1.127) when `tex_remap`, else 0.
    pub prrr: u32,
    /// NMRR (B4.1.111) when `tex_remap`, else 0.
    pub nmrr: u32,
}
