// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Random sequences of map, unmap, attach and detach on two domains, checked
//! after every step against a reference of what each device should reach:
//! for every page of both windows, each stream's transactions (read and
//! write) must land exactly where the reference says, or fault. The model's
//! IOTLB keeps whatever the devices touched, so stale entries show up.

mod common;

use std::collections::BTreeMap;

use common::{SimTables, buffer, dma, driver, mmu500_model};
use kernel::hil::iommu::{
    DomainConfig, DomainId, Granule, Iommu, Protection, Stage, StreamId, StreamMatch, TableFormat,
};
use proptest::prelude::*;
use smmu_sim::Access as Dev;

const PAGES: u64 = 12;
const PAGE: u64 = 4096;
const BASE: u64 = 0x7fff_a000; // straddles a level-2 table boundary at 2 GiB
const STREAMS: [u16; 2] = [0x14e8, 0x868];

#[derive(Clone, Debug)]
enum Op {
    Map {
        domain: usize,
        page: u64,
        pages: u64,
        write: bool,
    },
    Unmap {
        domain: usize,
        page: u64,
        pages: u64,
    },
    Attach {
        domain: usize,
    },
    Detach {
        domain: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..2usize, 0..PAGES, 1..4u64, any::<bool>())
            .prop_map(|(domain, page, pages, write)| Op::Map { domain, page, pages, write }),
        3 => (0..2usize, 0..PAGES, 1..4u64).prop_map(|(domain, page, pages)| Op::Unmap { domain, page, pages }),
        1 => (0..2usize).prop_map(|domain| Op::Attach { domain }),
        1 => (0..2usize).prop_map(|domain| Op::Detach { domain }),
    ]
}

/// What a domain maps: IOVA page -> (physical page, writable).
type Reference = BTreeMap<u64, (u64, bool)>;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn devices_see_exactly_the_reference(ops in prop::collection::vec(op(), 1..24)) {
        let (model, memory) = mmu500_model();
        let smmu = driver(&model);
        let iommu = common::Iommu::new(&smmu, io_pgtable::CoherentWalk);
        let config = DomainConfig { format: TableFormat::Lpae64(Granule::Size4K), stage: Stage::One, iova_bits: 32 };
        let domains: Vec<DomainId> =
            (0..2).map(|_| iommu.domain_alloc(&config, SimTables::new(&memory)).unwrap()).collect();
        let backing: Vec<u64> = (0..2).map(|_| buffer(&memory, (PAGES * PAGE) as usize)).collect();
        let mut reference = [Reference::new(), Reference::new()];
        let mut attached = [false, false];

        for op in ops {
            match op {
                Op::Map { domain, page, pages, write } => {
                    let pages = pages.min(PAGES - page);
                    let prot = if write { Protection::READ_WRITE } else { Protection::READ_ONLY };
                    let iova = BASE + page * PAGE;
                    let pa = backing[domain] + page * PAGE;
                    let live = (page..page + pages).any(|p| reference[domain].contains_key(&p));
                    let result = iommu.map(domains[domain], iova, pa, pages * PAGE, prot);
                    if live {
                        prop_assert_eq!(result, Err(kernel::ErrorCode::Already));
                    } else {
                        prop_assert_eq!(result, Ok(()));
                        for p in page..page + pages {
                            reference[domain].insert(p, (pa + (p - page) * PAGE, write));
                        }
                    }
                }
                Op::Unmap { domain, page, pages } => {
                    let pages = pages.min(PAGES - page);
                    let expected = (page..page + pages)
                        .filter(|p| reference[domain].remove(p).is_some())
                        .count() as u64 * PAGE;
                    let unmapped = iommu.unmap(domains[domain], BASE + page * PAGE, pages * PAGE);
                    prop_assert_eq!(unmapped, Ok(expected));
                }
                Op::Attach { domain } => {
                    let result = iommu.attach(domains[domain], StreamMatch::exact(StreamId::new(STREAMS[domain].into())));
                    prop_assert_eq!(result.is_ok(), !attached[domain]);
                    attached[domain] = true;
                }
                Op::Detach { domain } => {
                    let result = iommu.detach(domains[domain], StreamMatch::exact(StreamId::new(STREAMS[domain].into())));
                    prop_assert_eq!(result.is_ok(), attached[domain]);
                    attached[domain] = false;
                }
            }
            for domain in 0..2 {
                for page in 0..PAGES {
                    let iova = BASE + page * PAGE + 0x10;
                    let entry = reference[domain].get(&page).filter(|_| attached[domain]);
                    let read = dma(&model, STREAMS[domain], iova, Dev::Read);
                    let write = dma(&model, STREAMS[domain], iova, Dev::Write);
                    match entry {
                        Some(&(pa, writable)) => {
                            prop_assert_eq!(read, Ok(pa + 0x10));
                            prop_assert_eq!(write.is_ok(), writable);
                            if writable {
                                prop_assert_eq!(write, Ok(pa + 0x10));
                            }
                        }
                        None => {
                            prop_assert!(read.is_err(), "domain {} page {} readable: {:?}", domain, page, read);
                            prop_assert!(write.is_err());
                        }
                    }
                }
            }
            // Keep the fault records from saturating: the handler clears them.
            smmu.handle_context_interrupt();
            smmu.handle_global_interrupt();
            smmu.start_fault_window();
        }
        for domain in domains {
            prop_assert_eq!(iommu.domain_free(domain), Ok(()));
        }
    }
}
