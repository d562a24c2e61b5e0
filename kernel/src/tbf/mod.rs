// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Tock Binary Format (TBF) parsing, written from Tock's TBF document.
//! Accepts what `elf2tab` produces and walks what `tockloader --flash-file`
//! lays out.

pub mod error;
pub mod header;
pub mod parse;
pub mod walk;

pub use error::TbfError;
pub use header::{DriverPermission, FixedAddresses, Permissions, ProgramInfo, TbfHeader};
pub use parse::{parse, read_lengths};
pub use walk::{Found, TbfWalker};
