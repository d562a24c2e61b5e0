// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! IOMMU hardware interface: translation domains, stream attachment, strict
//! map/unmap and fault reporting.
//!
//! A *domain* is one translation context of an IOMMU (an SMMUv2 context bank,
//! an SMMUv3 context descriptor or stream table entry) with its own
//! translation tables and its own TLB tag (ASID or VMID). A *stream* is the
//! identity a DMA master presents on the bus (`StreamId`); attaching a stream
//! to a domain makes every transaction carrying that identity translate
//! through the domain's tables, and nothing else.
//!
//! The trait is written for a `#![forbid(unsafe_code)]` capsule that gives
//! each process its own domain:
//!
//! - **Table pages are charged to the domain's owner.** A domain is created
//!   with `Self::Tables`, the implementation's table-page allocator type,
//!   typically a cheap handle onto the owner's budget (the budget itself
//!   stays with the caller, e.g. in the process's grant). Every table page
//!   the domain ever needs comes from it; `domain_free` returns them all
//!   through it; `with_tables` lets the owner read it (for quota queries).
//! - **Strict maintenance.** When `unmap` (or `flush`) returns `Ok`, the
//!   IOMMU's TLBs no longer hold the removed translations: invalidation and
//!   its completion (sync) happened before the return. There is no deferred
//!   flush in this interface.
//! - **Failure is sticky, never silent.** If TLB maintenance does not
//!   complete (a sync timeout) the implementation marks the domain *unusable*:
//!   every later operation on it except `domain_free` and `detach`
//!   (blocking a stream is always safe) fails with
//!   [`ErrorCode::Fail`], the fault client hears
//!   [`DisableReason::SyncTimeout`], and `domain_free` on it returns `Fail`,
//!   keeps the context retired and never returns the table pages. The
//!   caller must then treat every page that was ever mapped into the domain
//!   as quarantined: the hardware may still reach it.
//! - **No allocation, no `dyn` on the data path.** Only the fault client is a
//!   `&dyn` (Tock's client convention); everything else is static dispatch.
//!
//! Error codes used by every implementation:
//!
//! | code | meaning |
//! | --- | --- |
//! | `INVAL` | unknown or free domain, misaligned address or size, zero size, nothing mapped, bad stream |
//! | `NOSUPPORT` | the format, stage, page size or operation is not offered by this IOMMU |
//! | `NOMEM` | no free context, or the caller's table allocator is exhausted |
//! | `BUSY` | the stream (or an overlapping stream pattern) is attached to another domain |
//! | `ALREADY` | the stream is already attached to this domain, or the IOVA is already mapped |
//! | `OFF` | the domain was disabled by a fault storm; only `detach` and `domain_free` are accepted |
//! | `FAIL` | the domain is unusable after a maintenance timeout (see above) |
//! | `SIZE` | the IOVA range exceeds the domain's window |

use crate::ErrorCode;

/// Names one domain of one IOMMU instance. Implementations hand these out;
/// callers only store and return them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, defmt::Format)]
pub struct DomainId(u16);

impl DomainId {
    /// Wraps an implementation-defined domain index.
    pub const fn new(index: u16) -> Self {
        Self(index)
    }

    /// The implementation-defined index (an SMMUv2 context bank number, ...).
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}

/// The identity a DMA master presents to the IOMMU (an Arm StreamID; a PCI
/// requester ID on PCIe systems).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, defmt::Format)]
pub struct StreamId(u32);

impl StreamId {
    /// Wraps a raw stream ID.
    pub const fn new(id: u32) -> Self {
        Self(id)
    }

    /// The raw stream ID.
    pub const fn value(self) -> u32 {
        self.0
    }
}

/// A set of stream IDs: `id` with the bits in `ignore_mask` treated as
/// "don't care". A master that emits several IDs (one per channel, say) is
/// described with a mask. IOMMUs without masked matching accept only
/// `ignore_mask == 0` (or expand the set themselves).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, defmt::Format)]
pub struct StreamMatch {
    /// The stream ID to match.
    pub id: StreamId,
    /// Bits of the stream ID that are ignored when matching.
    pub ignore_mask: u32,
}

impl StreamMatch {
    /// Matches exactly one stream ID.
    pub const fn exact(id: StreamId) -> Self {
        Self { id, ignore_mask: 0 }
    }

    /// Matches every ID equal to `id` outside `ignore_mask`.
    pub const fn masked(id: StreamId, ignore_mask: u32) -> Self {
        Self { id, ignore_mask }
    }

    /// Whether `stream` belongs to this set.
    pub const fn matches(&self, stream: StreamId) -> bool {
        (stream.0 ^ self.id.0) & !self.ignore_mask == 0
    }
}

/// Which translation stage a domain's tables describe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, defmt::Format)]
pub enum Stage {
    /// Stage 1: VA -> PA, ASID-tagged (what a process domain uses).
    One,
    /// Stage 2: IPA -> PA, VMID-tagged.
    Two,
}

/// Translation granule of a VMSAv8-64 (LPAE, 64-bit) table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, defmt::Format)]
pub enum Granule {
    /// 4 KiB pages, 2 MiB and 1 GiB blocks.
    Size4K,
    /// 16 KiB pages, 32 MiB blocks.
    Size16K,
    /// 64 KiB pages, 512 MiB blocks.
    Size64K,
}

/// Translation-table format of a domain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, defmt::Format)]
pub enum TableFormat {
    /// VMSAv8-64 long descriptors (AArch64 LPAE) with the given granule.
    Lpae64(Granule),
    /// VMSAv7 long descriptors (AArch32 LPAE), 4 KiB granule, 32-bit input.
    Lpae32,
    /// VMSAv7 short descriptors (`v7s`): 4 KiB / 64 KiB pages, 1 MiB / 16 MiB
    /// sections, 32-bit input.
    ShortDescriptor,
}

/// What a caller asks for when allocating a domain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, defmt::Format)]
pub struct DomainConfig {
    /// Table format.
    pub format: TableFormat,
    /// Translation stage.
    pub stage: Stage,
    /// Size of the IOVA window in bits: the domain translates IOVAs in
    /// `0 .. 1 << iova_bits`; anything above faults. Implementations refuse
    /// (`NOSUPPORT`) a width the format or the hardware cannot provide.
    pub iova_bits: u8,
}

/// Device access permissions and memory type of a mapping.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, defmt::Format)]
pub struct Protection {
    /// The device may read.
    pub read: bool,
    /// The device may write.
    pub write: bool,
    /// Normal write-back cacheable memory (for coherent masters); otherwise
    /// normal non-cacheable.
    pub cacheable: bool,
}

impl Protection {
    /// Device may only read (the buffer was allowed read-only).
    pub const READ_ONLY: Self = Self {
        read: true,
        write: false,
        cacheable: false,
    };
    /// Device may read and write.
    pub const READ_WRITE: Self = Self {
        read: true,
        write: true,
        cacheable: false,
    };
}

/// The mapping sizes a domain supports, as a bitmap: bit `n` set means a
/// naturally aligned mapping of `1 << n` bytes is one translation entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, defmt::Format)]
pub struct PageSizes(u64);

impl PageSizes {
    /// Wraps a bitmap of supported sizes.
    pub const fn from_bits(bits: u64) -> Self {
        Self(bits)
    }

    /// The raw bitmap.
    pub const fn bits(self) -> u64 {
        self.0
    }

    /// Whether `size` (a power of two) is a supported mapping size.
    pub const fn contains(self, size: u64) -> bool {
        size.is_power_of_two() && self.0 & size != 0
    }

    /// The smallest supported mapping size (the page size every address and
    /// length must be aligned to), or `None` if the set is empty.
    pub const fn smallest(self) -> Option<u64> {
        if self.0 == 0 {
            None
        } else {
            Some(1 << self.0.trailing_zeros())
        }
    }
}

/// How many domains the IOMMU can still provide.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, defmt::Format)]
pub struct Capacity {
    /// Domains (contexts) the hardware offers in total.
    pub total_domains: usize,
    /// Domains that `domain_alloc` can still hand out.
    pub free_domains: usize,
}

/// Direction of the access that faulted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, defmt::Format)]
pub enum Access {
    /// The device read.
    Read,
    /// The device wrote.
    Write,
}

/// Why a transaction faulted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, defmt::Format)]
pub enum FaultKind {
    /// No valid translation for the IOVA (unmapped, or outside the window).
    Translation,
    /// The translation's access flag was clear.
    AccessFlag,
    /// The mapping does not permit this access (e.g. a write to a read-only
    /// mapping).
    Permission,
    /// The address exceeded an input or output address size.
    AddressSize,
    /// The memory system returned an error for the access or a table walk.
    External,
    /// Several TLB entries matched the IOVA (software broke the
    /// break-before-make rule).
    TlbConflict,
    /// The stream matched no attached domain (it was blocked, never bypassed).
    UnidentifiedStream,
    /// The stream matched more than one stream-matching entry.
    StreamMatchConflict,
    /// The stream was routed to a context that is not valid or not enabled.
    InvalidContext,
    /// A fault the implementation recognised but did not classify.
    Other,
}

/// A decoded IOMMU fault, as handed to the fault client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, defmt::Format)]
pub struct Fault {
    /// The domain the faulting transaction was translated by, if any
    /// (`None` for global faults such as unidentified streams).
    pub domain: Option<DomainId>,
    /// The stream that issued the transaction, if the hardware recorded it.
    pub stream: Option<StreamId>,
    /// The faulting input address (IOVA), or 0 if not recorded.
    pub iova: u64,
    /// Read or write.
    pub access: Access,
    /// The fault class.
    pub kind: FaultKind,
}

/// Why an implementation disabled a domain on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, defmt::Format)]
pub enum DisableReason {
    /// Faults arrived faster than the configured rate limit: the domain's
    /// streams are now blocked and its fault reporting is off, so the storm
    /// cannot livelock the kernel. Operations return `OFF`; free the domain.
    FaultStorm,
    /// TLB maintenance did not complete in time. The domain is unusable
    /// (`FAIL`); everything ever mapped into it must be quarantined.
    SyncTimeout,
}

/// Receives faults and domain-disable events. Called from the IOMMU's
/// interrupt handling path (bottom half), never from inside a downcall.
pub trait FaultClient {
    /// A transaction faulted. The hardware record is already cleared.
    fn fault(&self, fault: &Fault);

    /// The implementation disabled `domain` (see [`DisableReason`]).
    fn domain_disabled(&self, domain: DomainId, reason: DisableReason);

    /// Global (stream-level) faults arrived faster than the rate limit and
    /// their reporting is now suppressed until the next rate-limit window.
    fn global_faults_suppressed(&self);
}

/// An IOMMU that provides isolated translation domains.
///
/// `'a` is the lifetime of the fault client, as in every Tock HIL.
pub trait Iommu<'a> {
    /// The allocator a domain's translation-table pages come from (see the
    /// module docs). Moved into the domain by `domain_alloc` and dropped by
    /// a successful `domain_free`, after every table page went back through
    /// it.
    type Tables;

    /// Registers the receiver of faults and disable events.
    fn set_fault_client(&self, client: &'a dyn FaultClient);

    /// How many domains exist and how many are free.
    fn capacity(&self) -> Capacity;

    /// The mapping sizes a domain of `format` supports on this hardware
    /// (empty if the format is not supported).
    fn page_sizes(&self, format: TableFormat) -> PageSizes;

    /// Allocates a domain: a context, its TLB tag, and the root table (from
    /// `tables`, which the domain keeps). The domain starts empty (every
    /// IOVA faults) with no streams attached. `NOMEM` when contexts or table
    /// pages run out, `NOSUPPORT` for a format, stage or window the hardware
    /// cannot provide. On error `tables` is dropped.
    fn domain_alloc(
        &self,
        config: &DomainConfig,
        tables: Self::Tables,
    ) -> Result<DomainId, ErrorCode>;

    /// Frees a domain: blocks its streams, disables the context, invalidates
    /// its TLB entries and waits for completion, and only then returns its
    /// table pages through its allocator and drops the allocator. On `FAIL`
    /// (maintenance timeout, now or earlier) nothing is released: the
    /// context stays retired and the table pages stay allocated for good,
    /// because the hardware may still use them.
    fn domain_free(&self, domain: DomainId) -> Result<(), ErrorCode>;

    /// Runs `f` on the domain's table allocator (to read its usage).
    fn with_tables<R, F: FnOnce(&Self::Tables) -> R>(
        &self,
        domain: DomainId,
        f: F,
    ) -> Result<R, ErrorCode>;

    /// The mapping sizes of `domain` (the smallest is its page size) and its
    /// IOVA window width in bits.
    fn domain_geometry(&self, domain: DomainId) -> Result<(PageSizes, u8), ErrorCode>;

    /// Routes the streams in `stream` through `domain`. Streams that are
    /// attached nowhere fault; they never bypass translation.
    fn attach(&self, domain: DomainId, stream: StreamMatch) -> Result<(), ErrorCode>;

    /// Stops routing `stream` (exactly as attached) through `domain`; its
    /// transactions fault from the moment this returns.
    fn detach(&self, domain: DomainId, stream: StreamMatch) -> Result<(), ErrorCode>;

    /// Maps `size` bytes at `iova` to `paddr` with `prot`. Address and size
    /// must be aligned to the domain's smallest page size. Mapping over a
    /// live translation is refused (`ALREADY`), never a silent overwrite. On
    /// error nothing stays mapped.
    fn map(
        &self,
        domain: DomainId,
        iova: u64,
        paddr: u64,
        size: u64,
        prot: Protection,
    ) -> Result<(), ErrorCode>;

    /// Unmaps `size` bytes at `iova` and returns how many bytes were mapped
    /// there. When it returns `Ok`, no device can reach the removed pages:
    /// the TLB invalidation and its sync are complete.
    fn unmap(&self, domain: DomainId, iova: u64, size: u64) -> Result<u64, ErrorCode>;

    /// Invalidates every TLB entry of `domain` and waits for completion.
    fn flush(&self, domain: DomainId) -> Result<(), ErrorCode>;

    /// Looks `iova` up in the domain's tables (software walk). `INVAL` if it
    /// is not mapped.
    fn iova_to_phys(&self, domain: DomainId, iova: u64) -> Result<u64, ErrorCode>;

    /// Asks the hardware to translate `iova` as a device `access` would (a
    /// debugging aid that also exercises the hardware's TLB). `NOSUPPORT` if
    /// the IOMMU offers no such operation, `INVAL` if the translation faults.
    fn translate_hw(&self, domain: DomainId, iova: u64, access: Access) -> Result<u64, ErrorCode>;
}

#[cfg(test)]
mod tests {
    use super::{PageSizes, StreamId, StreamMatch};

    #[test]
    fn stream_match_ignores_only_masked_bits() {
        let set = StreamMatch::masked(StreamId::new(0x14e8), 0x7);
        assert!(set.matches(StreamId::new(0x14e8)));
        assert!(set.matches(StreamId::new(0x14ef)));
        assert!(!set.matches(StreamId::new(0x14f0)));
        assert!(!set.matches(StreamId::new(0x04e8)));
        let exact = StreamMatch::exact(StreamId::new(5));
        assert!(exact.matches(StreamId::new(5)));
        assert!(!exact.matches(StreamId::new(4)));
    }

    #[test]
    fn page_sizes_report_smallest_and_membership() {
        let lpae_4k = PageSizes::from_bits((1 << 12) | (1 << 21) | (1 << 30));
        assert_eq!(lpae_4k.smallest(), Some(4096));
        assert!(lpae_4k.contains(2 << 20));
        assert!(!lpae_4k.contains(64 << 10));
        assert!(!lpae_4k.contains(3 << 12));
        assert_eq!(PageSizes::from_bits(0).smallest(), None);
    }
}
