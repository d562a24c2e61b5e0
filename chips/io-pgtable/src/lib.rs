// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! IOMMU page tables in the formats an Arm SMMU walks: LPAE long
//! descriptors (VMSAv8-64 stage 1 and 2 with 4K/16K/64K granules, and the
//! 32-bit LPAE variant) and the Armv7 short-descriptor format (`v7s`).
//!
//! `no_std`, no heap. Table memory comes from a caller-supplied
//! [`PageAllocator`]; a [`CacheMaintenance`] hook cleans table writes for
//! walkers that do not snoop the CPU caches; unmaps collect what must be
//! invalidated, and the table pages they free, in a [`TlbGather`] that the
//! driver flushes before the pages are reused.
//!
//! ```
//! # #[cfg(feature = "test-support")] {
//! use io_pgtable::{Config, Format, Granule, IoPageTable, Prot, Stage, TlbGather, CoherentWalk};
//! use io_pgtable::test_support::ArenaAllocator;
//!
//! let cfg = Config::new(Format::Lpae64 { stage: Stage::S1, granule: Granule::K4 }, 48, 40);
//! let mut table = IoPageTable::new(cfg, ArenaAllocator::lpae(), CoherentWalk).unwrap();
//! let mut gather = TlbGather::new();
//! table.map(0x1000_0000, 0x8000_0000, 4096, 4, Prot::READ_WRITE, &mut gather).unwrap();
//! assert_eq!(table.iova_to_phys(0x1000_2010), Some(0x8000_2010));
//! assert_eq!(table.unmap(0x1000_0000, 4 * 4096, &mut gather), Ok(4 * 4096));
//! // ... the driver invalidates gather.ranges() and syncs, then:
//! // SAFETY: nothing was really cached (no hardware walks this table).
//! unsafe { table.release_freed(&mut gather) };
//! # }
//! ```
//!
//! See `doc/io-pgtable.md` for the design, the write-ordering argument and
//! why a partial unmap of a block is refused instead of split.
#![no_std]

#[cfg(feature = "test-support")]
extern crate std;

mod config;
mod error;
mod gather;
mod hw;
mod lpae;
mod memory;
mod prot;
mod table;
mod v7s;

#[cfg(feature = "test-support")]
pub mod test_support;

pub use config::{Config, Format, Granule, Stage, V7sAttrModel};
pub use error::Error;
pub use gather::{DEFAULT_FLUSH_ALL_THRESHOLD, GATHER_RANGES, IovaRange, TlbGather};
pub use hw::{ContextRegs, HwConfig, LpaeS1Regs, LpaeS2Regs, V7sRegs, WalkAttrs};
pub use memory::{CacheMaintenance, CoherentWalk, PageAllocator, TablePage};
pub use prot::{MemType, Prot};
pub use table::IoPageTable;
