"""Synthetic clinical notes with planted identifiers of every de-identification category, in
varied realistic forms, with where each one was planted. Tests and the cleaning benchmark use
them; every value is invented."""

import random

FIRST = ["Marguerite", "Desmond", "Anneliese", "Thaddeus", "Rosalind", "Leopold", "Evangeline", "Cornelius",
         "Philippa", "Ignatius", "Wilhelmina", "Bartholomew", "Seraphina", "Augustin", "Imogen", "Lucian"]
LAST = ["Okonkwo", "Vandermeer", "Castellanos", "Przybylski", "Haverford", "Nakamura", "Abernathy", "Delacroix",
        "Fitzwilliam", "Grimaldi", "Hargreaves", "Kowalczyk", "Lindqvist", "Montgomery", "Oyelaran", "Quintero"]
LISTED = ["Casimir Whitlock", "Ottoline Brackenbury"]  # the recipe's name list
STREETS = ["Oak", "Maple", "Cedar Hill", "Lake Shore", "Elm", "Washington", "Birch Grove", "Harbor View"]
SUFFIXES = ["Street", "St.", "Avenue", "Ave", "Road", "Rd", "Boulevard", "Lane", "Drive", "Court", "Way", "Place"]
CITIES = [("Springfield", "IL"), ("Boston", "MA"), ("Austin", "TX"), ("Portland", "OR"), ("Madison", "WI")]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
FILLER = [
    "Blood pressure 132/84, pulse 78, temperature 37.1 C.",
    "A 45-year-old with a history of hypertension since 2011.",
    "Metformin 500 mg twice daily; HbA1c 7.9%.",
    "Chest X-ray showed no consolidation. ECG sinus rhythm at 72 bpm.",
    "Creatinine 104 umol/L, potassium 4.2 mmol/L, haemoglobin 128 g/L.",
    "Plan: review in 6 weeks with repeat bloods; 3/4 tablet if dizzy.",
    "Patient reports improved sleep and appetite; mobilising with a frame.",
    "Wound clean and dry, sutures out at day 10.",
]


def _name(rng):
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _date(rng):
    year, month, day = rng.randint(1990, 2024), rng.randint(1, 12), rng.randint(1, 28)
    name = MONTHS[month - 1]
    return rng.choice([
        f"{month:02d}/{day:02d}/{year}", f"{month}/{day}/{str(year)[2:]}", f"{year}-{month:02d}-{day:02d}",
        f"{name} {day}, {year}", f"{name[:3]} {day} {year}", f"{day} {name} {year}", f"{day}th of {name}, {year}",
        f"{name} {year}", f"{name} {day}", f"{day:02d}.{month:02d}.{year}", f"{year}-{month:02d}-{day:02d}T08:{day:02d}",
        f"{month}-{day}-{year}",
    ])


def _phone(rng):
    area, middle, last = rng.randint(201, 989), rng.randint(200, 999), rng.randint(0, 9999)
    return rng.choice([
        f"({area}) {middle}-{last:04d}", f"{area}-{middle}-{last:04d}", f"{area}.{middle}.{last:04d}",
        f"+1 {area} {middle} {last:04d}", f"{area}-{middle}-{last:04d} ext. {rng.randint(1, 999)}",
        f"+44 20 {rng.randint(7000, 7999)} {last:04d}",
    ])


def _segments(rng):
    """[(category or None, text)] of one note."""
    name, other, age = _name(rng), _name(rng), rng.randint(90, 104)
    city, state = rng.choice(CITIES)
    zip_code = f"{rng.randint(10000, 99999)}" + (f"-{rng.randint(1000, 9999)}" if rng.random() < 0.3 else "")
    street = f"{rng.randint(1, 9999)} {rng.choice(['', 'North ', 'W. '])}{rng.choice(STREETS)} {rng.choice(SUFFIXES)}"
    user = f"{name.split()[0][0].lower()}{name.split()[1].lower()}{rng.randint(1, 99)}"
    note = [
        (None, rng.choice(["Patient: ", "Name: ", "Pt: "])), ("NAME", name), (None, "\n"),
        (None, rng.choice(["DOB ", "Seen on ", "Admitted "])), ("DATE", _date(rng)), (None, ". "),
        (None, rng.choice(["MRN: ", "MRN ", "Medical Record Number: ", "Acct #: ", "Account No. ", "Member ID: ",
                           "Health Plan ID ", "License No: ", "DEA # ", "NPI ", "Policy Number: "])),
        ("ID", rng.choice([f"{rng.randint(1000000, 9999999)}", f"A{rng.randint(100000, 999999)}",
                           f"{rng.randint(10, 99)}-{rng.randint(100000, 999999)}", f"XZH{rng.randint(100000, 999999)}"])),
        (None, "\n"),
    ]
    age_form = rng.choice(["{}-year-old", "{} year old", "aged {}", "Age: {}", "{} yo", "{} y/o"])
    before, _, after = age_form.partition("{}")
    note += [(None, "A " + before), ("AGE", str(age)), (None, after + " " + rng.choice(FILLER) + " ")]
    note += [(None, rng.choice(["Seen by Dr. ", "Reviewed with Mrs. ", "Discussed with Mr. ", "Referred to Prof. ",
                                "Seen by Dr "])), ("NAME", rng.choice(LAST)), (None, ". " + rng.choice(FILLER) + "\n")]
    note += [(None, rng.choice(["Phone ", "Tel: ", "Call back on ", "fax: ", "Mobile "])), ("PHONE", _phone(rng)),
             (None, ". "), (None, rng.choice(["Email ", "Contact: ", "e-mail: "])),
             ("EMAIL", rng.choice([f"{user}@example.com", f"{user}.x+clinic@hospital-mail.org", f"{user.upper()}@MAIL.NET"])),
             (None, ". Portal ")]
    note += [("URL", rng.choice([f"https://portal.example.org/patient/{rng.randint(1, 99999)}",
                                 f"http://records.example.com/{user}", f"www.clinic-example.net/p/{rng.randint(1, 999)}"])),
             (None, " from device "),
             ("IP", rng.choice([f"192.168.{rng.randint(0, 255)}.{rng.randint(1, 254)}", f"10.{rng.randint(0, 255)}.0.{rng.randint(1, 254)}",
                                "2001:0db8:85a3:0000:0000:8a2e:0370:" + f"{rng.randint(0, 65535):04x}"])),
             (None, ".\n")]
    ssn = f"{rng.randint(100, 899)}-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}"
    note += [(None, rng.choice(["SSN ", "SSN: ", "Social Security Number "])),
             ("SSN", rng.choice([ssn, ssn.replace("-", " "), ssn.replace("-", "")])), (None, ". ")]
    note += [(None, "Lives at "), ("ADDRESS", street + rng.choice(["", ", Apt 4B", ", Suite 210"])),
             (None, f", {city}, {state} "), ("ZIP", zip_code), (None, ". ")]
    if rng.random() < 0.3:
        note += [(None, "Mail to "), ("ADDRESS", f"PO Box {rng.randint(1, 9999)}"), (None, ". ")]
    if rng.random() < 0.3:
        note += [(None, "ZIP code "), ("ZIP", f"{rng.randint(10000, 99999)}"), (None, ". ")]
    note += [(None, rng.choice(FILLER) + " Discussed with "), ("NAME", rng.choice(LISTED)), (None, ".\n")]
    note += [(None, rng.choice(["Emergency contact: ", "Next of kin: ", "Daughter: "])), ("NAME", other),
             (None, ". " + rng.choice(FILLER) + "\n")]
    note += [(None, rng.choice(["Electronically signed by: ", "Signed: ", "Dictated by ", "Attending: "])),
             ("NAME", _name(rng)), (None, rng.choice([", MD", "", ", RN"]) + "\n")]
    if rng.random() < 0.5:
        note += [(None, "-- "), ("NAME", _name(rng)), (None, ", " + rng.choice(["MD", "DO", "NP"]) + "\n")]
    return note


def generate(count, seed=7):
    """[(text, [(category, start, end, value)])] of `count` notes."""
    rng = random.Random(seed)
    notes = []
    for _ in range(count):
        parts, planted, cursor = [], [], 0
        for category, piece in _segments(rng):
            if category:
                planted.append((category, cursor, cursor + len(piece), piece))
            parts.append(piece)
            cursor += len(piece)
        notes.append(("".join(parts), planted))
    return notes


def near_copy(text, rng, edits):
    """The text with `edits` random word substitutions, deletions or insertions."""
    words = text.split(" ")
    for _ in range(edits):
        position = rng.randrange(len(words))
        action = rng.random()
        if action < 0.4:
            words[position] = rng.choice(["stable", "improving", "reviewed", "noted", "today", "again", "mild"])
        elif action < 0.7 and len(words) > 10:
            del words[position]
        else:
            words.insert(position, rng.choice(["also", "further", "overall", "clinically", "now"]))
    return " ".join(words)


def body(rng, sentences=12):
    """A note body of clinical sentences (no identifiers), about 1 KB."""
    return " ".join(rng.choice(CLINICAL) for _ in range(sentences))


CLINICAL = FILLER + [
    f"{finding} noted on {site} examination, {course} since the last visit."
    for finding in ("Mild tenderness", "Reduced air entry", "A soft systolic murmur", "Pitting oedema", "Erythema",
                    "Crepitations", "Guarding", "Reduced power")
    for site in ("abdominal", "chest", "cardiac", "lower limb", "skin", "neurological")
    for course in ("unchanged", "worse", "better", "new")
]
