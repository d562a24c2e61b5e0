// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! DMA engine hardware interface: copy between device addresses, fill of a
//! device-address range with a byte (for engines that can), completion by
//! callback, cancellation for quiesce, and the master's address width.
//!
//! Addresses here are *device addresses*: what the engine puts on the bus,
//! which an IOMMU in front of it translates (an IOVA in the domain the
//! engine's stream is attached to). The engine never sees CPU pointers, so
//! the trait carries no buffers: ownership of the memory behind a device
//! address is the IOMMU mapping's business, not this interface's.
//!
//! Split-phase (Tock TRD3): [`DmaEngine::copy`] validates and starts a
//! transfer and returns at once; the result arrives through
//! [`DmaClient::transfer_done`], never from inside the downcall. A request the
//! engine cannot perform safely is refused with an error *before the device
//! is touched*.
//!
//! Error codes:
//!
//! | code | meaning |
//! | --- | --- |
//! | `BUSY` | a transfer is in flight |
//! | `NOSUPPORT` | (fill) the engine cannot fill |
//! | `SIZE` | zero length, or longer than one request of this engine may be |
//! | `INVAL` | an address range outside what the engine can reach (above its DMA address width, or outside a device-side window), or one that wraps |
//! | `OFF` | the engine is not enabled (not found, not initialised) |
//! | `FAIL` | the engine reported an error or did not finish in time |
//! | `CANCEL` | (client only) the transfer was cancelled |

use crate::ErrorCode;

/// Receives the outcome of a transfer started with [`DmaEngine::copy`].
pub trait DmaClient {
    /// The transfer of `len` bytes finished (`Ok`), failed, or was cancelled
    /// (`Err(ErrorCode::Cancel)`). Called from the engine's completion
    /// path, never from inside `copy`.
    fn transfer_done(&self, len: usize, result: Result<(), ErrorCode>);
}

/// A DMA engine that copies between device addresses.
///
/// `'a` is the lifetime of the client, as in every Tock HIL.
pub trait DmaEngine<'a> {
    /// Registers the receiver of completions.
    fn set_client(&self, client: &'a dyn DmaClient);

    /// Width of the device addresses the engine can emit, in bits: every
    /// byte it touches lies below `1 << dma_address_bits()`. An IOMMU domain
    /// for this master must place its IOVA window inside it.
    fn dma_address_bits(&self) -> u8;

    /// The longest single request the engine accepts, in bytes.
    fn max_transfer(&self) -> usize;

    /// Starts copying `len` bytes from device address `src` to `dst`.
    /// Validates everything first (see the error table in the module docs);
    /// on `Err` the device was not touched and no callback follows.
    fn copy(&self, src: u64, dst: u64, len: usize) -> Result<(), ErrorCode>;

    /// Starts writing `value` to the `len` bytes at device address `dst`
    /// (a memset by the device, e.g. ZynqMP ZDMA's write-only mode).
    /// Validated like [`copy`](DmaEngine::copy); completion the same way.
    /// Engines without a fill answer `NOSUPPORT`, the default.
    fn fill(&self, dst: u64, len: usize, value: u8) -> Result<(), ErrorCode> {
        let _ = (dst, len, value);
        Err(ErrorCode::NoSupport)
    }

    /// Stops the transfer in flight, if any, and waits (bounded) until the
    /// engine issues no more memory accesses: after `Ok` the caller may
    /// tear down the mappings the transfer used. The client then hears
    /// `Err(ErrorCode::Cancel)` for the cancelled transfer. `Err(FAIL)`
    /// means the engine could not be confirmed idle: treat every page it
    /// could reach as still in use.
    fn cancel(&self) -> Result<(), ErrorCode>;
}
