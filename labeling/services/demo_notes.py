"""Synthetic clinical-style notes for the demo project: every person, date and number is invented.

Each note belongs to one specialty, which is the demo schema's label; the notes carry
the kinds of identifiers real notes carry (names, dates, record numbers, phone numbers)
so that de-identification has something to find.
"""

import random

SPECIALTIES = {
    "Cardiology": {
        "complaints": ["chest pain on exertion", "palpitations", "shortness of breath when lying flat", "ankle swelling"],
        "findings": ["irregularly irregular pulse", "a grade 2/6 systolic murmur", "bibasal crackles", "raised jugular venous pressure"],
        "tests": ["ECG showed atrial fibrillation", "troponin was 48 ng/L", "echocardiogram showed an ejection fraction of 35%", "BNP was elevated"],
        "plans": ["start apixaban 5 mg twice daily", "uptitrate bisoprolol", "refer for coronary angiography", "furosemide 40 mg each morning"],
    },
    "Respiratory": {
        "complaints": ["productive cough for ten days", "wheeze at night", "breathlessness on stairs", "fever and pleuritic pain"],
        "findings": ["reduced air entry at the right base", "widespread expiratory wheeze", "oxygen saturation of 91% on air", "dullness to percussion"],
        "tests": ["chest X-ray showed right lower lobe consolidation", "peak flow was 60% of predicted", "spirometry showed FEV1/FVC of 0.62", "CRP was 112 mg/L"],
        "plans": ["amoxicillin 500 mg three times daily", "step up inhaled corticosteroid", "pulmonary rehabilitation referral", "repeat chest X-ray in six weeks"],
    },
    "Gastroenterology": {
        "complaints": ["epigastric pain after meals", "dark stools for two days", "change in bowel habit", "difficulty swallowing solids"],
        "findings": ["epigastric tenderness", "mild hepatomegaly", "a soft non-tender abdomen", "pallor"],
        "tests": ["haemoglobin was 92 g/L", "faecal calprotectin was 640 ug/g", "ALT was 3 times the upper limit", "H. pylori stool antigen was positive"],
        "plans": ["urgent upper GI endoscopy", "omeprazole 20 mg daily", "colonoscopy within two weeks", "triple therapy for H. pylori"],
    },
    "Neurology": {
        "complaints": ["sudden weakness of the left arm", "recurrent headaches with aura", "numbness in both feet", "a first generalised seizure"],
        "findings": ["left-sided pronator drift", "reduced vibration sense to the ankles", "normal fundi", "brisk reflexes on the right"],
        "tests": ["CT head showed no haemorrhage", "MRI showed periventricular white-matter lesions", "nerve conduction studies showed a length-dependent neuropathy", "EEG was normal"],
        "plans": ["refer to the stroke service", "start sumatriptan as needed", "check B12 and HbA1c", "advise not to drive and refer to the first-seizure clinic"],
    },
    "Musculoskeletal": {
        "complaints": ["right knee pain after a fall", "low back pain radiating to the left leg", "morning stiffness of the hands", "shoulder pain on reaching overhead"],
        "findings": ["an effusion of the right knee", "positive straight-leg raise at 40 degrees", "synovitis of the MCP joints", "painful arc between 60 and 120 degrees"],
        "tests": ["X-ray showed no fracture", "MRI showed an L5/S1 disc protrusion", "rheumatoid factor was positive", "ultrasound showed a supraspinatus tendinopathy"],
        "plans": ["physiotherapy referral", "naproxen 500 mg twice daily with food", "refer to rheumatology", "subacromial steroid injection"],
    },
}

FIRST_NAMES = ["Alex", "Jordan", "Sam", "Taylor", "Morgan", "Casey", "Riley", "Jamie", "Robin", "Avery", "Quinn", "Harper"]
LAST_NAMES = ["Fenwick", "Okafor", "Lindqvist", "Moreau", "Castillo", "Novak", "Hartley", "Iqbal", "Tanaka", "Brennan"]
CLINICIANS = ["Dr. Elena Marsh", "Dr. Tomas Reyes", "Dr. Priya Natarajan", "Dr. Owen Whitfield"]
NOTE_TYPES = ["Clinic letter", "Discharge summary", "Progress note", "Referral"]


def _date(rng):
    return f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/20{rng.randint(18, 25)}"


def generate_note(rng, specialty):
    parts = SPECIALTIES[specialty]
    patient = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    age = rng.randint(19, 94)
    complaint, finding, test, plan = (rng.choice(parts[key]) for key in ("complaints", "findings", "tests", "plans"))
    lines = [
        f"{rng.choice(NOTE_TYPES)} — seen {_date(rng)}",
        f"Patient: {patient}   MRN: {rng.randint(10_000_000, 99_999_999)}   Tel: 07{rng.randint(100, 999)} {rng.randint(100000, 999999)}",
        "",
        f"{age}-year-old presenting with {complaint}.",
        f"On examination there was {finding}.",
        f"Investigations: {test}.",
        f"Plan: {plan}. Review in {rng.choice([2, 4, 6, 12])} weeks.",
        "",
        f"Signed: {rng.choice(CLINICIANS)}",
    ]
    if rng.random() < 0.3:
        lines.insert(6, f"Background of {rng.choice(['type 2 diabetes', 'hypertension', 'COPD', 'CKD stage 3'])}.")
    return "\n".join(lines)


def generate_notes(count, seed=7):
    """Yield (external_id, text, specialty), the same notes for the same seed."""
    rng = random.Random(seed)
    names = sorted(SPECIALTIES)
    for index in range(count):
        specialty = names[index % len(names)] if index < len(names) else rng.choice(names)
        yield f"note-{index + 1:04d}", generate_note(rng, specialty), specialty
