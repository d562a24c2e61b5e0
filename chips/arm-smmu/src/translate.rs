// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Hardware address translation (ATS1PR / ATS1PW): asks the SMMU to
//! translate an IOVA through a context bank as a privileged device read or
//! write would, a debugging aid that checks the driver's view of the tables
//! against the hardware's (IHI 0062D: SMMU_CBn_ATS1PR, _ATS1PW, _ATSR,
//! _PAR).

use kernel::hil::iommu::{Access, DomainId, Stage};
use tock_registers::LocalRegisterCopy;

use crate::driver::ArmSmmu;
use crate::error::SmmuError;
use crate::io::RegisterIo;
use crate::registers::context::{self as cb, ATSR_REG, PAR_REG};
use crate::state::ContextFormat;

/// Decodes PAR after an ATS1 operation on `iova` (IHI 0062D, SMMU_CBn_PAR): the
/// output address of the page plus the offset within it, or a fault.
pub fn decode_par(par: u64, iova: u64) -> Result<u64, SmmuError> {
    let par = LocalRegisterCopy::<u64, PAR_REG::Register>::new(par);
    if par.is_set(PAR_REG::F) {
        return Err(SmmuError::TranslationFault);
    }
    Ok((par.read(PAR_REG::PA) << 12) | (iova & 0xfff))
}

impl<R: RegisterIo, const CONTEXTS: usize, const STREAMS: usize> ArmSmmu<'_, R, CONTEXTS, STREAMS> {
    /// Translates `iova` through `domain` in hardware. Only stage 1 contexts
    /// offer ATS1 operations, and only when sIDR0.ATOSNS is clear.
    pub fn translate(&self, domain: DomainId, iova: u64, access: Access) -> Result<u64, SmmuError> {
        let (_, context) = self.active(domain)?;
        if !self.caps.address_translation || context.stage != Stage::One {
            return Err(SmmuError::NotOffered);
        }
        let bank = domain.index();
        let offset = self.cb(
            bank,
            match access {
                Access::Read => cb::ATS1PR,
                Access::Write => cb::ATS1PW,
            },
        );
        let page = iova & !0xfff;
        if context.format == ContextFormat::AArch64 {
            self.io.write64(offset, page);
        } else {
            let page = u32::try_from(page).map_err(|_| SmmuError::BadAddress)?;
            self.io.write32(offset, page);
        }
        let atsr = self.cb(bank, cb::ATSR);
        let done = (0..self.config.sync_poll_limit).any(|_| {
            let busy = LocalRegisterCopy::<u32, ATSR_REG::Register>::new(self.io.read32(atsr))
                .is_set(ATSR_REG::ACTIVE);
            if busy {
                core::hint::spin_loop();
            }
            !busy
        });
        if !done {
            return Err(SmmuError::SyncTimeout);
        }
        decode_par(self.io.read64(self.cb(bank, cb::PAR)), iova)
    }
}

#[cfg(test)]
mod tests {
    use super::decode_par;
    use crate::error::SmmuError;

    #[test]
    fn par_success_gives_page_plus_offset() {
        // Attribute bits [63:56] and [11:1] must not leak into the address.
        let par = (0xffu64 << 56) | 0x0000_00ab_cdef_5000 | 0x7fe;
        assert_eq!(decode_par(par, 0x1234_5678), Ok(0x00ab_cdef_5678));
    }

    #[test]
    fn par_fault_bit_reports_a_fault() {
        assert_eq!(
            decode_par(0x0000_1234_5000 | 1, 0),
            Err(SmmuError::TranslationFault)
        );
        assert_eq!(
            decode_par(1 | (1 << 3), 0x1000),
            Err(SmmuError::TranslationFault)
        );
    }
}
