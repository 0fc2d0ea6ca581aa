//! A model file plugged in: the built-in model written as ONNX and read back classifies as the
//! built-in one does; a scikit-learn style classifier is read; files that do not fit are
//! refused with a reason.

use analytics::corpus::{self, Split};
use analytics::model::{self, BUILTIN};
use analytics::normalize::tokens;
use analytics::{Classifier, Sentiment};
use onnx::{Error, OnnxModel, export};
use prost::Message;
use tract_onnx::pb;

fn exported() -> pb::ModelProto {
    pb::ModelProto::decode(&export(BUILTIN.model(), BUILTIN.id())[..]).unwrap()
}

fn graph(proto: &mut pb::ModelProto) -> &mut pb::GraphProto {
    proto.graph.as_mut().unwrap()
}

/// Every held-out comment: the plugged model's probabilities and the built-in model's.
fn agrees_with_builtin(plugged: &OnnxModel) {
    let examples = corpus::parse(corpus::BUILTIN).unwrap();
    let mut compared = 0;
    for e in examples.iter().filter(|e| e.split == Split::Test) {
        let t = tokens(&e.text);
        let (want, got) = (BUILTIN.model().probabilities(&t), plugged.probabilities(&t).unwrap());
        for c in 0..3 {
            assert!((want[c] - got[c]).abs() < 1e-4, "{:?}: {want:?} ≠ {got:?}", e.text);
        }
        compared += 1;
    }
    assert!(compared > 600, "{compared}");
}

#[test]
fn the_builtin_model_written_as_onnx_classifies_as_the_builtin_one() {
    let bytes = export(BUILTIN.model(), BUILTIN.id());
    let plugged = OnnxModel::load(&bytes).unwrap();
    assert!(plugged.id().starts_with("onnx-") && plugged.id() != BUILTIN.id(), "its own name: {}", plugged.id());
    agrees_with_builtin(&plugged);
    assert_eq!(plugged.verdict(&tokens("ko dc huong dan j het, cham tre")).unwrap().sentiment, Sentiment::Negative);
    let meta = exported().metadata_props;
    assert!(meta.iter().any(|m| m.key == "thuocdo.model" && m.value == BUILTIN.id()), "{meta:?}");
}

#[test]
fn a_model_that_gives_scores_has_them_made_probabilities() {
    let mut proto = exported();
    let g = graph(&mut proto);
    g.node.pop();
    g.output[0].name = "scores".into();
    let plugged = OnnxModel::load(&proto.encode_to_vec()).unwrap();
    agrees_with_builtin(&plugged);
}

/// What skl2onnx writes for a `LogisticRegression` with `zipmap` off: a `LinearClassifier` of
/// the ONNX-ML domain, its label first and its probabilities second.
#[test]
fn a_scikit_learn_linear_classifier_is_read() {
    const BITS: u32 = 10;
    let width = 1usize << BITS;
    let row = |text: &str| {
        let mut row = vec![0f32; width];
        for (slot, value) in model::vector(&tokens(text), BITS) {
            row[slot] += value;
        }
        row
    };
    let (bad, good) = ("Chậm trễ, phải đi lại nhiều lần, thái độ hách dịch", "Cán bộ nhiệt tình, chu đáo, hướng dẫn tận tình");
    let coefficients: Vec<f32> = [row(bad), vec![0.0; width], row(good)].concat();
    let attribute = |name: &str, kind: pb::attribute_proto::AttributeType| pb::AttributeProto { name: name.into(), r#type: kind as i32, ..Default::default() };
    use pb::attribute_proto::AttributeType as A;
    let node = pb::NodeProto {
        op_type: "LinearClassifier".into(),
        domain: "ai.onnx.ml".into(),
        input: vec!["features".into()],
        output: vec!["label".into(), "probabilities".into()],
        attribute: vec![
            pb::AttributeProto { ints: vec![-1, 0, 1], ..attribute("classlabels_ints", A::Ints) },
            pb::AttributeProto { floats: coefficients, ..attribute("coefficients", A::Floats) },
            pb::AttributeProto { floats: vec![0.0, 3.0, 0.0], ..attribute("intercepts", A::Floats) },
            pb::AttributeProto { i: 1, ..attribute("multi_class", A::Int) },
            pb::AttributeProto { s: b"SOFTMAX".to_vec(), ..attribute("post_transform", A::String) },
        ],
        ..Default::default()
    };
    let mut proto = exported();
    proto.opset_import.push(pb::OperatorSetIdProto { domain: "ai.onnx.ml".into(), version: 1 });
    let g = graph(&mut proto);
    let mut label = g.output[0].clone();
    label.name = "label".into();
    if let Some(pb::type_proto::Value::TensorType(t)) = label.r#type.as_mut().and_then(|t| t.value.as_mut()) {
        t.elem_type = pb::tensor_proto::DataType::Int64 as i32;
        t.shape.as_mut().unwrap().dim.pop();
    }
    g.output.insert(0, label);
    g.node = vec![node];
    g.initializer.clear();
    set_width(g, width as i64);
    let plugged = OnnxModel::load(&proto.encode_to_vec()).unwrap();
    let verdict = |t: &str| plugged.verdict(&tokens(t)).unwrap().sentiment;
    assert_eq!(verdict(bad), Sentiment::Negative);
    assert_eq!(verdict(good), Sentiment::Positive);
    assert_eq!(verdict("Không có ý kiến"), Sentiment::Neutral, "the neutral intercept wins when nothing else weighs");
}

fn set_width(g: &mut pb::GraphProto, width: i64) {
    if let Some(pb::type_proto::Value::TensorType(t)) = g.input[0].r#type.as_mut().and_then(|t| t.value.as_mut()) {
        t.shape.as_mut().unwrap().dim[1].value = Some(pb::tensor_shape_proto::dimension::Value::DimValue(width));
    }
}

#[test]
fn files_that_do_not_fit_are_refused_with_the_reason() {
    let refused = |bytes: &[u8]| OnnxModel::load(bytes).expect_err("refused");
    assert!(matches!(refused(b"MZ\x90\x00 not a model at all"), Error::Invalid(_)));
    assert!(matches!(refused(&[]), Error::Invalid(_)), "an empty file has no graph");

    // A width that is no power of two.
    let mut proto = exported();
    let g = graph(&mut proto);
    set_width(g, 3_000);
    g.initializer[0].dims[0] = 3_000;
    g.initializer[0].raw_data.truncate(3_000 * 3 * 4);
    let e = refused(&proto.encode_to_vec());
    assert!(matches!(e, Error::Shape(_)) && e.to_string().contains("lũy thừa của 2"), "{e}");

    // Four classes.
    let mut proto = exported();
    let g = graph(&mut proto);
    let width = g.initializer[0].dims[0] as usize;
    g.initializer[0].dims[1] = 4;
    g.initializer[0].raw_data = vec![0; width * 4 * 4];
    let e = refused(&proto.encode_to_vec());
    assert!(matches!(e, Error::Shape(_)) && e.to_string().contains("[N, 3]"), "{e}");

    // Two inputs.
    let mut proto = exported();
    let g = graph(&mut proto);
    let mut second = g.input[0].clone();
    second.name = "more".into();
    g.input.push(second);
    assert!(matches!(refused(&proto.encode_to_vec()), Error::Shape(_)));

    // A file larger than allowed is not read at all.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.onnx");
    std::fs::File::create(&path).unwrap().set_len(onnx::MAX_FILE_BYTES + 1).unwrap();
    assert!(matches!(OnnxModel::load_file(&path), Err(Error::TooLarge)));
    assert!(matches!(OnnxModel::load_file(&dir.path().join("none.onnx")), Err(Error::Io(..))));
}
