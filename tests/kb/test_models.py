"""Knowledge-base models: a treatment's tier is one of the pathway's tiers."""

import pytest
from django.core.exceptions import ValidationError

from tests.kb import factories as kbf
from tests.pathway import factories as f

pytestmark = pytest.mark.usefixtures("empty_db")


def test_it_accepts_a_treatment_in_a_tier_of_the_pathway():
    f.TierFactory(code="injection", rank=4)
    kbf.TreatmentFactory(tier="injection").full_clean()


def test_it_refuses_a_treatment_in_a_tier_no_pathway_has():
    f.TierFactory(code="injection", rank=4)
    treatment = kbf.TreatmentFactory(tier="conservative")
    with pytest.raises(ValidationError) as refused:
        treatment.full_clean()
    assert "tier" in refused.value.message_dict
    assert "injection" in refused.value.message_dict["tier"][0]
