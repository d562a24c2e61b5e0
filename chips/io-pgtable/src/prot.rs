// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! Format-independent access permissions and memory type of a mapping. Each
//! format translates a `Prot` into its own descriptor bits once per `map`
//! call, never per page.

/// Memory type of a mapping, and with it the shareability each format uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MemType {
    /// Normal, inner and outer write-back read/write-allocate, Inner
    /// Shareable: DMA that is coherent with the CPU caches.
    Cached,
    /// Normal, non-cacheable, Outer Shareable.
    NonCacheable,
    /// Device-nGnRE (v7s: Shareable Device): MMIO targets, e.g. an MSI
    /// doorbell.
    Device,
}

/// Permissions and memory type of a mapping.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Prot {
    /// The device may read.
    pub read: bool,
    /// The device may write. Stage 1 (LPAE AP, v7s AP) cannot express
    /// write-only; there write implies read. Stage 2 (S2AP) can.
    pub write: bool,
    /// The device may fetch instructions (clears XN).
    pub exec: bool,
    /// Stage 1 only: only privileged transactions may access (`AP[1]` = 0).
    pub privileged: bool,
    /// Memory type.
    pub mem: MemType,
}

impl Prot {
    /// Read-only, non-executable, unprivileged, cached.
    pub const READ: Self = Self {
        read: true,
        write: false,
        exec: false,
        privileged: false,
        mem: MemType::Cached,
    };
    /// Read-write, non-executable, unprivileged, cached.
    pub const READ_WRITE: Self = Self {
        write: true,
        ..Self::READ
    };
    /// Write-only (meaningful at stage 2), non-executable, cached.
    pub const WRITE: Self = Self {
        read: false,
        ..Self::READ_WRITE
    };

    /// The same permissions with another memory type.
    #[must_use]
    pub const fn with_mem(self, mem: MemType) -> Self {
        Self { mem, ..self }
    }
}
