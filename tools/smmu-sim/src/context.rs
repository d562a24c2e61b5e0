// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! One translation context bank: its GR1 attributes (CBARn, CBA2Rn,
//! CBFRSYNRAn; IHI 0062D 10.7) and its page of stored registers (IHI 0062D
//! 10.13-10.17). Commands (TLBI*, TLBSYNC, ATS1*, RESUME) need the rest of
//! the SMMU and are handled in `smmu.rs`.

use crate::fault::{Fault, Txn};
use crate::regs::{cb, fsr, sctlr};

/// Translation table format of a bank (IHI 0062D 2.7: CBA2R.VA64 selects
/// AArch64; otherwise TTBCR.EAE selects long or short descriptors).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    AArch32Short,
    AArch32Long,
    AArch64,
}

impl Format {
    /// CBn_FSR.FORMAT encoding.
    pub(crate) const fn fsr_format(self) -> u32 {
        match self {
            Self::AArch32Short => 0,
            Self::AArch32Long => 1,
            Self::AArch64 => 2,
        }
    }
}

/// A transaction held by a stalled context fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Stalled {
    /// The transaction, with its attributes after S2CR overrides.
    pub(crate) txn: Txn,
    /// The fault as first reported, returned with `Response::Abort` if
    /// software terminates the transaction.
    pub(crate) fault: Fault,
}

/// Syndrome of the last recorded fault, replayed by the interrupt storm
/// injection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Syndrome {
    pub(crate) fsr: u32,
    pub(crate) far: u64,
    pub(crate) fsynr0: u32,
    pub(crate) ipafar: u64,
    pub(crate) stream_id: u16,
}

/// Progress of a TLB sync (TLBSYNC / TLBGSYNC).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum SyncState {
    #[default]
    Idle,
    /// Active; completes after this many more status reads.
    Active(u32),
}

/// Register state of one context bank.
#[derive(Debug, Default)]
pub(crate) struct ContextBank {
    pub(crate) cbar: u32,
    pub(crate) cba2r: u32,
    pub(crate) cbfrsynra: u32,
    pub(crate) sctlr: u32,
    pub(crate) actlr: u32,
    pub(crate) tcr2: u32,
    pub(crate) ttbr: [u64; 2],
    pub(crate) tcr: u32,
    pub(crate) contextidr: u32,
    pub(crate) mair: [u32; 2],
    pub(crate) par: u64,
    pub(crate) fsr: u32,
    pub(crate) far: u64,
    pub(crate) fsynr: [u32; 2],
    pub(crate) ipafar: u64,
    pub(crate) sync: SyncState,
    pub(crate) stalled: Option<Stalled>,
    pub(crate) resumed: Option<Result<u64, Fault>>,
    pub(crate) last_fault: Option<Syndrome>,
}

/// MMU-500 CBn_ACTLR reset value: CPRE and CMTLB set (DDI 0517 3.7.x; UG1087
/// SMMU_CBn_ACTLR 0x00000003).
pub(crate) const ACTLR_RESET: u32 = 0b11;

/// Replaces the low or high word of a 64-bit register.
fn set_half(reg: &mut u64, high: bool, value: u32) {
    *reg = if high {
        (*reg & 0xffff_ffff) | u64::from(value) << 32
    } else {
        (*reg & !0xffff_ffff) | u64::from(value)
    };
}

fn half(reg: u64, high: bool) -> u32 {
    (if high { reg >> 32 } else { reg }) as u32
}

impl ContextBank {
    pub(crate) fn new() -> Self {
        Self {
            actlr: ACTLR_RESET,
            sctlr: sctlr::RESET,
            ..Self::default()
        }
    }

    /// Whether this bank's FSR records a fault (what drives its interrupt).
    pub(crate) fn has_fault(&self) -> bool {
        self.fsr & (fsr::FAULTS | fsr::MULTI) != 0
    }

    pub(crate) fn enabled(&self) -> bool {
        self.sctlr & sctlr::M != 0
    }

    /// Reads a stored register; `None` for offsets that are commands or
    /// status registers handled elsewhere, `Some(0)` for RAZ.
    pub(crate) fn read32(&self, offset: u64) -> u32 {
        let high = offset & 4 != 0;
        match offset {
            cb::SCTLR => self.sctlr,
            cb::ACTLR => self.actlr,
            cb::TCR2 => self.tcr2,
            0x020 | 0x024 => half(self.ttbr[0], high),
            0x028 | 0x02c => half(self.ttbr[1], high),
            cb::TCR => self.tcr,
            cb::CONTEXTIDR => self.contextidr,
            cb::MAIR0 => self.mair[0],
            cb::MAIR1 => self.mair[1],
            0x050 | 0x054 => half(self.par, high),
            cb::FSR => self.fsr,
            0x060 | 0x064 => half(self.far, high),
            cb::FSYNR0 => self.fsynr[0],
            cb::FSYNR1 => self.fsynr[1],
            0x070 | 0x074 => half(self.ipafar, high),
            _ => 0,
        }
    }

    /// Writes a stored register. `actlr_locked` is sACR.CACHE_LOCK.
    pub(crate) fn write32(&mut self, offset: u64, value: u32, actlr_locked: bool) {
        let high = offset & 4 != 0;
        match offset {
            cb::SCTLR => self.sctlr = value & sctlr::WRITABLE,
            cb::ACTLR if !actlr_locked => self.actlr = value,
            cb::TCR2 => self.tcr2 = value,
            0x020 | 0x024 => set_half(&mut self.ttbr[0], high, value),
            0x028 | 0x02c => set_half(&mut self.ttbr[1], high, value),
            cb::TCR => self.tcr = value,
            cb::CONTEXTIDR => self.contextidr = value,
            cb::MAIR0 => self.mair[0] = value,
            cb::MAIR1 => self.mair[1] = value,
            0x050 | 0x054 => set_half(&mut self.par, high, value),
            cb::FSR => {
                // Write 1 to clear (IHI 0062D 10.14.8). SS is cleared only by
                // RESUME; FORMAT goes with the last fault bit.
                self.fsr &= !(value & (fsr::FAULTS | fsr::MULTI));
                if !self.has_fault() {
                    self.fsr &= !(0b11 << fsr::FORMAT_SHIFT);
                }
            }
            cb::FSRRESTORE => self.fsr = value,
            0x060 | 0x064 => set_half(&mut self.far, high, value),
            cb::FSYNR0 => self.fsynr[0] = value,
            cb::FSYNR1 => self.fsynr[1] = value,
            0x070 | 0x074 => set_half(&mut self.ipafar, high, value),
            _ => {}
        }
    }
}
