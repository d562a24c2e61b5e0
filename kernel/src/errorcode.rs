// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Standard error codes, numbered as Tock's TRD104 §3.2 numbers them so that
//! userspace libraries written for Tock read them the same way.

/// The errors a system call or a HIL operation can report.
///
/// The discriminants are the TRD104 values carried in the failure variants of
/// a system-call return; `0` is never an error (it means success).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, defmt::Format)]
#[repr(u32)]
pub enum ErrorCode {
    /// Generic failure condition.
    Fail = 1,
    /// Underlying system is busy; retry.
    Busy = 2,
    /// The state requested is already set.
    Already = 3,
    /// The component is powered down.
    Off = 4,
    /// Reservation required before use.
    Reserve = 5,
    /// An invalid parameter was passed.
    Inval = 6,
    /// Parameter passed was too large.
    Size = 7,
    /// Operation cancelled by a call.
    Cancel = 8,
    /// Memory required not available.
    NoMem = 9,
    /// Operation is not supported.
    NoSupport = 10,
    /// Device is not available.
    NoDevice = 11,
    /// Device is not physically installed.
    Uninstalled = 12,
    /// Packet transmission not acknowledged.
    NoAck = 13,
}

impl ErrorCode {
    /// Every error code, in numeric order.
    pub const ALL: [Self; 13] = [
        Self::Fail,
        Self::Busy,
        Self::Already,
        Self::Off,
        Self::Reserve,
        Self::Inval,
        Self::Size,
        Self::Cancel,
        Self::NoMem,
        Self::NoSupport,
        Self::NoDevice,
        Self::Uninstalled,
        Self::NoAck,
    ];

    /// The TRD104 number of this error.
    pub const fn as_u32(self) -> u32 {
        self as u32
    }
}

impl TryFrom<u32> for ErrorCode {
    type Error = ();

    /// Decodes a TRD104 error number; `0` and unknown numbers are refused.
    fn try_from(value: u32) -> Result<Self, ()> {
        Self::ALL
            .iter()
            .copied()
            .find(|code| code.as_u32() == value)
            .ok_or(())
    }
}

impl core::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let name = match self {
            Self::Fail => "FAIL",
            Self::Busy => "BUSY",
            Self::Already => "ALREADY",
            Self::Off => "OFF",
            Self::Reserve => "RESERVE",
            Self::Inval => "INVAL",
            Self::Size => "SIZE",
            Self::Cancel => "CANCEL",
            Self::NoMem => "NOMEM",
            Self::NoSupport => "NOSUPPORT",
            Self::NoDevice => "NODEVICE",
            Self::Uninstalled => "UNINSTALLED",
            Self::NoAck => "NOACK",
        };
        f.write_str(name)
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorCode;

    #[test]
    fn numbers_match_trd104() {
        assert_eq!(ErrorCode::Fail.as_u32(), 1);
        assert_eq!(ErrorCode::Inval.as_u32(), 6);
        assert_eq!(ErrorCode::NoMem.as_u32(), 9);
        assert_eq!(ErrorCode::NoAck.as_u32(), 13);
    }

    #[test]
    fn round_trips_and_refuses_unknown_numbers() {
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::try_from(code.as_u32()), Ok(code));
        }
        assert_eq!(ErrorCode::try_from(0), Err(()));
        assert_eq!(ErrorCode::try_from(14), Err(()));
        assert_eq!(ErrorCode::try_from(u32::MAX), Err(()));
    }
}
