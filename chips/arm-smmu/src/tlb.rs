// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! TLB maintenance: by address (leaf-only when no table was unlinked), by
//! ASID or VMID, and everything; each followed by a sync polled a bounded
//! number of times. A sync that does not complete retires the context.
//!
//! Registers (IHI 0062D): global SMMU_TLBIALLH, SMMU_TLBIALLNSNH,
//! SMMU_TLBIVMID, SMMU_sTLBGSYNC, SMMU_sTLBGSTATUS; per bank SMMU_CBn_TLBIVA,
//! _TLBIVAL, _TLBIASID, _TLBIIPAS2, _TLBIIPAS2L, _TLBSYNC, _TLBSTATUS.

use io_pgtable::TlbGather;
use kernel::hil::iommu::{DomainId, Stage};
use tock_registers::LocalRegisterCopy;

use crate::context::Tags;
use crate::driver::ArmSmmu;
use crate::error::SmmuError;
use crate::io::RegisterIo;
use crate::registers::context::{self as cb, TLBSTATUS_REG};
use crate::registers::global::{self as gr, TLBGSTATUS_REG};
use crate::state::{ContextFormat, ContextSlot};

/// Makes the CPU's earlier stores to translation tables (Normal memory)
/// visible to the SMMU before the following register write that starts TLB
/// maintenance: `DSB ST` (Arm ARM DDI 0487 B2.3.12; a DMB does not order
/// Normal stores against a Device write's side effects).
#[inline(always)]
fn table_writes_visible() {
    #[cfg(target_arch = "aarch64")]
    // SAFETY: `dsb st` only waits for earlier stores to complete; it touches
    // no memory or register the compiler relies on.
    unsafe {
        core::arch::asm!("dsb st", options(nostack, preserves_flags));
    }
    #[cfg(not(target_arch = "aarch64"))]
    core::sync::atomic::fence(core::sync::atomic::Ordering::SeqCst);
}

impl<R: RegisterIo, const CONTEXTS: usize, const STREAMS: usize> ArmSmmu<'_, R, CONTEXTS, STREAMS> {
    /// Polls `status_offset` until `busy` reads clear, at most
    /// `sync_poll_limit` times.
    fn poll_until_idle(
        &self,
        status_offset: usize,
        busy: impl Fn(u32) -> bool,
    ) -> Result<(), SmmuError> {
        for _ in 0..self.config.sync_poll_limit {
            if !busy(self.io.read32(status_offset)) {
                return Ok(());
            }
            core::hint::spin_loop();
        }
        Err(SmmuError::SyncTimeout)
    }

    /// Global TLB sync: waits for every earlier global TLB operation.
    pub(crate) fn global_sync(&self) -> Result<(), SmmuError> {
        self.io.write32(gr::TLBGSYNC, 0);
        self.poll_until_idle(gr::TLBGSTATUS, |status| {
            LocalRegisterCopy::<u32, TLBGSTATUS_REG::Register>::new(status)
                .is_set(TLBGSTATUS_REG::GSACTIVE)
        })
    }

    /// Context TLB sync: waits for every earlier TLB operation issued
    /// through `bank`'s registers.
    fn context_sync(&self, bank: usize) -> Result<(), SmmuError> {
        self.io.write32(self.cb(bank, cb::TLBSYNC), 0);
        self.poll_until_idle(self.cb(bank, cb::TLBSTATUS), |status| {
            LocalRegisterCopy::<u32, TLBSTATUS_REG::Register>::new(status)
                .is_set(TLBSTATUS_REG::SACTIVE)
        })
    }

    /// Invalidates every entry tagged with `bank`'s ASID (stage 1, context
    /// TLBIASID + context sync) or VMID (stage 2, global TLBIVMID + global
    /// sync), then waits.
    pub(crate) fn invalidate_context_tags(
        &self,
        bank: usize,
        context: ContextSlot,
    ) -> Result<(), SmmuError> {
        if self.skip_invalidation() {
            return Ok(());
        }
        table_writes_visible();
        let tags = Tags::of_bank(bank);
        match context.stage {
            Stage::One => {
                self.io
                    .write32(self.cb(bank, cb::TLBIASID), u32::from(tags.asid));
                self.context_sync(bank)
            }
            Stage::Two => {
                self.io.write32(gr::TLBIVMID, u32::from(tags.vmid));
                self.global_sync()
            }
        }
    }

    /// Invalidates everything `domain` may have cached and waits. On a
    /// timeout the domain becomes unusable and the client is told.
    pub fn flush_context(&self, domain: DomainId) -> Result<(), SmmuError> {
        let (slot, context) = self.active(domain)?;
        self.invalidate_context_tags(domain.index(), context)
            .inspect_err(|_| self.fail_slot(slot, domain))
    }

    /// Invalidates what an unmap gathered and waits: by address, one
    /// register write per smallest leaf, last-level only unless a table was
    /// unlinked (then walk caches must go too); or the whole ASID/VMID when
    /// the gather asks for it. On a timeout the domain becomes unusable.
    pub fn invalidate_gathered(
        &self,
        domain: DomainId,
        gather: &TlbGather,
    ) -> Result<(), SmmuError> {
        let (slot, context) = self.active(domain)?;
        let bank = domain.index();
        let result = match gather.granule() {
            _ if self.skip_invalidation() => Ok(()),
            _ if gather.flush_all() => self.invalidate_context_tags(bank, context),
            None if !gather.tables_unlinked() => Ok(()),
            None => self.invalidate_context_tags(bank, context),
            Some(step) => {
                table_writes_visible();
                let leaf_only = !gather.tables_unlinked();
                for range in gather.ranges() {
                    let mut iova = range.iova;
                    let end = range.iova.saturating_add(range.size);
                    while iova < end {
                        self.invalidate_address(bank, context, iova, leaf_only);
                        iova = iova.saturating_add(step);
                    }
                }
                self.context_sync(bank)
            }
        };
        result.inspect_err(|_| self.fail_slot(slot, domain))
    }

    /// One by-address invalidation in the encoding the context's scheme
    /// uses (IHI 0062D, SMMU_CBn_TLBIVA and SMMU_CBn_TLBIIPAS2: AArch64 contexts take a 64-bit
    /// write of VA\[55:12\] with the ASID in \[63:48\]; AArch32 contexts a 32-bit
    /// write of VA\[31:12\] with the ASID in \[7:0\]; stage 2 takes IPA[..:12]).
    fn invalidate_address(&self, bank: usize, context: ContextSlot, iova: u64, leaf_only: bool) {
        let asid = u64::from(Tags::of_bank(bank).asid);
        match context.stage {
            Stage::One => {
                let offset = self.cb(bank, if leaf_only { cb::TLBIVAL } else { cb::TLBIVA });
                if context.format == ContextFormat::AArch64 {
                    self.io.write64(offset, (iova >> 12) | (asid << 48));
                } else {
                    self.io
                        .write32(offset, ((iova as u32) & !0xfff) | asid as u32);
                }
            }
            Stage::Two => {
                let offset = self.cb(
                    bank,
                    if leaf_only {
                        cb::TLBIIPAS2L
                    } else {
                        cb::TLBIIPAS2
                    },
                );
                if context.format == ContextFormat::AArch64 {
                    self.io.write64(offset, iova >> 12);
                } else {
                    self.io.write32(offset, (iova >> 12) as u32);
                }
            }
        }
    }

    /// Invalidates every non-Secure TLB entry and waits (global).
    pub fn invalidate_all(&self) -> Result<(), SmmuError> {
        table_writes_visible();
        self.io.write32(gr::TLBIALLNSNH, 0);
        self.io.write32(gr::TLBIALLH, 0);
        self.global_sync()
    }

    /// Retires a slot after a timeout and tells the client.
    fn fail_slot(&self, slot: usize, domain: DomainId) {
        self.retire(slot);
        self.notify_sync_timeout(domain);
    }

    /// Whether the `test-hooks` switch to skip invalidations is on.
    #[cfg(feature = "test-hooks")]
    pub(crate) fn skip_invalidation(&self) -> bool {
        self.test_skip_invalidation.get()
    }

    /// Whether the `test-hooks` switch to skip invalidations is on.
    #[cfg(not(feature = "test-hooks"))]
    #[inline(always)]
    pub(crate) fn skip_invalidation(&self) -> bool {
        false
    }

    /// Test hook: when set, TLB invalidations are silently skipped, so tests
    /// can show that the model (and the hardware) would keep serving stale
    /// translations. Only with the `test-hooks` feature.
    #[cfg(feature = "test-hooks")]
    pub fn set_skip_invalidation(&self, skip: bool) {
        self.test_skip_invalidation.set(skip);
    }
}
