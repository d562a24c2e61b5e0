// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The lifecycle hook: capsules act when a process run ends, before its
//! memory is released or reused (DESIGN §4 invariant 4).

use super::ProcessId;

/// Why a process run is ending.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum EndReason {
    /// exit-terminate.
    Terminated,
    /// exit-restart, or a fault the policy restarts.
    Restarting,
    /// A fault the policy stops.
    Faulted,
}

/// A hook could not make the process's memory safe to release (e.g. an
/// IOMMU sync timed out). The kernel quarantines the memory for good.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub struct QuiesceFailed;

/// Implemented by capsules that hold per-process resources outside the grant
/// region that could still touch the process's memory (DMA mappings,
/// in-flight device transfers).
///
/// The kernel calls [`ProcessLifecycle::process_ending`] for every registered
/// hook *after* the process stopped running and *before* it drops the
/// process's allows and upcalls, releases its memory or starts the new run.
/// The old `ProcessId` is still the one passed, so the hook can find its own
/// per-process state. Every hook runs even if an earlier one failed.
pub trait ProcessLifecycle {
    /// Quiesce and tear down everything this capsule holds for `process`.
    fn process_ending(&self, process: ProcessId, reason: EndReason) -> Result<(), QuiesceFailed>;
}
