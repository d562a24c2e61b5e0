// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! Fuzz target: allow / map / unmap / attach / detach / restart sequences
//! from three DMA apps and one app without a policy entry, with stuck TLB
//! syncs injected at random. A reference model of what each app holds is
//! the oracle, checked after every call by device transactions through the
//! model (DESIGN §4 invariants 1, 2, 3, 4, 5): a master reaches exactly
//! its owner's mapped pages at their physical addresses with the allowed
//! permission; an unowned master reaches nothing; a consumed handle never
//! works again; a broken domain's end quarantines.

#![no_main]

#[path = "../../tests/common/mod.rs"]
mod common;

use arbitrary::Arbitrary;
use capsules_iommu_dma::abi;
use common::{App, M_SHARED, M_ZDMA0, M_ZDMA1, PAGE, RAM_BYTES, SHARED, World, ZDMA0, ZDMA1};
use kernel::ErrorCode;
use kernel::kernel::{EndCause, EndOutcome};
use kernel::memory::layout::APP_RAM_BASE;
use libfuzzer_sys::fuzz_target;
use smmu_sim::{Access, SyncTarget};

const NAMES: [&str; 4] = ["app-a", "app-b", "app-c", "stranger"];
const STREAMS: [(u64, u16); 3] = [(M_ZDMA0, ZDMA0), (M_ZDMA1, ZDMA1), (M_SHARED, SHARED)];
const RAM_PAGES: u64 = RAM_BYTES / PAGE;

#[derive(Arbitrary, Debug)]
enum Op {
    Allow {
        app: u8,
        rw: bool,
        slot: u8,
        page: u8,
        pages: u8,
        skew: u8,
    },
    Map {
        app: u8,
        slot: u8,
        kind: u8,
    },
    Unmap {
        app: u8,
        pick: u8,
        foreign: bool,
        raw: u32,
    },
    Attach {
        app: u8,
        master: u8,
    },
    Detach {
        app: u8,
        master: u8,
    },
    Restart {
        app: u8,
    },
    StuckSync,
}

#[derive(Clone, Copy, Debug)]
struct Mapping {
    handle: u32,
    iova: u64,
    len: u64,
    writable: bool,
}

/// What the oracle believes an app holds.
struct Model {
    app: App,
    allowed: [[(u64, u64); abi::ALLOW_SLOTS]; 2],
    mappings: Vec<Mapping>,
    masters: u64,
    broken: bool,
    dead: bool,
}

fn pick(index: u8) -> usize {
    usize::from(index) % NAMES.len()
}

thread_local! {
    /// One simulated memory for every run: each run returns what it took
    /// (`World::release`), so the fuzzer's memory stays flat.
    static MEMORY: smmu_sim::SimMemory = smmu_sim::SimMemory::new();
}

fuzz_target!(|ops: Vec<Op>| {
    let w = World::with_memory(NAMES.len(), MEMORY.with(Clone::clone));
    let mut apps: Vec<Model> = NAMES
        .iter()
        .map(|name| Model {
            app: w.spawn(name),
            allowed: [[(0, 0); abi::ALLOW_SLOTS]; 2],
            mappings: Vec::new(),
            masters: 0,
            broken: false,
            dead: false,
        })
        .collect();
    // Masters held by a quarantined run: detached or not, nobody knows.
    let mut uncertain = 0u64;
    let mut issued: Vec<u32> = Vec::new();
    for op in ops.into_iter().take(64) {
        let mut stuck = false;
        match op {
            Op::StuckSync => {
                let mut model = w.model.borrow_mut();
                model.inject_stuck_sync(SyncTarget::Global);
                for bank in 0..common::BANKS {
                    model.inject_stuck_sync(SyncTarget::Bank(bank));
                }
                stuck = true;
            }
            Op::Allow {
                app,
                rw,
                slot,
                page,
                pages,
                skew,
            } => {
                let m = &mut apps[pick(app)];
                if m.dead {
                    continue;
                }
                let slot = usize::from(slot) % abi::ALLOW_SLOTS;
                let va = APP_RAM_BASE
                    + u64::from(page) % RAM_PAGES * PAGE
                    + if skew % 8 == 0 { 8 } else { 0 };
                let len = u64::from(pages % 5) * PAGE;
                let regs = if rw {
                    w.allow_rw(m.app, slot as u64, va, len)
                } else {
                    w.allow_ro(m.app, slot as u64, va, len)
                };
                if regs[0] == common::ALLOW_OK {
                    m.allowed[usize::from(rw)][slot] = if len == 0 { (0, 0) } else { (va, len) };
                }
            }
            Op::Map { app, slot, kind } => {
                let index = pick(app);
                let m = &mut apps[index];
                if m.dead {
                    continue;
                }
                let slot = usize::from(slot) % (abi::ALLOW_SLOTS + 1);
                let kind = u64::from(kind % 3);
                let result = w.map(m.app, slot as u64, kind);
                let allowed =
                    (slot < abi::ALLOW_SLOTS && kind < 2).then(|| m.allowed[kind as usize][slot]);
                match result {
                    Ok((handle, iova)) => {
                        let (va, len) = allowed.expect("mapped an invalid slot or kind");
                        assert!(NAMES[index] != "stranger", "an unlisted app mapped");
                        assert!(!m.broken, "a broken domain mapped");
                        assert_eq!(iova, va, "device address is not the process address");
                        assert!(len > 0 && va % PAGE == 0 && len % PAGE == 0);
                        assert!(
                            !m.mappings
                                .iter()
                                .any(|x| x.iova < va + len && va < x.iova + x.len),
                            "a live range was mapped twice"
                        );
                        assert!(handle != 0 && !issued.contains(&handle), "handle reused");
                        issued.push(handle);
                        m.mappings.push(Mapping {
                            handle,
                            iova,
                            len,
                            writable: kind == 1,
                        });
                    }
                    Err(ErrorCode::Fail) => m.broken = true,
                    Err(_) => {}
                }
            }
            Op::Unmap {
                app,
                pick: which,
                foreign,
                raw,
            } => {
                let index = pick(app);
                let handle = if foreign {
                    let other = &apps[(index + 1) % NAMES.len()];
                    other.mappings.first().map_or(raw, |x| x.handle)
                } else {
                    let own = &apps[index].mappings;
                    if own.is_empty() {
                        raw
                    } else {
                        own[usize::from(which) % own.len()].handle
                    }
                };
                let m = &mut apps[index];
                if m.dead {
                    continue;
                }
                let live = m.mappings.iter().position(|x| x.handle == handle);
                match w.unmap(m.app, handle.into()) {
                    Ok(()) => {
                        let at = live.expect("unmapped a handle the app does not hold");
                        let gone = m.mappings.remove(at);
                        // Strict: the app's masters lost it before the call
                        // returned, and no master reaches its page any more
                        // (another app's master may translate the same
                        // device address: in its own domain, to its own page).
                        let page = gone
                            .iova
                            .checked_sub(APP_RAM_BASE)
                            .map(|offset| m.app.ram_pa + offset);
                        for (master, stream) in STREAMS {
                            let reached = w.model.borrow_mut().transaction(
                                stream,
                                gone.iova,
                                Access::Read,
                                false,
                            );
                            if m.masters & (1 << master) != 0 {
                                assert!(reached.is_err(), "unmapped page still reachable");
                            }
                            if let (Ok(pa), Some(page)) = (reached, page) {
                                assert_ne!(pa, page, "another master reached the unmapped page");
                            }
                        }
                    }
                    Err(ErrorCode::Fail) => m.broken = true,
                    Err(ErrorCode::Inval) => assert!(live.is_none(), "a live handle refused"),
                    Err(_) => {}
                }
            }
            Op::Attach { app, master } => {
                let index = pick(app);
                let master = u64::from(master % 4);
                let held = apps
                    .iter()
                    .enumerate()
                    .any(|(i, o)| i != index && o.masters & (1 << master.min(63)) != 0);
                let m = &mut apps[index];
                if m.dead {
                    continue;
                }
                match w.attach(m.app, master) {
                    Ok(()) => {
                        assert!(master < 3 && !held, "a master got two owners");
                        m.masters |= 1 << master;
                        uncertain &= !(1 << master);
                    }
                    Err(ErrorCode::Fail) => m.broken = true,
                    Err(_) => {}
                }
            }
            Op::Detach { app, master } => {
                let m = &mut apps[pick(app)];
                if m.dead {
                    continue;
                }
                let master = u64::from(master % 4);
                if w.detach(m.app, master).is_ok() {
                    assert!(
                        m.masters & (1 << master) != 0,
                        "detached a master it did not hold"
                    );
                    m.masters &= !(1 << master);
                }
            }
            Op::Restart { app } => {
                let m = &mut apps[pick(app)];
                if m.dead {
                    continue;
                }
                let outcome = w
                    .kernel
                    .end_run(m.app.pid, EndCause::ExitRestart(0), &common::Caps);
                match outcome {
                    Some(EndOutcome::Restarted(pid)) => {
                        assert!(!m.broken, "a broken domain was released");
                        m.app.pid = pid;
                        m.allowed = [[(0, 0); abi::ALLOW_SLOTS]; 2];
                        m.mappings.clear();
                        m.masters = 0;
                    }
                    Some(EndOutcome::Quarantined) => {
                        m.dead = true;
                        uncertain |= m.masters;
                        m.masters = 0;
                        m.mappings.clear();
                    }
                    other => panic!("restart ended as {other:?}"),
                }
            }
        }
        if stuck {
            w.model.borrow_mut().clear_injections();
        }
        check(&w, &mut apps, uncertain);
    }
    let runs: Vec<App> = apps.iter().map(|m| m.app).collect();
    w.release(&runs);
    // SAFETY: the world is not used after this; `apps` only holds ids.
    unsafe { w.reclaim() };
});

/// Device view against the model, then the fault interrupt path.
fn check(w: &World, apps: &mut [Model], uncertain: u64) {
    for (master, stream) in STREAMS {
        let bit = 1 << master;
        let owner = apps.iter_mut().find(|m| m.masters & bit != 0);
        let Some(m) = owner else {
            if uncertain & bit == 0 {
                for page in [0, RAM_PAGES - 1] {
                    let iova = APP_RAM_BASE + page * PAGE;
                    let reached =
                        w.model
                            .borrow_mut()
                            .transaction(stream, iova, Access::Read, false);
                    assert!(reached.is_err(), "an unowned master reached {iova:#x}");
                }
            }
            continue;
        };
        let state = w.info(m.app, abi::INFO_DOMAIN_STATE).unwrap();
        if state == 3 {
            m.broken = true;
        }
        if state != 1 {
            continue;
        }
        for page in 0..RAM_PAGES {
            let iova = APP_RAM_BASE + page * PAGE + 0x10;
            let mapping = m
                .mappings
                .iter()
                .find(|x| x.iova <= iova && iova < x.iova + x.len);
            let mut model = w.model.borrow_mut();
            let read = model.transaction(stream, iova, Access::Read, false);
            let write = model.transaction(stream, iova, Access::Write, false);
            match mapping {
                Some(x) => {
                    let pa = m.app.ram_pa + (iova - APP_RAM_BASE);
                    assert_eq!(read, Ok(pa), "a mapped page is not the app's own page");
                    assert_eq!(write.is_ok(), x.writable, "write permission at {iova:#x}");
                }
                None => {
                    assert!(
                        read.is_err() && write.is_err(),
                        "unmapped {iova:#x} reachable"
                    );
                }
            }
        }
    }
    // Drain faults as the interrupt handler would, and open a new rate
    // window as the board's periodic tick does.
    w.service_faults();
    w.smmu.handle_global_interrupt();
    w.smmu.start_fault_window();
}
