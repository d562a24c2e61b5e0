// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! The simulated SMMU: its state, the register map (IHI 0062D 8.1: global
//! space 0 at page 0, global space 1 at page 1, context bank n at page n of
//! the upper half), register read/write semantics, TLB maintenance commands
//! and sync, and inspection for tests. Translation is in `translate.rs`,
//! fault recording and interrupt lines in `report.rs`, injection in
//! `inject.rs`, address translation operations in `ats.rs`.

use crate::config::{ConfigError, SmmuConfig};
use crate::context::{ContextBank, Format, SyncState};
use crate::fault::{Access, Fault};
use crate::inject::Injections;
use crate::memory::SimMemory;
use crate::regs::{cb, cbar_type, cr0, gfsr, gr0, gr1};
use crate::streams::StreamTable;
use crate::tlb::{Invalidation, Iotlb, Issuer};

/// sACR.CACHE_LOCK (DDI 0517 3.5.1): CBn_ACTLR is read-only while set.
const ACR_CACHE_LOCK: u32 = 1 << 26;
/// sCR0 bits software can change. GCFGFRE, GCFGFIE, STALLD, GSE and SMCFCFG
/// are read-only on the MMU-500 (UG1087 SMMU_SCR0; DDI 0517 3.4); bits 3 and
/// 30 are reserved.
const CR0_WRITABLE: u32 = 0xbfff_fcf7 & !(cr0::SMCFCFG | cr0::GCFGFRE | cr0::GCFGFIE);

/// The behavioural SMMUv2 / MMU-500 model.
#[derive(Debug)]
pub struct Smmu {
    pub(crate) config: SmmuConfig,
    pub(crate) memory: SimMemory,
    pub(crate) cr0: u32,
    pub(crate) acr: u32,
    pub(crate) gfar: u64,
    pub(crate) gfsr: u32,
    pub(crate) gfsynr: [u32; 3],
    pub(crate) gsync: SyncState,
    pub(crate) streams: StreamTable,
    pub(crate) banks: Vec<ContextBank>,
    pub(crate) tlb: Iotlb,
    pub(crate) inject: Injections,
}

impl Smmu {
    /// A model in its reset state, translating over `memory`.
    pub fn new(config: SmmuConfig, memory: SimMemory) -> Result<Self, ConfigError> {
        config.validate()?;
        let streams = StreamTable::new(
            usize::from(config.num_smrg),
            config.stream_id_bits,
            config.stream_matching,
        );
        let banks = (0..config.num_context_banks)
            .map(|_| ContextBank::new())
            .collect();
        Ok(Self {
            cr0: cr0::RESET,
            acr: ACR_CACHE_LOCK,
            gfar: 0,
            gfsr: 0,
            gfsynr: [0; 3],
            gsync: SyncState::Idle,
            streams,
            banks,
            tlb: Iotlb::default(),
            inject: Injections::default(),
            config,
            memory,
        })
    }

    /// The configuration the model was built with.
    pub fn config(&self) -> &SmmuConfig {
        &self.config
    }

    /// The simulated physical memory.
    pub fn memory(&self) -> &SimMemory {
        &self.memory
    }

    /// Returns every register to its reset value and empties the IOTLB, as a
    /// hardware reset would. Memory and injections are kept.
    pub fn reset(&mut self) {
        let inject = core::mem::take(&mut self.inject);
        let memory = self.memory.clone();
        // `config` was validated by `new`, so this cannot fail.
        if let Ok(fresh) = Self::new(self.config.clone(), memory) {
            *self = fresh;
        }
        self.inject = inject;
    }

    // ----- register access -------------------------------------------------

    /// Reads a 32-bit register at `offset` from the SMMU base. Unimplemented
    /// and reserved locations read as zero. (`&mut` because status reads
    /// advance a pending sync.)
    pub fn read32(&mut self, offset: u64) -> u32 {
        match self.locate(offset) {
            Location::Gr0(off) => self.read_gr0(off),
            Location::Gr1(off) => self.read_gr1(off),
            Location::Bank(n, off) => self.read_bank(n, off),
            Location::Unimplemented => 0,
        }
    }

    /// Writes a 32-bit register. Writes to read-only, reserved or
    /// unimplemented locations are ignored.
    pub fn write32(&mut self, offset: u64, value: u32) {
        match self.locate(offset) {
            Location::Gr0(off) => self.write_gr0(off, value),
            Location::Gr1(off) => self.write_gr1(off, value),
            Location::Bank(n, off) => self.write_bank(n, off, u64::from(value), false),
            Location::Unimplemented => {}
        }
    }

    /// Reads a 64-bit register (two 32-bit halves, low first).
    pub fn read64(&mut self, offset: u64) -> u64 {
        u64::from(self.read32(offset)) | u64::from(self.read32(offset + 4)) << 32
    }

    /// Writes a 64-bit register. Command registers that take a 64-bit
    /// operand (TLBIVA, TLBIIPAS2, ATS1*, ... in AArch64 format) see the
    /// whole value in one operation.
    pub fn write64(&mut self, offset: u64, value: u64) {
        if let Location::Bank(n, off) = self.locate(offset)
            && is_bank_command(off)
        {
            self.write_bank(n, off, value, true);
            return;
        }
        self.write32(offset, value as u32);
        self.write32(offset + 4, (value >> 32) as u32);
    }

    fn locate(&self, offset: u64) -> Location {
        if !offset.is_multiple_of(4) || offset >= self.config.frame_size() {
            return Location::Unimplemented;
        }
        let page = self.config.page_size();
        let global = self.config.global_space_size();
        if offset < global {
            return match offset / page {
                0 => Location::Gr0(offset),
                1 => Location::Gr1(offset - page),
                _ => Location::Unimplemented,
            };
        }
        let n = (offset - global) / page;
        if n < u64::from(self.config.num_context_banks) {
            Location::Bank(n as u8, (offset - global) % page)
        } else {
            Location::Unimplemented
        }
    }

    fn read_gr0(&mut self, off: u64) -> u32 {
        let groups = u64::from(self.config.num_smrg);
        match off {
            gr0::CR0 => self.cr0,
            gr0::ACR => self.acr,
            gr0::IDR0 => self.config.idr0(),
            gr0::IDR1 => self.config.idr1(),
            gr0::IDR2 => self.config.idr2(),
            gr0::IDR7 => self.config.idr7(),
            0x040 => self.gfar as u32,
            0x044 => (self.gfar >> 32) as u32,
            gr0::GFSR => self.gfsr,
            gr0::GFSYNR0 => self.gfsynr[0],
            gr0::GFSYNR1 => self.gfsynr[1],
            gr0::GFSYNR2 => self.gfsynr[2],
            gr0::TLBGSTATUS => {
                let stuck = self.inject.stuck_global_sync;
                u32::from(poll_sync(&mut self.gsync, stuck, || {
                    self.tlb.complete_sync(Issuer::Global);
                }))
            }
            o if (gr0::SMR..gr0::SMR + 4 * groups).contains(&o) => {
                self.streams.read_smr(((o - gr0::SMR) / 4) as usize)
            }
            o if (gr0::S2CR..gr0::S2CR + 4 * groups).contains(&o) => {
                self.streams.read_s2cr(((o - gr0::S2CR) / 4) as usize)
            }
            _ => 0,
        }
    }

    fn write_gr0(&mut self, off: u64, value: u32) {
        let groups = u64::from(self.config.num_smrg);
        match off {
            gr0::CR0 => {
                let mut writable = CR0_WRITABLE;
                if !self.config.vmid16 {
                    writable &= !cr0::VMID16EN;
                }
                self.cr0 = (self.cr0 & !writable) | (value & writable);
            }
            gr0::ACR => self.acr = value & 0x07ff_ffff,
            0x040 => self.gfar = (self.gfar & !0xffff_ffff) | u64::from(value),
            0x044 => self.gfar = (self.gfar & 0xffff_ffff) | u64::from(value) << 32,
            gr0::GFSR => self.gfsr &= !(value & gfsr::ALL),
            gr0::GFSRRESTORE => self.gfsr = value & gfsr::ALL,
            gr0::GFSYNR0 => self.gfsynr[0] = value,
            gr0::GFSYNR1 => self.gfsynr[1] = value,
            gr0::GFSYNR2 => self.gfsynr[2] = value,
            gr0::TLBIVMID => self
                .tlb
                .queue(Issuer::Global, Invalidation::Vmid(value as u16)),
            gr0::TLBIALLNSNH => self.tlb.queue(Issuer::Global, Invalidation::All),
            // The model has no hypervisor contexts (CBAR.HYPC is not
            // modelled), so hyp invalidations have nothing to remove.
            gr0::TLBIALLH | gr0::TLBIVAH => {}
            gr0::TLBGSYNC => {
                self.tlb.start_sync(Issuer::Global);
                self.gsync = SyncState::Active(self.config.sync_polls);
            }
            o if (gr0::SMR..gr0::SMR + 4 * groups).contains(&o) => {
                self.streams.write_smr(((o - gr0::SMR) / 4) as usize, value);
            }
            o if (gr0::S2CR..gr0::S2CR + 4 * groups).contains(&o) => {
                self.streams
                    .write_s2cr(((o - gr0::S2CR) / 4) as usize, value);
            }
            _ => {}
        }
    }

    fn read_gr1(&self, off: u64) -> u32 {
        let (reg, n) = (off & !0x3ff, (off & 0x3ff) as usize / 4);
        let Some(bank) = self.banks.get(n) else {
            return 0;
        };
        match reg {
            gr1::CBAR => bank.cbar,
            gr1::CBFRSYNRA => bank.cbfrsynra,
            gr1::CBA2R => bank.cba2r | u32::from(self.va64_forced()),
            _ => 0,
        }
    }

    fn write_gr1(&mut self, off: u64, value: u32) {
        let (reg, n) = (off & !0x3ff, (off & 0x3ff) as usize / 4);
        let va64_ok = self.config.aarch64.any();
        let vmid16 = self.config.vmid16;
        let Some(bank) = self.banks.get_mut(n) else {
            return;
        };
        match reg {
            gr1::CBAR => bank.cbar = value,
            // StreamID [14:0] is writable; SSD_Index is read-only (UG1087).
            gr1::CBFRSYNRA => bank.cbfrsynra = (bank.cbfrsynra & !0x7fff) | (value & 0x7fff),
            gr1::CBA2R => {
                // VA64 is RAZ/WI without AArch64 support (and RAO/WI without
                // AArch32, see `va64_forced`); VMID16 [31:16] needs VMID16S.
                let mut writable = if va64_ok { 1 } else { 0 };
                if vmid16 {
                    writable |= 0xffff_0000;
                }
                bank.cba2r = value & writable;
            }
            _ => {}
        }
    }

    /// CBA2R.VA64 reads as one when no AArch32 format is implemented.
    fn va64_forced(&self) -> bool {
        !self.config.aarch32_long
    }

    fn read_bank(&mut self, n: u8, off: u64) -> u32 {
        let stuck = self.inject.stuck_bank_sync.contains(&n);
        let bank = &mut self.banks[usize::from(n)];
        match off {
            cb::TLBSTATUS => {
                let tlb = &mut self.tlb;
                u32::from(poll_sync(&mut bank.sync, stuck, || {
                    tlb.complete_sync(Issuer::Bank(n));
                }))
            }
            // Translation operations complete at once in the model.
            cb::ATSR => 0,
            _ if !self.config.address_translation_ops && (0x050..0x058).contains(&off) => 0,
            _ => bank.read32(off),
        }
    }

    fn write_bank(&mut self, n: u8, off: u64, value: u64, wide: bool) {
        let i = usize::from(n);
        match off {
            cb::RESUME => self.resume(n, value & 1 != 0),
            cb::TLBSYNC => {
                self.tlb.start_sync(Issuer::Bank(n));
                self.banks[i].sync = SyncState::Active(self.config.sync_polls);
            }
            o if is_tlbi(o) => self.bank_tlbi(n, o, value),
            cb::ATS1PR | cb::ATS1PW | cb::ATS1UR | cb::ATS1UW => {
                if self.config.address_translation_ops {
                    let access = if off == cb::ATS1PW || off == cb::ATS1UW {
                        Access::Write
                    } else {
                        Access::Read
                    };
                    let privileged = off == cb::ATS1PR || off == cb::ATS1PW;
                    let par = self.translate_op(n, value, access, privileged);
                    self.banks[i].par = par;
                }
            }
            _ if wide => {
                self.write_bank(n, off, value & 0xffff_ffff, false);
                self.write_bank(n, off + 4, value >> 32, false);
            }
            _ => {
                let locked = self.acr & ACR_CACHE_LOCK != 0;
                let was_faulting = self.banks[i].has_fault();
                self.banks[i].write32(off, value as u32, locked);
                if off == cb::FSR && was_faulting && !self.banks[i].has_fault() {
                    self.maybe_storm(n);
                }
            }
        }
    }

    /// Format of bank `n`'s tables (IHI 0062D 10.7.3 CBA2R.VA64, TTBCR.EAE).
    pub(crate) fn format(&self, n: u8) -> Format {
        let bank = &self.banks[usize::from(n)];
        let stage2 = bank.cbar >> 16 & 0b11 == cbar_type::S2;
        if bank.cba2r & 1 != 0 || self.va64_forced() {
            Format::AArch64
        } else if stage2 || bank.tcr & (1 << 31) != 0 {
            Format::AArch32Long
        } else {
            Format::AArch32Short
        }
    }

    /// VMID of bank `n` (IHI 0062D 10.7.1 CBAR.VMID, 10.7.3 CBA2R.VMID16
    /// when sCR0.VMID16EN); a nested stage 1 bank uses its stage 2 bank's.
    pub(crate) fn vmid(&self, n: u8) -> u16 {
        let bank = &self.banks[usize::from(n)];
        if bank.cbar >> 16 & 0b11 == cbar_type::NESTED {
            let s2 = (bank.cbar >> 8 & 0xff) as u8;
            if s2 != n && usize::from(s2) < self.banks.len() {
                return self.vmid(s2);
            }
        }
        if self.cr0 & cr0::VMID16EN != 0 {
            (bank.cba2r >> 16) as u16
        } else {
            (bank.cbar & 0xff) as u16
        }
    }

    /// TLB invalidation issued through bank `n` (IHI 0062D 10.15). AArch64
    /// banks take the 64-bit operand format (VA`[55:12]` in `[43:0]`, ASID in
    /// `[63:48]`); AArch32 banks the 32-bit one (VA`[31:12]`, ASID in `[7:0]`).
    fn bank_tlbi(&mut self, n: u8, off: u64, value: u64) {
        let vmid = self.vmid(n);
        let aarch64 = self.format(n) == Format::AArch64;
        let (va, asid) = if aarch64 {
            // Sign-extend VA[55] so TTBR1 addresses match their entries.
            let va = (((value & 0xfff_ffff_ffff) << 20) as i64 >> 8) as u64;
            (va, (value >> 48) as u16)
        } else {
            (value & 0xffff_f000, (value & 0xff) as u16)
        };
        let inv = match off {
            cb::TLBIVA | cb::TLBIVAL => Invalidation::Va {
                vmid,
                asid: Some(asid),
                va,
            },
            cb::TLBIVAA | cb::TLBIVAAL => Invalidation::Va {
                vmid,
                asid: None,
                va,
            },
            cb::TLBIASID => Invalidation::Asid {
                vmid,
                asid: if aarch64 {
                    value as u16
                } else {
                    (value & 0xff) as u16
                },
            },
            cb::TLBIALL => Invalidation::Vmid(vmid),
            _ => Invalidation::Ipa {
                vmid,
                ipa: (value & 0xf_ffff_ffff) << 12,
            },
        };
        self.tlb.queue(Issuer::Bank(n), inv);
    }

    // ----- introspection for tests -----------------------------------------

    /// Number of translations cached in the IOTLB.
    pub fn tlb_entries(&self) -> usize {
        self.tlb.len()
    }

    /// Number of TLB invalidations issued but not yet completed by a sync.
    pub fn pending_invalidations(&self) -> usize {
        self.tlb.pending()
    }

    /// Whether bank `bank` holds a stalled transaction.
    pub fn is_stalled(&self, bank: u8) -> bool {
        self.banks
            .get(usize::from(bank))
            .is_some_and(|b| b.stalled.is_some())
    }

    /// The outcome of the last transaction resumed or terminated through
    /// bank `bank`'s RESUME register, once.
    pub fn take_resumed(&mut self, bank: u8) -> Option<Result<u64, Fault>> {
        self.banks.get_mut(usize::from(bank))?.resumed.take()
    }
}

/// Advances a sync on a status read; returns the "active" bit.
fn poll_sync(state: &mut SyncState, stuck: bool, complete: impl FnOnce()) -> bool {
    match *state {
        SyncState::Idle => false,
        _ if stuck => true,
        SyncState::Active(0) => {
            complete();
            *state = SyncState::Idle;
            false
        }
        SyncState::Active(n) => {
            *state = SyncState::Active(n - 1);
            true
        }
    }
}

fn is_tlbi(off: u64) -> bool {
    (cb::TLBIVA..=cb::TLBIIPAS2L).contains(&off) && off.is_multiple_of(8)
}

fn is_bank_command(off: u64) -> bool {
    is_tlbi(off) || (cb::ATS1PR..=cb::ATS1UW).contains(&off) && off.is_multiple_of(8)
}

/// Where an offset lands in the register map.
enum Location {
    Gr0(u64),
    Gr1(u64),
    Bank(u8, u64),
    Unimplemented,
}
