// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! What a device sees when its transaction does not complete, and the typed
//! fault kinds behind it (IHI 0062D 3.x fault model: global faults in sGFSR,
//! context faults in CBn_FSR; "report enable" bits choose between an abort and
//! a RAZ/WI response; CFCFG chooses stall or terminate).

use crate::regs::{fsr, gfsr};

/// Read, write or instruction fetch, as the transaction presents it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Access {
    /// Data read.
    Read,
    /// Data write.
    Write,
    /// Instruction fetch (a read that execute-never permissions apply to).
    Execute,
}

impl Access {
    /// True for writes.
    pub const fn is_write(self) -> bool {
        matches!(self, Self::Write)
    }
}

/// One transaction as it travels through the model: who sent it, where to,
/// and with which attributes (after any S2CR overrides).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Txn {
    pub(crate) stream_id: u16,
    pub(crate) iova: u64,
    pub(crate) access: Access,
    pub(crate) privileged: bool,
}

/// How the SMMU answered a faulting transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Response {
    /// Terminated with an abort (bus error) to the device: the report-enable
    /// bit (sCR0.GFRE, SCTLR.CFRE) was set.
    Abort,
    /// Terminated silently: reads return zero, writes are ignored.
    RazWi,
    /// Held in the context bank until software writes CBn_RESUME
    /// (SCTLR.CFCFG = 1). Collect the outcome with `Smmu::take_resumed`.
    Stalled,
}

/// A global fault (sGFSR), recorded before any context bank is involved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GlobalFaultKind {
    /// No SMR matched (sCR0.USFCFG = 1), the stream ID is out of range for
    /// stream indexing, or the stream's S2CR has TYPE = fault (sGFSR.USF).
    UnidentifiedStream,
    /// More than one valid SMR matched (sGFSR.SMCF).
    StreamMatchConflict,
    /// The S2CR points at a context bank whose CBAR type it cannot use
    /// (sGFSR.ICF).
    InvalidContext,
    /// The S2CR (or a nested CBAR) names a bank that is not implemented
    /// (sGFSR.UCBF).
    UnimplementedContextBank,
}

impl GlobalFaultKind {
    /// The sGFSR bit this fault sets.
    pub const fn gfsr_bit(self) -> u32 {
        match self {
            Self::UnidentifiedStream => gfsr::USF,
            Self::StreamMatchConflict => gfsr::SMCF,
            Self::InvalidContext => gfsr::ICF,
            Self::UnimplementedContextBank => gfsr::UCBF,
        }
    }
}

/// A context fault (CBn_FSR), found while translating in a context bank.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContextFaultKind {
    /// Invalid descriptor or address outside the configured input range.
    Translation,
    /// Access flag clear (and not disabled by SCTLR.AFFD).
    AccessFlag,
    /// Access not allowed by the descriptor permissions.
    Permission,
    /// Output address wider than the configured output size.
    AddressSize,
    /// A table walk read memory that does not exist.
    External,
    /// More than one IOTLB entry matched the address.
    TlbMatchConflict,
}

impl ContextFaultKind {
    /// The CBn_FSR bit this fault sets.
    pub const fn fsr_bit(self) -> u32 {
        match self {
            Self::Translation => fsr::TF,
            Self::AccessFlag => fsr::AFF,
            Self::Permission => fsr::PF,
            Self::AddressSize => fsr::ASF,
            Self::External => fsr::EF,
            Self::TlbMatchConflict => fsr::TLBMCF,
        }
    }
}

/// Which translation stage a context fault came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Stage 1 (VA to IPA/PA).
    One,
    /// Stage 2 (IPA to PA).
    Two,
}

/// Why a transaction did not complete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// A global fault.
    Global {
        /// What went wrong.
        kind: GlobalFaultKind,
        /// What the device saw.
        response: Response,
    },
    /// A context fault, recorded in context bank `bank`.
    Context {
        /// The bank whose FSR records the fault (for a stage 2 fault in a
        /// nested translation: the stage 2 bank).
        bank: u8,
        /// What went wrong.
        kind: ContextFaultKind,
        /// Stage that faulted.
        stage: Stage,
        /// Table level of the fault, where there is one.
        level: Option<u8>,
        /// What the device saw.
        response: Response,
    },
    /// The bank already holds a stalled transaction and SCTLR.HUPCF = 0, so
    /// this one is not processed (the model does not queue it: the device
    /// sees it terminated).
    HeldBehindStall {
        /// The stalled bank.
        bank: u8,
    },
}

impl Fault {
    /// The response the device saw.
    pub const fn response(&self) -> Response {
        match self {
            Self::Global { response, .. } | Self::Context { response, .. } => *response,
            Self::HeldBehindStall { .. } => Response::Stalled,
        }
    }
}
