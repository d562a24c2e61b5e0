// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Grants: per-process capsule state living in the process's grant region.

mod alloc;
mod handle;
pub(crate) mod storage;

pub use handle::{Grant, GrantError, GrantKernelData};
pub use storage::GrantAllocError;
