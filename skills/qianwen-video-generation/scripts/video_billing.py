"""What one video call bills, in the API's units: output seconds x resolution tier x audio, input seconds.

The rule per model is video_models.Model.bill; defaults the API applies are spelled out in `assumed`.
"""

from __future__ import annotations

import video_models as vm
from qianwen_common import billing


def make(model, entry, fields, media, infos):
    """billing.make(...) for a plan; media = video_media.all_media(body), infos = {local path: MediaInfo}."""
    if entry is None:
        return billing.make([billing.unit(billing.UNKNOWN, None, model, exact=False)])
    assumed = []
    tier = _tier(model, entry, fields, assumed)
    sound = _sound(model, entry, fields, assumed)
    seconds, exact = _input_seconds(entry, media, infos, assumed)
    count, out_exact = _output(model, entry, fields, media, seconds, exact, assumed)
    units = [billing.unit(billing.VIDEO_SECONDS, count, model, tier, sound, out_exact)]
    if entry.bill.inputs and (seconds or not exact):
        units.append(billing.unit(billing.INPUT_VIDEO_SECONDS, seconds, model, exact=exact))
    return billing.make(units, assumed)


def _tier(model, entry, fields, assumed):
    if entry.rule != vm.SIZE:
        if fields.get("resolution"):
            return fields["resolution"]
        assumed.append("resolution not given: the API default %s applies" % entry.resolution_default)
        return entry.resolution_default
    size = fields.get("size")
    if size is None and entry.size_default:
        size = entry.size_default
        assumed.append("size not given: the API default %s (%s) applies" % (size, _size_tier(size)))
    if size is None:
        tiers = sorted({_size_tier(s) for s in entry.sizes})
        if len(tiers) == 1:
            assumed.append("%s makes %s video" % (model, tiers[0]))
            return tiers[0]
        return None
    return _size_tier(size)


def _size_tier(size):
    return next((tier for tier, sizes in vm.SIZES.items() if size in sizes), None)


def _sound(model, entry, fields, assumed):
    if entry.sound == vm.ALWAYS:
        return True
    if entry.sound == vm.SWITCH:
        if "audio" not in fields:
            assumed.append("audio on by default")
        return fields.get("audio", True)
    if entry.sound == vm.SILENT:
        assumed.append("%s makes silent video" % model)
    else:
        assumed.append("whether %s output has sound is not documented" % model)
    return None


def _input_seconds(entry, media, infos, assumed):
    """Seconds of the input video the API bills: measured for local files, an upper bound for URLs."""
    total, exact, unknown = 0.0, True, []
    for _where, value, kind, name in media:
        if name not in entry.bill.inputs or kind != "video":
            continue
        info = infos.get(value)
        if info is not None and info.seconds is not None:
            total += info.seconds
            continue
        exact = False
        unknown.append(name)
        bound = vm.slot(entry, name, "video").seconds
        total += bound[1] if bound else 0
    for name, most in entry.totals.items():
        if name in entry.bill.inputs and total > most:
            total = float(most)
    if unknown:
        assumed.append("the length of %s is not known locally: counted as up to %s s of input video"
                       % (unknown[0], _num(total)))
    return round(total, 2), exact


def _output(model, entry, fields, media, seconds, exact, assumed):
    """(output seconds, exact)."""
    bill = entry.bill
    if bill.output == "fixed":
        assumed.append("%s makes up to %d s (the output follows the input)" % (model, bill.cap))
        return bill.cap, False
    if bill.output == "input":
        assumed.append("%s keeps the input video's length (up to %d s)" % (model, bill.cap))
        return min(seconds, bill.cap), exact
    duration = fields.get("duration")
    if duration is None:
        duration = entry.duration_default
        assumed.append("duration not given: %s" % ("0 (the output keeps the input's length)"
                                                  if entry.duration_keep and duration == 0 else "%d s" % duration))
    if any(name in bill.within for _w, _v, _k, name in media):
        assumed.append("the %s's seconds count within duration" % "/".join(bill.within))
    if entry.duration_keep and duration == 0:
        return seconds, exact
    if entry.duration_smart and duration == -1:
        assumed.append("duration -1: the model picks the length, up to %d s" % bill.cap)
        return bill.cap, False
    return duration, True


def _num(value):
    return ("%d" % value) if float(value).is_integer() else ("%s" % value)
