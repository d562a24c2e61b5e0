// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! Shared test helpers: building a model, programming stream mapping and
//! context banks with raw register writes (as a driver would, IHI 0062D
//! chapter 10 offsets), and writing hand-computed descriptors.
#![allow(dead_code, unreachable_pub)] // Each test binary uses a subset.

use smmu_sim::regs::{cb, cr0, gr0, gr1, sctlr};
use smmu_sim::{SimMemory, Smmu, SmmuConfig};

/// A stream ID as ZynqMP's GDMA channel 0 presents it.
pub const SID: u16 = 0x14e8;

/// CBAR.TYPE field position.
pub const CBAR_TYPE_SHIFT: u32 = 16;

/// A model with the MMU-500 configuration and fresh memory.
pub fn mmu500() -> Smmu {
    with_config(SmmuConfig::mmu500())
}

pub fn with_config(config: SmmuConfig) -> Smmu {
    Smmu::new(config, SimMemory::new()).expect("valid configuration")
}

/// Offset of register `reg` in context bank `n`.
pub fn cbo(smmu: &Smmu, n: u8, reg: u64) -> u64 {
    smmu.config().context_bank_offset(n) + reg
}

/// Offset of GR1 register `reg` (CBAR/CBFRSYNRA/CBA2R) for bank `n`.
pub fn gr1o(smmu: &Smmu, n: u8, reg: u64) -> u64 {
    smmu.config().page_size() + reg + 4 * u64::from(n)
}

/// sCR0 as a careful driver leaves it: client port enabled, unmatched
/// streams fault, global faults reported and interrupting.
pub fn enable(smmu: &mut Smmu) {
    smmu.write32(gr0::CR0, cr0::USFCFG | cr0::GFRE | cr0::GFIE);
}

/// SMR group `group` matches `sid` exactly and translates through `bank`.
pub fn attach(smmu: &mut Smmu, group: u64, sid: u16, bank: u8) {
    smmu.write32(gr0::S2CR + 4 * group, u32::from(bank));
    smmu.write32(gr0::SMR + 4 * group, 1 << 31 | u32::from(sid));
}

/// SCTLR bits a driver sets for a translating context: M, TRE, AFE, CFRE,
/// CFIE.
pub const SCTLR_ON: u32 = sctlr::M | sctlr::TRE | sctlr::AFE | sctlr::CFRE | sctlr::CFIE;

/// Programs bank `n` as an AArch64 stage 1 context (stage 2 bypass).
pub fn s1_aarch64(smmu: &mut Smmu, n: u8, vmid: u8, tcr: u32, tcr2: u32, ttbr0: u64, ttbr1: u64) {
    smmu.write32(
        gr1o(smmu, n, gr1::CBAR),
        1 << CBAR_TYPE_SHIFT | u32::from(vmid),
    );
    smmu.write32(gr1o(smmu, n, gr1::CBA2R), 1);
    smmu.write32(cbo(smmu, n, cb::TCR2), tcr2);
    smmu.write64(cbo(smmu, n, cb::TTBR0), ttbr0);
    smmu.write64(cbo(smmu, n, cb::TTBR1), ttbr1);
    smmu.write32(cbo(smmu, n, cb::TCR), tcr);
    smmu.write32(cbo(smmu, n, cb::SCTLR), SCTLR_ON);
}

/// Allocates a zeroed table of `bytes` (aligned to its size, below 4 GiB).
pub fn new_table(smmu: &Smmu, bytes: usize) -> u64 {
    smmu.memory()
        .alloc(bytes, bytes, 1 << 32)
        .expect("table memory")
}

/// Writes a 64-bit descriptor at `table[index]`.
pub fn set64(smmu: &Smmu, table: u64, index: u64, desc: u64) {
    smmu.memory().write_u64(table + 8 * index, desc).unwrap();
}

/// Writes a 32-bit descriptor at `table[index]`.
pub fn set32(smmu: &Smmu, table: u64, index: u64, desc: u32) {
    smmu.memory().write_u32(table + 4 * index, desc).unwrap();
}

/// Long-descriptor bits (DDI 0487 D8.3): valid, table/page, AF, AP[1]
/// (EL0 access), AP[2] (read-only), nG, XN, S2AP read/write.
pub mod lpae {
    pub const VALID: u64 = 1;
    pub const TABLE: u64 = 0b11;
    pub const PAGE: u64 = 0b11;
    pub const BLOCK: u64 = 0b01;
    pub const AF: u64 = 1 << 10;
    pub const AP_EL0: u64 = 1 << 6;
    pub const AP_RO: u64 = 1 << 7;
    pub const NG: u64 = 1 << 11;
    pub const XN: u64 = 1 << 54;
    pub const S2AP_R: u64 = 1 << 6;
    pub const S2AP_W: u64 = 1 << 7;
    /// An EL0-accessible read/write page as `io-pgtable`-style code writes it.
    pub const fn page(pa: u64) -> u64 {
        pa | PAGE | AF | AP_EL0
    }
    pub const fn block(pa: u64) -> u64 {
        pa | BLOCK | AF | AP_EL0
    }
    pub const fn table(pa: u64) -> u64 {
        pa | TABLE
    }
}

/// Issues TLBSYNC on bank `n` and polls TLBSTATUS until it reads 0 (at most
/// `limit` polls); returns whether it completed.
pub fn tlb_sync(smmu: &mut Smmu, n: u8, limit: u32) -> bool {
    smmu.write32(cbo(smmu, n, cb::TLBSYNC), 0);
    (0..limit).any(|_| smmu.read32(cbo(smmu, n, cb::TLBSTATUS)) & 1 == 0)
}

/// TLBGSYNC and poll TLBGSTATUS.
pub fn tlb_gsync(smmu: &mut Smmu, limit: u32) -> bool {
    smmu.write32(gr0::TLBGSYNC, 0);
    (0..limit).any(|_| smmu.read32(gr0::TLBGSTATUS) & 1 == 0)
}
