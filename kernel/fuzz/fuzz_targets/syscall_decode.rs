// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Any `svc` immediate and any x0-x3: decoding must never panic, and a
//! refused call must answer with a failure variant (or nothing, for the
//! classes that have no return), never with a success.

#![no_main]

use kernel::syscall::Syscall;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (u16, [u64; 4])| {
    let (immediate, args) = input;
    if let Err(error) = Syscall::decode(immediate, args)
        && let Some(answer) = error.to_return()
    {
        let registers = answer.encode();
        assert!(
            registers[0] < 128,
            "a refused call answered with a success variant"
        );
    }
});
