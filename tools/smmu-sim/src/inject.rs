// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! Fault injection: misbehaviour a real SMMU can show and a driver must
//! survive — a TLB sync that never completes, a context interrupt that is
//! re-raised as soon as it is cleared, and a stream that matches two SMRs.

use crate::smmu::Smmu;

/// A sync that never completes (injected).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncTarget {
    /// TLBGSYNC / TLBGSTATUS.
    Global,
    /// TLBSYNC / TLBSTATUS of one context bank.
    Bank(u8),
}

/// Injected misbehaviour.
#[derive(Debug, Default)]
pub(crate) struct Injections {
    pub(crate) stuck_global_sync: bool,
    pub(crate) stuck_bank_sync: Vec<u8>,
    pub(crate) storm_banks: Vec<u8>,
    pub(crate) conflict_streams: Vec<u16>,
}

impl Smmu {
    /// Makes TLBSYNC (of a bank) or TLBGSYNC never complete: the status
    /// register reports "active" for ever and the queued invalidations are
    /// never applied, until [`Smmu::clear_injections`].
    pub fn inject_stuck_sync(&mut self, target: SyncTarget) {
        match target {
            SyncTarget::Global => self.inject.stuck_global_sync = true,
            SyncTarget::Bank(n) => self.inject.stuck_bank_sync.push(n),
        }
    }

    /// Makes bank `bank` re-raise its last fault every time software clears
    /// FSR: the context interrupt never stays low (a fault storm).
    pub fn inject_interrupt_storm(&mut self, bank: u8) {
        self.inject.storm_banks.push(bank);
    }

    /// Makes every transaction from `stream_id` match two SMRs (a stream
    /// match conflict) whatever the SMRs say.
    pub fn inject_smr_conflict(&mut self, stream_id: u16) {
        self.inject.conflict_streams.push(stream_id);
    }

    /// Removes every injection.
    pub fn clear_injections(&mut self) {
        self.inject = Injections::default();
    }

    pub(crate) fn maybe_storm(&mut self, n: u8) {
        if !self.inject.storm_banks.contains(&n) {
            return;
        }
        let bank = &mut self.banks[usize::from(n)];
        if let Some(s) = bank.last_fault {
            bank.fsr = s.fsr;
            bank.far = s.far;
            bank.fsynr[0] = s.fsynr0;
            bank.ipafar = s.ipafar;
            bank.cbfrsynra = u32::from(s.stream_id);
        }
    }
}
