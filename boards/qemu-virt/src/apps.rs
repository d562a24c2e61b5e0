// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The application bundle built into this kernel image.
//!
//! On hardware, apps sit in flash after the kernel, written by tockloader.
//! Under QEMU the same tockloader-laid-out image (`--flash-file`) is linked
//! into the kernel ELF instead, so `-kernel` loads both. The build script
//! picks the bundle named by `PORTCULLIS_APPS` (the board Makefile sets it
//! per variant) and embeds nothing when it is unset.

#[repr(C, align(4096))]
struct Bundle<T: ?Sized>(T);

static BUNDLE: &Bundle<[u8]> = &Bundle(*include_bytes!(concat!(env!("OUT_DIR"), "/apps.bin")));

/// The TBF images, back to back, as tockloader wrote them.
pub(crate) fn bundle() -> &'static [u8] {
    &BUNDLE.0
}
