// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! [`ProcessId`]: names one run of one process.

/// Identifies one *run* of a process: the slot it occupies in the process
/// table and an identifier that the kernel never hands out twice.
///
/// A restart gives the process a new identifier, so every `ProcessId` a
/// capsule kept from before the restart stops matching: grant entries,
/// buffers and upcalls addressed with it are refused. The identifier alone
/// is unique; the index makes lookups O(1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, defmt::Format)]
pub struct ProcessId {
    index: usize,
    identifier: u32,
}

impl ProcessId {
    /// Only the process table mints identifiers.
    pub(crate) const fn new(index: usize, identifier: u32) -> Self {
        Self { index, identifier }
    }

    /// The slot in the process table.
    pub const fn index(&self) -> usize {
        self.index
    }

    /// The run identifier, unique for the kernel's lifetime.
    pub const fn id(&self) -> u32 {
        self.identifier
    }

    /// A process id for tests outside this crate (e.g. capsule unit tests).
    #[doc(hidden)]
    pub const fn new_for_test(index: usize, identifier: u32) -> Self {
        Self::new(index, identifier)
    }
}
