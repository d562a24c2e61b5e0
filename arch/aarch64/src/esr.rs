// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Decoding of the Exception Syndrome Register (`ESR_ELx`).
//!
//! Field layout and encodings from the Arm Architecture Reference Manual for
//! A-profile (DDI 0487K.a), register description "ESR_EL1": EC in bits
//! \[31:26\], IL in bit 25, ISS in bits \[24:0\]; the data- and
//! instruction-abort ISS encodings ("ISS encoding for an exception from a
//! Data Abort" / "... Instruction Abort") give DFSC/IFSC in bits \[5:0\], WnR
//! in bit 6, S1PTW in bit 7, EA in bit 9 and FnV in bit 10.
//!
//! Pure bit manipulation, so that fault reports and the kernel's fault policy
//! are unit-tested on the host.

/// A decoded exception syndrome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Syndrome {
    raw: u64,
}

/// The exception class (`ESR_ELx.EC`), for the classes the kernel handles or
/// reports by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum ExceptionClass {
    /// Unknown reason, including undefined instructions (EC 0x00).
    Unknown,
    /// Trapped WFI or WFE (EC 0x01).
    WfiWfe,
    /// Trapped SIMD or floating-point access (EC 0x07).
    FpAccess,
    /// Illegal execution state (EC 0x0E).
    IllegalState,
    /// SVC instruction executed in AArch64 state (EC 0x15).
    Svc64,
    /// Trapped MSR, MRS or system instruction (EC 0x18).
    SysRegTrap,
    /// Instruction abort from a lower exception level (EC 0x20).
    InstructionAbortLower,
    /// Instruction abort taken without a change in level (EC 0x21).
    InstructionAbortSame,
    /// PC alignment fault (EC 0x22).
    PcAlignment,
    /// Data abort from a lower exception level (EC 0x24).
    DataAbortLower,
    /// Data abort taken without a change in level (EC 0x25).
    DataAbortSame,
    /// SP alignment fault (EC 0x26).
    SpAlignment,
    /// Trapped floating-point exception (EC 0x2C).
    FpException,
    /// SError interrupt (EC 0x2F).
    SError,
    /// Breakpoint, software step or watchpoint (EC 0x30..=0x35).
    Debug,
    /// BRK instruction executed in AArch64 state (EC 0x3C).
    Brk,
    /// Any other class; the raw EC value.
    Other(u8),
}

/// The fault status code of an abort (`DFSC`/`IFSC`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum FaultStatus {
    /// Address size fault at the given lookup level.
    AddressSize(u8),
    /// Translation fault at the given lookup level.
    Translation(u8),
    /// Access flag fault at the given lookup level.
    AccessFlag(u8),
    /// Permission fault at the given lookup level.
    Permission(u8),
    /// Synchronous external abort, not on a table walk.
    External,
    /// Synchronous external abort on a table walk at the given level.
    ExternalOnWalk(u8),
    /// Alignment fault.
    Alignment,
    /// TLB conflict abort.
    TlbConflict,
    /// Another encoding; the raw 6-bit value.
    Other(u8),
}

/// The access that caused a data abort.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum Access {
    /// A read (`WnR` = 0).
    Read,
    /// A write (`WnR` = 1).
    Write,
}

/// The decoded parts of an instruction or data abort syndrome.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub struct Abort {
    /// What went wrong.
    pub status: FaultStatus,
    /// For data aborts, whether the access was a read or a write.
    pub access: Option<Access>,
    /// `FAR_ELx` does not hold the faulting address (`FnV`).
    pub far_not_valid: bool,
    /// The fault happened on a stage-1 table walk for a stage-2 translation.
    pub on_stage1_walk: bool,
    /// External abort type bit (`EA`), implementation defined.
    pub external: bool,
}

impl Syndrome {
    /// Wraps a raw `ESR_ELx` value.
    pub const fn new(raw: u64) -> Self {
        Self { raw }
    }

    /// The raw register value.
    pub const fn raw(self) -> u64 {
        self.raw
    }

    /// The raw exception class field.
    pub const fn ec(self) -> u8 {
        ((self.raw >> 26) & 0x3f) as u8
    }

    /// The instruction-specific syndrome field.
    pub const fn iss(self) -> u32 {
        (self.raw & 0x01ff_ffff) as u32
    }

    /// The SVC/BRK immediate (the low 16 bits of the ISS).
    pub const fn imm16(self) -> u16 {
        (self.raw & 0xffff) as u16
    }

    /// The exception class.
    pub const fn class(self) -> ExceptionClass {
        match self.ec() {
            0x00 => ExceptionClass::Unknown,
            0x01 => ExceptionClass::WfiWfe,
            0x07 => ExceptionClass::FpAccess,
            0x0e => ExceptionClass::IllegalState,
            0x15 => ExceptionClass::Svc64,
            0x18 => ExceptionClass::SysRegTrap,
            0x20 => ExceptionClass::InstructionAbortLower,
            0x21 => ExceptionClass::InstructionAbortSame,
            0x22 => ExceptionClass::PcAlignment,
            0x24 => ExceptionClass::DataAbortLower,
            0x25 => ExceptionClass::DataAbortSame,
            0x26 => ExceptionClass::SpAlignment,
            0x2c => ExceptionClass::FpException,
            0x2f => ExceptionClass::SError,
            0x30..=0x35 => ExceptionClass::Debug,
            0x3c => ExceptionClass::Brk,
            other => ExceptionClass::Other(other),
        }
    }

    /// The abort details, if this syndrome is an instruction or data abort.
    pub const fn abort(self) -> Option<Abort> {
        let data = match self.class() {
            ExceptionClass::DataAbortLower | ExceptionClass::DataAbortSame => true,
            ExceptionClass::InstructionAbortLower | ExceptionClass::InstructionAbortSame => false,
            _ => return None,
        };
        let iss = self.iss();
        let access = if !data {
            None
        } else if iss & (1 << 6) != 0 {
            Some(Access::Write)
        } else {
            Some(Access::Read)
        };
        Some(Abort {
            status: FaultStatus::decode((iss & 0x3f) as u8),
            access,
            far_not_valid: iss & (1 << 10) != 0,
            on_stage1_walk: iss & (1 << 7) != 0,
            external: iss & (1 << 9) != 0,
        })
    }
}

impl FaultStatus {
    /// Decodes a 6-bit DFSC/IFSC value (levels 0-3 of the 4-level encodings).
    pub const fn decode(fsc: u8) -> Self {
        let level = fsc & 0b11;
        match fsc & 0x3f {
            0b00_0000..=0b00_0011 => Self::AddressSize(level),
            0b00_0100..=0b00_0111 => Self::Translation(level),
            0b00_1000..=0b00_1011 => Self::AccessFlag(level),
            0b00_1100..=0b00_1111 => Self::Permission(level),
            0b01_0000 => Self::External,
            0b01_0100..=0b01_0111 => Self::ExternalOnWalk(level),
            0b10_0001 => Self::Alignment,
            0b11_0000 => Self::TlbConflict,
            other => Self::Other(other),
        }
    }
}

impl defmt::Format for Syndrome {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "ESR={=u64:#010x} ({}", self.raw, self.class());
        if let Some(abort) = self.abort() {
            defmt::write!(f, ", {}", abort.status);
            if let Some(access) = abort.access {
                defmt::write!(f, ", {}", access);
            }
            if abort.far_not_valid {
                defmt::write!(f, ", FAR not valid");
            }
        }
        defmt::write!(f, ")");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_abort_read_translation_fault_level1() {
        // EC=0x25 (data abort, same EL), IL=1, DFSC=0b000101 (translation
        // fault, level 1), WnR=0: 0x25 << 26 | 1 << 25 | 0b000101.
        let esr = Syndrome::new(0x9600_0005);
        assert_eq!(esr.class(), ExceptionClass::DataAbortSame);
        let abort = esr.abort().unwrap();
        assert_eq!(abort.status, FaultStatus::Translation(1));
        assert_eq!(abort.access, Some(Access::Read));
        assert!(!abort.far_not_valid);
    }

    #[test]
    fn data_abort_write_permission_fault_from_el0() {
        // EC=0x24, IL=1, WnR=1, DFSC=0b001111 (permission fault, level 3).
        let esr = Syndrome::new((0x24 << 26) | (1 << 25) | (1 << 6) | 0b00_1111);
        assert_eq!(esr.class(), ExceptionClass::DataAbortLower);
        let abort = esr.abort().unwrap();
        assert_eq!(abort.status, FaultStatus::Permission(3));
        assert_eq!(abort.access, Some(Access::Write));
    }

    #[test]
    fn instruction_abort_has_no_access_direction() {
        let esr = Syndrome::new((0x20 << 26) | (1 << 25) | (1 << 10) | 0b00_0110);
        let abort = esr.abort().unwrap();
        assert_eq!(abort.status, FaultStatus::Translation(2));
        assert_eq!(abort.access, None);
        assert!(abort.far_not_valid);
    }

    #[test]
    fn svc_and_brk_carry_their_immediate() {
        let svc = Syndrome::new((0x15 << 26) | (1 << 25) | 2);
        assert_eq!(svc.class(), ExceptionClass::Svc64);
        assert_eq!(svc.imm16(), 2);
        assert_eq!(svc.abort(), None);
        let brk = Syndrome::new((0x3c << 26) | (1 << 25) | 0x1234);
        assert_eq!(brk.class(), ExceptionClass::Brk);
        assert_eq!(brk.imm16(), 0x1234);
    }

    #[test]
    fn fault_status_codes() {
        assert_eq!(FaultStatus::decode(0b00_0000), FaultStatus::AddressSize(0));
        assert_eq!(FaultStatus::decode(0b00_1001), FaultStatus::AccessFlag(1));
        assert_eq!(FaultStatus::decode(0b01_0000), FaultStatus::External);
        assert_eq!(
            FaultStatus::decode(0b01_0111),
            FaultStatus::ExternalOnWalk(3)
        );
        assert_eq!(FaultStatus::decode(0b10_0001), FaultStatus::Alignment);
        assert_eq!(FaultStatus::decode(0b11_0000), FaultStatus::TlbConflict);
        assert_eq!(FaultStatus::decode(0b11_1111), FaultStatus::Other(0x3f));
    }

    #[test]
    fn unlisted_classes_keep_their_number() {
        assert_eq!(
            Syndrome::new(0x11 << 26).class(),
            ExceptionClass::Other(0x11)
        );
        assert_eq!(Syndrome::new(0x32 << 26).class(), ExceptionClass::Debug);
    }
}
