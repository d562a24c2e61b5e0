// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The process listing behind a process console's `list` command: one line
//! per occupied slot with its id, name, state, memory use and counters.

use core::fmt::{self, Write};

use crate::kernel::Kernel;
use crate::process::State;

fn state_name(state: State) -> &'static str {
    match state {
        State::Empty => "empty",
        State::Unstarted => "unstarted",
        State::Runnable => "running",
        State::Yielded => "yielded",
        State::YieldedFor(_) => "yielded-for",
        State::Faulted => "faulted",
        State::Terminated => "terminated",
        State::Quarantined => "quarantined",
    }
}

/// Writes the table of processes to `out` (a UART console, or a string in
/// tests). Empty slots are left out.
pub fn write_process_list(kernel: &Kernel, out: &mut impl Write) -> fmt::Result {
    writeln!(
        out,
        " slot  id        name              state        image   ram     grant  restarts upcalls syscalls"
    )?;
    for (slot, p) in kernel.processes().iter().enumerate() {
        if p.state() == State::Empty {
            continue;
        }
        let (image, ram, grant) = p.layout().map_or((0, 0, 0), |l| {
            (l.image().len, l.ram().len, l.grant_kernel_region().len)
        });
        writeln!(
            out,
            " {slot:<4}  {id:<8}  {name:<16}  {state:<11}  {image:>6}  {ram:>6}  {used:>5}/{grant:<6} {restarts:>3} {up:>7} {calls:>8}",
            id = p.identifier.get(),
            name = p.name(),
            state = state_name(p.state()),
            used = p.grant_bytes_used(),
            restarts = p.restarts(),
            up = p.pending_upcalls(),
            calls = p.syscall_count(),
        )?;
    }
    Ok(())
}
