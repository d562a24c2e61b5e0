// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Processes: identity, state, fault policy, lifecycle hooks and the
//! per-process record the kernel keeps.

mod id;
pub mod lifecycle;
mod record;
pub mod state;

pub use id::ProcessId;
pub use lifecycle::{EndReason, ProcessLifecycle, QuiesceFailed};
pub use record::{GrantSlot, MAX_GRANTS, Process};
pub use state::{FaultAction, FaultPolicy, FaultReason, State};
