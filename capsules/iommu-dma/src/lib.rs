// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The IOMMU DMA capsule (driver `0x9_0000`): each app that uses DMA gets
//! its own IOMMU domain, maps buffers it allowed into it by system call and
//! attaches the DMA masters the board grants it; a device then reaches
//! those buffers and nothing else.
//!
//! * [`IommuDma`] — the `SyscallDriver` (ABI: `doc/syscalls/iommu_dma.md`),
//!   the kernel `ProcessLifecycle` hook that tears a domain down before the
//!   kernel reuses the app's memory, and the IOMMU's `FaultClient`;
//! * [`Quiesce`] — how the masters' own drivers are asked to stop first;
//! * [`Policy`] — the board's masters, apps, grants and quotas;
//! * [`TableSource`] / [`TableUsage`] — where table pages come from and
//!   how a domain's consumption is read.
//!
//! Design and the argument against Tock's goals for DMA-able grants:
//! `doc/iommu-dma.md`.

#![no_std]
#![forbid(unsafe_code)]

pub mod abi;
mod buffer;
mod capsule;
mod domains;
mod faults;
mod mappings;
mod policy;
mod tables;
mod teardown;

pub use capsule::{DmaGrant, IommuDma, Quiesce};
pub use domains::DomainState;
pub use mappings::{App, MAX_MAPPINGS};
pub use policy::{AppPolicy, DmaMaster, MAX_MASTERS, Policy, PolicyError, Quota};
pub use tables::{TableSource, TableUsage};
