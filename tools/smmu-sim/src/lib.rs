// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! `smmu-sim`: a behavioural model of an Arm SMMUv2 / CoreLink MMU-500 for
//! host tests.
//!
//! Written from the SMMUv2 architecture specification (IHI 0062D), the
//! MMU-500 TRM (DDI 0517) and the Arm ARM (DDI 0487) for the table formats.
//! It shares no code with `io-pgtable` or `arm-smmu`: it is the oracle that
//! must be able to disagree with them.
//!
//! A test builds a [`SimMemory`], hands table pages from it to the page-table
//! code (host pointers via [`SimMemory::host_ptr`]), drives the driver
//! against [`Smmu::read32`]/[`Smmu::write32`]/[`Smmu::read64`]/
//! [`Smmu::write64`], and then plays the device with [`Smmu::transaction`]
//! or [`Smmu::dma_write`]/[`Smmu::dma_read`], checking the interrupt lines
//! ([`Smmu::global_irq`], [`Smmu::context_irq`]) and the fault registers.
//! See `doc/smmu-sim.md` for what is and is not modelled.
//!
//! ```
//! use smmu_sim::regs::{cr0, gr0, s2cr_type};
//! use smmu_sim::{Access, Fault, GlobalFaultKind, Response, SimMemory, Smmu, SmmuConfig};
//!
//! let mut smmu = Smmu::new(SmmuConfig::mmu500(), SimMemory::new())?;
//! // Unmatched streams fault; stream 0x10 bypasses through SMR0/S2CR0.
//! smmu.write32(gr0::CR0, cr0::USFCFG | cr0::GFRE | cr0::GFIE);
//! smmu.write32(gr0::S2CR, s2cr_type::BYPASS << 16);
//! smmu.write32(gr0::SMR, 1 << 31 | 0x10);
//! assert_eq!(smmu.transaction(0x10, 0x1234, Access::Read, false), Ok(0x1234));
//! assert_eq!(
//!     smmu.transaction(0x11, 0x1234, Access::Write, false),
//!     Err(Fault::Global { kind: GlobalFaultKind::UnidentifiedStream, response: Response::Abort })
//! );
//! assert!(smmu.global_irq());
//! # Ok::<(), smmu_sim::ConfigError>(())
//! ```

mod ats;
mod config;
mod context;
mod dma;
mod fault;
mod inject;
mod memory;
pub mod regs;
mod report;
mod smmu;
mod streams;
mod tlb;
mod translate;
mod walk;
mod walk_setup;

pub use ats::{PAR_F, PAR_PA_MASK, PAR_PLVL_SHIFT, PAR_STAGE2};
pub use config::{AddressSize, ConfigError, Granules, SmmuConfig};
pub use dma::DmaError;
pub use fault::{Access, ContextFaultKind, Fault, GlobalFaultKind, Response, Stage};
pub use inject::SyncTarget;
pub use memory::{ARENA_ALIGN, MemoryError, SimMemory};
pub use smmu::Smmu;
