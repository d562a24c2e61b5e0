// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Hardware interface layer: the traits capsules are generic over and chips
//! implement (Tock TRD3 rules: split-phase where hardware is, buffers handed
//! back on error).

pub mod dma;
pub mod iommu;
pub mod time;
pub mod uart;
