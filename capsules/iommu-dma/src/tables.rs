// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Where a domain's translation-table pages come from, and how the capsule
//! reads what a domain has consumed.
//!
//! `hil::iommu` moves a table allocator (`Iommu::Tables`) into each domain.
//! The board supplies a [`TableSource`] that makes one allocator per app,
//! limited to the app's [`crate::Quota::table_pages`]; the allocator itself
//! refuses pages beyond that limit, so the IOMMU's map fails with `NOMEM`
//! instead of exceeding the budget (DESIGN §4 invariant 8).

/// The usage report of a per-domain table allocator.
pub trait TableUsage {
    /// Table pages currently allocated through this allocator.
    fn pages_in_use(&self) -> u32;
}

/// Makes the table allocator of a new domain.
pub trait TableSource<T> {
    /// An allocator that hands out at most `budget_pages` pages, or `None`
    /// if the board's page pool cannot back a new domain at all.
    fn tables(&self, budget_pages: u32) -> Option<T>;
}
