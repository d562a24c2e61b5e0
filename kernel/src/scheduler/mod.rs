// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Scheduling: round-robin selection and the interrupt pending model. The
//! loop that uses them is `Kernel::loop_once`.

pub mod interrupts;
pub mod round_robin;

pub use interrupts::PendingInterrupts;
pub use round_robin::{DEFAULT_TIMESLICE_US, RoundRobin};
