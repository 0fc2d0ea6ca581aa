//! A sentiment model an operator plugs in: an ONNX file run by tract (pure Rust, on the
//! server itself, no outside service). The built-in model stays the default; [`export`] writes
//! it as such a file, which is also the template of what a plugged model must look like.
//!
//! A model file must have:
//! - one input, float32, of shape `[N, D]` (`N` named or 1), `D` a power of two from 2^10 to
//!   2^20: a comment's hashed features, as `analytics::model::vector` makes them with log2 `D`
//!   bits and `thuocdo analytics features` writes them for training elsewhere;
//! - a float32 output of shape `[N, 3]`: negative, neutral, positive (labels −1, 0, 1 sorted),
//!   as probabilities or as scores, to which softmax is applied.
//!
//! scikit-learn's `LogisticRegression` exported by skl2onnx (`zipmap` off) and a PyTorch
//! `Linear` layer with or without `Softmax` are both such models.

use std::path::Path;
use std::sync::Arc;

use analytics::model::{self, Model};
use analytics::normalize::Token;
use analytics::{Classifier, ClassifierError};
use prost::Message;
use tract_onnx::pb;
use tract_onnx::prelude::*;

/// The largest model file read: a linear model of 2^20 inputs is 12 MB; a small network fits.
pub const MAX_FILE_BYTES: u64 = 256 << 20;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("không đọc được tệp mô hình {0}: {1}")]
    Io(String, std::io::Error),
    #[error("tệp mô hình lớn quá {} MB", MAX_FILE_BYTES >> 20)]
    TooLarge,
    #[error("tệp không phải mô hình ONNX chạy được: {0}")]
    Invalid(String),
    #[error("mô hình không theo khuôn của Thước Đo: {0}")]
    Shape(String),
}

/// A plugged model, ready to classify.
pub struct OnnxModel {
    id: String,
    bits: u32,
    plan: Arc<TypedRunnableModel>,
    /// Which of the model's outputs holds the three scores.
    output: usize,
}

impl OnnxModel {
    pub fn load_file(path: &Path) -> Result<Self, Error> {
        let io = |e| Error::Io(path.display().to_string(), e);
        if std::fs::metadata(path).map_err(io)?.len() > MAX_FILE_BYTES {
            return Err(Error::TooLarge);
        }
        Self::load(&std::fs::read(path).map_err(io)?)
    }

    /// Reads a model file, checks it has the shape above, and classifies an empty comment with
    /// it once, so that a model that cannot run is refused when the server starts.
    pub fn load(bytes: &[u8]) -> Result<Self, Error> {
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(Error::TooLarge);
        }
        let proto = pb::ModelProto::decode(bytes).map_err(|e| Error::Invalid(e.to_string()))?;
        let bits = feature_bits(&proto)?;
        let invalid = |e: TractError| Error::Invalid(format!("{e:#}"));
        let plan = tract_onnx::onnx()
            .model_for_proto_model(&proto)
            .map_err(invalid)?
            .with_input_fact(0, f32::fact([1, 1usize << bits]).into())
            .map_err(invalid)?
            .into_optimized()
            .map_err(invalid)?
            .into_runnable()
            .map_err(invalid)?;
        let outputs = plan.model().output_outlets().map_err(invalid)?.to_vec();
        let output = outputs
            .iter()
            .position(|&outlet| {
                plan.model().outlet_fact(outlet).is_ok_and(|fact| fact.datum_type == f32::datum_type() && fact.shape.as_concrete() == Some(&[1, 3]))
            })
            .ok_or_else(|| Error::Shape("không có đầu ra số thực dạng [N, 3] (tiêu cực, trung tính, tích cực)".into()))?;
        let model = Self { id: format!("onnx-{:016x}", model::digest(bytes)), bits, plan, output };
        model.probabilities(&[]).map_err(|e| Error::Invalid(e.0))?;
        Ok(model)
    }
}

/// log2 of the width of the model's one input.
fn feature_bits(proto: &pb::ModelProto) -> Result<u32, Error> {
    let graph = proto.graph.as_ref().ok_or_else(|| Error::Invalid("tệp không có đồ thị".into()))?;
    // Older files list the weights among the inputs too.
    let weights: Vec<&str> = graph.initializer.iter().map(|t| t.name.as_str()).collect();
    let inputs: Vec<&pb::ValueInfoProto> = graph.input.iter().filter(|i| !weights.contains(&i.name.as_str())).collect();
    let [input] = inputs[..] else {
        return Err(Error::Shape(format!("cần đúng một đầu vào, tệp có {}", inputs.len())));
    };
    let shape = match input.r#type.as_ref().and_then(|t| t.value.as_ref()) {
        Some(pb::type_proto::Value::TensorType(t)) if t.elem_type == pb::tensor_proto::DataType::Float as i32 => t.shape.as_ref(),
        _ => None,
    };
    let width = match shape.map(|s| &s.dim[..]) {
        Some([_, width]) => match width.value {
            Some(pb::tensor_shape_proto::dimension::Value::DimValue(d)) => d,
            _ => 0,
        },
        _ => 0,
    };
    let mut accepted = model::PLUGGED_BITS;
    let (least, most) = (accepted.start(), accepted.end());
    let message = format!("đầu vào phải là số thực dạng [N, D], D là lũy thừa của 2 từ 2^{least} đến 2^{most} (tệp: «{}»)", input.name);
    accepted.find(|&b| 1i64 << b == width).ok_or(Error::Shape(message))
}

impl std::fmt::Debug for OnnxModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OnnxModel").field("id", &self.id).field("bits", &self.bits).finish_non_exhaustive()
    }
}

impl Classifier for OnnxModel {
    fn id(&self) -> &str {
        &self.id
    }

    fn probabilities(&self, tokens: &[Token]) -> Result<[f32; 3], ClassifierError> {
        let failed = |e: TractError| ClassifierError(format!("{e:#}"));
        let mut dense = vec![0f32; 1 << self.bits];
        for (slot, value) in model::vector(tokens, self.bits) {
            dense[slot] += value;
        }
        let input = Tensor::from_shape(&[1, dense.len()], &dense).map_err(failed)?;
        let outputs = self.plan.run(tvec!(input.into())).map_err(failed)?;
        let view = outputs[self.output].to_plain_array_view::<f32>().map_err(failed)?;
        let mut scores = [0f32; 3];
        for (score, value) in scores.iter_mut().zip(view.iter()) {
            *score = *value;
        }
        if !scores.iter().all(|s| s.is_finite()) {
            return Err(ClassifierError("mô hình cho kết quả không phải số".into()));
        }
        let sum: f32 = scores.iter().sum();
        let probabilities = scores.iter().all(|s| (0.0..=1.0).contains(s)) && (sum - 1.0).abs() < 1e-3;
        Ok(if probabilities { scores } else { model::softmax(scores) })
    }
}

/// A model as an ONNX file: `features [N, 2^18]` × weights, then softmax; `name` is kept in
/// its metadata (`thuocdo.model`).
pub fn export(model: &Model, name: &str) -> Vec<u8> {
    let weights: Vec<u8> = model.weights().iter().flatten().flat_map(|w| w.to_le_bytes()).collect();
    let width = model.weights().len() as i64;
    let node = |op: &str, inputs: &[&str], output: &str, attribute: Vec<pb::AttributeProto>| pb::NodeProto {
        op_type: op.into(),
        name: output.into(),
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: vec![output.into()],
        attribute,
        ..Default::default()
    };
    let axis = pb::AttributeProto { name: "axis".into(), r#type: pb::attribute_proto::AttributeType::Int as i32, i: 1, ..Default::default() };
    let graph = pb::GraphProto {
        name: "thuocdo-sentiment".into(),
        node: vec![node("MatMul", &["features", "weights"], "scores", vec![]), node("Softmax", &["scores"], "probabilities", vec![axis])],
        initializer: vec![pb::TensorProto {
            name: "weights".into(),
            dims: vec![width, 3],
            data_type: pb::tensor_proto::DataType::Float as i32,
            raw_data: weights,
            ..Default::default()
        }],
        input: vec![value("features", width)],
        output: vec![value("probabilities", 3)],
        ..Default::default()
    };
    let labels = pb::StringStringEntryProto { key: "thuocdo.labels".into(), value: "tiêu cực, trung tính, tích cực".into() };
    let origin = pb::StringStringEntryProto { key: "thuocdo.model".into(), value: name.into() };
    pb::ModelProto {
        ir_version: 8,
        opset_import: vec![pb::OperatorSetIdProto { domain: String::new(), version: 13 }],
        producer_name: "thuocdo".into(),
        graph: Some(graph),
        metadata_props: vec![labels, origin],
        ..Default::default()
    }
    .encode_to_vec()
}

/// A float32 value of shape `[N, width]`.
fn value(name: &str, width: i64) -> pb::ValueInfoProto {
    use pb::tensor_shape_proto::{Dimension, dimension::Value};
    let dims = vec![
        Dimension { value: Some(Value::DimParam("N".into())), ..Default::default() },
        Dimension { value: Some(Value::DimValue(width)), ..Default::default() },
    ];
    let tensor = pb::type_proto::Tensor { elem_type: pb::tensor_proto::DataType::Float as i32, shape: Some(pb::TensorShapeProto { dim: dims }) };
    pb::ValueInfoProto {
        name: name.into(),
        r#type: Some(pb::TypeProto { value: Some(pb::type_proto::Value::TensorType(tensor)), ..Default::default() }),
        ..Default::default()
    }
}
