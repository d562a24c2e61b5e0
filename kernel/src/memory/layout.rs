// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The memory layout of a process (doc/reference/aarch64-abi.md §7): where
//! its image and RAM appear in its address space, where its grant region
//! lives, and the checks that decide which addresses are its to share.
//!
//! Every app sees the same addresses: its TBF image at [`APP_IMAGE_BASE`]
//! (read + execute) and its RAM at [`APP_RAM_BASE`] (read + write, never
//! execute), with unmapped guard space around both. The grant region is the
//! page-aligned top of the RAM block the kernel reserved for the process and
//! is never mapped for the process, so no page is shared between
//! process-accessible and kernel-owned memory.

use super::address_space::{AddressSpace, Permissions};

/// Translation granule used for process mappings.
pub const PAGE_SIZE: u64 = 4096;
/// Virtual address of the TBF header of every process (`_flash_origin`).
pub const APP_IMAGE_BASE: u64 = 0x8000_0000;
/// Virtual address of the start of every process's RAM.
pub const APP_RAM_BASE: u64 = 0x9000_0000;
/// Largest image: it must end a guard page before RAM.
pub const MAX_IMAGE_SIZE: u64 = APP_RAM_BASE - APP_IMAGE_BASE - PAGE_SIZE;
/// Largest process RAM (leaves a guard page before 0xA000_0000).
pub const MAX_RAM_SIZE: u64 = 0x1000_0000 - PAGE_SIZE;
/// Largest grant region.
pub const MAX_GRANT_SIZE: u64 = 0x0100_0000;

/// A byte range `[start, start + len)`; `len` may be 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub struct Region {
    /// First address.
    pub start: u64,
    /// Length in bytes.
    pub len: u64,
}

impl Region {
    /// One past the last address. Regions built by this module never wrap.
    pub fn end(&self) -> u64 {
        self.start + self.len
    }

    /// True if `[addr, addr + len)` lies inside this region; `false` on
    /// arithmetic overflow.
    pub fn contains_range(&self, addr: u64, len: u64) -> bool {
        match addr.checked_add(len) {
            Some(end) => addr >= self.start && end <= self.end(),
            None => false,
        }
    }

    /// True if the two ranges share a byte.
    pub fn overlaps(&self, other: &Region) -> bool {
        self.len != 0 && other.len != 0 && self.start < other.end() && other.start < self.end()
    }
}

/// Why a layout cannot be built.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum LayoutError {
    /// The image is empty or larger than [`MAX_IMAGE_SIZE`].
    ImageSize,
    /// The requested RAM exceeds [`MAX_RAM_SIZE`].
    RamSize,
    /// The grant region is empty or exceeds [`MAX_GRANT_SIZE`].
    GrantSize,
    /// A physical or kernel address is not page aligned.
    Misaligned,
    /// A physical or kernel range wraps around the address space.
    Overflow,
}

fn page_round_up(n: u64) -> Option<u64> {
    n.checked_add(PAGE_SIZE - 1).map(|v| v & !(PAGE_SIZE - 1))
}

/// How much memory a process needs, in whole pages, before the loader
/// reserves it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub struct MemoryPlan {
    /// Bytes of the image mapping (the TBF rounded up to pages).
    pub image_bytes: u64,
    /// Bytes of process-accessible RAM.
    pub ram_bytes: u64,
    /// Bytes of grant region (kernel-only), right after the RAM.
    pub grant_bytes: u64,
}

impl MemoryPlan {
    /// Rounds every part up to whole pages and checks the limits.
    pub fn new(image_len: u64, min_ram: u64, grant_size: u64) -> Result<Self, LayoutError> {
        if image_len == 0 || image_len > MAX_IMAGE_SIZE {
            return Err(LayoutError::ImageSize);
        }
        if min_ram > MAX_RAM_SIZE {
            return Err(LayoutError::RamSize);
        }
        if grant_size == 0 || grant_size > MAX_GRANT_SIZE {
            return Err(LayoutError::GrantSize);
        }
        // The limits above keep every rounding far from overflow.
        Ok(Self {
            image_bytes: page_round_up(image_len).ok_or(LayoutError::ImageSize)?,
            ram_bytes: page_round_up(min_ram.max(PAGE_SIZE)).ok_or(LayoutError::RamSize)?,
            grant_bytes: page_round_up(grant_size).ok_or(LayoutError::GrantSize)?,
        })
    }

    /// Size of the RAM block (RAM plus grant region) the loader reserves.
    pub fn ram_block_bytes(&self) -> u64 {
        self.ram_bytes + self.grant_bytes
    }
}

/// A block of physical memory and the kernel's address for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub struct Backing {
    /// Physical address (what the process's tables point at).
    pub pa: u64,
    /// Kernel virtual address of the same bytes (what the kernel dereferences).
    pub kva: u64,
}

/// How a process sees memory, and where the kernel finds the same bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub struct ProcessLayout {
    image: Region,
    image_backing: Backing,
    ram: Region,
    ram_backing: Backing,
    grant: Region,
}

/// Which access a buffer must allow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum Access {
    /// Readable by the process (image or RAM).
    Read,
    /// Readable and writable by the process (RAM only).
    ReadWrite,
}

/// A buffer that passed validation: process address, length and the kernel
/// address of its first byte. A zero-length buffer has all three 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub struct CheckedBuffer {
    /// Process virtual address (as the process passed it).
    pub va: u64,
    /// Length in bytes.
    pub len: u64,
    /// Kernel address of the first byte.
    pub kva: u64,
}

impl CheckedBuffer {
    /// The null buffer: what a zero-length allow stores.
    pub const NULL: Self = Self {
        va: 0,
        len: 0,
        kva: 0,
    };
}

impl ProcessLayout {
    /// Builds the layout for `plan`, with the image copied (or mapped from
    /// flash) at `image` and the RAM block (RAM then grant region) at `ram`.
    /// Both must be page aligned.
    pub fn new(plan: MemoryPlan, image: Backing, ram: Backing) -> Result<Self, LayoutError> {
        for addr in [image.pa, image.kva, ram.pa, ram.kva] {
            if !addr.is_multiple_of(PAGE_SIZE) {
                return Err(LayoutError::Misaligned);
            }
        }
        let block = plan.ram_block_bytes();
        for (base, len) in [
            (image.pa, plan.image_bytes),
            (image.kva, plan.image_bytes),
            (ram.pa, block),
            (ram.kva, block),
        ] {
            base.checked_add(len).ok_or(LayoutError::Overflow)?;
        }
        Ok(Self {
            image: Region {
                start: APP_IMAGE_BASE,
                len: plan.image_bytes,
            },
            image_backing: image,
            ram: Region {
                start: APP_RAM_BASE,
                len: plan.ram_bytes,
            },
            ram_backing: ram,
            grant: Region {
                start: ram.kva + plan.ram_bytes,
                len: plan.grant_bytes,
            },
        })
    }

    /// The image as the process sees it.
    pub fn image(&self) -> Region {
        self.image
    }

    /// The RAM as the process sees it.
    pub fn ram(&self) -> Region {
        self.ram
    }

    /// The grant region, in *kernel* addresses; never visible to the process.
    pub fn grant_kernel_region(&self) -> Region {
        self.grant
    }

    /// Installs the process's mappings: image read+execute, RAM
    /// read+write+never-execute, nothing else (no grant, no guard pages).
    pub fn map_into<A: AddressSpace>(&self, space: &mut A) -> Result<(), A::Error> {
        space.map(
            self.image.start,
            self.image_backing.pa,
            self.image.len,
            Permissions::ReadExecute,
        )?;
        space.map(
            self.ram.start,
            self.ram_backing.pa,
            self.ram.len,
            Permissions::ReadWrite,
        )
    }

    /// Checks that the process may share `[addr, addr + len)` with `access`
    /// and translates it to a kernel address. Zero length is always valid
    /// and yields [`CheckedBuffer::NULL`]. All arithmetic is checked.
    pub fn check_buffer(&self, addr: u64, len: u64, access: Access) -> Option<CheckedBuffer> {
        if len == 0 {
            return Some(CheckedBuffer::NULL);
        }
        let (region, backing) = self.locate(addr, len, access)?;
        // In range, so the subtraction cannot underflow and the kernel address
        // stays inside a backing `new` checked for overflow.
        Some(CheckedBuffer {
            va: addr,
            len,
            kva: backing.kva + (addr - region.start),
        })
    }

    /// The physical address of the first byte of `[addr, addr + len)`, under
    /// the same rules as [`Self::check_buffer`]; `None` for zero length.
    /// The image and the RAM are each one physically contiguous block, so
    /// the whole range is physically contiguous from there (what an IOMMU
    /// mapping of the buffer needs).
    pub fn buffer_phys(&self, addr: u64, len: u64, access: Access) -> Option<u64> {
        if len == 0 {
            return None;
        }
        let (region, backing) = self.locate(addr, len, access)?;
        Some(backing.pa + (addr - region.start))
    }

    /// The process region holding all of `[addr, addr + len)` with `access`,
    /// and its backing.
    fn locate(&self, addr: u64, len: u64, access: Access) -> Option<(Region, Backing)> {
        if self.ram.contains_range(addr, len) {
            Some((self.ram, self.ram_backing))
        } else if access == Access::Read && self.image.contains_range(addr, len) {
            Some((self.image, self.image_backing))
        } else {
            None
        }
    }

    /// True if `addr` may be an upcall entry point: inside the image and
    /// 4-byte aligned (A64 instructions are words).
    pub fn is_valid_upcall_entry(&self, addr: u64) -> bool {
        addr.is_multiple_of(4) && self.image.contains_range(addr, 4)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    /// Records mappings and checks the kernel's requests are page granular.
    #[derive(Default)]
    struct RecordingSpace {
        maps: Vec<(u64, u64, u64, Permissions)>,
    }

    impl AddressSpace for RecordingSpace {
        type Error = ();
        fn map(&mut self, va: u64, pa: u64, len: u64, perms: Permissions) -> Result<(), ()> {
            assert_eq!(va % PAGE_SIZE, 0);
            assert_eq!(pa % PAGE_SIZE, 0);
            assert_eq!(len % PAGE_SIZE, 0);
            let new = Region { start: va, len };
            if self.maps.iter().any(|m| {
                Region {
                    start: m.0,
                    len: m.2,
                }
                .overlaps(&new)
            }) {
                return Err(());
            }
            self.maps.push((va, pa, len, perms));
            Ok(())
        }
        fn unmap_all(&mut self) -> Result<(), ()> {
            self.maps.clear();
            Ok(())
        }
        fn activate(&self) {}
        fn asid(&self) -> u16 {
            1
        }
    }

    fn layout() -> ProcessLayout {
        let plan = MemoryPlan::new(8204, 16384, 8192).unwrap();
        ProcessLayout::new(
            plan,
            Backing {
                pa: 0x4100_0000,
                kva: 0xFFFF_0000_4100_0000,
            },
            Backing {
                pa: 0x4200_0000,
                kva: 0xFFFF_0000_4200_0000,
            },
        )
        .unwrap()
    }

    #[test]
    fn plan_rounds_to_pages_and_checks_limits() {
        let plan = MemoryPlan::new(8204, 16385, 1).unwrap();
        assert_eq!(
            plan,
            MemoryPlan {
                image_bytes: 12288,
                ram_bytes: 20480,
                grant_bytes: 4096
            }
        );
        assert_eq!(MemoryPlan::new(0, 1, 1), Err(LayoutError::ImageSize));
        assert_eq!(
            MemoryPlan::new(MAX_IMAGE_SIZE + 1, 1, 1),
            Err(LayoutError::ImageSize)
        );
        assert_eq!(MemoryPlan::new(1, u64::MAX, 1), Err(LayoutError::RamSize));
        assert_eq!(MemoryPlan::new(1, 1, 0), Err(LayoutError::GrantSize));
        assert_eq!(MemoryPlan::new(1, 1, u64::MAX), Err(LayoutError::GrantSize));
        // Zero RAM still gets a page: the stack must live somewhere.
        assert_eq!(MemoryPlan::new(1, 0, 1).unwrap().ram_bytes, PAGE_SIZE);
    }

    #[test]
    fn refuses_misaligned_or_wrapping_backing() {
        let plan = MemoryPlan::new(1, 1, 1).unwrap();
        let ok = Backing {
            pa: 0x4000_0000,
            kva: 0x4000_0000,
        };
        let odd = Backing {
            pa: 0x4000_0800,
            kva: 0x4000_0000,
        };
        let wraps = Backing {
            pa: u64::MAX - PAGE_SIZE + 1,
            kva: 0,
        };
        assert_eq!(
            ProcessLayout::new(plan, odd, ok),
            Err(LayoutError::Misaligned)
        );
        assert_eq!(
            ProcessLayout::new(plan, ok, wraps),
            Err(LayoutError::Overflow)
        );
    }

    #[test]
    fn maps_image_rx_ram_rw_and_never_the_grant_region() {
        let l = layout();
        let mut space = RecordingSpace::default();
        l.map_into(&mut space).unwrap();
        assert_eq!(
            space.maps,
            [
                (APP_IMAGE_BASE, 0x4100_0000, 12288, Permissions::ReadExecute),
                (APP_RAM_BASE, 0x4200_0000, 16384, Permissions::ReadWrite),
            ]
        );
        // The grant region starts on the page right after process RAM in the
        // physical block, so no page holds both.
        let grant = l.grant_kernel_region();
        assert_eq!(grant.start, 0xFFFF_0000_4200_0000 + 16384);
        assert_eq!(grant.start % PAGE_SIZE, 0);
        assert_eq!(grant.len, 8192);
        // Guard space: nothing mapped right below RAM or right after the image.
        assert!(!space.maps.iter().any(|m| {
            Region {
                start: m.0,
                len: m.2,
            }
            .contains_range(APP_RAM_BASE - 1, 1)
        }));
        assert!(l.image().end() + PAGE_SIZE <= APP_RAM_BASE);
    }

    #[test]
    fn buffer_checks() {
        let l = layout();
        let ram = APP_RAM_BASE;
        // Inside RAM, both accesses.
        let b = l.check_buffer(ram + 16, 32, Access::ReadWrite).unwrap();
        assert_eq!(
            b,
            CheckedBuffer {
                va: ram + 16,
                len: 32,
                kva: 0xFFFF_0000_4200_0010
            }
        );
        assert!(l.check_buffer(ram, 16384, Access::ReadWrite).is_some());
        // One byte too far runs into the grant region: refused.
        assert!(l.check_buffer(ram, 16385, Access::ReadWrite).is_none());
        assert!(l.check_buffer(ram + 16384, 1, Access::Read).is_none());
        // Image: read-only allows only.
        assert!(
            l.check_buffer(APP_IMAGE_BASE + 0x1000, 6, Access::Read)
                .is_some()
        );
        assert!(
            l.check_buffer(APP_IMAGE_BASE + 0x1000, 6, Access::ReadWrite)
                .is_none()
        );
        // Spanning the guard between image and RAM: refused.
        assert!(l.check_buffer(APP_RAM_BASE - 4, 8, Access::Read).is_none());
        // Overflowing arithmetic: refused, never wrapped.
        assert!(l.check_buffer(u64::MAX, 2, Access::Read).is_none());
        assert!(l.check_buffer(ram, u64::MAX, Access::Read).is_none());
        // Zero length: valid whatever the address, and null.
        assert_eq!(
            l.check_buffer(0xDEAD_BEEF, 0, Access::ReadWrite),
            Some(CheckedBuffer::NULL)
        );
        assert_eq!(
            l.check_buffer(u64::MAX, 0, Access::Read),
            Some(CheckedBuffer::NULL)
        );
        // Null and kernel-looking addresses: refused.
        assert!(l.check_buffer(0, 1, Access::Read).is_none());
        assert!(
            l.check_buffer(0xFFFF_0000_4200_0000, 1, Access::Read)
                .is_none()
        );
    }

    #[test]
    fn physical_addresses_follow_the_backing_and_the_same_checks() {
        let l = layout();
        assert_eq!(
            l.buffer_phys(APP_RAM_BASE + 0x1000, 0x2000, Access::ReadWrite),
            Some(0x4200_1000)
        );
        assert_eq!(
            l.buffer_phys(APP_IMAGE_BASE + 0x10, 4, Access::Read),
            Some(0x4100_0010)
        );
        // The same refusals as `check_buffer`: image not writable, grant
        // region and guard space not shareable, no overflow, no zero length.
        assert_eq!(l.buffer_phys(APP_IMAGE_BASE, 4, Access::ReadWrite), None);
        assert_eq!(l.buffer_phys(APP_RAM_BASE, 16385, Access::Read), None);
        assert_eq!(l.buffer_phys(APP_RAM_BASE - 4, 8, Access::Read), None);
        assert_eq!(l.buffer_phys(u64::MAX, 2, Access::Read), None);
        assert_eq!(l.buffer_phys(APP_RAM_BASE, 0, Access::Read), None);
    }

    #[test]
    fn upcall_entries() {
        let l = layout();
        assert!(l.is_valid_upcall_entry(APP_IMAGE_BASE + 0x1000));
        assert!(!l.is_valid_upcall_entry(APP_IMAGE_BASE + 0x1002));
        assert!(!l.is_valid_upcall_entry(APP_RAM_BASE));
        assert!(!l.is_valid_upcall_entry(l.image().end() - 2));
        assert!(!l.is_valid_upcall_entry(u64::MAX - 3));
    }
}
