// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Register access: the driver is generic over the kernel's testable
//! [`RegisterIo`], so it runs on real MMIO ([`Mmio`], every access one
//! volatile load or store) and against the behavioural model in host tests
//! (DESIGN §3.1).

pub use kernel::utilities::register_io::{Mmio, RegisterIo};
