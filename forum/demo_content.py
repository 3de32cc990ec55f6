"""The demo forum's experience reports, whose stories match their answers (tests/test_demo.py
holds them to the report service's checks).

Spread so that three treatments have enough reports for their figures to be published
(forum/reports/outcomes.py: at least 5 in every published cell) and a few have too few,
to show what is withheld. Times are in days before the moment of seeding."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DemoReport:
    author: str
    board: str
    title: str
    story: str
    days_ago: float  # when it was posted
    months_ago: int  # when the procedure was
    pain: tuple[int, int]  # before, and at its best after
    relief: int  # the member's own estimate, in percent
    weeks: int  # how long the relief lasted (so far, when ongoing)
    pgic: int
    times: int = 1
    ongoing: bool = False
    stop: str = "wore_off"  # unless ongoing
    region: str = "lower_back"
    effects: dict = field(default_factory=dict)
    complications: tuple[str, ...] = ()
    repeat: str = "yes"
    recommend: str = "yes"
    trial: str | None = None
    visibility: str = "public"


RFA, ESI, SCS = "radiofrequency-ablation", "epidural-steroid", "spinal-cord-stimulation"
SI, MBB = "sacroiliac-joint-injection", "medial-branch-block"

# Kept a few lines per report, like rows of a table, rather than one answer per line.
# fmt: off
REPORTS = [
    # One member's path through three treatments (their profile shows it).
    DemoReport(
        "demo-facet-fay", ESI, "First ESI for leg pain: two weeks, then gone",
        "My first try at anything. The leg pain went from 7 to 5 for two weeks, with a hot "
        "face that evening. Not enough to want another.",
        days_ago=58, months_ago=20, pain=(7, 5), relief=30, weeks=2, pgic=4,
        region="leg", effects={"steroid_flushing": "mild"}, repeat="no", recommend="unsure",
    ),
    DemoReport(
        "demo-facet-fay", MBB, "Two medial branch blocks: both took me from 7 to 1, for hours",
        "Diagnostic blocks, a week apart. Each time my back went from 7 to about 1 for four "
        "or five hours, which is what they needed to see before offering ablation.",
        days_ago=40, months_ago=11, pain=(7, 1), relief=85, weeks=0, pgic=3, times=2,
    ),
    DemoReport(
        "demo-facet-fay", RFA, "RFA after two positive blocks: eight months and counting",
        "Radiofrequency ablation at L3-L5, both sides. Two weeks of sunburn-like skin, then "
        "my back settled from 7 to about 2, and it is still there eight months on.",
        days_ago=7, months_ago=8, pain=(7, 2), relief=70, weeks=32, ongoing=True, pgic=2,
        effects={"neuritis": "mild"},
    ),
    # Radiofrequency ablation: 12 reports, 7 with at least 30% less pain.
    DemoReport(
        "demo-garden-gwen", RFA, "Rhizotomy number three: still worth it for me",
        "Third lumbar ablation. Each has given me most of a year; this one about 40 weeks, "
        "pain from 8 down to 3. The first fortnight always flares. It wore off last month.",
        days_ago=30, months_ago=14, pain=(8, 3), relief=60, weeks=40, pgic=2, times=3,
        effects={"flare": "moderate"},
    ),
    DemoReport(
        "demo-cyclist-cal", RFA, "Cervical RFA at C3-C5 after whiplash: a good year",
        "Neck pain from 6 to 1 for a full year. A patch of numb skin behind my ear, which I "
        "stopped noticing. It has worn off now and I have asked for a repeat.",
        days_ago=45, months_ago=16, pain=(6, 1), relief=80, weeks=52, pgic=1, region="neck",
        effects={"numbness": "mild"},
    ),
    DemoReport(
        "demo-night-shift-nat", RFA, "Lumbar RFA: half the pain, but the burning skin was rough",
        "From 8 to 4, still holding at five months. The skin over the site burned for three "
        "weeks, bad enough that I would warn a friend before recommending it.",
        days_ago=16, months_ago=6, pain=(8, 4), relief=50, weeks=20, ongoing=True, pgic=2,
        effects={"neuritis": "moderate"}, recommend="unsure",
    ),
    DemoReport(
        "demo-porch-pat", RFA, "First RFA: from a 7 to a 4, lasted five months",
        "Nothing dramatic, but five months of walking the dog again. No side effects to speak "
        "of. I would have it again.",
        days_ago=36, months_ago=10, pain=(7, 4), relief=40, weeks=22, pgic=3,
    ),
    DemoReport(
        "demo-teacher-tess", RFA, "RFA at L4-S1: three good months, then back to baseline",
        "Pain halved, from 6 to 3, for about three months. A mild flare the first week. "
        "I am not sure three months is worth the recovery each time.",
        days_ago=25, months_ago=9, pain=(6, 3), relief=50, weeks=13, pgic=3,
        effects={"flare": "mild"}, repeat="unsure", recommend="unsure",
    ),
    DemoReport(
        "demo-baker-bea", RFA, "Ablation worked better than I expected, four months in",
        "I went in expecting little. Pain from 7 to 2 within three weeks and still there. "
        "No side effects.",
        days_ago=10, months_ago=5, pain=(7, 2), relief=75, weeks=16, ongoing=True, pgic=2,
    ),
    DemoReport(
        "demo-fisher-finn", RFA, "RFA did nothing for me, though the blocks looked promising",
        "Both blocks worked, so I had high hopes. Pain went from 7 to 6 at best, after a "
        "two-week flare. No effect I could count on.",
        days_ago=33, months_ago=7, pain=(7, 6), relief=10, weeks=0, pgic=4, stop="no_effect",
        effects={"flare": "moderate"}, repeat="no", recommend="unsure",
    ),
    DemoReport(
        "demo-knitter-kit", RFA, "Second rhizotomy: far less than the first",
        "The first one was wonderful. The second took me from 6 to 5 for about six weeks. "
        "I may not try a third.",
        days_ago=22, months_ago=11, pain=(6, 5), relief=20, weeks=6, pgic=4, times=2,
        repeat="unsure", recommend="unsure",
    ),
    DemoReport(
        "demo-driver-dev", RFA, "RFA at L5: weeks of numb, burning skin and little relief",
        "Pain from 8 to 7 for a month. The numbness and burning lasted longer than the relief.",
        days_ago=14, months_ago=4, pain=(8, 7), relief=10, weeks=4, pgic=4,
        effects={"neuritis": "moderate", "numbness": "moderate"}, repeat="no", recommend="no",
    ),
    DemoReport(
        "demo-choir-cleo", RFA, "Cervical RFA eased my headaches a little, not my neck",
        "Neck pain from 6 to 5 for about ten weeks; the headaches were less often. A small "
        "change, not the one I hoped for.",
        days_ago=50, months_ago=13, pain=(6, 5), relief=15, weeks=10, pgic=4, region="neck",
        repeat="unsure", recommend="unsure",
    ),
    DemoReport(
        "demo-hiker-hal", RFA, "RFA made it worse for a month, then back to where I started",
        "Pain 7 before, and 7 again once a month-long severe flare settled. No relief at any "
        "point.",
        days_ago=19, months_ago=5, pain=(7, 7), relief=0, weeks=0, pgic=5, stop="no_effect",
        effects={"flare": "severe"}, repeat="no", recommend="no",
    ),
    # Epidural steroid injections: 10 reports, 5 with at least 30% less pain.
    DemoReport(
        "demo-third-time-tom", ESI, "Third ESI at L5-S1: two good months",
        "My third transforaminal injection. Leg pain from 8 to 3 for about nine weeks, a "
        "mild flare the first day. The best of the three.",
        days_ago=2.5, months_ago=4, pain=(8, 3), relief=60, weeks=9, pgic=2, times=3,
        region="leg", effects={"flare": "mild"},
    ),
    DemoReport(
        "demo-potter-pia", ESI, "Neck epidural: my arm pain gone for half a year",
        "Interlaminar injection at C6-C7. The pain down my arm went from 7 to 2 within a week "
        "and stayed away for six months.",
        days_ago=27, months_ago=9, pain=(7, 2), relief=70, weeks=26, pgic=1, region="arm",
    ),
    DemoReport(
        "demo-runner-rae", ESI, "Caudal epidural after a disc bulge: still better at four months",
        "Sciatica from 6 to 2. A couple of restless nights from the steroid, nothing else. "
        "Back to slow runs.",
        days_ago=8, months_ago=4, pain=(6, 2), relief=65, weeks=15, ongoing=True, pgic=2,
        region="leg", effects={"steroid_insomnia": "mild"},
    ),
    DemoReport(
        "demo-sacral-sam", ESI, "Transforaminal ESI at L5-S1: 7 to 3, for three weeks",
        "The same injection as in my other thread, as a report: three good weeks, a flushed "
        "face and two poor nights.",
        days_ago=19.5, months_ago=3, pain=(7, 3), relief=55, weeks=3, pgic=3, region="leg",
        effects={"steroid_flushing": "mild", "steroid_insomnia": "mild"},
        repeat="unsure", recommend="unsure",
    ),
    DemoReport(
        "demo-walker-wyn", ESI, "Second epidural: ten good days",
        "Pain from 7 to 4, but only for ten days or so. Better than the first, which did "
        "nothing.",
        days_ago=41, months_ago=6, pain=(7, 4), relief=40, weeks=1, pgic=3, times=2,
        region="leg", repeat="unsure", recommend="unsure",
    ),
    DemoReport(
        "demo-quilter-quinn", ESI, "Two epidurals, no real change in my sciatica",
        "8 before, 7 at best, both times. I have stopped pursuing them.",
        days_ago=38, months_ago=7, pain=(8, 7), relief=10, weeks=0, pgic=4, times=2,
        stop="no_effect", region="leg", repeat="no", recommend="no",
    ),
    DemoReport(
        "demo-ledger-lin", ESI, "Epidural sent my blood sugar up for a week; pain barely moved",
        "I am diabetic and was warned. Sugars were high for a week; pain from 6 to 5 for "
        "about a week.",
        days_ago=29, months_ago=3, pain=(6, 5), relief=15, weeks=1, pgic=4,
        effects={"blood_sugar": "moderate", "steroid_flushing": "mild"},
        repeat="no", recommend="unsure",
    ),
    DemoReport(
        "demo-barista-bo", ESI, "Spinal headache after my epidural",
        "The needle went a little too far. Three days of a headache that only eased lying "
        "flat. The back pain itself went from 7 to 6 for a fortnight.",
        days_ago=47, months_ago=5, pain=(7, 6), relief=10, weeks=2, pgic=4,
        effects={"dural_headache": "severe"}, repeat="no", recommend="no",
    ),
    DemoReport(
        "demo-shepherd-sol", ESI, "Fourth ESI: the relief gets shorter each time",
        "From 7 to 5 for three weeks this time; the first gave me three months. Overall, "
        "no real change any more.",
        days_ago=12.5, months_ago=2, pain=(7, 5), relief=25, weeks=3, pgic=4, times=4,
        effects={"flare": "mild"}, repeat="unsure", recommend="unsure",
    ),
    # Spinal cord stimulation: 11 reports, 6 with at least 30% less pain.
    DemoReport(
        "demo-welder-wes", SCS, "High-frequency SCS two years on: the best decision I made",
        "Leg and back pain from 8 to 3, and it has held for two years. The battery site was "
        "sore for a month. I walk to work again.",
        days_ago=1.5, months_ago=26, pain=(8, 3), relief=60, weeks=104, ongoing=True, pgic=1,
        region="leg", effects={"device_pain": "mild"}, trial="passed",
    ),
    DemoReport(
        "demo-violin-vi", SCS, "Burst stimulator after failed back surgery: leg pain halved",
        "From 8 to 4 and still there after a year. The stimulation jolts when I twist, "
        "which I have learnt to avoid.",
        days_ago=31, months_ago=14, pain=(8, 4), relief=50, weeks=56, ongoing=True, pgic=2,
        region="leg", effects={"unpleasant_stimulation": "mild"}, trial="passed",
    ),
    DemoReport(
        "demo-archer-ash", SCS, "SCS for CRPS in my foot: 70% better after a year",
        "Pain from 9 to 3. I can wear a shoe again. No side effects so far.",
        days_ago=21, months_ago=13, pain=(9, 3), relief=70, weeks=52, ongoing=True, pgic=1,
        region="leg", trial="passed",
    ),
    DemoReport(
        "demo-sailor-sky", SCS, "The stimulator helped my legs, not my back",
        "Legs from 7 to 4 for about forty weeks; my back never changed, and the pocket "
        "ached. It has stopped helping, so now I am looking at a pump.",
        days_ago=35, months_ago=12, pain=(7, 4), relief=40, weeks=40, pgic=3,
        effects={"device_pain": "moderate"}, recommend="unsure", trial="passed",
    ),
    DemoReport(
        "demo-miner-mo", SCS, "Lead moved at six weeks; fine since the revision",
        "The lead slipped and the tingling moved to my hip. After the revision: pain from 8 "
        "to 3, for a year and a half now.",
        days_ago=44, months_ago=18, pain=(8, 3), relief=60, weeks=70, ongoing=True, pgic=2,
        region="leg", effects={"lead_migration": "moderate"},
        complications=("revision_surgery",), trial="passed",
    ),
    DemoReport(
        "demo-painter-pax", SCS, "SCS: a year of good relief, then it faded",
        "Pain from 7 to 3 for about fourteen months. Reprogramming has not brought it back.",
        days_ago=52, months_ago=30, pain=(7, 3), relief=55, weeks=60, pgic=3,
        recommend="unsure", trial="passed",
    ),
    DemoReport(
        "demo-tailor-tam", SCS, "Passed the trial, but the implant never matched it",
        "The trial took me from 8 to 3. The permanent system: 8 to 7, with jolts when I "
        "lie down.",
        days_ago=26, months_ago=12, pain=(8, 7), relief=10, weeks=4, pgic=4, stop="no_effect",
        effects={"unpleasant_stimulation": "moderate"}, repeat="no", recommend="no",
        trial="passed",
    ),
    DemoReport(
        "demo-rower-ren", SCS, "Pocket pain outweighed the benefit: mine came out",
        "Back from 7 to 6 for ten weeks, and a battery pocket that hurt more than that. It "
        "was removed after five months.",
        days_ago=17, months_ago=20, pain=(7, 6), relief=15, weeks=10, pgic=5,
        stop="device_problem", effects={"device_pain": "severe"},
        complications=("device_removal",), repeat="no", recommend="no", trial="passed",
        visibility="members",
    ),
    DemoReport(
        "demo-clerk-cy", SCS, "Stimulator: some nights better, overall about the same",
        "7 before, 6 at best. I still use it in the evenings.",
        days_ago=23, months_ago=8, pain=(7, 6), relief=10, weeks=30, ongoing=True, pgic=4,
        repeat="unsure", recommend="unsure", trial="passed",
    ),
    DemoReport(
        "demo-farmer-flo", SCS, "Infection after my SCS implant: six weeks of antibiotics",
        "An infected wound and a night in hospital. When it worked, pain from 8 to 6, for "
        "about twenty weeks.",
        days_ago=48, months_ago=15, pain=(8, 6), relief=25, weeks=20, pgic=4,
        stop="side_effects", effects={"infection": "severe"}, complications=("emergency",),
        repeat="no", recommend="unsure", trial="passed",
    ),
    DemoReport(
        "demo-nurse-noor", SCS, "SCS takes the edge off, no more",
        "From 7 to 5 in my diary, steady for nine months, yet overall I would not call "
        "myself better. Useful on bad evenings, not life-changing.",
        days_ago=11, months_ago=9, pain=(7, 5), relief=30, weeks=36, ongoing=True, pgic=4,
        repeat="unsure", recommend="unsure", trial="passed",
    ),
    # Sacroiliac joint injections: too few reports for figures.
    DemoReport(
        "demo-mum-of-three-meg", SI, "SI joint injection after pregnancy: four months pain-free",
        "The pain in my buttock went from 7 to 1 within days and stayed away for four months.",
        days_ago=3.5, months_ago=7, pain=(7, 1), relief=85, weeks=17, pgic=1,
        region="buttock_hip",
    ),
    DemoReport(
        "demo-golfer-gil", SI, "SI injection: a good afternoon, then nothing",
        "The anaesthetic worked for a few hours; the steroid never did. 6 before, 5 at best.",
        days_ago=15, months_ago=3, pain=(6, 5), relief=15, weeks=0, pgic=4, stop="no_effect",
        region="buttock_hip", effects={"flare": "mild"}, repeat="no", recommend="unsure",
    ),
    DemoReport(
        "demo-cook-cass", SI, "Second SI joint injection: six weeks of easier walking",
        "Pain from 6 to 3 for six weeks, a flushed face for a day.",
        days_ago=5, months_ago=2, pain=(6, 3), relief=50, weeks=6, pgic=3, times=2,
        region="buttock_hip", effects={"steroid_flushing": "mild"},
    ),
]
# fmt: on
