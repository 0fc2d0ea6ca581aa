//! The marking rules over every role × phase × stage, and every role × phase × state × action,
//! against tables written by hand; and the page's offers against the rules.

use super::*;
use crate::auth::{Grant, Role};
use crate::par::tests::small_tree;

const DEADLINES: Deadlines = Deadlines { self_assessment: 100, appraisal: 200, explanation: 300, final_appraisal: 400 };

/// A moment inside each phase.
const MOMENTS: [(Phase, i64); 5] =
    [(Phase::SelfAssessment, 50), (Phase::Appraisal, 150), (Phase::Explanation, 250), (Phase::FinalAppraisal, 350), (Phase::Closed, 450)];

fn roles() -> [(&'static str, Viewer); 6] {
    [
        ("office", Viewer { office: true, ..Viewer::default() }),
        ("unit", Viewer { unit: true, ..Viewer::default() }),
        ("head", Viewer { head: true, ..Viewer::default() }),
        ("council", Viewer { council: true, ..Viewer::default() }),
        ("unit head", Viewer { unit: true, head: true, ..Viewer::default() }),
        // Reads everything and is in no table of writers: writes nothing, acts on nothing.
        ("reader", Viewer { reader: true, ..Viewer::default() }),
    ]
}

/// Who writes each stage, and in which phase: the methodology's table, written out by hand.
const WRITES: [(Stage, &str, Phase); 5] = [
    (Stage::SelfAssessment, "unit", Phase::SelfAssessment),
    (Stage::Appraisal, "council", Phase::Appraisal),
    (Stage::Explanation, "unit", Phase::Explanation),
    (Stage::FinalAppraisal, "council", Phase::FinalAppraisal),
    (Stage::Measured, "office", Phase::FinalAppraisal),
];

fn assessment<'a>(tree: &'a Tree, viewer: Viewer, state: State, now: i64, documents: &[i64]) -> Assessment<'a> {
    Assessment { viewer, deadlines: &DEADLINES, state, tree, documents: documents.to_vec(), now }
}

/// A mark that fits its stage: a measured item for measured points, a self-assessed one otherwise.
fn fitting(stage: Stage) -> (&'static str, Points) {
    if stage == Stage::Measured { ("b1", Points(300)) } else { ("a1", Points(150)) }
}

#[test]
fn who_writes_what_when() {
    let tree = small_tree();
    for (role, viewer) in roles() {
        for (phase, now) in MOMENTS {
            for (stage, writer, its_phase) in WRITES {
                let rules = assessment(&tree, viewer, State::Draft, now, &[]);
                let (item, points) = fitting(stage);
                let got = rules.mark(stage, item, Some(points), "Lý do");
                let theirs = role.split(' ').any(|r| r == writer);
                match (theirs, phase == its_phase) {
                    (true, true) => assert_eq!(got.map(|m| m.points), Ok(Some(points)), "{role} writes {stage:?} in {phase:?}"),
                    (true, false) => assert!(matches!(got, Err(Refusal::Locked(_))), "{role}, {stage:?} in {phase:?}: {got:?}"),
                    (false, _) => assert_eq!(got, Err(Refusal::Forbidden), "{role} may not write {stage:?} (in {phase:?})"),
                }
            }
        }
    }
}

#[test]
fn the_page_offers_a_form_exactly_where_the_rules_take_it() {
    let tree = small_tree();
    for (role, viewer) in roles() {
        for (phase, now) in MOMENTS {
            for state in [State::Draft, State::Submitted, State::Approved] {
                let rules = assessment(&tree, viewer, state, now, &[]);
                for code in ["a1", "a2", "b1", "T1", "P1"] {
                    let offered = rules.form_stage(code);
                    let taken: Vec<Stage> =
                        Stage::ALL.into_iter().filter(|s| *s != Stage::Measured).filter(|s| rules.mark(*s, code, Some(Points(50)), "Lý do").is_ok()).collect();
                    assert_eq!(offered.into_iter().collect::<Vec<_>>(), taken, "{role}, {code} in {phase:?}, {state:?}");
                }
            }
        }
    }
}

#[test]
fn a_submitted_or_approved_self_assessment_is_locked_for_the_unit_only() {
    let tree = small_tree();
    let unit = Viewer { unit: true, ..Viewer::default() };
    for state in [State::Submitted, State::Approved] {
        let rules = assessment(&tree, unit, state, 50, &[]);
        assert!(matches!(rules.mark(Stage::SelfAssessment, "a1", Some(Points(100)), ""), Err(Refusal::Locked(_))));
        // The unit still explains once the council has appraised.
        let later = assessment(&tree, unit, state, 250, &[]);
        assert!(later.mark(Stage::Explanation, "a1", None, "Đã có quyết định").is_ok());
    }
}

#[test]
fn what_each_item_takes_and_what_a_mark_must_hold() {
    let tree = small_tree();
    let unit = assessment(&tree, Viewer { unit: true, ..Viewer::default() }, State::Draft, 50, &[]);
    let council = assessment(&tree, Viewer { council: true, ..Viewer::default() }, State::Draft, 350, &[]);
    let first = assessment(&tree, Viewer { council: true, ..Viewer::default() }, State::Draft, 150, &[]);
    let invalid = |r: Result<Mark, Refusal>| match r {
        Err(Refusal::Invalid(problems)) => problems.join(" "),
        other => panic!("expected invalid, got {other:?}"),
    };
    assert!(invalid(unit.mark(Stage::SelfAssessment, "b1", Some(Points(100)), "")).contains("không tự chấm"));
    assert!(invalid(unit.mark(Stage::SelfAssessment, "a1", Some(Points(201)), "")).contains("a1"));
    assert!(invalid(first.mark(Stage::Appraisal, "T1", Some(Points(100)), "")).contains("vòng thẩm định 2"));
    assert!(invalid(first.mark(Stage::Appraisal, "a1", None, "")).contains("Hãy cho điểm"));
    assert!(invalid(unit.mark(Stage::SelfAssessment, "a1", None, &"x".repeat(MAX_NOTE_CHARS + 1))).contains("4.000"));
    assert_eq!(unit.mark(Stage::SelfAssessment, "z9", Some(Points(1)), ""), Err(Refusal::NotFound));
    // The council appraises measured items too, and sets bonus and penalty in its final round.
    assert!(council.mark(Stage::FinalAppraisal, "b1", Some(Points(500)), "").is_ok());
    assert_eq!(council.mark(Stage::FinalAppraisal, "P1", Some(Points(200)), " trừ  điểm ").map(|m| m.note), Ok("trừ điểm".into()));
    // A unit may leave points empty while it works; an explanation is words.
    assert_eq!(unit.mark(Stage::SelfAssessment, "a2", None, "").map(|m| m.points), Ok(None));
    let explaining = assessment(&tree, Viewer { unit: true, ..Viewer::default() }, State::Approved, 250, &[]);
    assert!(invalid(explaining.mark(Stage::Explanation, "a1", None, "  ")).contains("giải trình"));
}

fn post(stage: Stage, item: &str, file: Option<(&str, &[u8])>, document: Option<i64>) -> ItemPost {
    ItemPost {
        stage,
        item: item.into(),
        points: Some(Points(100)),
        note: "Ghi chú".into(),
        file: file.map(|(name, bytes)| NewFile { name: name.into(), bytes: bytes.to_vec() }),
        document,
    }
}

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n%%EOF\n";

#[test]
fn an_item_form_is_checked_whole_before_anything_is_written() {
    let tree = small_tree();
    let unit = assessment(&tree, Viewer { unit: true, ..Viewer::default() }, State::Draft, 50, &[7]);
    let written = unit.item(&post(Stage::SelfAssessment, "a2", Some(("../QĐ 12.pdf", PDF)), Some(7))).unwrap();
    assert_eq!(written.file, Some(CheckedFile { name: "QĐ 12.pdf".into(), media_type: "application/pdf" }));
    assert_eq!((written.mark.item.as_str(), written.document), ("a2", Some(7)));
    // A bad file and bad points are told together; neither is written.
    let mut both = post(Stage::SelfAssessment, "a1", Some(("virus.pdf", b"MZ\x90")), None);
    both.points = Some(Points(900));
    match unit.item(&both) {
        Err(Refusal::Invalid(problems)) => assert_eq!(problems.len(), 2, "{problems:?}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(unit.item(&post(Stage::SelfAssessment, "a1", None, Some(8))), Err(Refusal::NotFound), "another assessment's document");
    // The council brings no files; a document is reused only with the unit's points.
    let council = assessment(&tree, Viewer { council: true, ..Viewer::default() }, State::Approved, 150, &[7]);
    assert!(matches!(council.item(&post(Stage::Appraisal, "a1", Some(("qd.pdf", PDF)), None)), Err(Refusal::Invalid(_))));
    let explaining = assessment(&tree, Viewer { unit: true, ..Viewer::default() }, State::Approved, 250, &[7]);
    assert!(explaining.item(&post(Stage::Explanation, "a1", Some(("qd.pdf", PDF)), None)).is_ok());
    assert!(matches!(explaining.item(&post(Stage::Explanation, "a1", None, Some(7))), Err(Refusal::Invalid(_))));
    // Refusals of the whole come before the content is judged.
    let locked = assessment(&tree, Viewer { unit: true, ..Viewer::default() }, State::Submitted, 50, &[7]);
    assert!(matches!(locked.item(&post(Stage::SelfAssessment, "a1", Some(("virus.pdf", b"MZ")), None)), Err(Refusal::Locked(_))));
}

/// Hand-written: who takes each action, from which state, to which state.
const ACTIONS: [(Action, &str, State, State); 3] = [
    (Action::Submit, "unit", State::Draft, State::Submitted),
    (Action::Approve, "head", State::Submitted, State::Approved),
    (Action::Return, "head", State::Submitted, State::Draft),
];

#[test]
fn who_submits_approves_and_returns_when() {
    let tree = small_tree();
    // Every self-assessed item scored, a2 explained: ready to submit.
    let marks: BTreeMap<String, SelfMark> = [("a1", ""), ("a2", "Chưa có quyết định")]
        .into_iter()
        .map(|(code, note)| (code.to_string(), SelfMark { points: Some(Points(100)), note: note.into(), evidence: 0 }))
        .collect();
    for (role, viewer) in roles() {
        for (phase, now) in MOMENTS {
            for state in [State::Draft, State::Submitted, State::Approved] {
                for (action, actor, from, to) in ACTIONS {
                    let rules = assessment(&tree, viewer, state, now, &[]);
                    let got = rules.act(action, "Sửa mục a2", &marks);
                    let theirs = role.split(' ').any(|r| r == actor);
                    let expected_ok = theirs && phase == Phase::SelfAssessment && state == from;
                    assert_eq!(rules.offers(action), expected_ok, "{role} {action:?} in {phase:?} from {state:?}");
                    match got {
                        Ok((next, _)) => assert!(expected_ok && next == to, "{role} {action:?} in {phase:?} from {state:?}"),
                        Err(Refusal::Forbidden) => assert!(!theirs),
                        Err(Refusal::Locked(_)) => assert!(theirs && !expected_ok),
                        Err(other) => panic!("{other:?}"),
                    }
                }
            }
        }
    }
}

#[test]
fn a_submission_must_be_finished_and_a_return_must_say_why() {
    let tree = small_tree();
    let unit = assessment(&tree, Viewer { unit: true, head: true, ..Viewer::default() }, State::Draft, 50, &[]);
    assert!(matches!(unit.act(Action::Submit, "", &BTreeMap::new()), Err(Refusal::Invalid(p)) if p.len() == 2));
    let head = assessment(&tree, Viewer { head: true, ..Viewer::default() }, State::Submitted, 50, &[]);
    assert!(matches!(head.act(Action::Return, " \n ", &BTreeMap::new()), Err(Refusal::Invalid(_))));
    assert_eq!(head.act(Action::Approve, "", &BTreeMap::new()), Ok((State::Approved, String::new())));
}

#[test]
fn how_officials_stand_to_a_unit() {
    // Province 1 ⊃ district 2 ⊃ commune 3; the assessment is the commune's.
    let ancestry = [3, 2, 1];
    let grant = |role, unit| Access::new(vec![Grant { role, unit }]);
    let unit_official = Viewer { unit: true, ..Viewer::default() };
    assert_eq!(Viewer::of(&grant(Role::UnitOfficial, 3), &ancestry, false), Some(unit_official));
    assert_eq!(Viewer::of(&grant(Role::UnitOfficial, 2), &ancestry, false), Some(unit_official), "from the unit above");
    assert_eq!(Viewer::of(&grant(Role::UnitOfficial, 4), &ancestry, false), None, "another unit's official");
    assert_eq!(Viewer::of(&grant(Role::UnitHead, 3), &ancestry, false), Some(Viewer { unit: true, head: true, ..Viewer::default() }));
    assert_eq!(Viewer::of(&grant(Role::ReformOffice, 1), &ancestry, false).map(|v| v.office), Some(true));
    assert_eq!(Viewer::of(&grant(Role::AppraisalCouncil, 1), &ancestry, false), None, "not assigned to this unit");
    assert_eq!(Viewer::of(&grant(Role::AppraisalCouncil, 1), &ancestry, true), Some(Viewer { council: true, ..Viewer::default() }));
    assert_eq!(Viewer::of(&grant(Role::UnitOfficial, 3), &ancestry, true).map(|v| v.council), Some(false), "assigned without the role");
    assert_eq!(Viewer::of(&grant(Role::Leadership, 1), &ancestry, false), Some(Viewer { reader: true, ..Viewer::default() }), "leaders read");
    assert_eq!(Viewer::of(&grant(Role::Leadership, 4), &ancestry, false), None, "another branch's leader");
}
