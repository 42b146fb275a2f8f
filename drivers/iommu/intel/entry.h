/* SPDX-License-Identifier: GPL-2.0 */
/*
 * entry.h - the VT-d entry writer: one implementation of the ownership
 * handshake for root, context and PASID entries.
 *
 * Hardware may fetch a live entry at any moment, cache what it fetched, and
 * read a PASID entry as several 128-bit chunks at different moments. An
 * entry therefore changes only in one of these ways (VT-d 6.5.3.3, 9.4):
 *
 *  - non-present to present: every field is written while Present is
 *    clear, dma_wmb(), then one store sets Present; a caching-mode
 *    invalidation (or write-buffer flush) follows;
 *  - present to anything, when more than one atomic store would change:
 *    one store clears Present (setting FPD in the same store when the
 *    target asks for it), the entry is flushed, every cache that may hold
 *    the old entry is invalidated by the old entry's DID and waited for;
 *    only then is the entry rewritten as above;
 *  - present to present, when the change is confined to fields the
 *    specification lets software change in place and to one atomic store:
 *    that store, a flush, the invalidation of the old entry.
 */
#ifndef _INTEL_IOMMU_ENTRY_H
#define _INTEL_IOMMU_ENTRY_H

#include <linux/types.h>

/* Present is bit 0 of qword 0 in every entry; FPD is bit 1 where it exists. */
#define VTD_ENTRY_P		BIT_ULL(0)
#define VTD_ENTRY_FPD		BIT_ULL(1)
#define VTD_ENTRY_MAX_QWORDS	8

/**
 * struct vtd_entry_type - what the writer knows about one kind of entry
 * @name:	for messages and tests
 * @nqwords:	size of the entry in 64-bit words
 * @has_fpd:	bit 1 of qword 0 is Fault Processing Disable
 * @get_used:	the bits hardware may read, given the entry's own contents
 *		(with Present clear only Present, and FPD where it exists)
 * @live_mask:	per qword, the bits software may change while Present is set,
 *		with one store followed by invalidation (spec table 25 cases)
 * @did:	the domain ID the entry's cached copies are tagged with
 * @same_owner:	@cur, a non-present entry, is still the one a teardown of
 *		@old left behind (nobody set it up or tore it down meanwhile)
 *
 * These are pure functions of the entry, shared with the KUnit suite and
 * the userspace checker in tools/testing/vtd.
 */
struct vtd_entry_type {
	const char *name;
	unsigned int nqwords;
	bool has_fpd;
	void (*get_used)(const u64 *entry, u64 *used);
	const u64 *live_mask;
	u16 (*did)(const u64 *entry);
	bool (*same_owner)(const u64 *old, const u64 *cur);
};

struct vtd_entry_writer;

/**
 * enum vtd_entry_event - what a recorder sees (tests only)
 * @VTD_EV_STORE:	one WRITE_ONCE() of qword @qw
 * @VTD_EV_WMB:		the dma_wmb() before Present is set
 */
enum vtd_entry_event {
	VTD_EV_STORE,
	VTD_EV_WMB,
};

/**
 * struct vtd_entry_writer_ops - what the writer asks of the IOMMU
 * @sync:	make qwords [@first, @first + @n) of the entry visible to the
 *		IOMMU (clflush when it is not coherent)
 * @invalidate:	invalidate every cache that may hold @old, tagged by @old's
 *		DID, and wait for completion
 * @publish:	after non-present to present: caching-mode invalidation or
 *		write-buffer flush
 * @record:	optional, tests only: called after each store and barrier
 */
struct vtd_entry_writer_ops {
	void (*sync)(struct vtd_entry_writer *w, u64 *entry,
		     unsigned int first, unsigned int n);
	void (*invalidate)(struct vtd_entry_writer *w, const u64 *old);
	void (*publish)(struct vtd_entry_writer *w, const u64 *target);
	void (*record)(struct vtd_entry_writer *w, enum vtd_entry_event ev,
		       const u64 *entry, unsigned int qw);
};

/**
 * struct vtd_entry_writer - one entry update in progress
 * @type:	the kind of entry
 * @ops:	the IOMMU side
 * @store_qwords: qwords one atomic store covers (1: WRITE_ONCE() of a u64;
 *		2: a 128-bit store, where the CPU has one)
 * @break_before_make: never change a present entry in place, nor skip an
 *		unchanged one: take it down first (an entry of unknown history,
 *		such as one copied from the previous kernel by kdump)
 */
struct vtd_entry_writer {
	const struct vtd_entry_type *type;
	const struct vtd_entry_writer_ops *ops;
	unsigned int store_qwords;
	bool break_before_make;
};

extern const struct vtd_entry_type vtd_root_entry_type;
extern const struct vtd_entry_type vtd_context_entry_type;
extern const struct vtd_entry_type vtd_sm_context_entry_type;
extern const struct vtd_entry_type vtd_pasid_entry_type;

void vtd_entry_read(const struct vtd_entry_writer *w, const u64 *entry,
		    u64 *copy);
void vtd_entry_write(struct vtd_entry_writer *w, u64 *entry,
		     const u64 *target);
void vtd_entry_take(struct vtd_entry_writer *w, u64 *entry, u64 *old,
		    bool fpd);
bool vtd_entry_finish(struct vtd_entry_writer *w, u64 *entry, const u64 *old,
		      const u64 *target);

#endif /* _INTEL_IOMMU_ENTRY_H */
