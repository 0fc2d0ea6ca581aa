//! An audit entry's details in words: each recorded field by its Vietnamese name, numbers as
//! `1.234`, moments as `dd/mm/yyyy hh:mm`, codes of roles, stages and kinds by their labels.

use serde_json::Value;

use crate::text;

/// The Vietnamese name of a recorded field; none for one this vocabulary does not know, which
/// is then told as "thông tin khác" rather than by its internal name.
fn field(key: &str) -> Option<&'static str> {
    Some(match key {
        "added" => "thêm",
        "already" => "đã có",
        "approved" => "đã phê duyệt",
        "assessment" => "bảng tự chấm",
        "assigned" => "đã phân công",
        "assignments" => "phân công",
        "case_id" => "vụ việc cảnh báo số",
        "changed" => "đã sửa",
        "channel" => "kênh",
        "code" => "mã",
        "completed_before" => "hoàn thành trước ngày",
        "count" => "số lượng",
        "counter" => "quầy",
        "days" => "số ngày",
        "deadline" => "hạn",
        "differences" => "số khác biệt",
        "done_on" => "ngày hoàn thành",
        "dossier_code" => "mã hồ sơ",
        "drawn" => "số người được chọn",
        "effective" => "hiệu lực từ",
        "entry_id" => "hồ sơ số",
        "erased" => "số hồ sơ đã xóa thông tin cá nhân",
        "fields" => "các trường",
        "file" => "tệp",
        "frame_digest" => "dấu vân tay danh sách",
        "frame_size" => "số hồ sơ trong danh sách",
        "from" | "from_ms" | "valid_from" => "từ",
        "full_name" => "họ tên",
        "indicator" => "chỉ tiêu",
        "interviewer_id" => "điều tra viên số",
        "item" => "tiêu chí",
        "items" => "số tiêu chí",
        "kind" => "loại",
        "known" => "đã biết",
        "lead" => "đơn vị chủ trì",
        "level" => "cấp",
        "linked" => "số phiếu liên kết",
        "locked_until" => "khóa đến",
        "max" => "tối đa",
        "members" => "thành viên",
        "methodology" | "methodology_id" => "phương pháp tính",
        "mode" => "hình thức",
        "name" => "tên",
        "no_contact" => "không có liên hệ",
        "note" => "ghi chú",
        "opted_out" => "đã từ chối",
        "option" => "lựa chọn",
        "params" => "tham số",
        "parent_id" => "đơn vị cấp trên số",
        "percent" => "tỷ lệ (%)",
        "plan" => "kế hoạch",
        "points" => "điểm",
        "predecessor_id" => "đơn vị tiền thân số",
        "previous_id" => "bản trước số",
        "procedures" => "số thủ tục",
        "purpose" => "mục đích",
        "question" => "câu hỏi",
        "questions" => "số câu hỏi",
        "queued" => "đã xếp hàng gửi",
        "reason" => "lý do",
        "recently_asked" => "đã được hỏi gần đây",
        "recurrence" => "chu kỳ",
        "replacement_entry_id" => "hồ sơ thay thế số",
        "response_id" => "phiếu số",
        "responses" => "số phiếu",
        "role" => "vai trò",
        "rows" => "số dòng",
        "seed" => "hạt giống",
        "serial" => "số phiếu giấy",
        "sessions" => "số phiên đăng nhập",
        "share" => "tỷ lệ",
        "shown" => "đã hiển thị",
        "source" => "nguồn",
        "stage" => "bước",
        "status" => "trạng thái",
        "successor_id" => "đơn vị kế thừa số",
        "survey" | "survey_id" => "cuộc khảo sát",
        "target" => "chỉ tiêu",
        "targets" => "số đơn vị được khảo sát",
        "title" => "tên",
        "to" | "to_ms" | "valid_to" => "đến",
        "tree" => "bộ tiêu chí",
        "unit_id" => "đơn vị số",
        "units" => "số đơn vị",
        "unknown_user" => "tên đăng nhập không có",
        "username" => "tên đăng nhập",
        "value" => "giá trị",
        "version" | "version_id" => "phiên bản",
        "visible" => "hiển thị",
        "year" => "năm",
        _ => return None,
    })
}

/// A recorded value in words; a field named `…_ms` or `…_until` holds a moment.
fn value(key: &str, v: &Value) -> String {
    match v {
        Value::Null => "—".into(),
        Value::Bool(b) => if *b { "có" } else { "không" }.into(),
        Value::Number(n) => match n.as_i64() {
            Some(ms) if key.ends_with("_ms") || key.ends_with("_until") => text::format_timestamp_ms(ms),
            Some(whole) if key.ends_with("_id") || key == "seed" => whole.to_string(),
            Some(whole) => text::format_number(whole as f64, 0),
            None => n.as_f64().map_or_else(|| n.to_string(), |f| text::format_number(f, 2)),
        },
        Value::String(s) => label(key, s),
        Value::Array(items) => items.iter().map(|i| value(key, i)).collect::<Vec<_>>().join(", "),
        Value::Object(_) => in_words(v),
    }
}

/// A recorded code by its label, where the field holds one; a date as `dd/mm/yyyy`.
fn label(key: &str, code: &str) -> String {
    let known = match key {
        "role" => crate::auth::Role::parse(code).map(|r| r.label()),
        "kind" => crate::alerts::AlertKind::parse(code).map(|k| k.label()),
        "stage" => crate::par::Stage::parse(code).map(|s| s.label()),
        "channel" => crate::surveys::Channel::parse(code).map(|c| c.label()),
        "level" => crate::units::UnitLevel::parse(code).ok().map(|l| l.label()),
        // An assessment's, a plan task's or an alert case's.
        "status" => crate::par::State::parse(code)
            .map(|s| s.label())
            .or_else(|| crate::par::plan::TaskStatus::parse(code).map(|s| s.label()))
            .or_else(|| crate::alerts::CaseStatus::parse(code).map(|s| s.label())),
        _ => None,
    };
    let iso_date = code.len() == 10 && code.as_bytes().get(4) == Some(&b'-');
    match (known, iso_date.then(|| text::parse_date(code)).flatten()) {
        (Some(label), _) => label.to_string(),
        (None, Some(date)) => text::format_date(date),
        // A code is quoted, so that «28101» is not read as a number.
        (None, None) if key.ends_with("code") => format!("«{code}»"),
        (None, None) => code.to_string(),
    }
}

/// An entry's details (a JSON object) in words: `quầy: Quầy số 1; cuộc khảo sát: sipas`.
pub fn in_words(details: &Value) -> String {
    match details {
        Value::Object(fields) => {
            let mut known = Vec::new();
            let mut other = 0;
            for (key, v) in fields {
                match field(key) {
                    Some(name) => known.push(format!("{name}: {}", value(key, v))),
                    None => other += 1,
                }
            }
            if other > 0 {
                known.push(format!("và {other} thông tin khác"));
            }
            known.join("; ")
        }
        Value::Null => String::new(),
        other => value("", other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn details_read_as_vietnamese() {
        let words = in_words(&json!({ "counter": "Quầy số 1", "responses": 3187, "role": "unit_head", "locked_until": 1_767_225_600_000i64 }));
        assert_eq!(words, "quầy: Quầy số 1; khóa đến: 01/01/2026 07:00; số phiếu: 3.187; vai trò: Thủ trưởng đơn vị");
        assert_eq!(in_words(&json!({ "mystery_field": 1, "approved": true })), "đã phê duyệt: có; và 1 thông tin khác");
        assert_eq!(in_words(&Value::Null), "");
        assert_eq!(in_words(&json!({ "code": "28108", "level": "commune" })), "mã: «28108»; cấp: Cấp xã");
        assert_eq!(in_words(&json!({ "unit_id": 12345, "percent": 76.54 })), "tỷ lệ (%): 76,54; đơn vị số: 12345");
        assert_eq!(in_words(&json!({ "status": "in_progress", "done_on": "2026-11-30" })), "ngày hoàn thành: 30/11/2026; trạng thái: Đang thực hiện");
    }
}
