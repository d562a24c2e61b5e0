// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! Device-level helpers: a DMA read or write of a buffer, split into one
//! transaction per 4 KiB of device address (the smallest granule, so every
//! page boundary is translated on its own), with the data moved to or from
//! simulated memory.

use core::fmt;

use crate::fault::{Access, Fault};
use crate::memory::MemoryError;
use crate::smmu::Smmu;

/// Why a simulated DMA did not complete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DmaError {
    /// The SMMU refused a transaction; bytes before `iova` were transferred.
    Fault {
        /// Device address of the refused transaction.
        iova: u64,
        /// The fault.
        fault: Fault,
    },
    /// The translated address is not backed by simulated memory.
    Memory(MemoryError),
}

impl fmt::Display for DmaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Fault { iova, fault } => write!(f, "DMA fault at {iova:#x}: {fault:?}"),
            Self::Memory(e) => write!(f, "DMA to unbacked memory: {e}"),
        }
    }
}

impl std::error::Error for DmaError {}

const CHUNK: u64 = 4096;

impl Smmu {
    /// A device on `stream_id` writes `data` at device address `iova`.
    pub fn dma_write(&mut self, stream_id: u16, iova: u64, data: &[u8]) -> Result<(), DmaError> {
        let mut done = 0;
        while done < data.len() {
            let at = iova + done as u64;
            let len = ((CHUNK - at % CHUNK) as usize).min(data.len() - done);
            let pa = self
                .transaction(stream_id, at, Access::Write, false)
                .map_err(|fault| DmaError::Fault { iova: at, fault })?;
            self.memory
                .write_bytes(pa, &data[done..done + len])
                .map_err(DmaError::Memory)?;
            done += len;
        }
        Ok(())
    }

    /// A device on `stream_id` reads `buf.len()` bytes at device address
    /// `iova`.
    pub fn dma_read(&mut self, stream_id: u16, iova: u64, buf: &mut [u8]) -> Result<(), DmaError> {
        let mut done = 0;
        while done < buf.len() {
            let at = iova + done as u64;
            let len = ((CHUNK - at % CHUNK) as usize).min(buf.len() - done);
            let pa = self
                .transaction(stream_id, at, Access::Read, false)
                .map_err(|fault| DmaError::Fault { iova: at, fault })?;
            self.memory
                .read_bytes(pa, &mut buf[done..done + len])
                .map_err(DmaError::Memory)?;
            done += len;
        }
        Ok(())
    }
}
