// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! The model's own translation table walkers and what they share: the
//! permission set of a leaf, the walk result, and the table-read hook that
//! lets a nested stage 1 walk send each table read through stage 2.

pub(crate) mod lpae;
pub(crate) mod v7s;

use crate::fault::{Access, ContextFaultKind, Stage};

/// What a leaf descriptor allows, resolved for both privilege levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Perms {
    pub(crate) priv_read: bool,
    pub(crate) priv_write: bool,
    pub(crate) priv_exec: bool,
    pub(crate) user_read: bool,
    pub(crate) user_write: bool,
    pub(crate) user_exec: bool,
}

impl Perms {
    /// Everything allowed (stage bypass).
    pub(crate) const ALL: Self = Self {
        priv_read: true,
        priv_write: true,
        priv_exec: true,
        user_read: true,
        user_write: true,
        user_exec: true,
    };

    /// Whether `access` at the given privilege is allowed.
    pub(crate) fn allows(&self, access: Access, privileged: bool) -> bool {
        match (access, privileged) {
            (Access::Read, true) => self.priv_read,
            (Access::Read, false) => self.user_read,
            (Access::Write, true) => self.priv_write,
            (Access::Write, false) => self.user_write,
            // An instruction fetch must be readable and executable.
            (Access::Execute, true) => self.priv_read && self.priv_exec,
            (Access::Execute, false) => self.user_read && self.user_exec,
        }
    }
}

/// A successful walk: the leaf that maps the input address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Leaf {
    /// Output address of the *input* address (offset included).
    pub(crate) output: u64,
    /// log2 of the size the leaf maps (12 for a 4 KiB page, 21 for 2 MiB...).
    pub(crate) size_bits: u32,
    /// Resolved permissions (access flag already checked).
    pub(crate) perms: Perms,
    /// Global (nG = 0) entries match every ASID.
    pub(crate) global: bool,
    /// Table level of the leaf.
    pub(crate) level: u8,
}

/// A fault found by a walk or a permission check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct WalkFault {
    pub(crate) kind: ContextFaultKind,
    pub(crate) stage: Stage,
    pub(crate) level: Option<u8>,
    /// The fault happened while reading a stage 1 table through stage 2.
    pub(crate) on_table_walk: bool,
    /// For stage 2 faults: the IPA being translated.
    pub(crate) ipa: Option<u64>,
}

impl WalkFault {
    pub(crate) const fn new(kind: ContextFaultKind, stage: Stage, level: u8) -> Self {
        Self {
            kind,
            stage,
            level: Some(level),
            on_table_walk: false,
            ipa: None,
        }
    }
}

/// Reads one descriptor for a walker. `addr` is the descriptor's address in
/// the walker's output space (a PA, or an IPA for a nested stage 1 walk);
/// `size` is 4 or 8 bytes; `level` is reported in an external fault.
pub(crate) trait TableReader {
    fn read(&mut self, addr: u64, size: u8, stage: Stage, level: u8) -> Result<u64, WalkFault>;
}
