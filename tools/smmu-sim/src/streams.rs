// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! Stream mapping: SMRn matching or stream indexing, and the S2CRn each
//! stream mapping group points at (IHI 0062D 2.4 "Stream mapping", 10.6.19
//! SMRn, 10.6.20 S2CRn).

use crate::regs::s2cr_type;

/// SMRn.VALID (bit 31); MASK is bits `[30:16]` and ID bits `[14:0]`.
const SMR_VALID: u32 = 1 << 31;
/// S2CRn fields kept: CBNDX `[7:0]`, SHCFG `[9:8]`, MTCFG/MEMATTR `[15:11]`,
/// TYPE and the attribute overrides `[29:16]`. Others are reserved (RAZ/WI).
const S2CR_WRITABLE: u32 = 0x3fff_fbff;
/// S2CR reset value: TYPE = fault (DDI 0517 3.x, UG1087 SMMU_S2CRn 0x00020000).
pub(crate) const S2CR_RESET: u32 = s2cr_type::FAULT << 16;

/// Outcome of stream mapping for one stream ID.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StreamMatch {
    /// Stream mapping group `n`.
    Group(usize),
    /// No valid SMR matched / ID out of range for stream indexing.
    Unidentified,
    /// More than one valid SMR matched.
    Conflict,
}

/// What the S2CR of a group asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum S2crAction {
    Translate { bank: u8 },
    Bypass,
    Fault,
}

/// The SMR/S2CR register file.
#[derive(Debug)]
pub(crate) struct StreamTable {
    smr: Vec<u32>,
    s2cr: Vec<u32>,
    /// Implemented stream ID bits (NUMSIDB) as a mask.
    id_mask: u32,
    matching: bool,
}

impl StreamTable {
    pub(crate) fn new(groups: usize, id_bits: u8, matching: bool) -> Self {
        Self {
            smr: vec![0; groups],
            s2cr: vec![S2CR_RESET; groups],
            id_mask: (1u32 << id_bits) - 1,
            matching,
        }
    }

    pub(crate) fn read_smr(&self, n: usize) -> u32 {
        if self.matching {
            self.smr.get(n).copied().unwrap_or(0)
        } else {
            0
        }
    }

    /// SMR ID and MASK bits above NUMSIDB are RAZ/WI; with stream indexing
    /// the SMRs are not implemented (RAZ/WI).
    pub(crate) fn write_smr(&mut self, n: usize, value: u32) {
        let writable = SMR_VALID | self.id_mask << 16 | self.id_mask;
        if let (true, Some(smr)) = (self.matching, self.smr.get_mut(n)) {
            *smr = value & writable;
        }
    }

    pub(crate) fn read_s2cr(&self, n: usize) -> u32 {
        self.s2cr.get(n).copied().unwrap_or(0)
    }

    pub(crate) fn write_s2cr(&mut self, n: usize, value: u32) {
        if let Some(s2cr) = self.s2cr.get_mut(n) {
            *s2cr = value & S2CR_WRITABLE;
        }
    }

    /// Finds the group for `stream_id` (IHI 0062D 2.4.1: a stream matches SMRn
    /// when VALID and ID == stream ID in every bit MASK does not ignore).
    pub(crate) fn find(&self, stream_id: u16) -> StreamMatch {
        let sid = u32::from(stream_id) & self.id_mask;
        if !self.matching {
            // Stream indexing: the stream ID selects the S2CR directly
            // (IHI 0062D 2.4.2); IDs beyond the S2CRs are unidentified.
            let n = usize::from(stream_id);
            return if n < self.s2cr.len() && u32::from(stream_id) == sid {
                StreamMatch::Group(n)
            } else {
                StreamMatch::Unidentified
            };
        }
        let mut found = None;
        for (n, &smr) in self.smr.iter().enumerate() {
            let id = smr & 0x7fff;
            let mask = smr >> 16 & 0x7fff;
            if smr & SMR_VALID != 0 && (id ^ sid) & !mask & self.id_mask == 0 {
                if found.is_some() {
                    return StreamMatch::Conflict;
                }
                found = Some(n);
            }
        }
        found.map_or(StreamMatch::Unidentified, StreamMatch::Group)
    }

    /// The S2CR action for group `n`; a reserved TYPE faults.
    pub(crate) fn action(&self, n: usize) -> S2crAction {
        let s2cr = self.read_s2cr(n);
        match s2cr >> 16 & 0b11 {
            s2cr_type::TRANSLATE => S2crAction::Translate {
                bank: (s2cr & 0xff) as u8,
            },
            s2cr_type::BYPASS => S2crAction::Bypass,
            _ => S2crAction::Fault,
        }
    }

    /// Applies S2CR.PRIVCFG `[25:24]` and INSTCFG `[27:26]` to the incoming
    /// attributes: 0b10 forces unprivileged / data, 0b11 privileged /
    /// instruction; other values keep the transaction's own.
    pub(crate) fn overrides(&self, n: usize, privileged: bool, instruction: bool) -> (bool, bool) {
        let s2cr = self.read_s2cr(n);
        let pick = |field: u32, own: bool| match field {
            0b10 => false,
            0b11 => true,
            _ => own,
        };
        (
            pick(s2cr >> 24 & 0b11, privileged),
            pick(s2cr >> 26 & 0b11, instruction),
        )
    }
}
