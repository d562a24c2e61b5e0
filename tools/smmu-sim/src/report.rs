// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! Recording faults and driving the interrupt lines (IHI 0062D 3.x fault
//! model; 10.6.11-10.6.14 sGFSR/sGFAR/sGFSYNRn; 10.14.8-10.14.11 FSR, FAR,
//! FSYNR0, IPAFAR; 10.7.2 CBFRSYNRAn; 10.14.3 RESUME): the first fault fills
//! the syndrome, later ones set MULTI; report-enable bits choose abort or
//! RAZ/WI; SCTLR.CFCFG stalls.

use crate::context::{Stalled, Syndrome};
use crate::fault::{Access, Fault, GlobalFaultKind, Response, Stage, Txn};
use crate::regs::{cr0, fsr, fsynr0, gfsr, gfsynr0, sctlr};
use crate::smmu::Smmu;
use crate::translate::Context;
use crate::walk::WalkFault;

impl Smmu {
    /// Records a global fault (IHI 0062D 3.x, 10.6.11-10.6.14): the first
    /// fault fills GFAR/GFSYNRn; later ones only set MULTI until software
    /// clears GFSR.
    pub(crate) fn global_fault(&mut self, kind: GlobalFaultKind, txn: &Txn) -> Fault {
        let Txn {
            stream_id,
            iova,
            access,
            privileged,
        } = *txn;
        if self.gfsr & !gfsr::MULTI != 0 {
            self.gfsr |= gfsr::MULTI;
        } else {
            self.gfsr |= kind.gfsr_bit();
            self.gfar = iova;
            self.gfsynr[0] = if access.is_write() { gfsynr0::WNR } else { 0 }
                | if privileged { gfsynr0::PNU } else { 0 }
                | if access == Access::Execute {
                    gfsynr0::IND
                } else {
                    0
                };
            self.gfsynr[1] = u32::from(stream_id);
            self.gfsynr[2] = 0;
        }
        // Every fault a transaction can raise is a global fault governed by
        // GFRE/GFIE; GCFGFRE/GCFGFIE cover configuration *access* faults
        // (sGFSR.CAF), which the model does not generate.
        let response = if self.cr0 & cr0::GFRE != 0 {
            Response::Abort
        } else {
            Response::RazWi
        };
        Fault::Global { kind, response }
    }

    /// The global fault interrupt (IHI 0062D 3.x): asserted while sGFSR
    /// records a fault and sCR0.GFIE is set.
    pub fn global_irq(&self) -> bool {
        self.cr0 & cr0::GFIE != 0 && self.gfsr & !gfsr::MULTI != 0
    }

    /// Context interrupt of bank `bank`: asserted while its FSR records a
    /// fault and SCTLR.CFIE is set. (The MMU-500 has one interrupt per bank;
    /// CBAR.IRPTNDX is stored but not used.)
    pub fn context_irq(&self, bank: u8) -> bool {
        self.banks
            .get(usize::from(bank))
            .is_some_and(|b| b.has_fault() && b.sctlr & crate::regs::sctlr::CFIE != 0)
    }

    /// Banks whose context interrupt is asserted.
    pub fn pending_context_irqs(&self) -> Vec<u8> {
        (0..self.config.num_context_banks)
            .filter(|&n| self.context_irq(n))
            .collect()
    }

    /// Records a context fault in the right bank and decides the response
    /// (IHI 0062D 3.x: FSR/FAR/FSYNR0/CBFRSYNRA; MULTI when a fault is
    /// already recorded; SCTLR.CFCFG stall, else CFRE abort or RAZ/WI).
    pub(crate) fn context_fault(&mut self, ctx: &Context, wf: WalkFault, txn: &Txn) -> Fault {
        let Txn {
            stream_id,
            iova,
            access,
            privileged,
        } = *txn;
        let bank = match wf.stage {
            Stage::One => ctx.s1,
            Stage::Two => ctx.s2,
        }
        .unwrap_or(ctx.entry);
        let format = self.format(bank).fsr_format();
        let nested_s1 = ctx.s1.filter(|_| wf.stage == Stage::Two);
        let b = &mut self.banks[usize::from(bank)];
        let syndrome = u32::from(wf.level.unwrap_or(0) & 0b11)
            | if access.is_write() { fsynr0::WNR } else { 0 }
            | if privileged { fsynr0::PNU } else { 0 }
            | if access == Access::Execute {
                fsynr0::IND
            } else {
                0
            }
            | if wf.on_table_walk { fsynr0::PTWF } else { 0 }
            | nested_s1.map_or(0, |s1| u32::from(s1) << fsynr0::S1CBNDX_SHIFT);
        if b.has_fault() {
            b.fsr |= fsr::MULTI;
        } else {
            b.fsr = (b.fsr & fsr::SS) | wf.kind.fsr_bit() | format << fsr::FORMAT_SHIFT;
            b.far = iova;
            b.fsynr[0] = syndrome;
            b.ipafar = wf.ipa.filter(|_| nested_s1.is_some()).unwrap_or(0);
            b.cbfrsynra = u32::from(stream_id);
            b.last_fault = Some(Syndrome {
                fsr: b.fsr & !fsr::SS,
                far: b.far,
                fsynr0: syndrome,
                ipafar: b.ipafar,
                stream_id,
            });
        }
        let stall = b.sctlr & sctlr::CFCFG != 0 && b.stalled.is_none();
        let response = if stall {
            Response::Stalled
        } else if b.sctlr & sctlr::CFRE != 0 {
            Response::Abort
        } else {
            Response::RazWi
        };
        let fault = Fault::Context {
            bank,
            kind: wf.kind,
            stage: wf.stage,
            level: wf.level,
            response,
        };
        if stall {
            b.fsr |= fsr::SS;
            b.stalled = Some(Stalled { txn: *txn, fault });
        }
        fault
    }

    /// CBn_RESUME (IHI 0062D 10.14.3): retry (TnR = 0) or terminate (TnR = 1)
    /// the stalled transaction; ignored when nothing is stalled.
    pub(crate) fn resume(&mut self, bank: u8, terminate: bool) {
        let b = &mut self.banks[usize::from(bank)];
        let Some(st) = b.stalled.take() else {
            return;
        };
        b.fsr &= !fsr::SS;
        let outcome = if terminate {
            Err(match st.fault {
                Fault::Context {
                    bank,
                    kind,
                    stage,
                    level,
                    ..
                } => Fault::Context {
                    bank,
                    kind,
                    stage,
                    level,
                    response: Response::Abort,
                },
                other => other,
            })
        } else {
            let t = st.txn;
            self.transaction(t.stream_id, t.iova, t.access, t.privileged)
        };
        self.banks[usize::from(bank)].resumed = Some(outcome);
    }
}
