// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Any bytes as an app region: the walker and the parser must never panic,
//! and everything they accept must be self-consistent and inside the input.

#![no_main]

use kernel::tbf::{TbfWalker, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = parse(data);
    let mut end_of_previous = 0usize;
    for found in TbfWalker::new(data) {
        assert!(found.offset >= end_of_previous, "the walker went backwards");
        assert!(
            found.offset + found.bytes.len() <= data.len(),
            "an app runs past the region"
        );
        end_of_previous = found.offset + found.bytes.len();
        if let Ok(header) = found.header {
            assert!(header.header_size as usize <= found.bytes.len());
            assert_eq!(header.total_size as usize, found.bytes.len());
            if let Some(entry) = header.entry_offset() {
                assert!(
                    (entry as usize) < found.bytes.len(),
                    "entry point outside the app"
                );
            }
        }
    }
});
