// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Stream mapping: routing stream IDs to context banks through SMR + S2CR
//! pairs (stream matching) or S2CRs indexed by stream ID (stream indexing),
//! refusing patterns that would make two SMRs match one stream.
//!
//! Registers: IHI 0062D, "Stream mapping", SMMU_S2CRn and SMMU_SMRn.
//! Every entry not routing a stream is an invalid SMR with an S2CR
//! of type Fault, so a stream the driver did not attach faults.

use core::cell::Cell;

use kernel::hil::iommu::{DomainId, StreamMatch};
use tock_registers::LocalRegisterCopy;

use crate::driver::ArmSmmu;
use crate::error::SmmuError;
use crate::io::RegisterIo;
use crate::registers::global::{S2CR_BASE, S2CR_REG, SMR_BASE, SMR_REG};
use crate::state::{ContextState, StreamSlot};

/// Width of SMR.ID and SMR.MASK without extended stream IDs.
const SMR_FIELD_MASK: u32 = 0x7fff;

/// Whether two SMR patterns can match the same stream ID: they agree on
/// every bit that neither masks.
pub(crate) const fn patterns_overlap(id_a: u16, mask_a: u16, id_b: u16, mask_b: u16) -> bool {
    (id_a ^ id_b) & !(mask_a | mask_b) & (SMR_FIELD_MASK as u16) == 0
}

impl<R: RegisterIo, const CONTEXTS: usize, const STREAMS: usize> ArmSmmu<'_, R, CONTEXTS, STREAMS> {
    /// Routes the streams in `stream` to `domain`'s context bank.
    ///
    /// Refused when the pattern overlaps one already attached (to any
    /// domain, since two matching SMRs are a stream match conflict in
    /// hardware), when it does not fit the stream ID width, or when every
    /// entry is in use. With stream indexing masks are not supported.
    pub fn attach_stream(&self, domain: DomainId, stream: StreamMatch) -> Result<(), SmmuError> {
        self.active(domain)?;
        let bank = domain.index() as u8;
        let (id, mask) = self.check_pattern(stream)?;

        let index = if self.caps.stream_matching {
            for slot in &self.streams[..self.stream_count] {
                if let StreamSlot::Attached {
                    id: other_id,
                    mask: other_mask,
                    bank: other_bank,
                } = slot.get()
                    && patterns_overlap(id, mask, other_id, other_mask)
                {
                    let same = other_id == id && other_mask == mask && other_bank == bank;
                    return Err(if same {
                        SmmuError::AlreadyAttached
                    } else {
                        SmmuError::StreamConflict
                    });
                }
            }
            self.streams[..self.stream_count]
                .iter()
                .position(|slot| slot.get() == StreamSlot::Free)
                .ok_or(SmmuError::NoStreamEntry)?
        } else {
            let index = usize::from(id);
            match self.streams[index].get() {
                StreamSlot::Free => index,
                StreamSlot::Attached { bank: other, .. } if other == bank => {
                    return Err(SmmuError::AlreadyAttached);
                }
                StreamSlot::Attached { .. } => return Err(SmmuError::StreamConflict),
            }
        };

        // S2CR first, then the SMR that makes it reachable (IHI 0062D
        // "Stream mapping"): the entry never matches with a stale S2CR.
        let mut s2cr = LocalRegisterCopy::<u32, S2CR_REG::Register>::new(0);
        s2cr.modify(S2CR_REG::TYPE::Translate + S2CR_REG::CBNDX.val(u32::from(bank)));
        self.io.write32(S2CR_BASE + 4 * index, s2cr.get());
        if self.caps.stream_matching {
            let mut smr = LocalRegisterCopy::<u32, SMR_REG::Register>::new(0);
            smr.modify(
                SMR_REG::ID.val(u32::from(id))
                    + SMR_REG::MASK.val(u32::from(mask))
                    + SMR_REG::VALID::SET,
            );
            self.io.write32(SMR_BASE + 4 * index, smr.get());
        }
        self.streams[index].set(StreamSlot::Attached { id, mask, bank });
        Ok(())
    }

    /// Stops routing `stream` (exactly as attached) to `domain`. Accepted in
    /// every allocated state: blocking a stream is always safe.
    pub fn detach_stream(&self, domain: DomainId, stream: StreamMatch) -> Result<(), SmmuError> {
        let slot = self
            .slot_of_bank(domain.index())
            .ok_or(SmmuError::InvalidDomain)?;
        if self.contexts[slot].get().state == ContextState::Free {
            return Err(SmmuError::InvalidDomain);
        }
        let (id, mask) = self.check_pattern(stream)?;
        let wanted = StreamSlot::Attached {
            id,
            mask,
            bank: domain.index() as u8,
        };
        let index = self.streams[..self.stream_count]
            .iter()
            .position(|slot| slot.get() == wanted)
            .ok_or(SmmuError::NotAttached)?;
        self.free_stream_entry(index);
        Ok(())
    }

    /// Detaches every stream routed to `bank`.
    pub(crate) fn detach_all(&self, bank: usize) {
        for index in 0..self.stream_count {
            if self.entry_routes_to(index, bank) {
                self.free_stream_entry(index);
            }
        }
    }

    /// Makes every stream routed to `bank` fault, keeping the entries
    /// reserved (the fault-storm response): the SMRs stay valid so the
    /// streams are not reported as unidentified, and nothing can re-attach
    /// them elsewhere until the domain is freed.
    pub(crate) fn block_streams(&self, bank: usize) {
        let mut fault = LocalRegisterCopy::<u32, S2CR_REG::Register>::new(0);
        fault.modify(S2CR_REG::TYPE::Fault);
        for index in 0..self.stream_count {
            if self.entry_routes_to(index, bank) {
                self.io.write32(S2CR_BASE + 4 * index, fault.get());
            }
        }
    }

    /// Number of stream entries attached to `domain`.
    pub fn attached_streams(&self, domain: DomainId) -> usize {
        (0..self.stream_count)
            .filter(|index| self.entry_routes_to(*index, domain.index()))
            .count()
    }

    /// Whether stream entry `index` routes to `bank`.
    fn entry_routes_to(&self, index: usize, bank: usize) -> bool {
        matches!(
            self.streams.get(index).map(Cell::get),
            Some(StreamSlot::Attached { bank: owner, .. }) if usize::from(owner) == bank
        )
    }

    /// S2CR to Fault first, then SMR invalid: the stream never matches an
    /// entry that still translates.
    fn free_stream_entry(&self, index: usize) {
        let mut fault = LocalRegisterCopy::<u32, S2CR_REG::Register>::new(0);
        fault.modify(S2CR_REG::TYPE::Fault);
        self.io.write32(S2CR_BASE + 4 * index, fault.get());
        if self.caps.stream_matching {
            self.io.write32(SMR_BASE + 4 * index, 0);
        }
        self.streams[index].set(StreamSlot::Free);
    }

    /// Checks that the pattern fits the hardware and returns it as SMR
    /// field values.
    fn check_pattern(&self, stream: StreamMatch) -> Result<(u16, u16), SmmuError> {
        let id = stream.id.value();
        let limit = self.caps.max_stream_id() & SMR_FIELD_MASK;
        if id > limit || stream.ignore_mask > limit {
            return Err(SmmuError::StreamOutOfRange);
        }
        if !self.caps.stream_matching {
            if stream.ignore_mask != 0 {
                return Err(SmmuError::Unsupported);
            }
            if id as usize >= self.stream_count {
                return Err(SmmuError::StreamOutOfRange);
            }
        }
        Ok((id as u16, stream.ignore_mask as u16))
    }
}

#[cfg(test)]
mod tests {
    use super::patterns_overlap;

    #[test]
    fn exact_patterns_overlap_only_when_equal() {
        assert!(patterns_overlap(0x14e8, 0, 0x14e8, 0));
        assert!(!patterns_overlap(0x14e8, 0, 0x14e9, 0));
    }

    #[test]
    fn masks_widen_the_overlap() {
        // 0x14e8/0x7 covers 0x14e8..=0x14ef.
        assert!(patterns_overlap(0x14e8, 0x7, 0x14ef, 0));
        assert!(!patterns_overlap(0x14e8, 0x7, 0x14f0, 0));
        // Either side's mask counts.
        assert!(patterns_overlap(0x14f0, 0, 0x14e0, 0x10));
        // Disjoint on an unmasked bit.
        assert!(!patterns_overlap(0x0100, 0x00ff, 0x0200, 0x00ff));
        // Bits above the 15-bit SMR field are not compared.
        assert!(patterns_overlap(0x0001, 0, 0x8001, 0));
    }
}
