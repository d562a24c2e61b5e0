// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! CPU identification from `MIDR_EL1`.
//!
//! Layout from the Arm ARM (DDI 0487K.a), register description "MIDR_EL1":
//! Implementer \[31:24\], Variant \[23:20\], Architecture \[19:16\], PartNum
//! \[15:4\], Revision \[3:0\]. Part numbers of Arm Ltd cores (implementer
//! 0x41) are from each core's Technical Reference Manual, "MIDR_EL1".

/// A decoded Main ID Register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MainId {
    raw: u32,
}

impl MainId {
    /// Wraps a raw `MIDR_EL1` value.
    pub const fn new(raw: u32) -> Self {
        Self { raw }
    }

    /// Reads `MIDR_EL1` of the executing core.
    #[cfg(target_arch = "aarch64")]
    pub fn read() -> Self {
        use aarch64_cpu::registers::{MIDR_EL1, Readable};
        Self::new(MIDR_EL1.get() as u32)
    }

    /// The implementer code (0x41 is Arm Ltd).
    pub const fn implementer(self) -> u8 {
        (self.raw >> 24) as u8
    }

    /// The primary part number.
    pub const fn part(self) -> u16 {
        ((self.raw >> 4) & 0xfff) as u16
    }

    /// Variant (major revision, the `r` in `rNpM`).
    pub const fn variant(self) -> u8 {
        ((self.raw >> 20) & 0xf) as u8
    }

    /// Revision (minor revision, the `p` in `rNpM`).
    pub const fn revision(self) -> u8 {
        (self.raw & 0xf) as u8
    }

    /// The core's marketing name, when known.
    pub const fn name(self) -> &'static str {
        if self.implementer() != 0x41 {
            return "unknown core";
        }
        match self.part() {
            0xd03 => "Cortex-A53",
            0xd04 => "Cortex-A35",
            0xd05 => "Cortex-A55",
            0xd07 => "Cortex-A57",
            0xd08 => "Cortex-A72",
            0xd09 => "Cortex-A73",
            0xd0b => "Cortex-A76",
            0xd0c => "Neoverse-N1",
            0xd40 => "Neoverse-V1",
            0xd49 => "Neoverse-N2",
            _ => "Arm core",
        }
    }
}

impl defmt::Format for MainId {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "{=str} r{=u8}p{=u8} (MIDR={=u32:#010x})",
            self.name(),
            self.variant(),
            self.revision(),
            self.raw
        );
    }
}

/// Reads the current exception level (0-3) from `CurrentEL`.
#[cfg(target_arch = "aarch64")]
pub fn current_el() -> u8 {
    use aarch64_cpu::registers::{CurrentEL, Readable};
    CurrentEL.read(CurrentEL::EL) as u8
}

#[cfg(test)]
mod tests {
    use super::MainId;

    #[test]
    fn decodes_cortex_a53_r0p4() {
        // Cortex-A53 TRM (DDI 0500J) "MIDR_EL1": 0x410FD034 for r0p4.
        let midr = MainId::new(0x410f_d034);
        assert_eq!(midr.implementer(), 0x41);
        assert_eq!(midr.part(), 0xd03);
        assert_eq!(midr.variant(), 0);
        assert_eq!(midr.revision(), 4);
        assert_eq!(midr.name(), "Cortex-A53");
    }

    #[test]
    fn other_implementers_are_not_named_as_arm_cores() {
        assert_eq!(MainId::new(0x510f_d034).name(), "unknown core");
        assert_eq!(MainId::new(0x410f_0000).name(), "Arm core");
    }
}
