// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The logic of the `syscall-fuzz` app, kept apart from the binary so it
//! is tested on the host: a deterministic PRNG ([`prng`]), the fuzzer's
//! model of the process's memory ([`memory`]), cases and the oracle that
//! judges answers against doc/reference/aarch64-abi.md ([`case`]), and the
//! generator ([`fuzzer`]).

#![no_std]

#[cfg(test)]
extern crate std;

pub mod case;
pub mod fuzzer;
pub mod memory;
pub mod prng;
