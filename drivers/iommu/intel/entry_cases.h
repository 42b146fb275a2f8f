/* SPDX-License-Identifier: GPL-2.0 */
/*
 * entry_cases.h - the entry states whose every transition is tested: one
 * table, two runners. The KUnit suite (entry_test.c) replays each
 * transition through the entry writer and checks the order of its steps;
 * the userspace checker (tools/testing/vtd) explores every way hardware
 * can observe the same transition.
 *
 * PASID entries come from the driver's builders (pasid.h). Context and
 * root entries are spelled out field by field (VT-d 9.1, 9.3, 9.4); the
 * KUnit suite checks that the driver's context_set_*() helpers produce the
 * same bits. The includer provides struct intel_iommu (agaw, ecap), the
 * builders and their types, and snprintf().
 */
#ifndef _INTEL_IOMMU_ENTRY_CASES_H
#define _INTEL_IOMMU_ENTRY_CASES_H

#include "entry.h"

#define VTD_CASE_MAX_STATES	24
#define VTD_CASE_PTR_A		0x0000000012345000ULL
#define VTD_CASE_PTR_B		0x0000001abcde0000ULL
#define VTD_CASE_DID_A		5
#define VTD_CASE_DID_B		6

/* Legacy context entry fields (9.3): TT in lo 3:2, AW in hi 2:0, DID hi 23:8. */
#define VTD_CASE_CTX_TT(tt)	((u64)(tt) << 2)
#define VTD_CASE_CTX_AW(aw)	((u64)(aw))
#define VTD_CASE_CTX_DID(did)	((u64)(did) << 8)
/* Scalable-mode context entry (9.4): DTE, PASIDE, PRE, PDTS in lo. */
#define VTD_CASE_SM_DTE		BIT_ULL(2)
#define VTD_CASE_SM_PASIDE	BIT_ULL(3)
#define VTD_CASE_SM_PRE		BIT_ULL(4)
#define VTD_CASE_SM_PDTS(x)	((u64)(x) << 9)

struct vtd_case_state {
	char name[32];
	u64 val[VTD_ENTRY_MAX_QWORDS];
};

struct vtd_case_table {
	const struct vtd_entry_type *type;
	unsigned int n;
	struct vtd_case_state s[VTD_CASE_MAX_STATES];
};

static inline struct vtd_case_state *vtd_case_add(struct vtd_case_table *t,
						  const char *name)
{
	struct vtd_case_state *s = &t->s[t->n++];

	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	return s;
}

/* Start a table of @type with its first state, the non-present entry. */
static inline void vtd_cases_begin(struct vtd_case_table *t,
				   const struct vtd_entry_type *type)
{
	t->type = type;
	t->n = 0;
	vtd_case_add(t, "non-present");
}

/*
 * PASID entries (18): non-present, FPD only, second-stage, first-stage and
 * nested for two DIDs and two table pointers, pass-through for two DIDs,
 * and the in-place variants (SSADE, PGSNP).
 */
static inline void vtd_cases_pasid(struct vtd_case_table *t,
				   struct intel_iommu *iommu)
{
	static const u16 dids[] = { VTD_CASE_DID_A, VTD_CASE_DID_B };
	static const u64 ptrs[] = { VTD_CASE_PTR_A, VTD_CASE_PTR_B };
	struct iommu_hwpt_vtd_s1 s1 = { .addr_width = ADDR_WIDTH_4LEVEL };
	struct vtd_case_state *s;
	char name[32];
	int d, p;

	vtd_cases_begin(t, &vtd_pasid_entry_type);
	s = vtd_case_add(t, "fpd-only");
	s->val[0] = VTD_ENTRY_FPD;

	for (d = 0; d < 2; d++) {
		for (p = 0; p < 2; p++) {
			snprintf(name, sizeof(name), "sl did%u ptr%c", dids[d], 'A' + p);
			s = vtd_case_add(t, name);
			pasid_pte_config_second_level(iommu, (void *)s->val, ptrs[p],
						      2, dids[d], false);
			snprintf(name, sizeof(name), "fl did%u ptr%c", dids[d], 'A' + p);
			s = vtd_case_add(t, name);
			pasid_pte_config_first_level(iommu, (void *)s->val, ptrs[p],
						     dids[d], 0);
			snprintf(name, sizeof(name), "nested did%u ptr%c", dids[d], 'A' + p);
			s = vtd_case_add(t, name);
			pasid_pte_config_nested(iommu, (void *)s->val, &s1, ptrs[p],
						ptrs[!p], 2, dids[d], false, false);
		}
		snprintf(name, sizeof(name), "pt did%u", dids[d]);
		s = vtd_case_add(t, name);
		pasid_pte_config_pass_through(iommu, (void *)s->val, dids[d]);
	}
	s = vtd_case_add(t, "sl didA ptrA ssade");
	pasid_pte_config_second_level(iommu, (void *)s->val, VTD_CASE_PTR_A, 2,
				      VTD_CASE_DID_A, true);
	s = vtd_case_add(t, "fl didA ptrA pgsnp");
	pasid_pte_config_first_level(iommu, (void *)s->val, VTD_CASE_PTR_A,
				     VTD_CASE_DID_A, PASID_FLAG_PAGE_SNOOP);
}

/*
 * Legacy context entries (12): non-present, FPD only, multi-level and
 * device-IOTLB translation (TT 0, 1) for two DIDs and two second-stage
 * pointers, pass-through (TT 2) for two DIDs; AW 2 (4-level), faults on.
 */
static inline void vtd_cases_context(struct vtd_case_table *t,
				     struct intel_iommu *iommu)
{
	static const u16 dids[] = { VTD_CASE_DID_A, VTD_CASE_DID_B };
	static const u64 ptrs[] = { VTD_CASE_PTR_A, VTD_CASE_PTR_B };
	struct vtd_case_state *s;
	char name[32];
	int d, p, tt;

	vtd_cases_begin(t, &vtd_context_entry_type);
	s = vtd_case_add(t, "fpd-only");
	s->val[0] = VTD_ENTRY_FPD;
	for (d = 0; d < 2; d++) {
		for (tt = 0; tt < 2; tt++) {
			for (p = 0; p < 2; p++) {
				snprintf(name, sizeof(name), "tt%d did%u ptr%c",
					 tt, dids[d], 'A' + p);
				s = vtd_case_add(t, name);
				s->val[0] = ptrs[p] | VTD_CASE_CTX_TT(tt) |
					    VTD_ENTRY_P;
				s->val[1] = VTD_CASE_CTX_DID(dids[d]) |
					    VTD_CASE_CTX_AW(2);
			}
		}
		snprintf(name, sizeof(name), "pt did%u", dids[d]);
		s = vtd_case_add(t, name);
		s->val[0] = VTD_CASE_CTX_TT(2) | VTD_ENTRY_P;
		s->val[1] = VTD_CASE_CTX_DID(dids[d]) | VTD_CASE_CTX_AW(2);
	}
}

/*
 * Scalable-mode context entries (5): non-present, and two PASID directory
 * pointers with PRE clear and set (PDTS 1, DTE, PASIDE, RID_PASID 0).
 */
static inline void vtd_cases_sm_context(struct vtd_case_table *t,
					struct intel_iommu *iommu)
{
	static const u64 ptrs[] = { VTD_CASE_PTR_A, VTD_CASE_PTR_B };
	struct vtd_case_state *s;
	char name[32];
	int p, pre;

	vtd_cases_begin(t, &vtd_sm_context_entry_type);
	for (p = 0; p < 2; p++) {
		for (pre = 0; pre < 2; pre++) {
			snprintf(name, sizeof(name), "dir%c%s", 'A' + p,
				 pre ? " pre" : "");
			s = vtd_case_add(t, name);
			s->val[0] = ptrs[p] | VTD_CASE_SM_PDTS(1) |
				    VTD_CASE_SM_DTE | VTD_CASE_SM_PASIDE |
				    (pre ? VTD_CASE_SM_PRE : 0) | VTD_ENTRY_P;
		}
	}
}

/* Root entries, one 64-bit half (3): non-present, two context tables. */
static inline void vtd_cases_root(struct vtd_case_table *t,
				  struct intel_iommu *iommu)
{
	struct vtd_case_state *s;

	vtd_cases_begin(t, &vtd_root_entry_type);
	s = vtd_case_add(t, "table A");
	s->val[0] = VTD_CASE_PTR_A | VTD_ENTRY_P;
	s = vtd_case_add(t, "table B");
	s->val[0] = VTD_CASE_PTR_B | VTD_ENTRY_P;
}

struct vtd_case_matrix {
	const char *name;
	void (*build)(struct vtd_case_table *t, struct intel_iommu *iommu);
};

/* Every transition between the states of one table is a case. */
static const struct vtd_case_matrix vtd_case_matrices[] = {
	{ "pasid", vtd_cases_pasid },
	{ "context", vtd_cases_context },
	{ "sm-context", vtd_cases_sm_context },
	{ "root", vtd_cases_root },
};

#endif /* _INTEL_IOMMU_ENTRY_CASES_H */
