// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Fault handling: decode the context (FSR/FAR/FSYNR0/CBFRSYNRA) and global
//! (sGFSR/sGFAR/sGFSYNR0/1) fault records into typed faults, clear them,
//! hand them to the client, and rate-limit them so a storm cannot livelock
//! the kernel.
//!
//! Registers (IHI 0062D): SMMU_sGFAR, SMMU_sGFSR, SMMU_sGFSYNR0/1 (global),
//! SMMU_CBFRSYNRAn, SMMU_CBn_FSR, SMMU_CBn_FAR, SMMU_CBn_FSYNR0 (context).
//!
//! Rate limiting has no clock of its own: the board calls
//! [`ArmSmmu::start_fault_window`] periodically (from a timer), and each
//! context may report `context_fault_limit` faults per window. One more and
//! the context is disabled: its streams are blocked (S2CR type Fault) and its
//! fault reporting and interrupt are turned off, so the interrupt stops. The
//! same budget applies to global faults, whose interrupt is masked until the
//! next window instead (nothing to disable: global faults come from streams
//! no domain owns).

use kernel::hil::iommu::{Access, DisableReason, DomainId, Fault, FaultKind, StreamId};
use tock_registers::LocalRegisterCopy;

use crate::driver::ArmSmmu;
use crate::io::RegisterIo;
use crate::registers::context::{self as cb, FSR_REG, FSYNR0_REG, SCTLR_REG};
use crate::registers::global::{
    self as gr, CBFRSYNRA_BASE, CBFRSYNRA_REG, SCR0_REG, SGFSR_REG, SGFSYNR0_REG, SGFSYNR1_REG,
};
use crate::state::ContextState;

/// Classifies a context fault from FSR (IHI 0062D, SMMU_CBn_FSR); `None` if FSR
/// records no fault. When several bits are set the most specific cause wins
/// (a translation fault explains an address-size fault, and so on).
pub fn decode_context_fault(fsr: u32) -> Option<FaultKind> {
    let fsr = LocalRegisterCopy::<u32, FSR_REG::Register>::new(fsr);
    let kind = if fsr.is_set(FSR_REG::TF) {
        FaultKind::Translation
    } else if fsr.is_set(FSR_REG::AFF) {
        FaultKind::AccessFlag
    } else if fsr.is_set(FSR_REG::PF) {
        FaultKind::Permission
    } else if fsr.is_set(FSR_REG::ASF) {
        FaultKind::AddressSize
    } else if fsr.is_set(FSR_REG::EF) {
        FaultKind::External
    } else if fsr.is_set(FSR_REG::TLBMCF) {
        FaultKind::TlbConflict
    } else if fsr.get() & cb::FSR_FAULT_BITS != 0 {
        FaultKind::Other
    } else {
        return None;
    };
    Some(kind)
}

/// Classifies a global fault from sGFSR (IHI 0062D, SMMU_sGFSR); `None` if none
/// is recorded.
pub fn decode_global_fault(gfsr: u32) -> Option<FaultKind> {
    let gfsr = LocalRegisterCopy::<u32, SGFSR_REG::Register>::new(gfsr);
    let kind = if gfsr.is_set(SGFSR_REG::USF) {
        FaultKind::UnidentifiedStream
    } else if gfsr.is_set(SGFSR_REG::SMCF) {
        FaultKind::StreamMatchConflict
    } else if gfsr.is_set(SGFSR_REG::ICF)
        || gfsr.is_set(SGFSR_REG::UCBF)
        || gfsr.is_set(SGFSR_REG::UCIF)
    {
        FaultKind::InvalidContext
    } else if gfsr.is_set(SGFSR_REG::EF) {
        FaultKind::External
    } else if gfsr.is_set(SGFSR_REG::PF) {
        FaultKind::Permission
    } else if gfsr.get() != 0 {
        FaultKind::Other
    } else {
        return None;
    };
    Some(kind)
}

/// Access direction from a syndrome's write-not-read bit.
const fn access_of(write: bool) -> Access {
    if write { Access::Write } else { Access::Read }
}

impl<R: RegisterIo, const CONTEXTS: usize, const STREAMS: usize> ArmSmmu<'_, R, CONTEXTS, STREAMS> {
    /// Handles the context fault interrupt: every managed bank with a
    /// recorded fault is decoded, cleared and reported. Returns how many
    /// faults were found. Safe to call when nothing is pending (a shared
    /// interrupt line, as on ZynqMP).
    pub fn handle_context_interrupt(&self) -> usize {
        (0..self.bank_count)
            .filter(|slot| self.handle_context_fault(self.first_bank + slot))
            .count()
    }

    /// Handles a fault recorded by bank `bank`, if any. Returns whether one
    /// was found.
    pub fn handle_context_fault(&self, bank: usize) -> bool {
        let Some(slot) = self.slot_of_bank(bank) else {
            return false;
        };
        let fsr = self.io.read32(self.cb(bank, cb::FSR));
        let Some(kind) = decode_context_fault(fsr) else {
            return false;
        };
        let iova = self.io.read64(self.cb(bank, cb::FAR));
        let fsynr0 = LocalRegisterCopy::<u32, FSYNR0_REG::Register>::new(
            self.io.read32(self.cb(bank, cb::FSYNR0)),
        );
        let stream = LocalRegisterCopy::<u32, CBFRSYNRA_REG::Register>::new(
            self.io.read32(self.gr1(CBFRSYNRA_BASE + 4 * bank)),
        )
        .read(CBFRSYNRA_REG::SID);
        // Clear exactly what was read (write-one-to-clear); a fault recorded
        // after the read stays pending and raises the interrupt again.
        self.io
            .write32(self.cb(bank, cb::FSR), fsr & cb::FSR_FAULT_BITS);

        let mut context = self.contexts[slot].get();
        match context.state {
            ContextState::Active => {}
            // Already reported as disabled or unusable: make sure the bank is
            // quiet (it should be) so it cannot storm unaccounted.
            ContextState::Disabled | ContextState::Unusable => {
                self.quiet_bank(bank);
                return true;
            }
            // A fault that raced with teardown: cleared, nobody to tell.
            ContextState::Free => return true,
        }
        let domain = DomainId::new(bank as u16);
        context.faults = context.faults.saturating_add(1);
        self.contexts[slot].set(context);
        if context.faults > self.config.context_fault_limit {
            self.disable_for_storm(slot, bank);
            if let Some(client) = self.client.get() {
                client.domain_disabled(domain, DisableReason::FaultStorm);
            }
            return true;
        }
        if let Some(client) = self.client.get() {
            client.fault(&Fault {
                domain: Some(domain),
                stream: Some(StreamId::new(stream)),
                iova,
                access: access_of(fsynr0.is_set(FSYNR0_REG::WNR)),
                kind,
            });
        }
        true
    }

    /// Handles the global fault interrupt. Returns whether a fault was
    /// recorded.
    pub fn handle_global_interrupt(&self) -> bool {
        let gfsr = self.io.read32(gr::SGFSR);
        let Some(kind) = decode_global_fault(gfsr) else {
            return false;
        };
        let address = self.io.read64(gr::SGFAR);
        let syndrome0 =
            LocalRegisterCopy::<u32, SGFSYNR0_REG::Register>::new(self.io.read32(gr::SGFSYNR0));
        let stream =
            LocalRegisterCopy::<u32, SGFSYNR1_REG::Register>::new(self.io.read32(gr::SGFSYNR1))
                .read(SGFSYNR1_REG::STREAMID);
        self.io.write32(gr::SGFSR, gfsr);

        let count = self.global_faults.get().saturating_add(1);
        self.global_faults.set(count);
        if count > self.config.global_fault_limit {
            if !self.global_suppressed.get() {
                self.set_global_interrupt(false);
                self.global_suppressed.set(true);
                if let Some(client) = self.client.get() {
                    client.global_faults_suppressed();
                }
            }
            return true;
        }
        if let Some(client) = self.client.get() {
            client.fault(&Fault {
                domain: None,
                stream: Some(StreamId::new(stream)),
                iova: address,
                access: access_of(syndrome0.is_set(SGFSYNR0_REG::WNR)),
                kind,
            });
        }
        true
    }

    /// Starts a new rate-limit window: every fault budget is refilled and a
    /// suppressed global fault interrupt is unmasked. Disabled contexts stay
    /// disabled (they must be freed).
    pub fn start_fault_window(&self) {
        for slot in &self.contexts[..self.bank_count] {
            let mut context = slot.get();
            context.faults = 0;
            slot.set(context);
        }
        self.global_faults.set(0);
        if self.global_suppressed.get() {
            self.global_suppressed.set(false);
            self.set_global_interrupt(true);
        }
    }

    /// The storm response: streams blocked, context fault reporting and
    /// interrupt off. SCTLR.M stays set: with M clear a stage 1 context
    /// would let transactions bypass translation.
    fn disable_for_storm(&self, slot: usize, bank: usize) {
        self.quiet_bank(bank);
        let mut context = self.contexts[slot].get();
        context.state = ContextState::Disabled;
        self.contexts[slot].set(context);
    }

    /// Cuts `bank` off without tearing it down: every stream routed to it
    /// faults (S2CR type Fault, SMRs kept), and its fault reporting and
    /// interrupt are off. Needs no TLB sync, so it also works when the SMMU
    /// stopped completing syncs.
    pub(crate) fn quiet_bank(&self, bank: usize) {
        self.block_streams(bank);
        let offset = self.cb(bank, cb::SCTLR);
        let mut sctlr = LocalRegisterCopy::<u32, SCTLR_REG::Register>::new(self.io.read32(offset));
        sctlr.modify(SCTLR_REG::CFIE::CLEAR + SCTLR_REG::CFRE::CLEAR);
        self.io.write32(offset, sctlr.get());
        // Anything recorded before reporting went off is dropped.
        self.io.write32(self.cb(bank, cb::FSR), cb::FSR_FAULT_BITS);
    }

    /// Sets or clears sCR0.GFIE (global fault reporting, GFRE, stays on).
    fn set_global_interrupt(&self, enabled: bool) {
        let mut scr0 = LocalRegisterCopy::<u32, SCR0_REG::Register>::new(self.io.read32(gr::SCR0));
        scr0.modify(if enabled {
            SCR0_REG::GFIE::SET
        } else {
            SCR0_REG::GFIE::CLEAR
        });
        self.io.write32(gr::SCR0, scr0.get());
    }

    /// Tells the client a domain became unusable after a sync timeout.
    pub(crate) fn notify_sync_timeout(&self, domain: DomainId) {
        if let Some(client) = self.client.get() {
            client.domain_disabled(domain, DisableReason::SyncTimeout);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{decode_context_fault, decode_global_fault};
    use kernel::hil::iommu::FaultKind;

    #[test]
    fn context_fault_bits_decode_to_kinds() {
        assert_eq!(decode_context_fault(0), None);
        assert_eq!(decode_context_fault(1 << 1), Some(FaultKind::Translation));
        assert_eq!(decode_context_fault(1 << 2), Some(FaultKind::AccessFlag));
        assert_eq!(decode_context_fault(1 << 3), Some(FaultKind::Permission));
        assert_eq!(decode_context_fault(1 << 4), Some(FaultKind::External));
        assert_eq!(decode_context_fault(1 << 5), Some(FaultKind::TlbConflict));
        assert_eq!(decode_context_fault(1 << 7), Some(FaultKind::AddressSize));
        assert_eq!(decode_context_fault(1 << 6), Some(FaultKind::Other));
        assert_eq!(decode_context_fault(1 << 8), Some(FaultKind::Other));
        // MULTI alone still means something was recorded.
        assert_eq!(decode_context_fault(1 << 31), Some(FaultKind::Other));
        // FORMAT bits alone are not a fault.
        assert_eq!(decode_context_fault(0b11 << 9), None);
        // Most specific wins.
        assert_eq!(
            decode_context_fault((1 << 3) | (1 << 31)),
            Some(FaultKind::Permission)
        );
        assert_eq!(
            decode_context_fault((1 << 1) | (1 << 7)),
            Some(FaultKind::Translation)
        );
    }

    #[test]
    fn global_fault_bits_decode_to_kinds() {
        assert_eq!(decode_global_fault(0), None);
        assert_eq!(
            decode_global_fault(1 << 1),
            Some(FaultKind::UnidentifiedStream)
        );
        assert_eq!(
            decode_global_fault(1 << 2),
            Some(FaultKind::StreamMatchConflict)
        );
        assert_eq!(decode_global_fault(1 << 0), Some(FaultKind::InvalidContext));
        assert_eq!(decode_global_fault(1 << 3), Some(FaultKind::InvalidContext));
        assert_eq!(decode_global_fault(1 << 4), Some(FaultKind::InvalidContext));
        assert_eq!(decode_global_fault(1 << 5), Some(FaultKind::Other));
        assert_eq!(decode_global_fault(1 << 6), Some(FaultKind::External));
        assert_eq!(decode_global_fault(1 << 7), Some(FaultKind::Permission));
    }
}
