// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! The IOTLB: caches leaf translations tagged as the hardware tags them
//! (IHI 0062D 2.9 / 3.9: VMID, ASID for non-global stage 1 entries, and the
//! input address), keeps them until an invalidation *completes*, and never
//! evicts. Invalidations are queued and take effect only when the matching
//! TLBSYNC/TLBGSYNC completes (IHI 0062D 3.9.x: maintenance is only
//! guaranteed complete after a sync), so both a missing TLBI and a missing
//! sync show up as a stale translation.

use crate::walk::Perms;

/// Which translation regime filled an entry; entries of one regime never
/// answer lookups of another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Regime {
    /// Stage 1 with stage 2 bypass: VA -> PA.
    Stage1,
    /// Stage 2 only: IPA -> PA.
    Stage2,
    /// Nested: VA -> PA through both stages (a combined entry).
    Nested,
}

/// One cached leaf translation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TlbEntry {
    pub(crate) regime: Regime,
    pub(crate) vmid: u16,
    /// `None` for global entries (and all stage 2 entries).
    pub(crate) asid: Option<u16>,
    /// Input address of the first byte the entry covers.
    pub(crate) input: u64,
    /// log2 of the size covered.
    pub(crate) size_bits: u32,
    /// Output address of `input`.
    pub(crate) output: u64,
    /// Permissions of the stage 1 leaf (or the only stage's leaf).
    pub(crate) perms: Perms,
    /// Permissions of the stage 2 leaf of a nested entry (all allowed for
    /// other regimes), kept apart so a fault names the stage that refused.
    pub(crate) s2_perms: Perms,
    /// Level of the (stage 1, or only) leaf, for permission fault syndromes.
    pub(crate) level: u8,
    /// Level of the stage 2 leaf of a nested entry.
    pub(crate) s2_level: u8,
    /// Intermediate address of `input` (equal to `input` unless nested).
    pub(crate) ipa: u64,
}

impl TlbEntry {
    fn covers(&self, address: u64) -> bool {
        address >> self.size_bits == self.input >> self.size_bits
    }
}

/// A queued invalidation (IHI 0062D 10.6.14-10.6.17, 10.15).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Invalidation {
    /// TLBIALLNSNH: every entry.
    All,
    /// TLBIVMID, or TLBIALL issued through a bank: every entry of a VMID.
    Vmid(u16),
    /// TLBIASID: non-global stage 1 entries of a VMID and ASID.
    Asid { vmid: u16, asid: u16 },
    /// TLBIVA/TLBIVAL (`asid` Some) or TLBIVAA/TLBIVAAL (`asid` None):
    /// stage 1 entries of a VMID covering `va`, global ones included.
    Va {
        vmid: u16,
        asid: Option<u16>,
        va: u64,
    },
    /// TLBIIPAS2/TLBIIPAS2L: stage 2 entries of a VMID covering `ipa`.
    /// Combined nested entries are not affected (the architecture requires a
    /// stage 1 invalidation for those too).
    Ipa { vmid: u16, ipa: u64 },
}

impl Invalidation {
    fn hits(&self, e: &TlbEntry) -> bool {
        let stage1 = matches!(e.regime, Regime::Stage1 | Regime::Nested);
        match *self {
            Self::All => true,
            Self::Vmid(vmid) => e.vmid == vmid,
            Self::Asid { vmid, asid } => stage1 && e.vmid == vmid && e.asid == Some(asid),
            Self::Va { vmid, asid, va } => {
                stage1
                    && e.vmid == vmid
                    && e.covers(va)
                    && (asid.is_none() || e.asid.is_none() || e.asid == asid)
            }
            Self::Ipa { vmid, ipa } => {
                e.regime == Regime::Stage2 && e.vmid == vmid && e.covers(ipa)
            }
        }
    }
}

/// Who issued an invalidation, which decides which sync completes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Issuer {
    /// Global register space 0: completed by TLBGSYNC.
    Global,
    /// Context bank n: completed by that bank's TLBSYNC.
    Bank(u8),
}

/// Result of a lookup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Lookup {
    Miss,
    Hit(TlbEntry),
    /// More than one entry matched (IHI 0062D: TLB match conflict).
    Conflict,
}

/// An invalidation waiting for its sync.
#[derive(Clone, Copy, Debug)]
struct Pending {
    issuer: Issuer,
    inv: Invalidation,
    /// A sync was issued after this invalidation; it completes with it.
    covered: bool,
}

/// The IOTLB.
#[derive(Debug, Default)]
pub(crate) struct Iotlb {
    entries: Vec<TlbEntry>,
    pending: Vec<Pending>,
}

impl Iotlb {
    pub(crate) fn lookup(
        &self,
        regime: Regime,
        vmid: u16,
        asid: Option<u16>,
        input: u64,
    ) -> Lookup {
        let mut found = None;
        for e in self.entries.iter().filter(|e| {
            e.regime == regime
                && e.vmid == vmid
                && e.covers(input)
                && (e.asid.is_none() || e.asid == asid)
        }) {
            if found.is_some() {
                return Lookup::Conflict;
            }
            found = Some(*e);
        }
        found.map_or(Lookup::Miss, Lookup::Hit)
    }

    pub(crate) fn insert(&mut self, entry: TlbEntry) {
        if !self.entries.contains(&entry) {
            self.entries.push(entry);
        }
    }

    /// Queues an invalidation until a sync by `issuer`, issued after it,
    /// completes.
    pub(crate) fn queue(&mut self, issuer: Issuer, inv: Invalidation) {
        self.pending.push(Pending {
            issuer,
            inv,
            covered: false,
        });
    }

    /// `issuer` started a sync: it covers every invalidation issued so far.
    pub(crate) fn start_sync(&mut self, issuer: Issuer) {
        for p in self.pending.iter_mut().filter(|p| p.issuer == issuer) {
            p.covered = true;
        }
    }

    /// A sync by `issuer` completed: apply the invalidations it covers.
    pub(crate) fn complete_sync(&mut self, issuer: Issuer) {
        let (done, rest): (Vec<_>, Vec<_>) = self
            .pending
            .drain(..)
            .partition(|p| p.issuer == issuer && p.covered);
        self.pending = rest;
        for p in done {
            self.entries.retain(|e| !p.inv.hits(e));
        }
    }

    /// Number of cached entries (for tests and statistics).
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Number of invalidations still waiting for a sync.
    pub(crate) fn pending(&self) -> usize {
        self.pending.len()
    }
}
