// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the VT-d entry writer (entry.c).
 *
 * A recorder takes the place of the IOMMU: it logs every store, barrier,
 * flush, invalidation and publish the writer makes, with the entry as it
 * is after each. Every transition between the entries the driver builds
 * (made by the driver's own builders) is replayed and checked against the
 * ownership rules of VT-d 6.5.3.3:
 *
 *  - a present entry loses Present in the first store, and nothing else
 *    changes in that store except FPD when the target asks for it;
 *  - nothing is stored between that store and the completed invalidation,
 *    which names the DID of the entry that was there (never the target's);
 *  - every field is written while Present is clear; the last store sets
 *    Present, after a barrier, and is followed by a flush and a publish;
 *  - a fault-ignore teardown never shows hardware a non-present entry
 *    without FPD;
 *  - only fields software may change in place change in place, in one
 *    store, followed by the invalidation of the entry as it was;
 *  - the entry ends equal to the target.
 *
 * Mutations these checks catch (each was run): zeroing or rewriting the
 * entry before the invalidation (the pre-fix teardown); dropping the
 * barrier step before the Present store; invalidating with the target's
 * DID; clearing Present without FPD on fault-ignore. The barrier
 * instruction itself is invisible here; tools/testing/vtd checks it.
 */
#include <kunit/test.h>
#include <kunit/visibility.h>
#include <linux/string.h>

#include "iommu.h"
#include "pasid.h"
#include "entry.h"
#include "entry_cases.h"

#define NQ		VTD_ENTRY_MAX_QWORDS
#define MAX_EVENTS	64

enum rec_kind { REC_STORE, REC_WMB, REC_SYNC, REC_INV, REC_PUBLISH };

static const char * const rec_name[] = {
	[REC_STORE] = "store", [REC_WMB] = "wmb", [REC_SYNC] = "sync",
	[REC_INV] = "invalidate", [REC_PUBLISH] = "publish",
};

struct rec_event {
	enum rec_kind kind;
	unsigned int qw;		/* REC_STORE: which qword */
	u64 entry[NQ];			/* the entry after the event */
	u64 old[NQ];			/* REC_INV: the entry it was told of */
};

struct rec_writer {
	struct vtd_entry_writer w;
	unsigned int n;
	bool overflow;
	char why[80];			/* the rule a transition broke */
	struct rec_event ev[MAX_EVENTS];
};

static __printf(2, 3) bool broken(struct rec_writer *r, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, args);
	va_end(args);
	return false;
}

static struct rec_writer *to_rec(struct vtd_entry_writer *w)
{
	return container_of(w, struct rec_writer, w);
}

static struct rec_event *rec_add(struct vtd_entry_writer *w,
				 enum rec_kind kind, const u64 *entry)
{
	struct rec_writer *r = to_rec(w);
	struct rec_event *e;

	if (r->n == MAX_EVENTS) {
		r->overflow = true;
		return NULL;
	}
	e = &r->ev[r->n++];
	e->kind = kind;
	memcpy(e->entry, entry, w->type->nqwords * sizeof(u64));
	return e;
}

/* The recorder remembers which entry it watches for REC_INV / REC_PUBLISH. */
static u64 *rec_entry;

static void rec_sync(struct vtd_entry_writer *w, u64 *entry,
		     unsigned int first, unsigned int n)
{
	struct rec_event *e = rec_add(w, REC_SYNC, entry);

	if (e)
		e->qw = first;
}

static void rec_invalidate(struct vtd_entry_writer *w, const u64 *old)
{
	struct rec_event *e = rec_add(w, REC_INV, rec_entry);

	if (e)
		memcpy(e->old, old, w->type->nqwords * sizeof(u64));
}

static void rec_publish(struct vtd_entry_writer *w, const u64 *target)
{
	rec_add(w, REC_PUBLISH, rec_entry);
}

static void rec_record(struct vtd_entry_writer *w, enum vtd_entry_event ev,
		       const u64 *entry, unsigned int qw)
{
	struct rec_event *e = rec_add(w, ev == VTD_EV_STORE ? REC_STORE :
					 REC_WMB, entry);

	if (e)
		e->qw = qw;
}

static const struct vtd_entry_writer_ops rec_ops = {
	.sync = rec_sync,
	.invalidate = rec_invalidate,
	.publish = rec_publish,
	.record = rec_record,
};

static bool present(const u64 *e)
{
	return e[0] & VTD_ENTRY_P;
}

static void dump(struct kunit *test, const char *what, const u64 *e,
		 unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		kunit_info(test, "  %s[%u] = %016llx\n", what, i, e[i]);
}

static void dump_events(struct kunit *test, struct rec_writer *r)
{
	unsigned int i;

	for (i = 0; i < r->n; i++)
		kunit_info(test, "  event %u: %s qw%u -> qw0 %016llx qw1 %016llx\n",
			   i, rec_name[r->ev[i].kind], r->ev[i].qw,
			   r->ev[i].entry[0], r->ev[i].entry[1]);
}

/*
 * Check one recorded transition from @from to @to. Returns false, with the
 * rule in r->why, on the first rule broken.
 */
static bool check_rules(struct rec_writer *r, const u64 *from, const u64 *to,
			const u64 *final)
{
	const struct vtd_entry_type *t = r->w.type;
	unsigned int n = t->nqwords, i, first_store = 0, inv = 0, ninv = 0;
	u64 diff, expect0;
	bool in_place = present(from) && present(to);
	int last_store = -1, changed = -1, k;

	if (r->overflow)
		return broken(r, "more than %d events", MAX_EVENTS);
	if (memcmp(final, to, n * sizeof(u64)))
		return broken(r, "final entry differs from the target");
	if (!memcmp(from, to, n * sizeof(u64))) {
		if (r->n)
			return broken(r, "events for an unchanged entry");
		return true;
	}

	for (i = 0; i < r->n; i++) {
		if (r->ev[i].kind == REC_INV) {
			ninv++;
			inv = i;
		}
		if (r->ev[i].kind == REC_STORE)
			last_store = i;
	}

	/* In place: only live fields, one store, then the invalidation. */
	for (i = 0; in_place && i < n; i++) {
		diff = from[i] ^ to[i];
		if (!diff)
			continue;
		if (!t->live_mask || (diff & ~t->live_mask[i]) || changed >= 0)
			in_place = false;
		changed = i;
	}
	if (in_place) {
		if (r->n != 3 || r->ev[0].kind != REC_STORE ||
		    r->ev[0].qw != changed || r->ev[1].kind != REC_SYNC ||
		    r->ev[2].kind != REC_INV)
			return broken(r, "in-place change is not store, sync, invalidate");
		if (memcmp(r->ev[2].old, from, n * sizeof(u64)))
			return broken(r, "in-place invalidation not told the old entry");
		return true;
	}

	if (present(from)) {
		/* Fault-ignore: hardware never sees it without FPD. */
		if (t->has_fpd && !present(to) && (to[0] & VTD_ENTRY_FPD))
			for (i = 0; i < r->n; i++)
				if (!(r->ev[i].entry[0] & VTD_ENTRY_FPD))
					return broken(r, "fault-ignore: FPD clear at event %u", i);

		/* The first event clears Present, and only Present (and FPD). */
		expect0 = from[0] & ~VTD_ENTRY_P;
		if (t->has_fpd && (to[0] & VTD_ENTRY_FPD))
			expect0 |= VTD_ENTRY_FPD;
		if (r->ev[0].kind != REC_STORE || r->ev[0].qw != 0 ||
		    r->ev[0].entry[0] != expect0 ||
		    memcmp(&r->ev[0].entry[1], &from[1], (n - 1) * sizeof(u64)))
			return broken(r, "first store does not just clear Present");
		first_store = 0;

		/* One invalidation, of the old entry, by its DID. */
		if (ninv != 1)
			return broken(r, "%u invalidations after clearing Present", ninv);
		if (t->did(r->ev[inv].old) != t->did(from))
			return broken(r, "invalidation names DID %u, the old entry had %u",
			     t->did(r->ev[inv].old), t->did(from));
		if (memcmp(r->ev[inv].old, from, n * sizeof(u64)))
			return broken(r, "invalidation not told the entry that was there");

		/* Nothing stored between clear-P and the invalidation... */
		for (i = first_store + 1; i < inv; i++)
			if (r->ev[i].kind == REC_STORE)
				return broken(r, "store %u before the invalidation", i);
		/* ...and it is flushed to memory before the invalidation. */
		for (i = first_store + 1; i < inv; i++)
			if (r->ev[i].kind == REC_SYNC)
				break;
		if (i == inv)
			return broken(r, "cleared entry not flushed before invalidation");
	} else if (ninv) {
		return broken(r, "invalidation of a non-present entry");
	}

	if (present(to)) {
		/* The last store sets Present; every store before leaves it clear. */
		if (last_store < 0 || r->ev[last_store].qw != 0 ||
		    r->ev[last_store].entry[0] != to[0])
			return broken(r, "last store does not set Present");
		for (i = 0; i < last_store; i++)
			if (present(r->ev[i].entry))
				return broken(r, "Present set before the last store (event %u)", i);
		/* A barrier after the fields, before the Present store. */
		for (k = last_store - 1; k >= 0; k--)
			if (r->ev[k].kind != REC_SYNC)
				break;
		if (k < 0 || r->ev[k].kind != REC_WMB)
			return broken(r, "no barrier before the store that sets Present");
		for (i = 0; i < last_store; i++)
			if (r->ev[i].kind == REC_STORE && i > inv &&
			    r->ev[i].qw && r->ev[i].entry[r->ev[i].qw] !=
			    to[r->ev[i].qw])
				return broken(r, "field store %u is not the target's", i);
		if (last_store + 2 >= r->n ||
		    r->ev[last_store + 1].kind != REC_SYNC ||
		    r->ev[last_store + 2].kind != REC_PUBLISH)
			return broken(r, "Present store not followed by sync and publish");
	}
	return true;
}

static bool check_transition(struct kunit *test, struct rec_writer *r,
			     const u64 *from, const u64 *to, const u64 *final)
{
	unsigned int n = r->w.type->nqwords;

	if (check_rules(r, from, to, final))
		return true;

	KUNIT_FAIL(test, "%s", r->why);
	dump(test, "from", from, n);
	dump(test, "to", to, n);
	dump_events(test, r);
	return false;
}

static struct rec_writer *rec_new(struct kunit *test,
				  const struct vtd_entry_type *type)
{
	struct rec_writer *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, r);
	r->w.type = type;
	r->w.ops = &rec_ops;
	r->w.store_qwords = 1;
	return r;
}

/* Every transition of the table through vtd_entry_write(). */
static void run_matrix(struct kunit *test, const struct vtd_case_table *t)
{
	struct rec_writer *r = rec_new(test, t->type);
	unsigned int i, j, n = t->type->nqwords, ok = 0;
	u64 entry[NQ];

	rec_entry = entry;
	for (i = 0; i < t->n; i++) {
		for (j = 0; j < t->n; j++) {
			memcpy(entry, t->s[i].val, n * sizeof(u64));
			r->n = 0;
			r->overflow = false;
			vtd_entry_write(&r->w, entry, t->s[j].val);
			if (!check_transition(test, r, t->s[i].val,
					      t->s[j].val, entry)) {
				kunit_info(test, "%s: %s -> %s\n",
					   t->type->name, t->s[i].name,
					   t->s[j].name);
				return;
			}
			ok++;
		}
	}
	kunit_info(test, "%s: %u transitions checked\n", t->type->name, ok);
}

/* A fake IOMMU for the builders: no page-walk coherency, 4-level. */
static struct intel_iommu *fake_iommu(struct kunit *test)
{
	struct intel_iommu *iommu = kunit_kzalloc(test, sizeof(*iommu),
						  GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, iommu);
	iommu->agaw = 2;
	return iommu;
}

static void matrix_param_desc(const struct vtd_case_matrix *m, char *desc)
{
	strscpy(desc, m->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(matrix, vtd_case_matrices, matrix_param_desc);

static void test_transitions(struct kunit *test)
{
	const struct vtd_case_matrix *m = test->param_value;
	struct vtd_case_table *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	m->build(t, fake_iommu(test));
	run_matrix(test, t);
}

/*
 * Teardown with the lock dropped around the invalidation: take, invalidate,
 * finish. Fault-ignore keeps FPD; the final rewrite happens only while the
 * entry is still the one taken down.
 */
static void test_pasid_teardown_ownership(struct kunit *test)
{
	struct vtd_case_table *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	struct rec_writer *r = rec_new(test, &vtd_pasid_entry_type);
	u64 entry[NQ], old[NQ], fpd_only[NQ] = { VTD_ENTRY_FPD }, zero[NQ] = {};
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, t);
	vtd_cases_pasid(t, fake_iommu(test));
	rec_entry = entry;

	for (i = 0; i < t->n; i++) {
		if (!present(t->s[i].val))
			continue;

		/* Fault-ignore teardown: FPD from the first store on. */
		memcpy(entry, t->s[i].val, sizeof(entry));
		r->n = 0;
		vtd_entry_take(&r->w, entry, old, true);
		r->w.ops->invalidate(&r->w, old);
		KUNIT_EXPECT_TRUE(test, vtd_entry_finish(&r->w, entry, old,
							 fpd_only));
		if (!check_transition(test, r, t->s[i].val, fpd_only, entry))
			return;

		/* A setup took the entry over while the lock was dropped. */
		memcpy(entry, t->s[i].val, sizeof(entry));
		vtd_entry_take(&r->w, entry, old, false);
		memcpy(entry, t->s[(i + 1) % t->n].val, sizeof(entry));
		if (!present(entry))
			memcpy(entry, t->s[2].val, sizeof(entry));
		KUNIT_EXPECT_FALSE(test, vtd_entry_finish(&r->w, entry, old,
							  zero));
		KUNIT_EXPECT_TRUE(test, present(entry));

		/* Another teardown zeroed it: not ours to rewrite either. */
		memcpy(entry, t->s[i].val, sizeof(entry));
		vtd_entry_take(&r->w, entry, old, false);
		memset(entry, 0, sizeof(entry));
		entry[0] = VTD_ENTRY_FPD;
		KUNIT_EXPECT_FALSE(test, vtd_entry_finish(&r->w, entry, old,
							  zero));
		KUNIT_EXPECT_EQ(test, entry[0], VTD_ENTRY_FPD);

		/* An in-place field toggled meanwhile: still ours. */
		memcpy(entry, t->s[i].val, sizeof(entry));
		vtd_entry_take(&r->w, entry, old, false);
		entry[0] ^= BIT_ULL(9);		/* SSADE */
		KUNIT_EXPECT_TRUE(test, vtd_entry_finish(&r->w, entry, old,
							 zero));
		KUNIT_EXPECT_EQ(test, memcmp(entry, zero, sizeof(entry)), 0);
	}
}

/*
 * An entry of unknown history (kdump) is always taken down: not changed in
 * place even where the type allows it, not skipped when it already equals
 * the target.
 */
static void test_break_before_make(struct kunit *test)
{
	/* From "dirA": to "dirA pre" (else in place), to "dirA" (unchanged). */
	static const unsigned int targets[] = { 2, 1 };
	struct vtd_case_table *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	struct rec_writer *r = rec_new(test, &vtd_sm_context_entry_type);
	unsigned int i, e, ninv;
	u64 entry[NQ];

	KUNIT_ASSERT_NOT_NULL(test, t);
	vtd_cases_sm_context(t, NULL);
	r->w.break_before_make = true;
	rec_entry = entry;

	for (i = 0; i < ARRAY_SIZE(targets); i++) {
		memcpy(entry, t->s[1].val, sizeof(entry));
		r->n = 0;
		vtd_entry_write(&r->w, entry, t->s[targets[i]].val);
		KUNIT_ASSERT_GT(test, r->n, 1U);
		KUNIT_EXPECT_EQ(test, r->ev[0].kind, REC_STORE);
		KUNIT_EXPECT_FALSE(test, present(r->ev[0].entry));
		for (e = 0, ninv = 0; e < r->n; e++)
			ninv += r->ev[e].kind == REC_INV;
		KUNIT_EXPECT_EQ(test, ninv, 1U);
		KUNIT_EXPECT_EQ(test, memcmp(entry, t->s[targets[i]].val,
					     2 * sizeof(u64)), 0);
	}
}

/* The builders program what the type says hardware uses, nothing else. */
static void test_pasid_builders_use_only_used_bits(struct kunit *test)
{
	struct vtd_case_table *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	u64 used[NQ];
	unsigned int i, q;

	KUNIT_ASSERT_NOT_NULL(test, t);
	vtd_cases_pasid(t, fake_iommu(test));
	for (i = 0; i < t->n; i++) {
		vtd_pasid_entry_type.get_used(t->s[i].val, used);
		for (q = 0; q < NQ; q++)
			KUNIT_EXPECT_EQ_MSG(test, t->s[i].val[q] & ~used[q], 0ULL,
					    "%s: qword %u sets unused bits",
					    t->s[i].name, q);
	}
}

/*
 * The case table spells context entries out field by field; the driver
 * builds them with context_set_*(). Both must give the same bits.
 */
static void expect_case(struct kunit *test, const struct context_entry *ce,
			const struct vtd_case_state *s)
{
	KUNIT_EXPECT_EQ_MSG(test, ce->lo, s->val[0], "%s", s->name);
	KUNIT_EXPECT_EQ_MSG(test, ce->hi, s->val[1], "%s", s->name);
}

static void test_context_helpers_match_cases(struct kunit *test)
{
	static const u16 dids[] = { VTD_CASE_DID_A, VTD_CASE_DID_B };
	static const u64 ptrs[] = { VTD_CASE_PTR_A, VTD_CASE_PTR_B };
	static const int tts[] = { CONTEXT_TT_MULTI_LEVEL, CONTEXT_TT_DEV_IOTLB };
	struct vtd_case_table *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	struct context_entry ce;
	unsigned int i = 2;
	int d, k, p, pre;

	KUNIT_ASSERT_NOT_NULL(test, t);
	vtd_cases_context(t, NULL);
	for (d = 0; d < 2; d++) {
		for (k = 0; k < 3; k++) {
			for (p = 0; p < (k < 2 ? 2 : 1); p++, i++) {
				memset(&ce, 0, sizeof(ce));
				context_set_domain_id(&ce, dids[d]);
				if (k < 2)
					context_set_address_root(&ce, ptrs[p]);
				context_set_address_width(&ce, 2);
				context_set_translation_type(&ce, k < 2 ? tts[k] :
							     CONTEXT_TT_PASS_THROUGH);
				context_set_fault_enable(&ce);
				context_set_present(&ce);
				expect_case(test, &ce, &t->s[i]);
			}
		}
	}
	KUNIT_EXPECT_EQ(test, i, t->n);

	vtd_cases_sm_context(t, NULL);
	for (i = 1, p = 0; p < 2; p++) {
		for (pre = 0; pre < 2; pre++, i++) {
			memset(&ce, 0, sizeof(ce));
			ce.lo = ptrs[p] | 1ULL << 9;	/* PDTS: no helper */
			context_set_sm_rid2pasid(&ce, IOMMU_NO_PASID);
			context_set_sm_dte(&ce);
			context_set_pasid(&ce);
			if (pre)
				context_set_sm_pre(&ce);
			context_set_present(&ce);
			expect_case(test, &ce, &t->s[i]);
		}
	}
	KUNIT_EXPECT_EQ(test, i, t->n);
}

static struct kunit_case vtd_entry_test_cases[] = {
	KUNIT_CASE_PARAM(test_transitions, matrix_gen_params),
	KUNIT_CASE(test_pasid_teardown_ownership),
	KUNIT_CASE(test_break_before_make),
	KUNIT_CASE(test_pasid_builders_use_only_used_bits),
	KUNIT_CASE(test_context_helpers_match_cases),
	{}
};

static struct kunit_suite vtd_entry_test_suite = {
	.name = "intel-iommu-entry",
	.test_cases = vtd_entry_test_cases,
};

kunit_test_suite(vtd_entry_test_suite);

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_DESCRIPTION("KUnit tests for the Intel VT-d entry writer");
MODULE_LICENSE("GPL");
