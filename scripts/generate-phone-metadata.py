#!/usr/bin/env python3
"""Generates Sources/TagwireMeta/PhoneNumbers+Generated.swift from libphonenumber's metadata.

The data source is PyPI's `phonenumbers`, the Python port of libphonenumber, pinned to the version the comparison
test (Tests/TagwireMetaTests/PhoneNumberTests.swift, through scripts/phone-reference.py) runs against, so that the
table and the reference agree:

    python3 -m venv /tmp/pn && /tmp/pn/bin/pip install phonenumbers==9.0.43
    /tmp/pn/bin/python3 scripts/generate-phone-metadata.py      # from the repository root

For each region it takes the country calling code, the trunk (national) prefixes, the international dialling
prefixes, the number lengths and the general number pattern; for each calling code, its main region's lengths.
libphonenumber writes prefixes as regular expressions; those that match a few fixed texts are written out as those
texts, and the rest fall back to the region's plain national prefix. The one rewrite kept is the completion of a
local number in a region with one area code (Bermuda's 7-digit numbers get 441), which libphonenumber writes as
`([2-9]\\d{6})$|1` with the rule `441\\1`.
"""
import re
import warnings

with warnings.catch_warnings():
    # Python's own parser of regular expressions, read for the texts a prefix pattern matches (public under these
    # names, deprecated in favour of private ones since 3.11).
    warnings.simplefilter("ignore", DeprecationWarning)
    import sre_constants as C
    import sre_parse

import phonenumbers
from phonenumbers import PhoneMetadata

OUT = "Sources/TagwireMeta/PhoneNumbers+Generated.swift"


def expand(items, limit=64):
    """Every text a parsed pattern matches, or None when it matches many, or uses anchors or capturing groups."""
    out = [""]
    for op, av in items:
        if op is C.LITERAL:
            alts = [chr(av)]
        elif op is C.IN:
            alts = []
            for o, a in av:
                if o is C.LITERAL:
                    alts.append(chr(a))
                elif o is C.RANGE:
                    alts += [chr(c) for c in range(a[0], a[1] + 1)]
                else:
                    return None
        elif op is C.BRANCH:
            alts = []
            for branch in av[1]:
                e = expand(branch, limit)
                if e is None:
                    return None
                alts += e
        elif op is C.SUBPATTERN:
            if av[0] is not None:
                return None
            alts = expand(av[-1], limit)
            if alts is None:
                return None
        elif op is C.MAX_REPEAT and av[1] <= 4:
            one = expand(av[2], limit)
            if one is None:
                return None
            alts = []
            for n in range(av[0], av[1] + 1):
                acc = [""]
                for _ in range(n):
                    acc = [a + b for a in acc for b in one]
                alts += acc
        else:
            return None
        out = [a + b for a in out for b in alts]
        if len(out) > limit:
            return None
    return out


def texts(pattern):
    """The texts a prefix pattern matches, longest first (as a regular expression's greedy match prefers)."""
    if not pattern:
        return []
    try:
        found = expand(list(sre_parse.parse(pattern)))
    except Exception:
        return None
    if found is None:
        return None
    return sorted({t for t in found if t}, key=lambda t: (-len(t), t))


COMPLETION = re.compile(r"\(\[([0-9\-]+)\]\\d\{(\d+)\}\)\$\|(.*)")


def region(code):
    m = PhoneMetadata.metadata_for_region(code)
    trunk = texts(m.national_prefix_for_parsing)
    completion = None
    if trunk is None:
        c = COMPLETION.fullmatch(m.national_prefix_for_parsing or "")
        rule = m.national_prefix_transform_rule or ""
        if c and re.fullmatch(r"\d+\\1", rule) and texts(c.group(3)) is not None:
            first = set()
            for a, b in re.findall(r"(\d)(?:-(\d))?", c.group(1)):
                first |= set(range(int(a), int(b or a) + 1))
            completion = (sum(1 << d for d in first), int(c.group(2)) + 1, rule[:-2])
            trunk = texts(c.group(3))
        else:
            trunk = [m.national_prefix] if m.national_prefix else []
    idd = texts(m.international_prefix)
    if idd is None:
        preferred = (m.preferred_international_prefix or "").replace("~", "")
        idd = [preferred] if preferred else []
    g = m.general_desc
    return {
        "cc": m.country_code,
        "trunk": trunk,
        "idd": idd,
        "national": mask(g.possible_length),
        "local": mask(g.possible_length_local_only or ()),
        "pattern": g.national_number_pattern,
        "completion": completion,
    }


def mask(lengths):
    return sum(1 << n for n in lengths if n > 0)


def swift_strings(items):
    return "[" + ", ".join(f'"{s}"' for s in items) + "]"


regions = {code.lower(): region(code) for code in sorted(phonenumbers.SUPPORTED_REGIONS)}
calling = {}
for cc, codes in sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items()):
    main = codes[0]
    m = PhoneMetadata.metadata_for_nongeo_region(cc) if main == "001" else PhoneMetadata.metadata_for_region(main)
    calling[cc] = (None if main == "001" else main.lower(), mask(m.general_desc.possible_length))

out = [
    f"// Generated by scripts/generate-phone-metadata.py from libphonenumber's metadata (phonenumbers "
    f"{phonenumbers.__version__}). Do not edit.",
    "",
    "extension PhoneNumbers {",
    "    /// Regions by lowercase ISO 3166-1 alpha-2 code.",
    "    static let regions: [String: Region] = [",
]
for code, r in regions.items():
    completion = "nil"
    if r["completion"]:
        first, length, prefix = r["completion"]
        completion = f'Completion(firstDigits: 0b{first:b}, length: {length}, prefix: "{prefix}")'
    out.append(
        f'        "{code}": Region(callingCode: {r["cc"]}, trunkPrefixes: {swift_strings(r["trunk"])}, '
        f'internationalPrefixes: {swift_strings(r["idd"])}, national: 0b{r["national"]:b}, '
        f'local: 0b{r["local"]:b}, pattern: #"{r["pattern"]}"#, completion: {completion}),'
    )
out.append("    ]")
out.append("")
out.append("    /// Country calling codes: their main region (nil for the non-geographic ones) and its number lengths.")
out.append("    static let callingCodes: [Int: CallingCode] = [")
for cc, (main, lengths) in calling.items():
    main_text = f'"{main}"' if main else "nil"
    out.append(f"        {cc}: CallingCode(mainRegion: {main_text}, national: 0b{lengths:b}),")
out.append("    ]")
out.append("}")
with open(OUT, "w") as f:
    f.write("\n".join(out) + "\n")
print(len(regions), "regions,", len(calling), "calling codes,",
      sum(1 for r in regions.values() if r["completion"]), "with local completion")
