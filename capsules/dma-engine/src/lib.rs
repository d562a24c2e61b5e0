// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The DMA engine driver (`0x9_0001`): an app drives a DMA engine with
//! device addresses (IOVAs) of its own IOMMU domain.
//!
//! The engine is one of the board's DMA masters. Only the process whose
//! IOMMU domain the master is attached to (its *owner*, reported by the
//! board through [`MasterOwnership`], normally the `iommu-dma` capsule) may
//! start or cancel transfers: the device addresses it passes are meaningful
//! only in that domain, and the IOMMU bounds them to that process's memory.
//! Everything else is refused before the engine is touched. ABI:
//! `doc/syscalls/dma_engine.md`.
//!
//! One transfer is in flight at a time. Its completion is an upcall to the
//! process that started it. When that process's run ends, the lifecycle
//! hook ([`DmaEngineDriver`] implements `ProcessLifecycle`) cancels the
//! transfer and waits for the engine to stop before the kernel (and the
//! IOMMU capsule, whose hook must run after this one) may tear down its
//! mappings and reuse its memory; if the engine cannot be confirmed idle,
//! the hook fails and the kernel quarantines the process's memory.

#![no_std]
#![forbid(unsafe_code)]

mod driver;

pub use driver::{App, DRIVER_NUM, DmaEngineDriver, DmaEngineGrant, MasterOwnership};
