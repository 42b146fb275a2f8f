// SPDX-License-Identifier: GPL-2.0
/*
 * entry.c - the VT-d entry writer (see entry.h for the rules it follows).
 *
 * The writer never decides what an entry should contain: builders produce
 * the complete target off to the side, and the writer only moves the live
 * entry from what it holds to that target. Where the VT-d specification
 * text is not quoted here we follow the conservative reading: hardware may
 * fetch any chunk of an entry at any time, and whatever it fetched with
 * Present set may stay cached until an invalidation of it has completed.
 */
#include <linux/bitfield.h>
#include <linux/bits.h>
#include <linux/bug.h>
#include <linux/string.h>
#include <asm/barrier.h>
#include <kunit/visibility.h>

#include "entry.h"

static void vtd_entry_record(struct vtd_entry_writer *w,
			     enum vtd_entry_event ev, u64 *entry,
			     unsigned int qw)
{
	if (w->ops->record)
		w->ops->record(w, ev, entry, qw);
}

static void vtd_entry_store(struct vtd_entry_writer *w, u64 *entry,
			    unsigned int qw, u64 val)
{
	WRITE_ONCE(entry[qw], val);
	vtd_entry_record(w, VTD_EV_STORE, entry, qw);
}

/**
 * vtd_entry_read() - copy a live entry, one READ_ONCE() per qword
 * @w: the writer (for the entry's size)
 * @entry: the live entry
 * @copy: where to copy it, e.g. to build an in-place update on
 */
void vtd_entry_read(const struct vtd_entry_writer *w, const u64 *entry,
		    u64 *copy)
{
	unsigned int i;

	for (i = 0; i < w->type->nqwords; i++)
		copy[i] = READ_ONCE(entry[i]);
}
EXPORT_SYMBOL_IF_KUNIT(vtd_entry_read);

/*
 * A present entry may change in place only when every changed bit is one
 * software may change while hardware uses the entry, and all of them fall
 * into one aligned atomic store. Return that store's first qword, or -1.
 */
static int vtd_entry_in_place(const struct vtd_entry_writer *w,
			      const u64 *cur, const u64 *target)
{
	const struct vtd_entry_type *t = w->type;
	unsigned int chunk = w->store_qwords, i;
	int first = -1;

	if (!(target[0] & VTD_ENTRY_P) || !t->live_mask)
		return -1;

	for (i = 0; i < t->nqwords; i++) {
		u64 diff = cur[i] ^ target[i];

		if (!diff)
			continue;
		if (diff & ~t->live_mask[i])
			return -1;
		if (first < 0)
			first = i - i % chunk;
		else if (i >= first + chunk)
			return -1;
	}
	return first;
}

/* Write a target into an entry hardware does not use (Present clear). */
static void vtd_entry_install(struct vtd_entry_writer *w, u64 *entry,
			      const u64 *target)
{
	unsigned int n = w->type->nqwords, i;

	/* Every qword but the first, in any order: hardware ignores them. */
	for (i = 1; i < n; i++)
		if (READ_ONCE(entry[i]) != target[i])
			vtd_entry_store(w, entry, i, target[i]);

	/* Qword 0 is written whole by the store that sets Present. */
	if (!(target[0] & VTD_ENTRY_P)) {
		if (READ_ONCE(entry[0]) != target[0])
			vtd_entry_store(w, entry, 0, target[0]);
		w->ops->sync(w, entry, 0, n);
		return;
	}
	if (n > 1)
		w->ops->sync(w, entry, 1, n - 1);

	/* Fields reach memory before the store that sets Present (6.5.3.3). */
	dma_wmb();
	vtd_entry_record(w, VTD_EV_WMB, entry, 0);
	vtd_entry_store(w, entry, 0, target[0]);
	w->ops->sync(w, entry, 0, 1);
	w->ops->publish(w, target);
}

/**
 * vtd_entry_take() - clear Present: hardware stops using the entry
 * @w: the writer
 * @entry: the live entry, Present set
 * @old: returns the entry as it was, for vtd_entry_finish() and for the
 *	invalidation by its DID
 * @fpd: set Fault Processing Disable in the same store (fault-ignore
 *	teardown: hardware never sees the entry non-present without FPD)
 *
 * The caller holds the lock that serializes writers of @entry, then drops
 * it if it likes, invalidates @old with w->ops->invalidate() and calls
 * vtd_entry_finish() under the lock again. Until the invalidation has
 * completed a cache may still hold @old; nothing else is written meanwhile.
 */
void vtd_entry_take(struct vtd_entry_writer *w, u64 *entry, u64 *old,
		    bool fpd)
{
	u64 q0;

	vtd_entry_read(w, entry, old);
	if (WARN_ON(!(old[0] & VTD_ENTRY_P)))
		return;

	q0 = old[0] & ~VTD_ENTRY_P;
	if (fpd && w->type->has_fpd)
		q0 |= VTD_ENTRY_FPD;
	vtd_entry_store(w, entry, 0, q0);
	w->ops->sync(w, entry, 0, 1);
	/* Cleared before the invalidation descriptors are written. */
	dma_wmb();
	vtd_entry_record(w, VTD_EV_WMB, entry, 0);
}
EXPORT_SYMBOL_IF_KUNIT(vtd_entry_take);

/**
 * vtd_entry_finish() - rewrite a taken entry, if it is still ours
 * @w: the writer
 * @entry: the entry vtd_entry_take() cleared
 * @old: what vtd_entry_take() returned; its invalidation has completed
 * @target: the entry to write
 *
 * Called with the writers' lock held. If another path set the entry up or
 * tore it down while the lock was dropped, it owns the entry: leave it.
 *
 * Return: true if @target was written.
 */
bool vtd_entry_finish(struct vtd_entry_writer *w, u64 *entry, const u64 *old,
		      const u64 *target)
{
	u64 cur[VTD_ENTRY_MAX_QWORDS];

	vtd_entry_read(w, entry, cur);
	if ((cur[0] & VTD_ENTRY_P) || !w->type->same_owner(old, cur))
		return false;
	vtd_entry_install(w, entry, target);
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(vtd_entry_finish);

/**
 * vtd_entry_write() - move a live entry to @target, all under one lock hold
 * @w: the writer
 * @entry: the live entry
 * @target: the complete entry to end with
 *
 * Invalidates by the DID of the entry found, never of @target.
 */
void vtd_entry_write(struct vtd_entry_writer *w, u64 *entry,
		     const u64 *target)
{
	u64 old[VTD_ENTRY_MAX_QWORDS];
	unsigned int i;
	int first;

	if (WARN_ON(w->store_qwords != 1 || w->type->nqwords > VTD_ENTRY_MAX_QWORDS))
		return;

	vtd_entry_read(w, entry, old);
	if (!w->break_before_make &&
	    !memcmp(old, target, w->type->nqwords * sizeof(u64)))
		return;

	if (old[0] & VTD_ENTRY_P) {
		first = w->break_before_make ? -1 :
			vtd_entry_in_place(w, old, target);
		if (first >= 0) {
			for (i = first; i < first + w->store_qwords; i++)
				if (old[i] != target[i])
					vtd_entry_store(w, entry, i, target[i]);
			w->ops->sync(w, entry, first, w->store_qwords);
			w->ops->invalidate(w, old);
			return;
		}
		vtd_entry_take(w, entry, old, target[0] & VTD_ENTRY_FPD);
		w->ops->invalidate(w, old);
	}
	vtd_entry_install(w, entry, target);
}
EXPORT_SYMBOL_IF_KUNIT(vtd_entry_write);

/* With Present clear hardware reads only Present, and FPD where it exists. */
static bool vtd_entry_np_used(const u64 *e, u64 *used, unsigned int n)
{
	if (e[0] & VTD_ENTRY_P)
		return false;
	memset(used, 0, n * sizeof(u64));
	used[0] = VTD_ENTRY_P | VTD_ENTRY_FPD;
	return true;
}

/* Root entry (one half: lo or hi), 9.1: P, context-table pointer. */
static void vtd_root_get_used(const u64 *e, u64 *used)
{
	used[0] = (e[0] & VTD_ENTRY_P) ? GENMASK_ULL(63, 12) | VTD_ENTRY_P :
					 VTD_ENTRY_P;
}

static u16 vtd_no_did(const u64 *e)
{
	return 0;
}

static bool vtd_same_table(const u64 *old, const u64 *cur)
{
	return (old[0] & GENMASK_ULL(63, 12)) == (cur[0] & GENMASK_ULL(63, 12));
}

const struct vtd_entry_type vtd_root_entry_type = {
	.name = "root",
	.nqwords = 1,
	.get_used = vtd_root_get_used,
	.did = vtd_no_did,
	.same_owner = vtd_same_table,
};
EXPORT_SYMBOL_IF_KUNIT(vtd_root_entry_type);

/* Legacy context entry, 9.3: P, FPD, TT, SLPTPTR; AW, DID. */
static void vtd_context_get_used(const u64 *e, u64 *used)
{
	if (vtd_entry_np_used(e, used, 2))
		return;
	used[0] = VTD_ENTRY_P | VTD_ENTRY_FPD | GENMASK_ULL(3, 2) |
		  GENMASK_ULL(63, 12);
	used[1] = GENMASK_ULL(2, 0) | GENMASK_ULL(23, 8);
}

static u16 vtd_context_did(const u64 *e)
{
	return FIELD_GET(GENMASK_ULL(23, 8), e[1]);
}

static bool vtd_context_same_owner(const u64 *old, const u64 *cur)
{
	return vtd_context_did(old) == vtd_context_did(cur);
}

const struct vtd_entry_type vtd_context_entry_type = {
	.name = "context",
	.nqwords = 2,
	.has_fpd = true,
	.get_used = vtd_context_get_used,
	.did = vtd_context_did,
	.same_owner = vtd_context_same_owner,
};
EXPORT_SYMBOL_IF_KUNIT(vtd_context_entry_type);

/*
 * Scalable-mode context entry, 9.4: P, FPD, DTE, PASIDE, PRE, PDTS, PASID
 * directory pointer; RID_PASID, RID_PRIV. It has no DID: its caches are
 * invalidated device-selectively. PRE may flip in place (context_flip_pri()).
 */
static void vtd_sm_context_get_used(const u64 *e, u64 *used)
{
	if (vtd_entry_np_used(e, used, 2))
		return;
	used[0] = GENMASK_ULL(4, 0) | GENMASK_ULL(11, 9) | GENMASK_ULL(63, 12);
	used[1] = GENMASK_ULL(20, 0);
}

static const u64 vtd_sm_context_live[2] = { BIT_ULL(4), 0 };

const struct vtd_entry_type vtd_sm_context_entry_type = {
	.name = "sm-context",
	.nqwords = 2,
	.has_fpd = true,
	.get_used = vtd_sm_context_get_used,
	.live_mask = vtd_sm_context_live,
	.did = vtd_no_did,
	.same_owner = vtd_same_table,
};
EXPORT_SYMBOL_IF_KUNIT(vtd_sm_context_entry_type);

/*
 * PASID table entry, 9.6. Which fields hardware reads depends on PGTT
 * (bits 8:6 of qword 0): 1 first-stage, 2 second-stage, 3 nested, 4
 * pass-through. SSADE and PGSNP may change in place (spec tables 23 and 25
 * give the invalidations for that).
 */
#define VTD_PASID_PGTT		GENMASK_ULL(8, 6)
#define VTD_PASID_PGTT_FL	1
#define VTD_PASID_PGTT_SL	2
#define VTD_PASID_PGTT_NESTED	3
#define VTD_PASID_PGTT_PT	4

static void vtd_pasid_get_used(const u64 *e, u64 *used)
{
	unsigned int pgtt = FIELD_GET(VTD_PASID_PGTT, e[0]);

	if (vtd_entry_np_used(e, used, 8))
		return;

	memset(used, 0, 8 * sizeof(u64));
	used[0] = VTD_ENTRY_P | VTD_ENTRY_FPD | GENMASK_ULL(9, 2);
	used[1] = ~0ULL;
	if (pgtt == VTD_PASID_PGTT_SL || pgtt == VTD_PASID_PGTT_NESTED)
		used[0] |= GENMASK_ULL(63, 12);
	if (pgtt == VTD_PASID_PGTT_FL || pgtt == VTD_PASID_PGTT_NESTED)
		used[2] = ~0ULL;
}

static u16 vtd_pasid_did(const u64 *e)
{
	return FIELD_GET(GENMASK_ULL(15, 0), e[1]);
}

static bool vtd_pasid_same_owner(const u64 *old, const u64 *cur)
{
	return vtd_pasid_did(old) == vtd_pasid_did(cur) &&
	       FIELD_GET(VTD_PASID_PGTT, old[0]) ==
	       FIELD_GET(VTD_PASID_PGTT, cur[0]);
}

static const u64 vtd_pasid_live[8] = { BIT_ULL(9), BIT_ULL(24) };

const struct vtd_entry_type vtd_pasid_entry_type = {
	.name = "pasid",
	.nqwords = 8,
	.has_fpd = true,
	.get_used = vtd_pasid_get_used,
	.live_mask = vtd_pasid_live,
	.did = vtd_pasid_did,
	.same_owner = vtd_pasid_same_owner,
};
EXPORT_SYMBOL_IF_KUNIT(vtd_pasid_entry_type);
