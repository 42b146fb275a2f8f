// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for PASID table entry updates.
 *
 * The setter cases write an entry in memory and need no hardware. The
 * teardown cases drive intel_pasid_tear_down_entry() on a spare PASID of
 * a device behind a scalable-mode IOMMU, and are skipped without one.
 */
#include <kunit/test.h>
#include <linux/pci.h>

#include "iommu.h"
#include "pasid.h"

/* A field setter changes its own field only, whatever it is passed. */
static void pasid_setters_confined_test(struct kunit *test)
{
	struct pasid_entry pe = {};
	int i;

	/* FLPTR is bits 140-191; bits 128-139 hold SRE, FLPM, WPE, EAFE. */
	pasid_set_flptr(&pe, 0x12345000ULL | 0xfff);
	KUNIT_EXPECT_EQ(test, pe.val[2], 0x12345000ULL);

	/* SLPTPTR is bits 12-63; bits 0-11 hold Present, FPD, AW, PGTT. */
	pasid_set_slptr(&pe, 0x6789a000ULL | 0xfff);
	KUNIT_EXPECT_EQ(test, pe.val[0], 0x6789a000ULL);

	/* DID is bits 64-79. */
	pasid_set_domain_id(&pe, 0x12345);
	KUNIT_EXPECT_EQ(test, pe.val[1], 0x2345ULL);

	for (i = 3; i < ARRAY_SIZE(pe.val); i++)
		KUNIT_EXPECT_EQ(test, pe.val[i], 0ULL);
}

/*
 * A PCI device behind a scalable-mode VT-d unit with pass-through
 * support, on which a spare PASID entry cannot be used or reach the
 * device: PASID and ATS off (the device never issues a PASID-tagged
 * request and gets no device-TLB invalidation), trusted. With a
 * reference.
 */
static struct pci_dev *sm_test_device(void)
{
	struct device_domain_info *info;
	struct pci_dev *pdev = NULL;

	for_each_pci_dev(pdev) {
		info = dev_iommu_priv_get(&pdev->dev);
		if (info && info->iommu && sm_supported(info->iommu) &&
		    ecap_pass_through(info->iommu->ecap) && info->pasid_table &&
		    !info->pasid_enabled && !info->ats_enabled &&
		    !pdev->untrusted && !dev_is_real_dma_subdevice(&pdev->dev))
			return pdev;
	}

	return NULL;
}

static struct pasid_entry *test_pasid_entry(struct device *dev, u32 pasid)
{
	struct device_domain_info *info = dev_iommu_priv_get(dev);
	struct pasid_dir_entry *dir = info->pasid_table->table;
	struct pasid_entry *entries;

	entries = get_pasid_table_from_pde(&dir[pasid >> PASID_PDE_SHIFT]);

	return entries ? &entries[pasid & PASID_PTE_MASK] : NULL;
}

/* One word of a live entry, read once (and named so in KUnit's report). */
static u64 pte_word(struct pasid_entry *pte, int i)
{
	return READ_ONCE(pte->val[i]);
}

struct spare_pasid {
	struct pci_dev *pdev;
	u32 pasid;
	bool ours;	/* the case set the entry up */
};

/* Whatever a case left behind: the entry torn down, the reference put. */
static void spare_pasid_release(void *data)
{
	struct spare_pasid *sp = data;
	struct device_domain_info *info = dev_iommu_priv_get(&sp->pdev->dev);
	struct pasid_entry *pte = test_pasid_entry(&sp->pdev->dev, sp->pasid);

	if (sp->ours && pte && (pasid_pte_is_present(pte) ||
				pasid_pte_is_fault_disabled(pte)))
		intel_pasid_tear_down_entry(info->iommu, &sp->pdev->dev,
					    sp->pasid, false);
	pci_dev_put(sp->pdev);
}

/*
 * The mm release of an SVA bind tears its PASID down with fault_ignore:
 * the entry must be left non-present with FPD set, and nothing else, so
 * that the later unbind finds it, clears it and drains the PASID's page
 * requests.
 */
static void fault_ignore_teardown_test(struct kunit *test)
{
	struct device_domain_info *info;
	struct spare_pasid *sp;
	struct pasid_entry *pte;
	struct pci_dev *pdev;
	int i;

	sp = kunit_kzalloc(test, sizeof(*sp), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sp);
	pdev = sm_test_device();
	if (!pdev)
		kunit_skip(test, "no idle device behind a scalable-mode unit");

	/* The last entry of the table: the device cannot emit that PASID. */
	info = dev_iommu_priv_get(&pdev->dev);
	sp->pdev = pdev;
	sp->pasid = info->pasid_table->max_pasid - 1;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, spare_pasid_release,
							sp), 0);
	pte = test_pasid_entry(&pdev->dev, sp->pasid);
	if (pte && pte_word(pte, 0))
		kunit_skip(test, "PASID %u of %s is in use", sp->pasid,
			   pci_name(pdev));

	KUNIT_ASSERT_EQ(test, intel_pasid_setup_pass_through(info->iommu,
							     &pdev->dev,
							     sp->pasid), 0);
	sp->ours = true;
	pte = test_pasid_entry(&pdev->dev, sp->pasid);
	KUNIT_ASSERT_NOT_NULL(test, pte);
	KUNIT_ASSERT_TRUE(test, pasid_pte_is_present(pte));

	intel_pasid_tear_down_entry(info->iommu, &pdev->dev, sp->pasid, true);
	KUNIT_EXPECT_EQ(test, pte_word(pte, 0), (u64)PASID_PTE_FPD);
	for (i = 1; i < ARRAY_SIZE(pte->val); i++)
		KUNIT_EXPECT_EQ(test, pte_word(pte, i), 0ULL);

	/* The unbind clears the FPD-only entry. */
	intel_pasid_tear_down_entry(info->iommu, &pdev->dev, sp->pasid, false);
	KUNIT_EXPECT_EQ(test, pte_word(pte, 0), 0ULL);
}

static struct kunit_case intel_pasid_test_cases[] = {
	KUNIT_CASE(pasid_setters_confined_test),
	KUNIT_CASE(fault_ignore_teardown_test),
	{}
};

static struct kunit_suite intel_pasid_test_suite = {
	.name = "intel_iommu_pasid",
	.test_cases = intel_pasid_test_cases,
};

kunit_test_suite(intel_pasid_test_suite);

MODULE_DESCRIPTION("KUnit tests for Intel VT-d PASID entry updates");
MODULE_LICENSE("GPL");
