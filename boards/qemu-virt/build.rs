// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Link the kernel with the board's layout and defmt's section script.

fn main() {
    embed_apps();
    let board_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    // layout.ld INCLUDEs ../kernel_layout.ld, found through the search path.
    println!("cargo:rustc-link-search={board_dir}");
    println!("cargo:rustc-link-search={board_dir}/..");
    println!("cargo:rustc-link-arg-bins=-Tlayout.ld");
    // defmt's build script puts defmt.x on the search path.
    println!("cargo:rustc-link-arg-bins=-Tdefmt.x");
    println!("cargo:rerun-if-changed=layout.ld");
    println!("cargo:rerun-if-changed=../kernel_layout.ld");
}

/// Copies the app bundle named by `PORTCULLIS_APPS` (a tockloader flash
/// image) to `$OUT_DIR/apps.bin` for `src/apps.rs` to embed; an unset or
/// empty variable embeds no apps.
fn embed_apps() {
    println!("cargo:rerun-if-env-changed=PORTCULLIS_APPS");
    let out = std::path::Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("apps.bin");
    match std::env::var("PORTCULLIS_APPS") {
        Ok(bundle) if !bundle.is_empty() => {
            println!("cargo:rerun-if-changed={bundle}");
            if let Err(error) = std::fs::copy(&bundle, &out) {
                panic!("cannot read the app bundle {bundle}: {error}");
            }
        }
        _ => std::fs::write(&out, []).expect("OUT_DIR is writable"),
    }
}
