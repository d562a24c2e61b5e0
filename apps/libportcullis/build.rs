// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Puts `portcullis_app.ld` on the linker search path of every app that
//! depends on libportcullis (link-search paths propagate to dependents; the
//! `-T` itself comes from apps/.cargo/config.toml).

fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    println!("cargo:rustc-link-search={dir}");
    println!("cargo:rerun-if-changed=portcullis_app.ld");
}
