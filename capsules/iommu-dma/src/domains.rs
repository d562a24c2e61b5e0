// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The capsule's record of every IOMMU domain it created: which process run
//! owns it, which masters are attached to it, and whether it still works.
//!
//! These records live in the capsule, not in the grant, because they must
//! outlive the grant: the lifecycle hook tears a domain down after the run
//! stopped (when the grant can no longer be entered), and a domain whose
//! teardown failed stays recorded, quarantined, for good.

use core::cell::Cell;

use kernel::ErrorCode;
use kernel::hil::iommu::DomainId;
use kernel::process::ProcessId;

/// What state a domain is in, as the app sees it through `info`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum DomainState {
    /// Translating; every operation allowed.
    Active,
    /// The IOMMU disabled it after a fault storm: its streams are blocked
    /// and every operation but detach returns `OFF` until the run ends.
    Disabled,
    /// TLB maintenance timed out: the hardware may still reach anything
    /// ever mapped, so every operation but detach returns `FAIL` and the
    /// run's memory is quarantined when it ends.
    Broken,
    /// Teardown failed at the end of the owner's run; the domain (its
    /// context and table pages) is retired for good.
    Quarantined,
}

impl DomainState {
    /// The value `info` reports (doc/syscalls/iommu_dma.md).
    pub const fn code(self) -> u64 {
        match self {
            Self::Active => 1,
            Self::Disabled => 2,
            Self::Broken => 3,
            Self::Quarantined => 4,
        }
    }
}

/// One domain the capsule created.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DomainRecord {
    /// The process run it belongs to.
    pub(crate) owner: ProcessId,
    /// The IOMMU's name for it.
    pub(crate) domain: DomainId,
    /// Attached masters, as a bit set of policy indices.
    pub(crate) masters: u64,
    /// Whether it still works.
    pub(crate) state: DomainState,
    /// Faults the IOMMU reported for it (for rate-limited logging).
    pub(crate) faults: u32,
}

/// Room for `N` domain records.
pub(crate) struct Domains<const N: usize> {
    records: [Cell<Option<DomainRecord>>; N],
}

impl<const N: usize> Domains<N> {
    pub(crate) const fn new() -> Self {
        Self {
            records: [const { Cell::new(None) }; N],
        }
    }

    /// The domain of `owner`'s current run (quarantined ones belong to no
    /// live run).
    pub(crate) fn of_process(&self, owner: ProcessId) -> Option<(usize, DomainRecord)> {
        self.find(|r| r.owner == owner && r.state != DomainState::Quarantined)
    }

    /// The record of the IOMMU domain `domain`.
    pub(crate) fn by_domain(&self, domain: DomainId) -> Option<(usize, DomainRecord)> {
        self.find(|r| r.domain == domain)
    }

    /// The record that has master `index` attached.
    pub(crate) fn holding_master(&self, index: usize) -> Option<(usize, DomainRecord)> {
        let bit = master_bit(index)?;
        self.find(|r| r.masters & bit != 0)
    }

    /// Whether a record is free for a new domain.
    pub(crate) fn has_room(&self) -> bool {
        self.records.iter().any(|r| r.get().is_none())
    }

    /// Stores a new record; `NOMEM` when every record is in use.
    pub(crate) fn insert(&self, record: DomainRecord) -> Result<usize, ErrorCode> {
        let (index, cell) = self
            .records
            .iter()
            .enumerate()
            .find(|(_, r)| r.get().is_none())
            .ok_or(ErrorCode::NoMem)?;
        cell.set(Some(record));
        Ok(index)
    }

    /// Changes the record at `index` in place (if it still exists). Callers
    /// never write back a copy taken before a call into the IOMMU, which may
    /// have changed the state meanwhile (a synchronous `domain_disabled`).
    pub(crate) fn update(&self, index: usize, f: impl FnOnce(&mut DomainRecord)) {
        if let Some(cell) = self.records.get(index)
            && let Some(mut record) = cell.get()
        {
            f(&mut record);
            cell.set(Some(record));
        }
    }

    /// The record at `index`.
    pub(crate) fn get(&self, index: usize) -> Option<DomainRecord> {
        self.records.get(index).and_then(Cell::get)
    }

    /// Forgets the record at `index` (its domain was freed).
    pub(crate) fn remove(&self, index: usize) {
        if let Some(cell) = self.records.get(index) {
            cell.set(None);
        }
    }

    fn find(&self, pred: impl Fn(&DomainRecord) -> bool) -> Option<(usize, DomainRecord)> {
        self.records
            .iter()
            .enumerate()
            .find_map(|(i, r)| r.get().filter(|r| pred(r)).map(|r| (i, r)))
    }
}

/// The bit of master `index` in a record's set.
pub(crate) fn master_bit(index: usize) -> Option<u64> {
    u32::try_from(index).ok().and_then(|i| 1u64.checked_shl(i))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(owner: usize, domain: u16, masters: u64) -> DomainRecord {
        DomainRecord {
            faults: 0,
            owner: ProcessId::new_for_test(owner, owner as u32 + 1),
            domain: DomainId::new(domain),
            masters,
            state: DomainState::Active,
        }
    }

    #[test]
    fn records_are_found_by_owner_domain_and_master() {
        let d = Domains::<2>::new();
        let a = d.insert(record(0, 3, 0b10)).unwrap();
        let b = d.insert(record(1, 4, 0)).unwrap();
        assert!(!d.has_room());
        assert_eq!(d.insert(record(2, 5, 0)), Err(ErrorCode::NoMem));
        assert_eq!(d.by_domain(DomainId::new(4)).map(|r| r.0), Some(b));
        assert_eq!(d.holding_master(1).map(|r| r.0), Some(a));
        assert_eq!(d.holding_master(0), None);
        assert_eq!(d.holding_master(64), None);
        let owner = ProcessId::new_for_test(0, 1);
        assert_eq!(d.of_process(owner).map(|r| r.0), Some(a));
        d.update(a, |r| r.state = DomainState::Quarantined);
        assert_eq!(d.of_process(owner), None);
        d.remove(b);
        assert!(d.has_room());
        assert_eq!(d.get(b), None);
    }

    #[test]
    fn master_bits_stop_at_the_width() {
        assert_eq!(master_bit(0), Some(1));
        assert_eq!(master_bit(63), Some(1 << 63));
        assert_eq!(master_bit(64), None);
        assert_eq!(master_bit(usize::MAX), None);
    }
}
