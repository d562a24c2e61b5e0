// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Process memory: the layout every process sees and the MMU boundary.

pub mod address_space;
pub mod layout;

pub use address_space::{AddressSpace, Permissions};
pub use layout::{Access, Backing, CheckedBuffer, LayoutError, MemoryPlan, ProcessLayout, Region};
