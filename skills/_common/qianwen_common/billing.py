"""What a call bills, in the API's own units (images, seconds x tier x audio, input seconds); never money.

A request module lists the units of one call with unit(); make() adds the one-line summary shown as
`bills: ...` on stderr and kept as `billing` in the dry-run, result and sidecar JSON; total() sums a batch.
"""

IMAGE = "image"                      # count = images; tier = "1K"/"2K" where the model bills by tier
VIDEO_SECONDS = "video_seconds"      # count = output seconds; tier = "720P"...; audio = True/False/None
INPUT_VIDEO_SECONDS = "input_video_seconds"  # count = seconds of input video the API bills
UNKNOWN = "unknown"                  # a model not in the table: the API decides


def unit(kind, count, model, tier=None, audio=None, exact=True):
    """One billed unit of a call. exact=False when the count is an upper bound or a guess
    (for example a smart duration, or an image set whose size the model picks)."""
    return {"unit": kind, "count": count, "model": model, "tier": tier, "audio": audio, "exact": exact}


def make(units, assumed=()):
    """The billing object of one call: units, the API defaults it relies on, and the summary line."""
    units = list(units)
    return {"units": units, "assumed": list(assumed), "summary": describe(units)}


def describe(units):
    """One line: '10 s of 1080P video with audio (wan2.6-t2v)'; several units joined with '; '."""
    return "; ".join(_describe_one(u) for u in units) or "nothing"


def _describe_one(u):
    count = u["count"]
    shown = ("up to %s" % _number(count)) if not u.get("exact", True) else _number(count)
    if u["unit"] == IMAGE:
        text = "%s image%s" % (shown, "" if count == 1 else "s")
        if u.get("tier"):
            text += " at the %s tier" % u["tier"]
    elif u["unit"] == VIDEO_SECONDS:
        text = "%s s of %svideo" % (shown, (u["tier"] + " ") if u.get("tier") else "")
        if u.get("audio") is True:
            text += " with audio"
        elif u.get("audio") is False:
            text += " without audio"
    elif u["unit"] == INPUT_VIDEO_SECONDS:
        text = "%s s of input video" % shown
    else:
        return "not known locally (%s is not in the bundle's table; the API decides)" % u["model"]
    return "%s (%s)" % (text, u["model"])


def _number(value):
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "%s" % (round(value, 2) if isinstance(value, float) else value)


def total(billings):
    """The sum of many calls' billing objects (a batch), grouped by unit, model, tier and audio."""
    sums, order = {}, []
    for billing in billings:
        for u in (billing or {}).get("units", ()):
            key = (u["unit"], u["model"], u.get("tier"), u.get("audio"))
            if key not in sums:
                sums[key] = dict(u, count=0, exact=True)
                order.append(key)
            sums[key]["count"] += u["count"] if isinstance(u["count"], (int, float)) else 0
            sums[key]["exact"] = sums[key]["exact"] and u.get("exact", True)
    units = [sums[key] for key in order]
    assumed = sorted({line for b in billings for line in (b or {}).get("assumed", ())})
    return make(units, assumed)
