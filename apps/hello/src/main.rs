// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! `hello`: the smallest useful app. Prints one line and exits 0, which
//! shows start-up, the console and exit-terminate working end to end.

#![no_std]
#![no_main]

libportcullis::main!(main);

fn main() {
    libportcullis::println!("hello: Hello from Portcullis userspace");
}
