// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Context banks: allocation with an ASID/VMID, programming from an
//! `io-pgtable` hardware configuration, enabling, and the strict teardown
//! (block streams, disable, invalidate, sync, release).
//!
//! Registers (IHI 0062D): SMMU_CBARn, SMMU_CBA2Rn, and the bank's SCTLR,
//! TCR, TCR2, TTBRn, CONTEXTIDR, MAIRn/PRRR/NMRR.

use io_pgtable::{ContextRegs, Format, Granule, HwConfig};
use kernel::hil::iommu::{DomainId, Stage};
use tock_registers::LocalRegisterCopy;

use crate::driver::ArmSmmu;
use crate::error::SmmuError;
use crate::io::RegisterIo;
use crate::registers::context::{self as cb, SCTLR_REG, TCR2_REG, TTBCR_REG};
use crate::registers::global::{CBA2R_BASE, CBA2R_REG, CBAR_BASE, CBAR_REG};
use crate::state::{ContextFormat, ContextSlot, ContextState};

/// The TLB tags of a context: ASID for stage 1, VMID for both (a stage 1
/// bank's entries are tagged with its CBAR.VMID too).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Tags {
    pub(crate) asid: u16,
    pub(crate) vmid: u16,
}

impl Tags {
    /// One fixed tag pair per bank: ASID = bank, VMID = bank + 1 (VMID 0 is
    /// left to bypass/Secure use). Banks number at most 128 (sIDR1.NUMCB is
    /// 8 bits, the CBAR array holds 256), so both fit 8 bits and no tag is
    /// ever shared: freeing a bank invalidates its tags, so reuse is safe.
    pub(crate) const fn of_bank(bank: usize) -> Self {
        Self {
            asid: bank as u16,
            vmid: (bank + 1) as u16,
        }
    }
}

/// Stage and scheme of a table format.
pub(crate) fn classify(format: Format) -> (Stage, ContextFormat) {
    match format {
        Format::Lpae64 { stage, .. } => (stage_of(stage), ContextFormat::AArch64),
        Format::Lpae32 { stage } => (stage_of(stage), ContextFormat::AArch32Long),
        Format::V7s => (Stage::One, ContextFormat::AArch32Short),
    }
}

fn stage_of(stage: io_pgtable::Stage) -> Stage {
    match stage {
        io_pgtable::Stage::S1 => Stage::One,
        io_pgtable::Stage::S2 => Stage::Two,
    }
}

impl<R: RegisterIo, const CONTEXTS: usize, const STREAMS: usize> ArmSmmu<'_, R, CONTEXTS, STREAMS> {
    /// Whether the hardware can walk tables built with `hw`.
    pub fn supports(&self, hw: &HwConfig) -> bool {
        let caps = &self.caps;
        let formats = &caps.formats;
        let (stage, _) = classify(hw.format);
        let format_ok = match hw.format {
            Format::Lpae64 { granule, .. } => match granule {
                Granule::K4 => formats.aarch64_4k,
                Granule::K16 => formats.aarch64_16k,
                Granule::K64 => formats.aarch64_64k,
            },
            Format::Lpae32 { .. } => formats.aarch32_long,
            Format::V7s => formats.aarch32_short,
        };
        // Stage 1 takes device addresses (at most UBS bits) to IPAs (IAS);
        // stage 2 takes IPAs (IAS) to PAs (OAS): IHI 0062D, SMMU_sIDR2.
        let (input_limit, output_limit) = match stage {
            Stage::One => (caps.ubs_bits, caps.ias_bits),
            Stage::Two => (caps.ias_bits, caps.oas_bits),
        };
        let stage_ok = match stage {
            Stage::One => caps.stage1,
            Stage::Two => caps.stage2,
        };
        format_ok
            && stage_ok
            && hw.ias <= u32::from(input_limit)
            && hw.oas <= u32::from(output_limit)
    }

    /// Context banks the driver manages in total and those still free.
    pub fn context_counts(&self) -> (usize, usize) {
        let free = self.contexts[..self.bank_count]
            .iter()
            .filter(|slot| slot.get().state == ContextState::Free)
            .count();
        (self.bank_count, free)
    }

    /// The shadow state of `domain`'s bank.
    pub fn context_state(&self, domain: DomainId) -> Option<ContextState> {
        self.slot_of_bank(domain.index())
            .map(|slot| self.contexts[slot].get().state)
    }

    /// Allocates a context bank for tables described by `hw`, programs it
    /// and enables translation. No stream reaches it until `attach_stream`.
    pub fn allocate_context(&self, hw: &HwConfig) -> Result<DomainId, SmmuError> {
        if !self.supports(hw) {
            return Err(SmmuError::Unsupported);
        }
        let (stage, format) = classify(hw.format);
        let slot = self.pick_free_slot(stage)?;
        let bank = self.first_bank + slot;
        self.program_bank(bank, hw, format, stage);
        self.contexts[slot].set(ContextSlot {
            state: ContextState::Active,
            format,
            stage,
            faults: 0,
        });
        Ok(DomainId::new(bank as u16))
    }

    /// Stage 1 needs a bank at or above NUMS2CB; stage 2 takes the
    /// stage-2-only banks first to keep the others for stage 1.
    fn pick_free_slot(&self, stage: Stage) -> Result<usize, SmmuError> {
        let free = |slot: &usize| self.contexts[*slot].get().state == ContextState::Free;
        let stage1_capable = |slot: &usize| self.caps.bank_supports_stage1(self.first_bank + slot);
        let mut slots = 0..self.bank_count;
        match stage {
            Stage::One => slots.find(|slot| free(slot) && stage1_capable(slot)),
            Stage::Two => slots
                .clone()
                .find(|slot| free(slot) && !stage1_capable(slot))
                .or_else(|| slots.find(free)),
        }
        .ok_or(SmmuError::NoContextBank)
    }

    /// Writes every register of the bank, SCTLR last (the write that turns
    /// translation on sees a complete configuration).
    fn program_bank(&self, bank: usize, hw: &HwConfig, format: ContextFormat, stage: Stage) {
        let tags = Tags::of_bank(bank);
        let io = &self.io;

        let mut cba2r = LocalRegisterCopy::<u32, CBA2R_REG::Register>::new(0);
        if format == ContextFormat::AArch64 {
            cba2r.modify(CBA2R_REG::VA64::SET);
        }
        io.write32(self.gr1(CBA2R_BASE + 4 * bank), cba2r.get());

        let mut cbar = LocalRegisterCopy::<u32, CBAR_REG::Register>::new(0);
        cbar.modify(
            CBAR_REG::VMID.val(u32::from(tags.vmid)) + CBAR_REG::IRPTNDX.val(self.irpt_index(bank)),
        );
        match stage {
            Stage::One => cbar.modify(
                CBAR_REG::TYPE::Stage1Stage2Bypass
                    + CBAR_REG::BPSHCFG::NonShareable
                    + CBAR_REG::MEMATTR::WriteBackCacheable,
            ),
            Stage::Two => cbar.modify(CBAR_REG::TYPE::Stage2),
        }
        io.write32(self.gr1(CBAR_BASE + 4 * bank), cbar.get());

        let mut sctlr = LocalRegisterCopy::<u32, SCTLR_REG::Register>::new(0);
        sctlr.modify(SCTLR_REG::M::SET + SCTLR_REG::CFRE::SET + SCTLR_REG::CFIE::SET);

        match hw.regs {
            ContextRegs::LpaeS1(regs) => {
                let mut tcr2 = LocalRegisterCopy::<u32, TCR2_REG::Register>::new(0);
                tcr2.modify(TCR2_REG::PASIZE.val(u32::from(regs.ips)));
                io.write32(self.cb(bank, cb::TCR2), tcr2.get());
                // ASID in TTBR0[55:48] (8-bit ASIDs, TCR2.AS = 0) for both
                // AArch64 and AArch32-L contexts (IHI 0062D, SMMU_CBn_TTBR0).
                let ttbr0 = regs.ttbr0 | (u64::from(tags.asid) << 48);
                io.write64(self.cb(bank, cb::TTBR0), ttbr0);
                io.write64(self.cb(bank, cb::TTBR1), 0);
                let tcr = if format == ContextFormat::AArch64 {
                    // Low word of TCR_EL1; IPS lives in TCR2.PASIZE.
                    regs.tcr_aarch64() as u32
                } else {
                    regs.ttbcr_aarch32()
                };
                // TTBR1 is never used: make sure it is never walked.
                let mut tcr = LocalRegisterCopy::<u32, TTBCR_REG::Register>::new(tcr);
                tcr.modify(TTBCR_REG::EPD1::SET);
                io.write32(self.cb(bank, cb::TCR), tcr.get());
                io.write32(self.cb(bank, cb::MAIR0), regs.mair as u32);
                io.write32(self.cb(bank, cb::MAIR1), (regs.mair >> 32) as u32);
                sctlr.modify(SCTLR_REG::ASIDPNE::SET);
            }
            ContextRegs::LpaeS2(regs) => {
                io.write64(self.cb(bank, cb::TTBR0), regs.vttbr);
                io.write32(self.cb(bank, cb::TCR), regs.vtcr());
            }
            ContextRegs::V7s(regs) => {
                io.write32(self.cb(bank, cb::TTBR0), regs.ttbr0);
                io.write32(self.cb(bank, cb::TTBR1), 0);
                let mut ttbcr = LocalRegisterCopy::<u32, TTBCR_REG::Register>::new(regs.ttbcr);
                ttbcr.modify(TTBCR_REG::PD1::SET + TTBCR_REG::EAE::CLEAR);
                io.write32(self.cb(bank, cb::TCR), ttbcr.get());
                io.write32(self.cb(bank, cb::CONTEXTIDR), u32::from(tags.asid));
                io.write32(self.cb(bank, cb::MAIR0), regs.prrr);
                io.write32(self.cb(bank, cb::MAIR1), regs.nmrr);
                if regs.tex_remap {
                    sctlr.modify(SCTLR_REG::TRE::SET);
                }
                sctlr.modify(SCTLR_REG::ASIDPNE::SET);
            }
        }

        io.write32(self.cb(bank, cb::FSR), cb::FSR_FAULT_BITS);
        // Already done at reset; repeated in case firmware or a previous
        // owner re-enabled prefetch (errata 841119 / 826419).
        self.mmu500_disable_prefetch(bank);
        io.write32(self.cb(bank, cb::SCTLR), sctlr.get());
    }

    /// CBAR.IRPTNDX: banks share the implemented context interrupts
    /// round-robin (MMU-500 gives each bank its own interrupt and ignores
    /// the field).
    fn irpt_index(&self, bank: usize) -> u32 {
        match self.caps.context_interrupts {
            0 => 0,
            n => (bank % n) as u32,
        }
    }

    /// The slot and shadow of `domain` if it is allocated and active.
    pub(crate) fn active(&self, domain: DomainId) -> Result<(usize, ContextSlot), SmmuError> {
        let slot = self
            .slot_of_bank(domain.index())
            .ok_or(SmmuError::InvalidDomain)?;
        let context = self.contexts[slot].get();
        match context.state {
            ContextState::Active => Ok((slot, context)),
            ContextState::Free => Err(SmmuError::InvalidDomain),
            ContextState::Disabled => Err(SmmuError::DomainDisabled),
            ContextState::Unusable => Err(SmmuError::DomainUnusable),
        }
    }

    /// Marks `slot` unusable after a timeout; it is never handed out again.
    /// Its streams are blocked and its faults silenced at once: the TLB may
    /// still hold translations that were meant to be gone.
    pub(crate) fn retire(&self, slot: usize) {
        self.quiet_bank(self.first_bank + slot);
        let mut context = self.contexts[slot].get();
        context.state = ContextState::Unusable;
        self.contexts[slot].set(context);
    }

    /// Tears a context down: every stream routed to it is blocked (S2CR
    /// Fault, SMR invalid), translation is disabled, its ASID (stage 1) or
    /// VMID (stage 2) is invalidated and the invalidation synced. Only then
    /// is the bank free, and only then may the caller reuse the table pages.
    ///
    /// A disabled (fault storm) context is torn down the same way. An
    /// unusable one is refused: its bank stays retired and
    /// [`SmmuError::DomainUnusable`] tells the caller to quarantine.
    pub fn release_context(&self, domain: DomainId) -> Result<(), SmmuError> {
        let bank = domain.index();
        let slot = self.slot_of_bank(bank).ok_or(SmmuError::InvalidDomain)?;
        let context = self.contexts[slot].get();
        match context.state {
            ContextState::Free => return Err(SmmuError::InvalidDomain),
            ContextState::Unusable => return Err(SmmuError::DomainUnusable),
            ContextState::Active | ContextState::Disabled => {}
        }
        self.detach_all(bank);
        self.disable_bank_hardware(bank);
        if let Err(error) = self.invalidate_context_tags(bank, context) {
            self.retire(slot);
            self.notify_sync_timeout(domain);
            return Err(error);
        }
        self.contexts[slot].set(ContextSlot::FREE);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{Tags, classify};
    use crate::state::ContextFormat;
    use io_pgtable::{Format, Granule, Stage as PtStage};
    use kernel::hil::iommu::Stage;

    #[test]
    fn tags_are_unique_per_bank_and_vmid_zero_is_never_used() {
        for bank in 0..128 {
            let tags = Tags::of_bank(bank);
            assert_eq!(usize::from(tags.asid), bank);
            assert_eq!(usize::from(tags.vmid), bank + 1);
            assert!(tags.vmid <= 0xff);
        }
    }

    #[test]
    fn formats_select_the_translation_scheme() {
        let lpae64 = Format::Lpae64 {
            stage: PtStage::S2,
            granule: Granule::K16,
        };
        assert_eq!(classify(lpae64), (Stage::Two, ContextFormat::AArch64));
        let lpae32 = Format::Lpae32 { stage: PtStage::S1 };
        assert_eq!(classify(lpae32), (Stage::One, ContextFormat::AArch32Long));
        assert_eq!(
            classify(Format::V7s),
            (Stage::One, ContextFormat::AArch32Short)
        );
    }
}
