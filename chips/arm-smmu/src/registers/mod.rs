// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! SMMUv2 register map: offsets within each space and bit fields
//! (`tock-registers`), plus the space layout derived from sIDR1.

pub(crate) mod context;
pub(crate) mod global;
