#!/usr/bin/env python3
"""Phone numbers of every region as libphonenumber reads them (pip install phonenumbers==9.0.43), for the test that
compares Tagwire's readings with them (Tests/TagwireMetaTests/PhoneNumberTests.swift).

Writes one JSON line per input: {"text", "region" (lowercase, or null), "expected", "international"}. `expected` is
the number's digits with its calling code (E.164 without the `+`) when phonenumbers reads it as a possible number
for the region (local-only numbers do not count: Meta cannot match them), else null. `international`, only when
phonenumbers finds the number too long for the region, is the reading of its digits as an international number
written without its `+`, which Tagwire takes in that case.

The inputs are phonenumbers' example numbers of every type for every region, written in E.164, international and
national formats, as E.164 digits without `+`, with an extension, after the international prefix `00`, with their
last digits missing and with digits too many, each read for the region and some for another.
"""
import json

import phonenumbers as pn

F = pn.PhoneNumberFormat


def reading(text, region):
    try:
        number = pn.parse(text, region.upper() if region else None)
    except pn.NumberParseException:
        return None, None
    return number, pn.is_possible_number_with_reason(number)


def expected(text, region):
    number, reason = reading(text, region)
    if reason != pn.ValidationResult.IS_POSSIBLE:
        return None
    return pn.format_number(number, F.E164)[1:]


def main():
    lines = []
    for code in sorted(pn.SUPPORTED_REGIONS):
        region = code.lower()
        other = "fr" if region == "us" else "us"
        for kind in range(0, 11):
            example = pn.example_number_for_type(code, kind)
            if example is None:
                continue
            e164 = pn.format_number(example, F.E164)
            international = pn.format_number(example, F.INTERNATIONAL)
            national = pn.format_number(example, F.NATIONAL)
            inputs = [
                (e164, region), (international, region), (international, other), (international, None),
                (national, region), (e164[1:], region), (national + " ext. 23", region), (international + " x7", None),
                (national[:-2], region), (national + "123", region), ("00" + e164[1:], "de" if region == "fr" else "fr"),
            ]
            for text, r in inputs:
                line = {"text": text, "region": r, "expected": expected(text, r)}
                number, reason = reading(text, r)
                if line["expected"] is None and reason == pn.ValidationResult.TOO_LONG and r is not None:
                    line["international"] = expected("+" + str(number.national_number), None)
                lines.append(line)
    seen = set()
    for line in lines:
        key = (line["text"], line["region"])
        if key in seen:
            continue
        seen.add(key)
        print(json.dumps(line, ensure_ascii=False))


main()
