// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Driver for the Arm System MMU architecture version 3 (SMMUv3), as QEMU's
//! `virt` machine (`iommu=smmuv3`) and newer SoCs provide it.
//!
//! - [`SmmuV3`]: the hardware. Probe (IDR0/1/5), reset and enable with a
//!   linear stream table whose entries abort until a stream is attached,
//!   command queue with bounded CMD_SYNC waits, event queue decoded into
//!   [`Event`]s. Generic over [`RegisterIo`] (MMIO on the target, a model
//!   in host tests).
//! - [`Stage1Domain`]: one `io-pgtable` LPAE-64 stage-1 table and its
//!   ASID, with strict map/unmap through the SMMU's TLB invalidation.
//! - [`SmmuV3Iommu`]: `kernel::hil::iommu::Iommu` on top of both, with a
//!   fixed number of domain slots, a fault client fed by
//!   [`SmmuV3Iommu::service_events`], and a per-domain fault-storm limit
//!   over windows the board starts.
//!
//! Not yet: two-level stream tables, substreams, stage 2, the PRI queue
//! and MSIs. See `doc/arm-smmuv3.md`.

#![no_std]

mod capabilities;
mod command;
mod descriptors;
mod domain;
mod driver;
mod error;
mod event;
mod io;
mod iommu;
mod memory;
mod queue;
mod registers;

pub use capabilities::Capabilities;
pub use command::Command;
pub use descriptors::{
    CdWords, DESCRIPTOR_BYTES, SteWords, StreamConfig, cd_stage1, ste_abort, ste_config, ste_stage1,
};
pub use domain::Stage1Domain;
pub use driver::{Drained, SmmuV3};
pub use error::{ProbeError, SmmuError};
pub use event::{EVENT_BYTES, Event, EventType};
pub use io::{Mmio, RegisterIo, WINDOW_SIZE};
pub use iommu::{DEFAULT_FAULT_LIMIT, SmmuV3Iommu};
pub use memory::{DmaRegion, SmmuMemory};
pub use queue::QueueIndex;
