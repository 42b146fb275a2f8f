// SPDX-License-Identifier: GPL-2.0
/*
 * vtd_check - explore every way VT-d hardware may observe an entry update
 * made by the entry writer (drivers/iommu/intel/entry.c), and check that
 * none of them breaks the ownership rules.
 *
 * The writer runs once per transition of the case table (entry_cases.h,
 * the table the KUnit suite runs) against this file's IOMMU ops; every
 * WRITE_ONCE(), plain store, dma_wmb(), flush, invalidation and publish
 * it makes is recorded. The model then explores, breadth first, every
 * interleaving of those CPU events with what hardware may do meanwhile.
 * Where the VT-d text is not quoted in the series we take the
 * conservative reading (Documentation/arch/x86/intel-iommu-entries.rst):
 *
 * CPU and compiler
 *  - a store becomes visible to the IOMMU at any point after it is made
 *    and before the next barrier; stores between two barriers become
 *    visible in any order (dma_wmb() is what orders them for a device,
 *    memory-barriers.txt), stores to one qword in program order;
 *  - WRITE_ONCE() of a u64 is one 64-bit store; a plain store may be
 *    split by the compiler into two 32-bit halves;
 *  - barriers: dma_wmb(), and the invalidation queue submission (the
 *    tail register write orders every earlier store);
 *  - a non-coherent IOMMU (no ECAP.C) reads only what reached memory:
 *    a clflush (the sync op, with its mb()) or an eviction of the line
 *    at any time copies the CPU's line to memory.
 *
 * Hardware
 *  - 64- and 128-bit entries are read atomically; a 512-bit PASID entry
 *    is read as four 128-bit chunks, each at any point; the chunk that
 *    holds Present first, the others in any order after it (--any-order:
 *    in any order at all; see "Chunk order" below);
 *  - a fetch that sees Present may fill the context/PASID cache, the
 *    IOTLB and the device-TLB, tagged by the DID it read; cached entries
 *    also refill the IOTLB and device-TLB later; with Caching Mode a
 *    non-present entry may be cached too (VT-d 6.1);
 *  - caches are dropped only by a matching invalidation that completed:
 *    the series' ops send the context/PASID-cache, IOTLB and device-TLB
 *    invalidations each with its own wait, in that order (--batched: in
 *    one submission, completing in any order, as without fences);
 *  - a completed wait means no fetch is still in flight.
 *
 * Invariants, on every reachable state:
 *  1. a fetch that sees Present returns, on the bits its type uses,
 *     exactly the old entry or the target, never a mix;
 *  2. when the writer returns, no cache holds anything but the target;
 *  3. no bit of an entry changes in memory while a cache may hold it,
 *     but Present, FPD and the fields the type lets change in place;
 *  4. a fault-ignore teardown never shows hardware a non-present entry
 *     without FPD.
 *
 * A violation prints the shortest timeline that reaches it.
 *
 * Chunk order. If a fetch could read chunk 1 before chunk 0, it could read
 * chunk 1 of a non-present entry before software writes the fields and
 * chunk 0 after it sets Present, and see Present with stale first-stage
 * fields. No sequence of stores prevents that, so the specification's own
 * guidance (6.5.3.3: fields first, then Present; "now the VT-d hardware
 * owns the entry") is sound only if hardware reads the Present chunk
 * first or re-reads it. That is the reading modelled by default;
 * --any-order shows the counterexample for the literal one.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <time.h>

#include "vtd_shim.h"
#include "../../../include/uapi/linux/iommufd.h"
#include "../../../drivers/iommu/intel/entry.h"
#include "../../../drivers/iommu/intel/pasid.h"
#include "../../../drivers/iommu/intel/entry_cases.h"

#define NQ		VTD_ENTRY_MAX_QWORDS
#define MAX_EV		64
#define MAX_VIEWS	64
#define NPHASES		3

static const char * const phase_name[NPHASES] = {
	"context/PASID-cache", "IOTLB", "device-TLB",
};

/* ---- what the CPU did: one run of the writer ---- */

enum ev_kind { EV_STORE, EV_WMB, EV_SYNC, EV_INV, EV_PUBLISH, EV_RETURN };

struct cpu_ev {
	enum ev_kind kind;
	unsigned int qw;		/* EV_STORE; EV_SYNC: first */
	unsigned int n;			/* EV_SYNC: qwords */
	bool plain;			/* EV_STORE: not WRITE_ONCE() */
	u64 mask;			/* EV_STORE: the bits it writes */
	u64 val;			/* EV_STORE: their new value */
	u16 did;			/* EV_INV */
};

struct trace {
	struct cpu_ev ev[MAX_EV];
	unsigned int n;
	bool overflow;
	char warn[160];
};

static struct trace *rec;		/* being recorded */
static u64 *watched;			/* the live entry */
static unsigned int watched_n;
static u64 shadow[NQ];			/* the entry as of the last event */

static void rec_add(struct cpu_ev ev)
{
	if (rec->n == MAX_EV) {
		rec->overflow = true;
		return;
	}
	rec->ev[rec->n++] = ev;
}

/* Stores the writer made without WRITE_ONCE() since the last event. */
static void rec_plain_stores(void)
{
	unsigned int q, h;

	for (q = 0; q < watched_n; q++) {
		u64 diff = watched[q] ^ shadow[q];

		for (h = 0; h < 2; h++) {
			u64 half = 0xffffffffULL << (32 * h);

			if (diff & half)
				rec_add((struct cpu_ev){ .kind = EV_STORE, .qw = q,
					.plain = true, .mask = half,
					.val = watched[q] & half });
		}
		shadow[q] = watched[q];
	}
}

void vtd_model_store(u64 *p, u64 val)
{
	if (!rec || p < watched || p >= watched + watched_n) {
		*p = val;
		return;
	}
	rec_plain_stores();
	*p = val;
	shadow[p - watched] = val;
	rec_add((struct cpu_ev){ .kind = EV_STORE, .qw = p - watched,
		.mask = ~0ULL, .val = val });
}

void vtd_model_barrier(void)
{
	if (!rec)
		return;
	rec_plain_stores();
	rec_add((struct cpu_ev){ .kind = EV_WMB });
}

void vtd_model_warn(const char *cond, const char *file, int line)
{
	if (rec && !rec->warn[0])
		snprintf(rec->warn, sizeof(rec->warn), "WARN_ON(%s) at %s:%d",
			 cond, file, line);
}

static void op_sync(struct vtd_entry_writer *w, u64 *entry,
		    unsigned int first, unsigned int n)
{
	rec_plain_stores();
	rec_add((struct cpu_ev){ .kind = EV_SYNC, .qw = first, .n = n });
}

static void op_invalidate(struct vtd_entry_writer *w, const u64 *old)
{
	rec_plain_stores();
	rec_add((struct cpu_ev){ .kind = EV_INV, .did = w->type->did(old) });
}

static void op_publish(struct vtd_entry_writer *w, const u64 *target)
{
	rec_plain_stores();
	rec_add((struct cpu_ev){ .kind = EV_PUBLISH });
}

static const struct vtd_entry_writer_ops model_ops = {
	.sync = op_sync,
	.invalidate = op_invalidate,
	.publish = op_publish,
};

/* ---- one case: a writer run and what it was meant to do ---- */

enum case_kind { CASE_WRITE, CASE_TEARDOWN, CASE_BAD_INPLACE,
		 CASE_BAD_ZERO, CASE_BAD_NOBARRIER };

struct vcase {
	const struct vtd_entry_type *type;
	const char *matrix;
	const char *from_name, *to_name;
	const u64 *from, *to;
	enum case_kind kind;
	bool bbm;			/* break_before_make writer */
	bool fault_ignore;		/* FPD asked for */
};

static void run_writer(const struct vcase *c, struct trace *t)
{
	struct vtd_entry_writer w = {
		.type = c->type, .ops = &model_ops, .store_qwords = 1,
		.break_before_make = c->bbm,
	};
	u64 entry[NQ] = {}, old[NQ];
	unsigned int n = c->type->nqwords, i;

	memcpy(entry, c->from, n * sizeof(u64));
	memcpy(shadow, entry, sizeof(shadow));
	memset(t, 0, sizeof(*t));
	watched = entry;
	watched_n = n;
	rec = t;

	switch (c->kind) {
	case CASE_WRITE:
		vtd_entry_write(&w, entry, c->to);
		break;
	case CASE_TEARDOWN:
		/* The PASID teardown: lock dropped around the invalidation. */
		vtd_entry_take(&w, entry, old, c->fault_ignore);
		w.ops->invalidate(&w, old);
		if (!vtd_entry_finish(&w, entry, old, c->to))
			snprintf(t->warn, sizeof(t->warn),
				 "vtd_entry_finish() refused its own entry");
		break;
	/* Negative controls: the model must reject these writers. */
	case CASE_BAD_INPLACE:		/* *pte = new, then invalidate */
		memcpy(entry, c->to, n * sizeof(u64));
		op_invalidate(&w, c->from);
		break;
	case CASE_BAD_ZERO:		/* zero while Present, then invalidate */
		for (i = 0; i < n; i++)
			WRITE_ONCE(entry[i], 0);
		op_sync(&w, entry, 0, n);
		op_invalidate(&w, c->from);
		break;
	case CASE_BAD_NOBARRIER:	/* fields and Present, no dma_wmb() */
		for (i = n; i-- > 0;)
			WRITE_ONCE(entry[i], c->to[i]);
		op_sync(&w, entry, 0, n);
		op_publish(&w, c->to);
		break;
	}
	rec_plain_stores();
	rec_add((struct cpu_ev){ .kind = EV_RETURN });
	rec = NULL;
	if (memcmp(entry, c->to, n * sizeof(u64)) && !t->warn[0])
		snprintf(t->warn, sizeof(t->warn),
			 "the entry does not end equal to the target");
}

/* ---- the model ---- */

struct mode {
	bool coherent;
	bool cm;
	bool batched;
	bool any_order;
};

struct mstate {
	u64 mem[NQ];		/* what the CPU's stores made of the line */
	u64 dev[NQ];		/* what the IOMMU reads (non-coherent) */
	u64 fetch[NQ];		/* chunks read by the fetch in flight */
	u64 pending;		/* stores made, not yet visible */
	u64 ec, tlb, dtlb;	/* cached views, by view id */
	u8 pc;			/* next CPU event */
	u8 fetch_mask;		/* chunks read so far */
	u8 inv_done;		/* phases of the current invalidation done */
	u8 returned;
	u8 pad[4];
};

enum act_kind {
	A_CPU, A_INV_PHASE, A_VISIBLE, A_EVICT, A_READ, A_FETCH,
	A_FILL_TLB, A_FILL_DTLB,
};

/* Fills a completed fetch may make (A_FETCH). */
enum { F_EC = 1, F_TLB = 2, F_DTLB = 4 };

struct node {
	struct mstate s;
	int parent;
	u8 act, arg;
};

struct model {
	const struct vcase *c;
	const struct trace *t;
	struct mode m;
	unsigned int nq, nchunks;
	u64 views[MAX_VIEWS][NQ];
	unsigned int nviews;
	struct node *nodes;
	unsigned int nnodes, cap;
	int *hash;
	unsigned int hcap;
	/* the first violation found */
	bool bad;
	char why[256];
	int bad_parent;
	u8 bad_act, bad_arg;
	u64 bad_view[NQ];
	bool has_bad_view;
};

static bool present(const u64 *e)
{
	return e[0] & VTD_ENTRY_P;
}

static unsigned int view_id(struct model *md, const u64 *v)
{
	unsigned int i;

	for (i = 0; i < md->nviews; i++)
		if (!memcmp(md->views[i], v, md->nq * sizeof(u64)))
			return i;
	if (md->nviews == MAX_VIEWS) {
		fprintf(stderr, "vtd_check: more than %d distinct views\n",
			MAX_VIEWS);
		exit(2);
	}
	memset(md->views[md->nviews], 0, sizeof(md->views[0]));
	memcpy(md->views[md->nviews], v, md->nq * sizeof(u64));
	return md->nviews++;
}

/* @v equals @e on every bit the type uses, and uses the same bits. */
static bool same_entry(const struct vtd_entry_type *t, const u64 *v,
		       const u64 *e)
{
	u64 uv[NQ] = {}, ue[NQ] = {};
	unsigned int i;

	t->get_used(v, uv);
	t->get_used(e, ue);
	for (i = 0; i < t->nqwords; i++)
		if (uv[i] != ue[i] || ((v[i] ^ e[i]) & ue[i]))
			return false;
	return true;
}

static u64 hash_state(const struct mstate *s)
{
	const u64 *p = (const u64 *)s;
	u64 h = 0xcbf29ce484222325ULL;
	unsigned int i;

	for (i = 0; i < sizeof(*s) / 8; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
		h ^= h >> 29;
	}
	return h;
}

static void grow_hash(struct model *md)
{
	unsigned int i, j;

	free(md->hash);
	md->hcap = md->hcap ? md->hcap * 2 : 1 << 12;
	md->hash = malloc(md->hcap * sizeof(int));
	if (!md->hash)
		exit(2);
	memset(md->hash, 0xff, md->hcap * sizeof(int));
	for (i = 0; i < md->nnodes; i++) {
		j = hash_state(&md->nodes[i].s) & (md->hcap - 1);
		while (md->hash[j] >= 0)
			j = (j + 1) & (md->hcap - 1);
		md->hash[j] = i;
	}
}

static void add_state(struct model *md, const struct mstate *s, int parent,
		      u8 act, u8 arg)
{
	unsigned int j;

	if (md->bad)
		return;
	if (2 * (md->nnodes + 1) > md->hcap)
		grow_hash(md);
	j = hash_state(s) & (md->hcap - 1);
	while (md->hash[j] >= 0) {
		if (!memcmp(&md->nodes[md->hash[j]].s, s, sizeof(*s)))
			return;
		j = (j + 1) & (md->hcap - 1);
	}
	if (md->nnodes == md->cap) {
		md->cap = md->cap ? md->cap * 2 : 1 << 12;
		md->nodes = realloc(md->nodes, md->cap * sizeof(*md->nodes));
		if (!md->nodes)
			exit(2);
	}
	md->hash[j] = md->nnodes;
	md->nodes[md->nnodes].s = *s;
	md->nodes[md->nnodes].parent = parent;
	md->nodes[md->nnodes].act = act;
	md->nodes[md->nnodes].arg = arg;
	md->nnodes++;
}

static void violation(struct model *md, int parent, u8 act, u8 arg,
		      const char *fmt, ...)
{
	va_list ap;

	if (md->bad)
		return;
	md->bad = true;
	md->bad_parent = parent;
	md->bad_act = act;
	md->bad_arg = arg;
	va_start(ap, fmt);
	vsnprintf(md->why, sizeof(md->why), fmt, ap);
	va_end(ap);
}

static u64 cached(const struct mstate *s)
{
	return s->ec | s->tlb | s->dtlb;
}

/* Invariant 3: what hardware reads changes from @from to @to. */
static void check_change(struct model *md, int parent, u8 act, u8 arg,
			 const u64 *from, const u64 *to, const struct mstate *s)
{
	const struct vtd_entry_type *t = md->c->type;
	u64 c = cached(s);
	unsigned int q, v;

	for (v = 0; v < md->nviews; v++) {
		if (!(c & (1ULL << v)) || !present(md->views[v]))
			continue;
		for (q = 0; q < md->nq; q++) {
			u64 ok = (t->live_mask ? t->live_mask[q] : 0) |
				 (q ? 0 : VTD_ENTRY_P | VTD_ENTRY_FPD);
			u64 diff = from[q] ^ to[q];

			if (diff & ~ok) {
				violation(md, parent, act, arg,
					  "invariant 3: qword %u changes (bits %016llx) while a cache holds the entry with DID %u",
					  q, (unsigned long long)(diff & ~ok),
					  t->did(md->views[v]));
				return;
			}
		}
	}
}

/* Invariants 1 and 4 on what a fetch returned. */
static bool check_view(struct model *md, int parent, u8 act, u8 arg,
		       const u64 *v)
{
	const struct vcase *c = md->c;
	const struct vtd_entry_type *t = c->type;

	if (present(v)) {
		if ((present(c->from) && same_entry(t, v, c->from)) ||
		    (present(c->to) && same_entry(t, v, c->to)))
			return true;
		memcpy(md->bad_view, v, sizeof(md->bad_view));
		md->has_bad_view = true;
		violation(md, parent, act, arg,
			  "invariant 1: hardware fetched a present entry that is neither the old one nor the target");
		return false;
	}
	if (c->fault_ignore && t->has_fpd && present(c->from) &&
	    !(v[0] & VTD_ENTRY_FPD)) {
		memcpy(md->bad_view, v, sizeof(md->bad_view));
		md->has_bad_view = true;
		violation(md, parent, act, arg,
			  "invariant 4: fault-ignore teardown: hardware saw the entry non-present without FPD");
		return false;
	}
	return true;
}

/* Invariant 2, when the writer returns. */
static void check_return(struct model *md, int parent, const struct mstate *s)
{
	const struct vcase *c = md->c;
	const char *where;
	unsigned int v;
	u64 hit;

	for (v = 0; v < md->nviews; v++) {
		const u64 *view = md->views[v];

		hit = 1ULL << v;
		if (!(cached(s) & hit))
			continue;
		where = (s->ec & hit) ? phase_name[0] :
			(s->tlb & hit) ? phase_name[1] : phase_name[2];
		if (present(view) ? present(c->to) &&
		    same_entry(c->type, view, c->to) : !present(c->to))
			continue;
		memcpy(md->bad_view, view, sizeof(md->bad_view));
		md->has_bad_view = true;
		violation(md, parent, A_CPU, s->pc,
			  "invariant 2: the writer returned while the %s still holds %s entry (DID %u) that is not the target",
			  where, present(view) ? "a present" : "a non-present",
			  c->type->did(view));
		return;
	}
}

static bool same_qword_pending(const struct model *md, u64 pending,
			       unsigned int i)
{
	unsigned int j;

	for (j = 0; j < i; j++)
		if ((pending & (1ULL << j)) && md->t->ev[j].qw == md->t->ev[i].qw &&
		    (md->t->ev[j].mask & md->t->ev[i].mask))
			return true;
	return false;
}

static void drop(struct model *md, u64 *set, u16 did, bool by_did)
{
	unsigned int v;

	for (v = 0; v < md->nviews; v++)
		if ((*set & (1ULL << v)) &&
		    (!by_did || md->c->type->did(md->views[v]) == did))
			*set &= ~(1ULL << v);
}

static void cpu_step(struct model *md, int idx)
{
	const struct mstate cur = md->nodes[idx].s, *s = &cur;
	const struct cpu_ev *e = &md->t->ev[s->pc];
	struct mstate n = *s;
	unsigned int p;

	switch (e->kind) {
	case EV_STORE:
		n.pending |= 1ULL << s->pc;
		n.pc++;
		add_state(md, &n, idx, A_CPU, s->pc);
		return;
	case EV_WMB:
		if (s->pending)
			return;
		n.pc++;
		add_state(md, &n, idx, A_CPU, s->pc);
		return;
	case EV_SYNC:
		if (md->m.coherent) {
			n.pc++;
			add_state(md, &n, idx, A_CPU, s->pc);
			return;
		}
		/* clflush_cache_range(): mb(), then the lines reach memory. */
		if (s->pending)
			return;
		memcpy(&n.dev[e->qw], &n.mem[e->qw], e->n * sizeof(u64));
		check_change(md, idx, A_CPU, s->pc, s->dev, n.dev, s);
		n.pc++;
		add_state(md, &n, idx, A_CPU, s->pc);
		return;
	case EV_INV:
		/* Submitted after every earlier store; waits drain fetches. */
		if (s->pending || s->fetch_mask)
			return;
		for (p = 0; p < NPHASES; p++) {
			if (s->inv_done & (1 << p))
				continue;
			n = *s;
			if (p == 0)
				drop(md, &n.ec, e->did, true);
			else if (p == 1)
				drop(md, &n.tlb, e->did, true);
			else
				drop(md, &n.dtlb, 0, false);
			n.inv_done |= 1 << p;
			if (n.inv_done == (1 << NPHASES) - 1) {
				n.inv_done = 0;
				n.pc++;
			}
			add_state(md, &n, idx, A_INV_PHASE, p);
			if (!md->m.batched)
				return;
		}
		return;
	case EV_PUBLISH:
		if (s->pending || s->fetch_mask)
			return;
		/* Caching mode: non-present entries were cached (VT-d 6.1). */
		if (md->m.cm) {
			for (p = 0; p < md->nviews; p++)
				if (!present(md->views[p]))
					n.ec &= ~(1ULL << p);
		}
		n.pc++;
		add_state(md, &n, idx, A_CPU, s->pc);
		return;
	case EV_RETURN:
		check_return(md, idx, s);
		n.pc++;
		n.returned = 1;
		add_state(md, &n, idx, A_CPU, s->pc);
		return;
	}
}

static void hw_steps(struct model *md, int idx)
{
	const struct mstate cur = md->nodes[idx].s, *s = &cur;
	const struct trace *t = md->t;
	struct mstate n;
	unsigned int i, c, v, f, all = (1 << md->nchunks) - 1;

	/* A store the CPU made becomes visible. */
	for (i = 0; i < t->n; i++) {
		const struct cpu_ev *e = &t->ev[i];

		if (!(s->pending & (1ULL << i)) || same_qword_pending(md, s->pending, i))
			continue;
		n = *s;
		n.pending &= ~(1ULL << i);
		n.mem[e->qw] = (n.mem[e->qw] & ~e->mask) | (e->val & e->mask);
		if (md->m.coherent) {
			n.dev[e->qw] = n.mem[e->qw];
			check_change(md, idx, A_VISIBLE, i, s->dev, n.dev, s);
		}
		add_state(md, &n, idx, A_VISIBLE, i);
	}

	/* Non-coherent: the line is evicted, memory gets what the CPU has. */
	if (!md->m.coherent && memcmp(s->dev, s->mem, sizeof(s->mem))) {
		n = *s;
		memcpy(n.dev, n.mem, sizeof(n.dev));
		check_change(md, idx, A_EVICT, 0, s->dev, n.dev, s);
		add_state(md, &n, idx, A_EVICT, 0);
	}

	/* The IOMMU reads one 128-bit chunk (the whole entry if smaller). */
	for (c = 0; c < md->nchunks; c++) {
		if (s->fetch_mask & (1 << c))
			continue;
		if (c && !(s->fetch_mask & 1) && !md->m.any_order)
			continue;
		n = *s;
		n.fetch_mask |= 1 << c;
		for (i = 2 * c; i < 2 * c + 2 && i < md->nq; i++)
			n.fetch[i] = s->dev[i];
		add_state(md, &n, idx, A_READ, c);
	}

	/* A fetch with every chunk read completes; it may fill caches. */
	if (s->fetch_mask == all) {
		if (!check_view(md, idx, A_FETCH, 0, s->fetch))
			return;
		v = view_id(md, s->fetch);
		for (f = 0; f < 8; f++) {
			if ((f & F_DTLB) && !(f & F_TLB))
				continue;
			if (f && !present(s->fetch) && (f != F_EC || !md->m.cm))
				continue;
			n = *s;
			n.fetch_mask = 0;
			memset(n.fetch, 0, sizeof(n.fetch));
			if (f & F_EC)
				n.ec |= 1ULL << v;
			if (f & F_TLB)
				n.tlb |= 1ULL << v;
			if (f & F_DTLB)
				n.dtlb |= 1ULL << v;
			add_state(md, &n, idx, A_FETCH, f);
		}
	}

	/* Walks through cached entries fill the IOTLB, it the device-TLB. */
	for (v = 0; v < md->nviews; v++) {
		u64 b = 1ULL << v;

		if ((s->ec & b) && present(md->views[v]) && !(s->tlb & b)) {
			n = *s;
			n.tlb |= b;
			add_state(md, &n, idx, A_FILL_TLB, v);
		}
		if ((s->tlb & b) && !(s->dtlb & b)) {
			n = *s;
			n.dtlb |= b;
			add_state(md, &n, idx, A_FILL_DTLB, v);
		}
	}
}

static void print_entry(const char *what, const u64 *e, unsigned int nq)
{
	unsigned int i;

	printf("#   %-8s", what);
	for (i = 0; i < nq; i++)
		printf(" %016llx", (unsigned long long)e[i]);
	printf("\n");
}

static void print_step(struct model *md, const struct mstate *s, u8 act,
		       u8 arg, const struct mstate *after)
{
	const struct cpu_ev *e;
	unsigned int i;

	switch (act) {
	case A_CPU:
		e = &md->t->ev[arg];
		switch (e->kind) {
		case EV_STORE:
			if (e->plain)
				printf("#   cpu:   plain store qw%u %s half = %08llx\n",
				       e->qw, e->mask == 0xffffffffULL ? "low" : "high",
				       (unsigned long long)((e->val & e->mask) >>
				       (e->mask == 0xffffffffULL ? 0 : 32)));
			else
				printf("#   cpu:   WRITE_ONCE qw%u = %016llx\n", e->qw,
				       (unsigned long long)e->val);
			break;
		case EV_WMB:
			printf("#   cpu:   dma_wmb()\n");
			break;
		case EV_SYNC:
			printf("#   cpu:   sync qw%u..%u%s\n", e->qw, e->qw + e->n - 1,
			       md->m.coherent ? " (coherent: no-op)" : " (clflush)");
			break;
		case EV_PUBLISH:
			printf("#   cpu:   publish (%s)\n", md->m.cm ?
			       "caching-mode invalidation" : "write-buffer flush");
			break;
		case EV_RETURN:
			printf("#   cpu:   writer returns\n");
			break;
		default:
			break;
		}
		break;
	case A_INV_PHASE:
		e = &md->t->ev[s->pc];
		if (arg == 2)
			printf("#   cpu:   invalidate device-TLB, wait: done\n");
		else
			printf("#   cpu:   invalidate %s by DID %u, wait: done\n",
			       phase_name[arg], e->did);
		break;
	case A_VISIBLE:
		e = &md->t->ev[arg];
		printf("#   iommu: sees the %s store to qw%u: qw%u = %016llx\n",
		       e->plain ? "plain" : "WRITE_ONCE", e->qw, e->qw,
		       (unsigned long long)after->mem[e->qw]);
		break;
	case A_EVICT:
		printf("#   iommu: the line is evicted to memory\n");
		break;
	case A_READ:
		printf("#   iommu: reads chunk %u:", arg);
		for (i = 2 * arg; i < 2 * arg + 2 && i < md->nq; i++)
			printf(" qw%u %016llx", i, (unsigned long long)after->fetch[i]);
		printf("\n");
		break;
	case A_FETCH:
		printf("#   iommu: fetch complete (%s, DID %u)%s%s%s\n",
		       present(s->fetch) ? "present" : "not present",
		       md->c->type->did(s->fetch),
		       arg & F_EC ? ", cached in the context/PASID-cache" : "",
		       arg & F_TLB ? ", IOTLB filled" : "",
		       arg & F_DTLB ? ", device-TLB filled" : "");
		break;
	case A_FILL_TLB:
		printf("#   iommu: a walk through the cached entry (DID %u) fills the IOTLB\n",
		       md->c->type->did(md->views[arg]));
		break;
	case A_FILL_DTLB:
		printf("#   iommu: ATS fills the device-TLB from the IOTLB (DID %u)\n",
		       md->c->type->did(md->views[arg]));
		break;
	}
}

static void print_path(struct model *md, int idx)
{
	int path[4096], n = 0, i;

	for (i = idx; i > 0 && n < 4096; i = md->nodes[i].parent)
		path[n++] = i;
	while (n--) {
		struct node *nd = &md->nodes[path[n]];

		print_step(md, &md->nodes[nd->parent].s, nd->act, nd->arg, &nd->s);
	}
}

static void print_counterexample(struct model *md)
{
	const struct mstate *s = &md->nodes[md->bad_parent].s;
	struct mstate after = *s;

	printf("# counterexample: %s\n", md->why);
	print_entry("old", md->c->from, md->nq);
	print_entry("target", md->c->to, md->nq);
	printf("# timeline:\n");
	print_path(md, md->bad_parent);
	if (md->bad_act == A_VISIBLE) {
		const struct cpu_ev *e = &md->t->ev[md->bad_arg];

		after.mem[e->qw] = (after.mem[e->qw] & ~e->mask) | (e->val & e->mask);
	}
	if (md->bad_act != A_FETCH || md->has_bad_view)
		print_step(md, s, md->bad_act, md->bad_arg, &after);
	if (md->has_bad_view)
		print_entry(md->bad_act == A_FETCH ? "fetched" : "cached",
			    md->bad_view, md->nq);
}

static unsigned int explore(const struct vcase *c, const struct trace *t,
			    struct mode m, struct model *md)
{
	struct mstate s0 = {};
	unsigned int i;

	memset(md, 0, sizeof(*md));
	md->c = c;
	md->t = t;
	md->m = m;
	md->nq = c->type->nqwords;
	md->nchunks = (md->nq + 1) / 2;
	memcpy(s0.mem, c->from, md->nq * sizeof(u64));
	memcpy(s0.dev, c->from, md->nq * sizeof(u64));
	add_state(md, &s0, -1, A_CPU, 0);

	for (i = 0; i < md->nnodes && !md->bad; i++) {
		if (md->nodes[i].s.pc < t->n)
			cpu_step(md, i);
		if (!md->bad)
			hw_steps(md, i);
	}
	return md->nnodes;
}

static void free_model(struct model *md)
{
	free(md->nodes);
	free(md->hash);
}

/* ---- runner ---- */

static struct {
	unsigned int pass, fail, tests;	/* TAP: one test per matrix */
	unsigned int bad;		/* failed transitions in this matrix */
	unsigned long long states;
	bool quiet;
	const char *only;
} run;

static const struct mode modes[] = {
	{ .coherent = true, .cm = false },
	{ .coherent = true, .cm = true },
	{ .coherent = false, .cm = false },
	{ .coherent = false, .cm = true },
};

static bool batched, any_order;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static const char *mode_name(struct mode m)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), "%s cm=%s%s%s",
		 m.coherent ? "coherent" : "non-coherent", m.cm ? "on" : "off",
		 m.batched ? " batched" : "", m.any_order ? " any-order" : "");
	return buf;
}

/*
 * Run one case in every mode, print its states and time per mode (or the
 * counterexample). @expect_bad: a negative control the model must reject.
 * Returns the states explored.
 */
static unsigned long long check_case(const struct vcase *c, bool expect_bad)
{
	static struct trace t;
	unsigned long long total = 0;
	struct model md;
	unsigned int i, n;
	double t0;

	run_writer(c, &t);
	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		struct mode m = modes[i];

		m.batched = batched;
		m.any_order = any_order;
		t0 = now_ms();
		if (t.overflow || t.warn[0]) {
			printf("# FAIL %s | %s | %s -> %s | %s\n", c->matrix,
			       mode_name(m), c->from_name, c->to_name,
			       t.overflow ? "more than 64 CPU events" : t.warn);
			run.bad++;
			continue;
		}
		n = explore(c, &t, m, &md);
		total += n;
		if (md.bad != expect_bad) {
			printf("# FAIL %s | %s | %s -> %s%s\n", c->matrix,
			       mode_name(m), c->from_name, c->to_name,
			       expect_bad ? " | the model accepted a writer it must reject" : "");
			/* The whole timeline for the first one of a matrix. */
			if (md.bad && !run.bad)
				print_counterexample(&md);
			else if (md.bad)
				printf("# counterexample: %s\n", md.why);
			run.bad++;
		} else if (!run.quiet || expect_bad) {
			printf("# %s | %s | %s -> %s | %u states | %.2f ms%s%s\n",
			       c->matrix, mode_name(m), c->from_name, c->to_name,
			       n, now_ms() - t0, expect_bad ? " | rejected: " : "",
			       expect_bad ? md.why : "");
		}
		free_model(&md);
	}
	return total;
}

/* One TAP test point per matrix. */
static void tap_result(const char *name, unsigned int ncases,
		       unsigned long long states, double t0)
{
	run.tests++;
	printf("%s %u - %s: %u cases x %zu modes, %llu states, %.0f ms%s\n",
	       run.bad ? "not ok" : "ok", run.tests, name, ncases,
	       ARRAY_SIZE(modes), states, now_ms() - t0,
	       run.bad ? ": counterexample above" : "");
	if (run.bad)
		run.fail++;
	else
		run.pass++;
	run.states += states;
	run.bad = 0;
}

static void check_matrix(const struct vtd_case_matrix *mx, bool bbm)
{
	static struct vtd_case_table tab;
	struct intel_iommu iommu = { .agaw = 2 };
	unsigned long long states = 0;
	unsigned int i, j, ncases = 0;
	char name[48];
	double t0 = now_ms();

	mx->build(&tab, &iommu);
	snprintf(name, sizeof(name), "%s%s", mx->name, bbm ? " bbm" : "");
	for (i = 0; i < tab.n; i++) {
		for (j = 0; j < tab.n; j++) {
			struct vcase c = {
				.type = tab.type, .matrix = name,
				.from_name = tab.s[i].name, .to_name = tab.s[j].name,
				.from = tab.s[i].val, .to = tab.s[j].val,
				.kind = CASE_WRITE, .bbm = bbm,
				.fault_ignore = (tab.s[j].val[0] &
						 (VTD_ENTRY_P | VTD_ENTRY_FPD)) ==
						VTD_ENTRY_FPD,
			};

			states += check_case(&c, false);
			ncases++;
		}
	}
	tap_result(name, ncases, states, t0);
}

/* The PASID teardown as the driver runs it: take, invalidate, finish. */
static void check_teardowns(void)
{
	static struct vtd_case_table tab;
	static const u64 zero[NQ], fpd_only[NQ] = { VTD_ENTRY_FPD };
	struct intel_iommu iommu = { .agaw = 2 };
	unsigned long long states = 0;
	unsigned int i, fi, ncases = 0;
	double t0 = now_ms();

	vtd_cases_pasid(&tab, &iommu);
	for (i = 0; i < tab.n; i++) {
		if (!present(tab.s[i].val))
			continue;
		for (fi = 0; fi < 2; fi++) {
			struct vcase c = {
				.type = tab.type, .matrix = "pasid teardown",
				.from_name = tab.s[i].name,
				.to_name = fi ? "fpd-only (fault-ignore)" : "non-present",
				.from = tab.s[i].val, .to = fi ? fpd_only : zero,
				.kind = CASE_TEARDOWN, .fault_ignore = fi,
			};

			states += check_case(&c, false);
			ncases++;
		}
	}
	tap_result("pasid teardown", ncases, states, t0);
}

/*
 * Negative controls: writers the model must reject, so a model that
 * stopped seeing stores or reads cannot pass everything silently.
 */
static void check_controls(void)
{
	static struct vtd_case_table tab;
	struct intel_iommu iommu = { .agaw = 2 };
	static const u64 zero[NQ];
	const struct vtd_case_state *sl = NULL, *fl = NULL;
	unsigned long long states = 0;
	double t0 = now_ms();
	unsigned int i;

	vtd_cases_pasid(&tab, &iommu);
	for (i = 0; i < tab.n; i++) {
		if (!sl && !strncmp(tab.s[i].name, "sl did5", 7))
			sl = &tab.s[i];
		if (!fl && !strncmp(tab.s[i].name, "fl did6", 7))
			fl = &tab.s[i];
	}
	if (!sl || !fl) {
		printf("# FAIL controls: the case table lost its sl/fl states\n");
		run.bad++;
		tap_result("controls", 0, 0, t0);
		return;
	}
	{
		struct vcase c[] = {
			{ .type = tab.type, .matrix = "control in-place rewrite",
			  .from_name = sl->name, .to_name = fl->name,
			  .from = sl->val, .to = fl->val, .kind = CASE_BAD_INPLACE },
			{ .type = tab.type, .matrix = "control zero-then-invalidate",
			  .from_name = sl->name, .to_name = "non-present",
			  .from = sl->val, .to = zero, .kind = CASE_BAD_ZERO },
			{ .type = tab.type, .matrix = "control no barrier",
			  .from_name = "non-present", .to_name = fl->name,
			  .from = zero, .to = fl->val, .kind = CASE_BAD_NOBARRIER },
		};

		for (i = 0; i < ARRAY_SIZE(c); i++)
			states += check_case(&c[i], true);
		tap_result("controls: writers the model must reject", ARRAY_SIZE(c),
			   states, t0);
	}
}

/* Seeded random PASID entries: field values the table does not hold. */
static u64 rnd_state;

static u64 rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static void random_pasid(u64 *val, char *name, size_t len)
{
	static const char * const kinds[] = {
		"sl", "fl", "nested", "pt", "fpd-only", "non-present",
	};
	struct iommu_hwpt_vtd_s1 s1 = {
		.addr_width = rnd() & 1 ? ADDR_WIDTH_5LEVEL : ADDR_WIDTH_4LEVEL,
		.flags = rnd() & 7,
	};
	struct intel_iommu iommu = {
		.agaw = 1 + rnd() % 3,
		.ecap = (rnd() & 1) ? BIT_ULL(48) : 0,
	};
	u16 did = 2 + rnd() % 0xfffe;
	u64 p1 = rnd() & GENMASK_ULL(51, 12), p2 = rnd() & GENMASK_ULL(51, 12);
	unsigned int kind = rnd() % 6;

	memset(val, 0, NQ * sizeof(u64));
	switch (kind) {
	case 0:
		pasid_pte_config_second_level(&iommu, (void *)val, p1,
					      iommu.agaw, did, rnd() & 1);
		break;
	case 1:
		pasid_pte_config_first_level(&iommu, (void *)val, p1, did,
					     rnd() & (PASID_FLAG_FL5LP |
						      PASID_FLAG_PAGE_SNOOP));
		break;
	case 2:
		pasid_pte_config_nested(&iommu, (void *)val, &s1, p1, p2,
					iommu.agaw, did, rnd() & 1, rnd() & 1);
		break;
	case 3:
		pasid_pte_config_pass_through(&iommu, (void *)val, did);
		break;
	case 4:
		val[0] = VTD_ENTRY_FPD;
		break;
	default:
		break;
	}
	snprintf(name, len, "%s did%u", kinds[kind], kind < 4 ? did : 0);
}

static void check_random(u64 seed, unsigned int count)
{
	unsigned long long states = 0;
	unsigned int i;
	u64 from[NQ], to[NQ];
	char fn[40], tn[56], name[48];
	double t0 = now_ms();

	rnd_state = seed ? seed : 1;
	for (i = 0; i < count; i++) {
		struct vcase c = {
			.type = &vtd_pasid_entry_type, .matrix = "pasid random",
			.from_name = fn, .to_name = tn, .from = from, .to = to,
			.kind = CASE_WRITE,
		};

		random_pasid(from, fn, sizeof(fn));
		random_pasid(to, tn, sizeof(tn));
		/* Half the pairs share DID and type: the in-place cases. */
		if (i & 1 && present(from)) {
			memcpy(to, from, sizeof(to));
			to[0] ^= BIT_ULL(9) * (rnd() & 1);
			to[1] ^= BIT_ULL(24) * (rnd() & 1);
			snprintf(tn, sizeof(tn), "%s toggled", fn);
		}
		c.fault_ignore = (to[0] & (VTD_ENTRY_P | VTD_ENTRY_FPD)) == VTD_ENTRY_FPD;
		states += check_case(&c, false);
	}
	snprintf(name, sizeof(name), "pasid random (seed %llu)",
		 (unsigned long long)seed);
	tap_result(name, count, states, t0);
}

static void print_usage(void)
{
	fprintf(stderr,
		"usage: vtd_check [-q] [--batched] [--any-order] [--seed N] [--random N] [--only MATRIX]\n"
		"  -q         no line per transition and mode (states, time)\n"
		"  --batched  invalidations in one submission without fences (a model of\n"
		"             batching; the series does not batch, expect violations)\n"
		"  --any-order  PASID chunks read in any order, Present chunk not first\n"
		"             (the literal reading; expect violations, see the source)\n"
		"  --seed N   seed of the random PASID transitions (default 1)\n"
		"  --random N how many random PASID transitions (default 200)\n"
		"  --only M   one matrix: pasid, context, sm-context, root, teardown,\n"
		"             random, controls\n");
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned long long seed = 1;
	unsigned int nrandom = 200, i;
	double t0 = now_ms();

	for (i = 1; i < (unsigned int)argc; i++) {
		if (!strcmp(argv[i], "-q"))
			run.quiet = true;
		else if (!strcmp(argv[i], "--batched"))
			batched = true;
		else if (!strcmp(argv[i], "--any-order"))
			any_order = true;
		else if (!strcmp(argv[i], "--seed") && i + 1 < (unsigned int)argc)
			seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--random") && i + 1 < (unsigned int)argc)
			nrandom = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--only") && i + 1 < (unsigned int)argc)
			run.only = argv[++i];
		else
			print_usage();
	}

	printf("TAP version 13\n");
	printf("# vtd_check: the entry writer against the VT-d hardware model\n");
#define WANT(x)	(!run.only || !strcmp(run.only, (x)))
	if (WANT("controls"))
		check_controls();
	for (i = 0; i < ARRAY_SIZE(vtd_case_matrices); i++)
		if (WANT(vtd_case_matrices[i].name))
			check_matrix(&vtd_case_matrices[i], false);
	/* kdump copied entries: taken down whatever they hold. */
	if (WANT("context"))
		check_matrix(&vtd_case_matrices[1], true);
	if (WANT("sm-context"))
		check_matrix(&vtd_case_matrices[2], true);
	if (WANT("teardown"))
		check_teardowns();
	if (WANT("random"))
		check_random(seed, nrandom);
	printf("1..%u\n", run.tests);
	printf("# %llu states in %.1f s\n", run.states, (now_ms() - t0) / 1e3);
	printf("%u passed, %u failed\n", run.pass, run.fail);
	return run.fail ? 1 : 0;
}
