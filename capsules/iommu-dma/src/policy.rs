// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Board policy: which DMA masters exist, which apps may use DMA, which
//! masters each of them may attach, and how much each may consume.
//!
//! Everything here is declared by the board and read-only at run time. An
//! app is identified by its TBF package name, which the kernel records when
//! it loads the app; a process without an entry gets no IOMMU domain at all.

use kernel::hil::iommu::{DomainConfig, StreamMatch};

/// Most masters a policy can declare: a domain records its attached masters
/// as a bit set of this width.
pub const MAX_MASTERS: usize = 64;

/// A DMA-capable device the board wires to the IOMMU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DmaMaster {
    /// Name for logs (`"zdma0"`).
    pub name: &'static str,
    /// The stream IDs its transactions carry.
    pub stream: StreamMatch,
    /// Width of the device addresses it can emit (its DMA mask): the
    /// domain's IOVA window must fit inside it, or a device address the
    /// capsule hands out could be truncated by the device into another one.
    pub address_bits: u8,
}

/// What one app may consume (DESIGN §4 invariant 8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quota {
    /// Live mappings at a time (also bounded by the grant's table,
    /// [`crate::MAX_MAPPINGS`]).
    pub mappings: u32,
    /// Bytes mapped at a time.
    pub bytes: u64,
    /// Translation-table pages the app's domain may hold, root included.
    pub table_pages: u32,
}

/// One app the board lets use DMA.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AppPolicy {
    /// The app's TBF package name.
    pub app: &'static str,
    /// Indices into [`Policy::masters`] the app may attach.
    pub masters: &'static [usize],
    /// The app's budget.
    pub quota: Quota,
}

/// The whole board policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Every DMA master behind this IOMMU (at most [`MAX_MASTERS`]).
    pub masters: &'static [DmaMaster],
    /// Every app allowed to use DMA.
    pub apps: &'static [AppPolicy],
    /// The domain every app gets (format, stage, IOVA window). The window
    /// must cover the process address space (`iova_bits >= 32`), because a
    /// buffer's device address is its process address.
    pub domain: DomainConfig,
}

/// A policy the board got wrong (found by [`Policy::validate`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum PolicyError {
    /// More than [`MAX_MASTERS`] masters.
    TooManyMasters,
    /// An app names a master index that does not exist.
    UnknownMaster {
        /// Index into [`Policy::apps`].
        app: usize,
    },
    /// Two apps share a name.
    DuplicateApp {
        /// Index into [`Policy::apps`] of the second one.
        app: usize,
    },
    /// The IOVA window cannot hold process addresses (needs 32..=64 bits).
    WindowTooSmall,
    /// The IOVA window is wider than a master's device addresses.
    WindowBeyondMaster {
        /// Index into [`Policy::masters`].
        master: usize,
    },
}

impl Policy {
    /// Checks the policy once at board start-up; the capsule relies on it.
    pub fn validate(&self) -> Result<(), PolicyError> {
        if self.masters.len() > MAX_MASTERS {
            return Err(PolicyError::TooManyMasters);
        }
        if !(32..=64).contains(&self.domain.iova_bits) {
            return Err(PolicyError::WindowTooSmall);
        }
        if let Some(master) = self
            .masters
            .iter()
            .position(|m| m.address_bits < self.domain.iova_bits)
        {
            return Err(PolicyError::WindowBeyondMaster { master });
        }
        for (index, app) in self.apps.iter().enumerate() {
            if app.masters.iter().any(|&m| m >= self.masters.len()) {
                return Err(PolicyError::UnknownMaster { app: index });
            }
            if self.apps[..index].iter().any(|other| other.app == app.app) {
                return Err(PolicyError::DuplicateApp { app: index });
            }
        }
        Ok(())
    }

    /// The entry for the app named `name`, if the board lets it use DMA.
    pub fn app(&self, name: &str) -> Option<&AppPolicy> {
        // An unnamed process never matches, even if the board wrote "".
        if name.is_empty() {
            return None;
        }
        self.apps.iter().find(|app| app.app == name)
    }

    /// The master at `index`, if it exists and fits the bit set.
    pub fn master(&self, index: usize) -> Option<&DmaMaster> {
        self.masters.get(index).filter(|_| index < MAX_MASTERS)
    }
}

impl AppPolicy {
    /// Whether the board lets this app attach master `index`.
    pub fn may_attach(&self, index: usize) -> bool {
        self.masters.contains(&index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kernel::hil::iommu::{Granule, Stage, StreamId, TableFormat};

    const QUOTA: Quota = Quota {
        mappings: 4,
        bytes: 1 << 20,
        table_pages: 8,
    };
    const MASTERS: [DmaMaster; 2] = [
        DmaMaster {
            name: "zdma0",
            stream: StreamMatch::exact(StreamId::new(0x14e8)),
            address_bits: 44,
        },
        DmaMaster {
            name: "zdma1",
            stream: StreamMatch::exact(StreamId::new(0x14e9)),
            address_bits: 44,
        },
    ];

    fn policy(apps: &'static [AppPolicy], iova_bits: u8) -> Policy {
        Policy {
            masters: &MASTERS,
            apps,
            domain: DomainConfig {
                format: TableFormat::Lpae64(Granule::Size4K),
                stage: Stage::One,
                iova_bits,
            },
        }
    }

    #[test]
    fn lookups_follow_the_declarations() {
        static APPS: [AppPolicy; 1] = [AppPolicy {
            app: "dma-demo",
            masters: &[1],
            quota: QUOTA,
        }];
        let p = policy(&APPS, 40);
        assert_eq!(p.validate(), Ok(()));
        let app = p.app("dma-demo").unwrap();
        assert!(app.may_attach(1));
        assert!(!app.may_attach(0));
        assert!(p.app("other").is_none());
        assert!(p.app("").is_none());
        assert_eq!(p.master(1).map(|m| m.name), Some("zdma1"));
        assert!(p.master(2).is_none());
    }

    #[test]
    fn board_mistakes_are_caught() {
        static UNKNOWN: [AppPolicy; 1] = [AppPolicy {
            app: "a",
            masters: &[2],
            quota: QUOTA,
        }];
        static TWICE: [AppPolicy; 2] = [
            AppPolicy {
                app: "a",
                masters: &[],
                quota: QUOTA,
            },
            AppPolicy {
                app: "a",
                masters: &[0],
                quota: QUOTA,
            },
        ];
        assert_eq!(
            policy(&UNKNOWN, 40).validate(),
            Err(PolicyError::UnknownMaster { app: 0 })
        );
        assert_eq!(
            policy(&TWICE, 40).validate(),
            Err(PolicyError::DuplicateApp { app: 1 })
        );
        assert_eq!(policy(&[], 31).validate(), Err(PolicyError::WindowTooSmall));
        assert_eq!(policy(&[], 65).validate(), Err(PolicyError::WindowTooSmall));
        // A 48-bit window is wider than the 44-bit masters can address.
        assert_eq!(
            policy(&[], 48).validate(),
            Err(PolicyError::WindowBeyondMaster { master: 0 })
        );
        assert_eq!(policy(&[], 44).validate(), Ok(()));
    }
}
