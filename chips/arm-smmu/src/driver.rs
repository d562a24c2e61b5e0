// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The driver object: probe (ID registers -> capabilities), reset to a
//! deny-everything state, and the bookkeeping shared by the context, stream,
//! TLB and fault modules.

use core::cell::Cell;

use kernel::hil::iommu::FaultClient;
use tock_registers::LocalRegisterCopy;

use crate::capabilities::Capabilities;
use crate::error::ProbeError;
use crate::io::RegisterIo;
use crate::registers::context as cb;
use crate::registers::global as gr;
use crate::registers::global::{MMU500_ACR, S2CR_REG, SCR0_REG, SIDR7_REG};
use crate::state::{ContextSlot, ContextState, StreamSlot};

/// Which SMMUv2 implementation this is; selects the IMPLEMENTATION DEFINED
/// programming (sACR, ACTLR). The ID registers do not name the
/// implementation, so the board says it (as a device tree `compatible` does).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Implementation {
    /// Architecture-only programming: sACR and ACTLR are left alone.
    Generic,
    /// Arm CoreLink MMU-500 (DDI 0517).
    Mmu500,
}

/// Board-supplied parameters of the driver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SmmuConfig {
    /// Which implementation the SMMU is.
    pub implementation: Implementation,
    /// Size in bytes of the register window the board mapped.
    pub window_size: usize,
    /// How many times a TLB sync or address translation status is polled
    /// before the operation is declared timed out. Polls are back-to-back
    /// device reads (each typically 100-300 ns), so 100 000 polls bound a
    /// sync to tens of milliseconds.
    pub sync_poll_limit: u32,
    /// Context faults tolerated per context within one rate window (see
    /// `ArmSmmu::start_fault_window`); one more disables the context.
    pub context_fault_limit: u16,
    /// Global faults tolerated within one rate window; one more masks the
    /// global fault interrupt until the next window.
    pub global_fault_limit: u16,
}

impl SmmuConfig {
    /// Defaults for `implementation` with a `window_size`-byte window.
    pub const fn new(implementation: Implementation, window_size: usize) -> Self {
        Self {
            implementation,
            window_size,
            sync_poll_limit: 100_000,
            context_fault_limit: 64,
            global_fault_limit: 64,
        }
    }
}

/// An SMMUv2 / MMU-500.
///
/// `CONTEXTS` bounds the context banks the driver manages (it uses the
/// highest-numbered banks, which are the stage-1 capable ones) and `STREAMS`
/// the stream-mapping entries; both size fixed arrays (no heap). All methods
/// take `&self`: the driver is shared between the IOMMU capsule and the
/// interrupt path, as every Tock driver is, and is not `Sync`.
pub struct ArmSmmu<'a, R: RegisterIo, const CONTEXTS: usize, const STREAMS: usize> {
    pub(crate) io: R,
    pub(crate) caps: Capabilities,
    pub(crate) config: SmmuConfig,
    /// First hardware bank number the driver manages (slot 0).
    pub(crate) first_bank: usize,
    /// Slots in use: `min(CONTEXTS, NUMCB)`.
    pub(crate) bank_count: usize,
    /// Stream entries in use: `min(STREAMS, stream_entries)`.
    pub(crate) stream_count: usize,
    pub(crate) contexts: [Cell<ContextSlot>; CONTEXTS],
    pub(crate) streams: [Cell<StreamSlot>; STREAMS],
    pub(crate) client: Cell<Option<&'a dyn FaultClient>>,
    pub(crate) global_faults: Cell<u16>,
    pub(crate) global_suppressed: Cell<bool>,
    #[cfg(feature = "test-hooks")]
    pub(crate) test_skip_invalidation: Cell<bool>,
}

impl<'a, R: RegisterIo, const CONTEXTS: usize, const STREAMS: usize>
    ArmSmmu<'a, R, CONTEXTS, STREAMS>
{
    /// Reads the ID registers and checks that the SMMU is one this driver
    /// can program, without writing anything. Call [`reset`](Self::reset)
    /// next.
    pub fn probe(io: R, config: SmmuConfig) -> Result<Self, ProbeError> {
        let caps = Capabilities::decode(
            io.read32(gr::SIDR0),
            io.read32(gr::SIDR1),
            io.read32(gr::SIDR2),
        )?;
        if caps.window_size() > config.window_size {
            return Err(ProbeError::WindowTooSmall {
                needed: caps.window_size(),
            });
        }
        let bank_count = CONTEXTS.min(caps.context_banks);
        Ok(Self {
            io,
            caps,
            config,
            first_bank: caps.context_banks - bank_count,
            bank_count,
            stream_count: STREAMS.min(caps.stream_entries),
            contexts: [const { Cell::new(ContextSlot::FREE) }; CONTEXTS],
            streams: [const { Cell::new(StreamSlot::Free) }; STREAMS],
            client: Cell::new(None),
            global_faults: Cell::new(0),
            global_suppressed: Cell::new(false),
            #[cfg(feature = "test-hooks")]
            test_skip_invalidation: Cell::new(false),
        })
    }

    /// What the hardware offers.
    pub fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    /// The register interface, for tests that inspect the hardware (model)
    /// directly. Only with the `test-hooks` feature: nothing else should
    /// program the SMMU behind the driver's back.
    #[cfg(feature = "test-hooks")]
    pub fn io(&self) -> &R {
        &self.io
    }

    /// Registers the receiver of decoded faults and disable events.
    pub fn set_fault_client(&self, client: &'a dyn FaultClient) {
        self.client.set(Some(client));
    }

    /// Brings the SMMU to a state where every stream faults, then enables
    /// it. The order follows from IHI 0062D's SMMU_sCR0 description: while
    /// CLIENTPD = 1 transactions bypass the SMMU, so every stream-mapping and
    /// context resource must be in a safe state before CLIENTPD is cleared:
    ///
    /// 1. clear recorded global faults (sGFSR is write-one-to-clear);
    /// 2. every SMR invalid and every S2CR of type Fault, so nothing matches
    ///    or everything matched faults;
    /// 3. MMU-500: ACR cache-lock cleared (so the ACTLR writes of step 4 and
    ///    later ones take effect) and bypass TLB entries allowed;
    /// 4. every context bank disabled (SCTLR = 0 is safe now that no stream
    ///    is routed to it), its fault status cleared and, on MMU-500,
    ///    next-page prefetch off (errata 841119 / 826419);
    /// 5. invalidate every TLB entry (TLBIALLNSNH, TLBIALLH) and sync;
    /// 6. sCR0: unidentified streams fault (USFCFG = 1, invariant 6 of the
    ///    design), global and configuration faults reported and interrupting,
    ///    stream-match conflicts reported, private TLB maintenance, no
    ///    forced broadcast, then CLIENTPD = 0.
    ///
    /// The driver's own bookkeeping is reset to match: every stream entry is
    /// free and every context bank free, except banks retired after a sync
    /// timeout, which stay retired. Domains built on top (`SmmuIommu`) must
    /// be freed before a second reset.
    pub fn reset(&self) -> Result<(), ProbeError> {
        for slot in &self.streams {
            slot.set(StreamSlot::Free);
        }
        for slot in &self.contexts {
            if slot.get().state != ContextState::Unusable {
                slot.set(ContextSlot::FREE);
            }
        }
        // Step 1.
        let gfsr = self.io.read32(gr::SGFSR);
        self.io.write32(gr::SGFSR, gfsr);

        // Step 2: all architectural entries, not only those the driver uses.
        let fault = LocalRegisterCopy::<u32, S2CR_REG::Register>::new(0);
        let mut s2cr = fault;
        s2cr.write(S2CR_REG::TYPE::Fault);
        for index in 0..self.caps.stream_entries {
            if self.caps.stream_matching {
                self.io.write32(gr::SMR_BASE + 4 * index, 0);
            }
            self.io.write32(gr::S2CR_BASE + 4 * index, s2cr.get());
        }

        // Step 3.
        if self.config.implementation == Implementation::Mmu500 {
            self.mmu500_reset_acr();
        }

        // Step 4 (with the ACTLR part of the errata work-around).
        for bank in 0..self.caps.context_banks {
            self.disable_bank_hardware(bank);
        }

        // Step 5.
        self.io.write32(gr::TLBIALLNSNH, 0);
        self.io.write32(gr::TLBIALLH, 0);
        self.global_sync().map_err(|_| ProbeError::SyncTimeout)?;

        // Step 6.
        let mut scr0 = LocalRegisterCopy::<u32, SCR0_REG::Register>::new(self.io.read32(gr::SCR0));
        scr0.modify(
            SCR0_REG::CLIENTPD::CLEAR
                + SCR0_REG::GFRE::SET
                + SCR0_REG::GFIE::SET
                + SCR0_REG::GCFGFRE::SET
                + SCR0_REG::GCFGFIE::SET
                + SCR0_REG::USFCFG::SET
                + SCR0_REG::SMCFCFG::SET
                + SCR0_REG::PTM::SET
                + SCR0_REG::FB::CLEAR
                + SCR0_REG::BSU::CLEAR
                + SCR0_REG::EXIDENABLE::CLEAR
                + SCR0_REG::VMID16EN::CLEAR,
        );
        self.io.write32(gr::SCR0, scr0.get());
        Ok(())
    }

    /// MMU-500 ACR programming (DDI 0517, ACR):
    /// - CACHE_LOCK (r2p0 onwards, sIDR7.MAJOR >= 2): while set, writes to
    ///   the context banks' ACTLR are ignored, so the prefetch disable that
    ///   works around errata 841119 and 826419 would not stick. Clearing it
    ///   here needs the Secure world to have cleared sACR.CACHE_LOCK too.
    /// - S2CRB_TLBEN, SMTNMB_TLBEN: let bypass translations be cached; the
    ///   driver never configures bypass (USFCFG = 1, S2CR types Translate or
    ///   Fault), so these only cut latency for Secure-configured bypass.
    fn mmu500_reset_acr(&self) {
        let major = LocalRegisterCopy::<u32, SIDR7_REG::Register>::new(self.io.read32(gr::SIDR7))
            .read(SIDR7_REG::MAJOR);
        let mut acr = LocalRegisterCopy::<u32, MMU500_ACR::Register>::new(self.io.read32(gr::SACR));
        if major >= 2 {
            acr.modify(MMU500_ACR::CACHE_LOCK::CLEAR);
        }
        acr.modify(MMU500_ACR::S2CRB_TLBEN::SET + MMU500_ACR::SMTNMB_TLBEN::SET);
        self.io.write32(gr::SACR, acr.get());
    }

    /// Turns a bank off and clears what it recorded. Only valid when no
    /// stream is routed to the bank (SCTLR.M = 0 would make a stage 1 bank
    /// bypass).
    pub(crate) fn disable_bank_hardware(&self, bank: usize) {
        self.io.write32(self.cb(bank, cb::SCTLR), 0);
        self.io.write32(self.cb(bank, cb::FSR), cb::FSR_FAULT_BITS);
        self.mmu500_disable_prefetch(bank);
    }

    /// MMU-500 only: clears ACTLR.CPRE of `bank` (DDI 0517, SMMU_CBn_ACTLR). Errata
    /// 841119 and 826419 (MMU-500 Software Developer Errata Notice): the
    /// next-page prefetcher can fill the TLB with stale or wrong entries;
    /// disabling it is Arm's work-around.
    pub(crate) fn mmu500_disable_prefetch(&self, bank: usize) {
        if self.config.implementation != Implementation::Mmu500 {
            return;
        }
        let offset = self.cb(bank, cb::ACTLR);
        let mut actlr =
            LocalRegisterCopy::<u32, cb::MMU500_ACTLR::Register>::new(self.io.read32(offset));
        actlr.modify(cb::MMU500_ACTLR::CPRE::CLEAR);
        self.io.write32(offset, actlr.get());
    }

    /// Register offset of `offset` in bank `bank`'s page.
    pub(crate) const fn cb(&self, bank: usize, offset: usize) -> usize {
        self.caps.context_bank_base(bank) + offset
    }

    /// Register offset of `offset` in global space 1.
    pub(crate) const fn gr1(&self, offset: usize) -> usize {
        self.caps.gr1_base() + offset
    }

    /// Driver slot of hardware bank `bank`, if the driver manages it.
    pub(crate) fn slot_of_bank(&self, bank: usize) -> Option<usize> {
        bank.checked_sub(self.first_bank)
            .filter(|slot| *slot < self.bank_count)
    }
}
