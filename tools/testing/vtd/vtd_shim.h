/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vtd_shim.h - the kernel the entry writer (drivers/iommu/intel/entry.c),
 * the PASID entry builders (pasid.h) and the case table (entry_cases.h)
 * are compiled against in userspace. Force-included before them; their
 * own #include <...> lines resolve to empty headers the Makefile makes.
 *
 * Stores and barriers are where the model looks: WRITE_ONCE() and
 * dma_wmb() call into the checker, which also notices plain stores into
 * the entry it watches by comparing the entry with what it last saw.
 */
#ifndef _VTD_SHIM_H
#define _VTD_SHIM_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef uint8_t __u8;
typedef uint16_t __u16;
typedef uint32_t __u32;
typedef uint64_t __u64;
typedef int32_t __s32;
typedef uint64_t __aligned_u64;		/* 8-byte aligned on x86-64 */

#define BIT(n)			(1UL << (n))
#define BIT_ULL(n)		(1ULL << (n))
#define GENMASK_ULL(h, l)	((~0ULL << (l)) & (~0ULL >> (63 - (h))))
#define FIELD_GET(mask, reg)	(((reg) & (mask)) >> __builtin_ctzll(mask))
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

/* The checker's side of the model (vtd_check.c). */
void vtd_model_store(u64 *p, u64 val);
void vtd_model_barrier(void);
void vtd_model_warn(const char *cond, const char *file, int line);

#define READ_ONCE(x)	__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, val)						\
	do {								\
		static_assert(sizeof(x) == sizeof(u64), "u64 stores only"); \
		vtd_model_store((u64 *)&(x), (val));			\
	} while (0)
#define dma_wmb()	vtd_model_barrier()
#define WARN_ON(cond)							\
	({								\
		bool __c = !!(cond);					\
		if (__c)						\
			vtd_model_warn(#cond, __FILE__, __LINE__);	\
		__c;							\
	})

/* What pasid.h and the builders take from iommu.h and the page tables. */
#define VTD_PAGE_MASK		(~0xfffULL)
#define PAGE_MASK		(~0xfffULL)
#define phys_to_virt(x)		((void *)(uintptr_t)(x))
#define ADDR_WIDTH_4LEVEL	48
#define ADDR_WIDTH_5LEVEL	57
#define ecap_smpwc(e)		(((e) >> 48) & 0x1)

struct device;
struct dmar_domain;
typedef struct { u64 pgd; } pgd_t;

struct intel_iommu {
	u64 ecap;
	int agaw;
};

static inline void entry_set_bits(u64 *ptr, u64 mask, u64 bits)
{
	WRITE_ONCE(*ptr, (READ_ONCE(*ptr) & ~mask) | bits);
}

#endif /* _VTD_SHIM_H */
