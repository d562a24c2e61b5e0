// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Driver for the Arm System MMU architecture version 2 (SMMUv2) and the Arm
//! CoreLink MMU-500 that implements it.
//!
//! Two layers:
//!
//! - [`ArmSmmu`]: the hardware. Probe and reset, context banks programmed
//!   from an `io-pgtable` [`HwConfig`](io_pgtable::HwConfig), stream mapping,
//!   TLB maintenance with bounded syncs, fault decoding with a rate limit,
//!   hardware translation. Generic over [`RegisterIo`] so the same code runs
//!   on MMIO ([`Mmio`]) and against the behavioural model in host tests.
//! - [`SmmuIommu`]: `kernel::hil::iommu::Iommu` on top of it, owning each
//!   domain's `io-pgtable` page table and the caller's table allocator.
//!
//! See `doc/arm-smmu.md` for the design, what is supported and the errata
//! handled.

#![no_std]

mod capabilities;
mod context;
mod driver;
mod error;
mod fault;
mod io;
mod iommu;
mod registers;
mod state;
mod streams;
mod tlb;
mod translate;

pub use capabilities::{Capabilities, Formats};
pub use driver::{ArmSmmu, Implementation, SmmuConfig};
pub use error::{ProbeError, SmmuError};
pub use fault::{decode_context_fault, decode_global_fault};
pub use io::{Mmio, RegisterIo};
pub use iommu::SmmuIommu;
pub use state::ContextState;
pub use translate::decode_par;
