// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Register access: the driver is generic over the kernel's testable
//! [`RegisterIo`] (DESIGN §3.1), with [`Mmio`] for the hardware and a model
//! in host tests. SMMUv3 registers accept only 32- and 64-bit accesses of
//! their own width (IHI 0070 §6.2), which is all `RegisterIo` offers.

pub use kernel::utilities::register_io::{Mmio, RegisterIo};

/// Size of the SMMUv3 register window: two 64 KiB pages (IHI 0070 §6.1);
/// the window to give [`Mmio::new`].
pub const WINDOW_SIZE: usize = 0x2_0000;
