// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! The path of one transaction (IHI 0062D 2.3 "SMMU processing flow"):
//! client port disable, stream mapping, S2CR, context bank type (CBAR), the
//! IOTLB, table walks of stage 1 and/or stage 2, and permission checks.
//! Faults found on the way are recorded by `report.rs`.

use crate::fault::{Access, ContextFaultKind, Fault, GlobalFaultKind, Stage, Txn};
use crate::regs::{cbar_type, cr0, sctlr};
use crate::smmu::Smmu;
use crate::streams::{S2crAction, StreamMatch};
use crate::tlb::{Lookup, Regime, TlbEntry};
use crate::walk::WalkFault;
use crate::walk_setup::PhysReader;

/// The banks a transaction translates through, from CBAR.TYPE.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Context {
    /// The bank the S2CR selected.
    pub(crate) entry: u8,
    pub(crate) s1: Option<u8>,
    pub(crate) s2: Option<u8>,
    pub(crate) vmid: u16,
}

impl Smmu {
    /// Presents one transaction from `stream_id` at device address `iova`
    /// and returns the physical address it reaches, or the fault that
    /// stopped it (which the model records in the registers as the hardware
    /// would, raising interrupts where enabled).
    pub fn transaction(
        &mut self,
        stream_id: u16,
        iova: u64,
        access: Access,
        privileged: bool,
    ) -> Result<u64, Fault> {
        if self.cr0 & cr0::CLIENTPD != 0 {
            return Ok(iova);
        }
        let found = if self.inject.conflict_streams.contains(&stream_id) {
            StreamMatch::Conflict
        } else {
            self.streams.find(stream_id)
        };
        let txn = Txn {
            stream_id,
            iova,
            access,
            privileged,
        };
        let global = |smmu: &mut Self, kind| Err(smmu.global_fault(kind, &txn));
        let group = match found {
            StreamMatch::Group(n) => n,
            StreamMatch::Unidentified if self.cr0 & cr0::USFCFG != 0 => {
                return global(self, GlobalFaultKind::UnidentifiedStream);
            }
            StreamMatch::Unidentified => return Ok(iova),
            // sCR0.SMCFCFG is fixed at 1: a conflict is always a fault.
            StreamMatch::Conflict => return global(self, GlobalFaultKind::StreamMatchConflict),
        };
        let (privileged, instruction) =
            self.streams
                .overrides(group, privileged, access == Access::Execute);
        let txn = Txn {
            privileged,
            access: match (access, instruction) {
                (Access::Write, _) => Access::Write,
                (_, true) => Access::Execute,
                (_, false) => Access::Read,
            },
            ..txn
        };
        match self.streams.action(group) {
            S2crAction::Bypass => Ok(iova),
            // The model reads an S2CR of type Fault as an unidentified
            // stream (see doc/smmu-sim.md).
            S2crAction::Fault => global(self, GlobalFaultKind::UnidentifiedStream),
            S2crAction::Translate { bank } => self.translate_in_bank(bank, &txn),
        }
    }

    fn translate_in_bank(&mut self, bank: u8, txn: &Txn) -> Result<u64, Fault> {
        let ctx = match self.context(bank) {
            Ok(ctx) => ctx,
            Err(kind) => return Err(self.global_fault(kind, txn)),
        };
        let b = &self.banks[usize::from(bank)];
        if b.stalled.is_some() && b.sctlr & sctlr::HUPCF == 0 {
            return Err(Fault::HeldBehindStall { bank });
        }
        self.translate_ctx(&ctx, txn)
            .map_err(|wf| self.context_fault(&ctx, wf, txn))
    }

    /// Resolves CBAR.TYPE into the banks to use (IHI 0062D 10.7.1); a type
    /// this SMMU or bank cannot do is an invalid context fault.
    pub(crate) fn context(&self, bank: u8) -> Result<Context, GlobalFaultKind> {
        let cfg = &self.config;
        let Some(b) = self.banks.get(usize::from(bank)) else {
            return Err(GlobalFaultKind::UnimplementedContextBank);
        };
        let vmid = self.vmid(bank);
        let ctx = |s1, s2| {
            Ok(Context {
                entry: bank,
                s1,
                s2,
                vmid,
            })
        };
        match b.cbar >> 16 & 0b11 {
            cbar_type::S2 if cfg.stage2 => ctx(None, Some(bank)),
            cbar_type::S1_BYPASS_S2 if cfg.stage1 && bank >= cfg.num_s2_only_banks => {
                ctx(Some(bank), None)
            }
            cbar_type::NESTED if cfg.nested && bank >= cfg.num_s2_only_banks => {
                let s2 = (b.cbar >> 8 & 0xff) as u8;
                match self.banks.get(usize::from(s2)) {
                    None => Err(GlobalFaultKind::UnimplementedContextBank),
                    Some(t) if t.cbar >> 16 & 0b11 == cbar_type::S2 && s2 != bank => {
                        ctx(Some(bank), Some(s2))
                    }
                    Some(_) => Err(GlobalFaultKind::InvalidContext),
                }
            }
            // Includes "stage 1 with stage 2 fault", which is not modelled.
            _ => Err(GlobalFaultKind::InvalidContext),
        }
    }

    fn translate_ctx(&mut self, ctx: &Context, txn: &Txn) -> Result<u64, WalkFault> {
        let Txn {
            iova,
            access,
            privileged,
            ..
        } = *txn;
        let s1 = ctx.s1.filter(|&b| self.banks[usize::from(b)].enabled());
        let s2 = ctx.s2.filter(|&b| self.banks[usize::from(b)].enabled());
        let regime = match (s1, s2) {
            (None, None) => return Ok(iova),
            (Some(_), None) => Regime::Stage1,
            (None, Some(_)) => Regime::Stage2,
            (Some(_), Some(_)) => Regime::Nested,
        };
        let asid = s1.map(|b| self.asid(b));
        let first_stage = if regime == Regime::Stage2 {
            Stage::Two
        } else {
            Stage::One
        };
        let entry = match self.tlb.lookup(regime, ctx.vmid, asid, iova) {
            Lookup::Hit(e) => e,
            Lookup::Conflict => {
                return Err(WalkFault {
                    kind: ContextFaultKind::TlbMatchConflict,
                    stage: first_stage,
                    level: None,
                    on_table_walk: false,
                    ipa: None,
                });
            }
            Lookup::Miss => {
                let e = self.fill(regime, ctx, (s1, s2), asid, txn)?;
                self.tlb.insert(e);
                e
            }
        };
        let offset = iova - entry.input;
        if !entry.perms.allows(access, privileged) {
            return Err(WalkFault::new(
                ContextFaultKind::Permission,
                first_stage,
                entry.level,
            ));
        }
        if !entry.s2_perms.allows(access, privileged) {
            let mut f = WalkFault::new(ContextFaultKind::Permission, Stage::Two, entry.s2_level);
            f.ipa = Some(entry.ipa + offset);
            return Err(f);
        }
        Ok(entry.output + offset)
    }

    /// Walks the enabled stages for a TLB miss. A stage 1 permission fault
    /// is reported before the stage 2 walk of its output, as the
    /// architecture orders them.
    fn fill(
        &self,
        regime: Regime,
        ctx: &Context,
        (s1, s2): (Option<u8>, Option<u8>),
        asid: Option<u16>,
        txn: &Txn,
    ) -> Result<TlbEntry, WalkFault> {
        let Txn {
            iova,
            access,
            privileged,
            ..
        } = *txn;
        let s1_leaf = match s1 {
            Some(b) => {
                let leaf = self.walk_stage1(b, iova, s2)?;
                if !leaf.perms.allows(access, privileged) {
                    return Err(WalkFault::new(
                        ContextFaultKind::Permission,
                        Stage::One,
                        leaf.level,
                    ));
                }
                Some(leaf)
            }
            None => None,
        };
        let ipa = s1_leaf.map_or(iova, |l| l.output);
        let s2_leaf = match s2 {
            Some(b) => {
                let walk = self.stage2_walk(b)?;
                let mut reader = PhysReader {
                    memory: &self.memory,
                };
                Some(walk.walk(ipa, &mut reader).map_err(|mut f| {
                    f.ipa = Some(ipa);
                    f
                })?)
            }
            None => None,
        };
        let full = crate::walk::Perms::ALL;
        // `first` is the stage 1 leaf, or the stage 2 leaf when only stage 2
        // is enabled; `second` the stage 2 leaf of a nested translation.
        let second = s1_leaf.and(s2_leaf);
        let Some(first) = s1_leaf.or(s2_leaf) else {
            // Callers enable at least one stage; with none, nothing maps.
            return Err(WalkFault::new(ContextFaultKind::Translation, Stage::One, 0));
        };
        let size_bits = first.size_bits.min(second.map_or(64, |l| l.size_bits));
        let offset = iova & ((1u64 << size_bits) - 1);
        let output = second.map_or(first.output, |l| l.output);
        Ok(TlbEntry {
            regime,
            vmid: ctx.vmid,
            asid: if first.global || regime == Regime::Stage2 {
                None
            } else {
                asid
            },
            input: iova - offset,
            size_bits,
            output: output - offset,
            perms: first.perms,
            s2_perms: second.map_or(full, |l| l.perms),
            level: first.level,
            s2_level: second.map_or(0, |l| l.level),
            ipa: ipa - offset,
        })
    }
}
