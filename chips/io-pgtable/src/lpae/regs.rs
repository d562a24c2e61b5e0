// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! The register values a context needs for an LPAE table (TTBR/TCR/MAIR
//! for stage 1, VTTBR/VTCR for stage 2).

use super::Lpae;
use super::desc;
use super::geometry::ips_encoding;
use crate::config::{Config, Granule, Stage};
use crate::hw::{ContextRegs, LpaeS1Regs, LpaeS2Regs, WalkAttrs};

impl Lpae {
    pub(crate) fn context_regs(&self, config: &Config) -> ContextRegs {
        let walk = if config.coherent_walk {
            // Inner/outer write-back write-allocate, inner shareable.
            WalkAttrs {
                irgn0: 1,
                orgn0: 1,
                sh0: 3,
            }
        } else {
            // Non-cacheable, outer shareable: the walker reads memory.
            WalkAttrs {
                irgn0: 0,
                orgn0: 0,
                sh0: 2,
            }
        };
        // TG0 (DDI 0487 D19 TCR_EL1.TG0 / VTCR_EL2.TG0).
        let tg0 = match self.geo.granule {
            Granule::K4 => 0,
            Granule::K64 => 1,
            Granule::K16 => 2,
        };
        let width = if self.geo.aarch32 { 32 } else { 64 };
        // AArch32 VTCR.T0SZ is a 4-bit signed value with its sign copied
        // into S (bit 4): the low five bits of 32 - IAS in two's complement.
        let t0sz = (width - self.ias as i32) as u8 & 0x3f;
        let ps = ips_encoding(self.oas).unwrap_or(0);
        match self.geo.stage {
            Stage::S1 => ContextRegs::LpaeS1(LpaeS1Regs {
                ttbr0: self.root_phys,
                t0sz,
                tg0,
                walk,
                ips: ps,
                epd1: true,
                mair: desc::MAIR_VALUE,
            }),
            Stage::S2 => {
                let base = match self.geo.granule {
                    Granule::K4 => 2,
                    Granule::K16 | Granule::K64 => 3,
                };
                ContextRegs::LpaeS2(LpaeS2Regs {
                    vttbr: self.root_phys,
                    t0sz: if self.geo.aarch32 { t0sz & 0x1f } else { t0sz },
                    sl0: (base - self.geo.start_level) as u8,
                    start_level: self.geo.start_level as u8,
                    concatenated: self.geo.concatenated() as u8,
                    tg0,
                    walk,
                    ps,
                })
            }
        }
    }
}
