// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! System call classes: the `svc` immediate (doc/reference/aarch64-abi.md §2).

/// The class of a system call, as numbered by TRD104 §4 (and Tock's
/// userspace-readable allow extension).
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
#[repr(u8)]
pub enum SyscallClass {
    /// Run an upcall or block until one arrives.
    Yield = 0,
    /// Register an upcall.
    Subscribe = 1,
    /// Call a driver.
    Command = 2,
    /// Share a read-write buffer.
    ReadWriteAllow = 3,
    /// Share a read-only buffer.
    ReadOnlyAllow = 4,
    /// Query or change the process's memory.
    Memop = 5,
    /// Terminate or restart.
    Exit = 6,
    /// Share a buffer the process may keep reading.
    UserspaceReadableAllow = 7,
}

impl SyscallClass {
    /// Every class, in numeric order.
    pub const ALL: [Self; 8] = [
        Self::Yield,
        Self::Subscribe,
        Self::Command,
        Self::ReadWriteAllow,
        Self::ReadOnlyAllow,
        Self::Memop,
        Self::Exit,
        Self::UserspaceReadableAllow,
    ];

    /// Decodes the `svc` immediate (16 bits on AArch64); `None` if it names no
    /// class.
    pub fn from_immediate(imm: u16) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| *c as u16 == imm)
    }
}

#[cfg(test)]
mod tests {
    use super::SyscallClass;

    #[test]
    fn immediates_match_trd104_numbers() {
        for (n, class) in SyscallClass::ALL.iter().enumerate() {
            assert_eq!(SyscallClass::from_immediate(n as u16), Some(*class));
        }
        assert_eq!(SyscallClass::from_immediate(8), None);
        assert_eq!(SyscallClass::from_immediate(0xFFFF), None);
    }
}
