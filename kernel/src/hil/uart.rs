// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! UART receive, as the kernel's console input needs it.
//!
//! Transmit is the kernel log's business (`debug`); what capsules consume is
//! the byte stream typed at the console, delivered from the UART interrupt's
//! bottom half in the kernel loop.

/// Receives console input bytes, in arrival order.
pub trait ReceiveClient {
    /// One byte arrived.
    fn received(&self, byte: u8);
}
