"""What an image call bills: images x model (x tier where the model bills by tier), defaults made explicit."""

from __future__ import annotations

import image_models as models
from qianwen_common import billing


def for_entry(model, entry, fields, filled):
    """The billing object of a checked call. filled: the fields the builder set because the request had none."""
    count = fields[entry.bill_count]
    assumed = []
    for name in sorted(filled):
        line = _assumed_line(name, fields[name], entry)
        if line:
            assumed.append(line)
    tier = None
    if entry.bill_tiers:
        tier = models.tier_of(entry, fields.get("size"))
        if tier is None:
            tier = entry.bill_tiers[-1][1]
            assumed.append("size not given: the model picks it; counted at the %s tier (the higher)" % tier)
    unit = billing.unit(billing.IMAGE, count, model, tier=tier, exact=entry.bill_exact)
    return billing.make([unit], assumed)


def _assumed_line(name, value, entry):
    if name == "n":
        api = (" (sent as n=%d; the API's own default is %d)" % (value, entry.n_api_default)
               if entry.n_api_default and entry.n_api_default != value else " (sent as n=%d)" % value)
        return "n not given: %d image%s%s" % (value, "" if value == 1 else "s", api)
    if name == entry.bill_count:
        return "%s not given: up to %d images (sent as %s=%d)" % (name, value, name, value)
    if name == "size" and entry.bill_tiers:
        return "size not given: %s sent (%s tier)" % (value, models.tier_of(entry, value))
    return None


def for_unknown(model, count):
    """A model not in the table: what it bills is not known locally."""
    return billing.make([billing.unit(billing.UNKNOWN, count, model, exact=False)],
                        ["%s is not in the bundle's table: the API decides what it bills" % model])


def set_note(entry, fields, filled):
    """The stderr line of a call whose image count the API would otherwise choose (image sets)."""
    if entry.bill_exact or entry.bill_count != "n":
        return None
    given = "n not given: n=%d sent" % fields["n"] if "n" in filled else "n=%d sent" % fields["n"]
    default = "; the API's own default is %d" % entry.n_api_default if entry.n_api_default else ""
    return "image set: up to %d image%s will be billed (%s%s; n may go up to %d)" % (
        fields["n"], "" if fields["n"] == 1 else "s", given, default, entry.n[1])
