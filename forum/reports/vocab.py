"""The fixed answers an experience report offers: stored as codes, shown as labels.

Codes never change once reports use them (they are in the database and the open data);
labels may be reworded."""

# Patient Global Impression of Change: the standard 7-point scale, best to worst.
PGIC = {
    1: "Very much improved",
    2: "Much improved",
    3: "Minimally improved",
    4: "No change",
    5: "Minimally worse",
    6: "Much worse",
    7: "Very much worse",
}

BODY_REGIONS = {
    "neck": "Neck",
    "upper_back": "Upper or mid back",
    "lower_back": "Lower back",
    "buttock_hip": "Buttock, hip or sacroiliac area",
    "leg": "Leg or foot",
    "knee": "Knee",
    "arm": "Arm or hand",
    "head_face": "Head or face",
    "chest_abdomen": "Chest, abdomen or pelvis",
    "widespread": "Several areas or widespread",
    "other": "Somewhere else",
}

SIDE_EFFECTS = {
    "flare": "Pain flare after the procedure",
    "dural_headache": "Headache after dural puncture (spinal headache)",
    "headache": "Headache",
    "numbness": "Numbness",
    "weakness": "Weakness",
    "infection": "Infection",
    "steroid_flushing": "Steroid effects: flushing",
    "steroid_insomnia": "Steroid effects: insomnia",
    "blood_sugar": "Steroid effects: raised blood sugar",
    "neuritis": "Burning or sensitive skin (neuritis)",
    "device_pain": "Device or pocket pain",
    "lead_migration": "Lead migration",
    "unpleasant_stimulation": "Uncomfortable or jolting stimulation",
    "drug_effects": "Drug side effects (nausea, drowsiness, swelling)",
    "dissociation": "Dissociation or hallucinations",
    "nausea": "Nausea or vomiting",
    "blood_pressure": "Raised blood pressure or heart rate",
    "other": "Other side effect",
}

# The side effects each treatment family offers, in the order the form lists them.
FAMILY_SIDE_EFFECTS = {
    "injection": [
        "flare",
        "dural_headache",
        "numbness",
        "weakness",
        "infection",
        "steroid_flushing",
        "steroid_insomnia",
        "blood_sugar",
        "other",
    ],
    "ablation": ["flare", "neuritis", "numbness", "weakness", "infection", "other"],
    "disc": ["flare", "dural_headache", "numbness", "weakness", "infection", "other"],
    "implant": [
        "device_pain",
        "lead_migration",
        "unpleasant_stimulation",
        "dural_headache",
        "infection",
        "numbness",
        "weakness",
        "drug_effects",
        "other",
    ],
    "infusion": ["dissociation", "nausea", "blood_pressure", "headache", "other"],
    "other": ["flare", "headache", "numbness", "weakness", "infection", "other"],
}

FAMILIES = {
    "injection": "Injections and nerve blocks",
    "ablation": "Ablation",
    "disc": "Disc and vertebral procedures",
    "implant": "Implants and stimulators",
    "infusion": "Infusions",
    "other": "Other procedures",
}

SEVERITIES = {"mild": "Mild", "moderate": "Moderate", "severe": "Severe"}

COMPLICATIONS = {
    "emergency": "Emergency visit or hospital stay",
    "revision_surgery": "Revision surgery",
    "device_removal": "Device removal",
    "nerve_damage": "Lasting nerve damage",
}

SEDATION = {
    "none": "None (awake, local anaesthetic only)",
    "light": "Light or conscious sedation",
    "general": "General anaesthetic",
    "unsure": "Not sure",
}

IMAGING = {
    "fluoroscopy": "X-ray (fluoroscopy)",
    "ct": "CT",
    "ultrasound": "Ultrasound",
    "none": "None",
    "unsure": "Not sure",
}

TRIAL_RESULTS = {
    "passed": "Trial passed",
    "failed": "Trial failed",
    "not_applicable": "No trial (not applicable)",
}

# Brackets in whole units of the member's currency, so reports in different currencies
# stay comparable in shape without pretending to convert them.
COST_BRACKETS = {
    "none": "Nothing",
    "under_100": "Under 100",
    "100_500": "100 to 500",
    "500_1000": "500 to 1,000",
    "1000_5000": "1,000 to 5,000",
    "over_5000": "Over 5,000",
}

CURRENCIES = {
    "USD": "US dollars",
    "EUR": "Euros",
    "GBP": "Pounds sterling",
    "CAD": "Canadian dollars",
    "AUD": "Australian dollars",
    "other": "Another currency",
}

STOP_REASONS = {
    "no_effect": "It had no effect",
    "wore_off": "It wore off",
    "side_effects": "Side effects",
    "cost": "Cost or insurance",
    "device_problem": "Device problem",
    "clinician_advice": "My clinician advised it",
    "ongoing": "Still ongoing",
}

YES_NO_UNSURE = {"yes": "Yes", "no": "No", "unsure": "Not sure"}

# Buckets for "how many times have you had this procedure": (low, high, code, label).
REPEAT_BUCKETS = [
    (1, 1, "1", "1"),
    (2, 2, "2", "2"),
    (3, 3, "3", "3"),
    (4, 5, "4-5", "4–5"),
    (6, 10, "6-10", "6–10"),
    (11, 50, "11+", "11 or more"),
]


def side_effects_for(family: str | None) -> dict[str, str]:
    return {code: SIDE_EFFECTS[code] for code in FAMILY_SIDE_EFFECTS.get(family or "", [])}


# Inclusive ranges of the numeric answers: the form, the service and the database all
# refuse numbers outside them (never clamp: a typo must not become data).
RANGES = {
    "pain_before": (0, 10),
    "pain_best": (0, 10),
    "times_had": (1, 50),
    "percent_relief": (0, 100),
    "onset_days": (0, 90),
    "relief_weeks": (0, 520),
    "recovery_days": (0, 365),
    "procedure_month": (1, 12),
    "procedure_year": (1980, 2100),
}


# Optional single-choice answers and the vocabulary each must come from.
OPTIONAL_CHOICES = {
    "body_region": BODY_REGIONS,
    "sedation": SEDATION,
    "imaging": IMAGING,
    "trial_result": TRIAL_RESULTS,
    "cost_bracket": COST_BRACKETS,
    "currency": CURRENCIES,
    "stop_reason": STOP_REASONS,
    "would_repeat": YES_NO_UNSURE,
    "would_recommend": YES_NO_UNSURE,
}
