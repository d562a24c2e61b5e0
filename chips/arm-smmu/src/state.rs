// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The driver's shadow of what it programmed: per context bank and per
//! stream-mapping entry. Plain `Copy` data kept in `Cell`s, so no borrow can
//! fail and no path can panic.

use kernel::hil::iommu::Stage;

/// Which translation scheme a context bank walks (IHI 0062D, SMMU_CBA2Rn.VA64
/// and TTBCR.EAE select it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ContextFormat {
    /// AArch64 (VMSAv8-64) long descriptors, CBA2R.VA64 = 1.
    AArch64,
    /// AArch32 long descriptors (LPAE), VA64 = 0, EAE = 1.
    AArch32Long,
    /// AArch32 short descriptors (v7s), VA64 = 0, EAE = 0.
    AArch32Short,
}

/// Lifecycle of a context bank.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContextState {
    /// Not allocated; disabled in hardware.
    Free,
    /// Allocated, translating.
    Active,
    /// Disabled by the fault-storm limit: streams blocked, reporting off.
    /// Only freeing is accepted.
    Disabled,
    /// A sync timed out: the hardware state is unknown. Retired for good;
    /// never reallocated.
    Unusable,
}

/// Shadow of one context bank.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ContextSlot {
    pub(crate) state: ContextState,
    pub(crate) format: ContextFormat,
    pub(crate) stage: Stage,
    /// Context faults counted in the current rate window.
    pub(crate) faults: u16,
}

impl ContextSlot {
    pub(crate) const FREE: Self = Self {
        state: ContextState::Free,
        format: ContextFormat::AArch64,
        stage: Stage::One,
        faults: 0,
    };
}

/// Shadow of one stream-mapping entry (an SMR/S2CR pair, or with stream
/// indexing the S2CR of one stream ID).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StreamSlot {
    /// Invalid SMR, S2CR of type Fault.
    Free,
    /// Routes `id`/`mask` to context bank `bank`.
    Attached { id: u16, mask: u16, bank: u8 },
}
