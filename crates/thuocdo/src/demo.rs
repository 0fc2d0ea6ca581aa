//! The demo province "Tỉnh An Lạc" (fictional, shaped like a real one): departments before and
//! after the merger of 1 March 2025, vertical agencies, four districts with their communes until
//! 30 June 2025, the merged communes of the two-tier structure from 1 July 2025 with lineage
//! links, and one official for every role of SPEC §1.

pub mod consultation;
pub mod frame;
pub mod par;
pub mod portal;
pub mod qa;
pub mod responses;
pub mod results;
pub mod roster;

use anyhow::{Context, bail};
use domain::audit::AuditAction;
use domain::auth::{Access, Grant, Role};
use domain::procedures::Procedure;
use domain::surveys::Channel;
use domain::units::RawUnitRow;
use storage::audit::Entry;
use storage::auth::NewUser;
use storage::units::LineageInput;
use storage::{Actor, Store};

pub const PROVINCE_CODE: &str = "99";
pub const DEMO_PASSWORD: &str = "ThuocDo@2026";

const SINCE: &str = "01/01/2008";
const BEFORE_MERGER: &str = "28/02/2025";
const MERGER: &str = "01/03/2025";
const LAST_DISTRICT_DAY: &str = "30/06/2025";
const TWO_TIER: &str = "01/07/2025";

/// (code, name, level, parent, from, to, predecessors)
type Row = (&'static str, &'static str, &'static str, &'static str, &'static str, &'static str, &'static str);

const UNITS: &[Row] = &[
    // Provincial departments in force throughout.
    ("VPUBND", "Văn phòng Ủy ban nhân dân tỉnh", "department", "99", SINCE, "", ""),
    ("SNV", "Sở Nội vụ", "department", "99", SINCE, "", ""),
    ("STC", "Sở Tài chính", "department", "99", SINCE, "", ""),
    ("STP", "Sở Tư pháp", "department", "99", SINCE, "", ""),
    ("SYT", "Sở Y tế", "department", "99", SINCE, "", ""),
    ("SGDDT", "Sở Giáo dục và Đào tạo", "department", "99", SINCE, "", ""),
    ("SXD", "Sở Xây dựng", "department", "99", SINCE, "", ""),
    ("SCT", "Sở Công Thương", "department", "99", SINCE, "", ""),
    ("SKHCN", "Sở Khoa học và Công nghệ", "department", "99", SINCE, "", ""),
    ("SVHTTDL", "Sở Văn hóa, Thể thao và Du lịch", "department", "99", SINCE, "", ""),
    ("TTT", "Thanh tra tỉnh", "department", "99", SINCE, "", ""),
    ("BQLKCN", "Ban Quản lý các khu công nghiệp", "department", "99", SINCE, "", ""),
    // Departments merged on 1 March 2025 and the ones formed then.
    ("SKHDT", "Sở Kế hoạch và Đầu tư", "department", "99", SINCE, BEFORE_MERGER, ""),
    ("SGTVT", "Sở Giao thông vận tải", "department", "99", SINCE, BEFORE_MERGER, ""),
    ("STNMT", "Sở Tài nguyên và Môi trường", "department", "99", SINCE, BEFORE_MERGER, ""),
    ("SNNPTNT", "Sở Nông nghiệp và Phát triển nông thôn", "department", "99", SINCE, BEFORE_MERGER, ""),
    ("SLDTBXH", "Sở Lao động – Thương binh và Xã hội", "department", "99", SINCE, BEFORE_MERGER, ""),
    ("STTTT", "Sở Thông tin và Truyền thông", "department", "99", SINCE, BEFORE_MERGER, ""),
    ("BDT", "Ban Dân tộc", "department", "99", SINCE, BEFORE_MERGER, ""),
    ("SNNMT", "Sở Nông nghiệp và Môi trường", "department", "99", MERGER, "", "STNMT; SNNPTNT"),
    ("SDTTG", "Sở Dân tộc và Tôn giáo", "department", "99", MERGER, "", "BDT"),
    // Vertical agencies present in the province.
    ("THUE", "Thuế tỉnh An Lạc", "vertical_agency", "99", SINCE, "", ""),
    ("BHXH", "Bảo hiểm xã hội tỉnh An Lạc", "vertical_agency", "99", SINCE, "", ""),
    ("CA", "Công an tỉnh An Lạc", "vertical_agency", "99", SINCE, "", ""),
    // Districts and their communes until the district level was abolished.
    ("981", "Thành phố An Lạc", "district", "99", SINCE, LAST_DISTRICT_DAY, ""),
    ("982", "Huyện Đông Hòa", "district", "99", SINCE, LAST_DISTRICT_DAY, ""),
    ("983", "Huyện Tây Sơn", "district", "99", SINCE, LAST_DISTRICT_DAY, ""),
    ("984", "Huyện Lạc Thủy", "district", "99", SINCE, LAST_DISTRICT_DAY, ""),
    ("28001", "Phường Bắc Sơn", "commune", "981", SINCE, LAST_DISTRICT_DAY, ""),
    ("28002", "Phường Nam Sơn", "commune", "981", SINCE, LAST_DISTRICT_DAY, ""),
    ("28003", "Phường Đông Thành", "commune", "981", SINCE, LAST_DISTRICT_DAY, ""),
    ("28004", "Xã An Phú", "commune", "981", SINCE, LAST_DISTRICT_DAY, ""),
    ("28010", "Thị trấn Đông Hòa", "commune", "982", SINCE, LAST_DISTRICT_DAY, ""),
    ("28011", "Xã Hòa Bình", "commune", "982", SINCE, LAST_DISTRICT_DAY, ""),
    ("28012", "Xã Hòa Lợi", "commune", "982", SINCE, LAST_DISTRICT_DAY, ""),
    ("28013", "Xã Hòa Thắng", "commune", "982", SINCE, LAST_DISTRICT_DAY, ""),
    ("28020", "Thị trấn Phú Phong", "commune", "983", SINCE, LAST_DISTRICT_DAY, ""),
    ("28021", "Xã Tây Bình", "commune", "983", SINCE, LAST_DISTRICT_DAY, ""),
    ("28022", "Xã Tây Vinh", "commune", "983", SINCE, LAST_DISTRICT_DAY, ""),
    ("28023", "Xã Bình Tân", "commune", "983", SINCE, LAST_DISTRICT_DAY, ""),
    ("28030", "Thị trấn Chi Nê", "commune", "984", SINCE, LAST_DISTRICT_DAY, ""),
    ("28031", "Xã Đồng Tâm", "commune", "984", SINCE, LAST_DISTRICT_DAY, ""),
    ("28032", "Xã Phú Lão", "commune", "984", SINCE, LAST_DISTRICT_DAY, ""),
    ("28033", "Xã An Bình", "commune", "984", SINCE, LAST_DISTRICT_DAY, ""),
    // The two-tier structure: merged communes directly under the province.
    ("28101", "Phường An Lạc", "commune", "99", TWO_TIER, "", "28001; 28002"),
    ("28102", "Phường Đông Thành", "commune", "99", TWO_TIER, "", "28003; 28004"),
    ("28103", "Xã Đông Hòa", "commune", "99", TWO_TIER, "", "28010; 28011"),
    ("28104", "Xã Hòa Thắng", "commune", "99", TWO_TIER, "", "28012; 28013"),
    ("28105", "Xã Tây Sơn", "commune", "99", TWO_TIER, "", "28020; 28021"),
    ("28106", "Xã Bình Tân", "commune", "99", TWO_TIER, "", "28022; 28023"),
    ("28107", "Xã Lạc Thủy", "commune", "99", TWO_TIER, "", "28030; 28031"),
    ("28108", "Xã An Bình", "commune", "99", TWO_TIER, "", "28032; 28033"),
];

/// Departments that continued and absorbed a merged one on 1 March 2025:
/// (predecessor, successor, share of the predecessor that moved).
const ABSORPTIONS: &[(&str, &str, Option<f64>)] =
    &[("SKHDT", "STC", None), ("SGTVT", "SXD", None), ("STTTT", "SKHCN", None), ("SLDTBXH", "SNV", Some(0.6)), ("SLDTBXH", "SYT", Some(0.4))];

/// (login, full name, home unit, role, role unit)
pub const OFFICIALS: &[(&str, &str, &str, Role, &str)] = &[
    ("quantri", "Trần Quốc Khánh", "VPUBND", Role::SystemAdmin, "99"),
    ("cchc", "Nguyễn Thị Thu Hà", "SNV", Role::ReformOffice, "99"),
    ("lanhdao", "Lê Văn Thành", "99", Role::Leadership, "99"),
    ("thamdinh", "Phạm Minh Tuấn", "SNV", Role::AppraisalCouncil, "99"),
    ("stp.canbo", "Hoàng Thị Lan", "STP", Role::UnitOfficial, "STP"),
    ("stp.giamdoc", "Vũ Đức Long", "STP", Role::UnitHead, "STP"),
    ("anlac.canbo", "Đặng Thị Mai", "28101", Role::UnitOfficial, "28101"),
    ("anlac.chutich", "Bùi Văn Hùng", "28101", Role::UnitHead, "28101"),
    ("motcua.anlac", "Ngô Thị Hương", "28101", Role::CounterStaff, "28101"),
    ("dieutravien", "Đỗ Văn Nam", "SNV", Role::Interviewer, "99"),
    ("nhaplieu", "Lý Thị Hoa", "SNV", Role::DataEntry, "99"),
    ("nhaplieu2", "Trịnh Văn Quang", "SNV", Role::DataEntry, "99"),
];

/// Where citizens find some demo units (the others have not filled theirs in yet).
const CONTACTS: [(&str, &str, &str); 3] = [
    ("28101", "Số 12 đường Trần Hưng Đạo, phường An Lạc, tỉnh An Lạc", "0235 3812 345"),
    ("SNV", "Số 2 đường Lê Lợi, phường An Lạc, tỉnh An Lạc", "0235 3822 111"),
    ("STP", "Số 8 đường Hùng Vương, phường An Lạc, tỉnh An Lạc", "0235 3822 456"),
];
const WORKING_HOURS: &str = "Sáng 7:30–11:30, chiều 13:30–17:00, thứ Hai đến thứ Sáu; sáng thứ Bảy tiếp nhận hồ sơ";

fn raw(line: usize, row: &Row) -> RawUnitRow {
    let (code, name, level, parent, from, to, predecessors) = *row;
    RawUnitRow::from_cells(line, [code, name, level, parent, from, to, predecessors])
}

/// Loads the demo province unless it is already there. Returns whether it loaded anything.
pub async fn load(store: &Store, now_ms: i64) -> anyhow::Result<bool> {
    if store.public_unit_by_code(PROVINCE_CODE).await.is_ok() {
        return Ok(false);
    }
    let actor = Actor::system("demo", now_ms);
    // The province first (only a system administrator creates a root), then everything under it
    // through the import path, which orders parents first and records the lineage links.
    let province = [raw(1, &(PROVINCE_CODE, "Tỉnh An Lạc", "province", "", "01/01/1992", "", ""))];
    let founder = Access::new(vec![Grant { role: Role::SystemAdmin, unit: 0 }]);
    check(store.import_units(&actor, &founder, &province, true).await?)?;
    let province_id = store.public_unit_by_code(PROVINCE_CODE).await?.id;
    let admin = Access::new(vec![Grant { role: Role::SystemAdmin, unit: province_id }]);
    let rows: Vec<RawUnitRow> = UNITS.iter().enumerate().map(|(i, row)| raw(i + 2, row)).collect();
    check(store.import_units(&actor, &admin, &rows, true).await?)?;
    let merger = domain::text::parse_date(MERGER).context("merger date")?;
    for (predecessor, successor, share) in ABSORPTIONS {
        let link = LineageInput {
            predecessor_id: store.public_unit_by_code(predecessor).await?.id,
            successor_id: store.public_unit_by_code(successor).await?.id,
            effective: merger,
            share: *share,
            note: "Sắp xếp các cơ quan chuyên môn thuộc UBND tỉnh".into(),
        };
        store.add_lineage(&actor, &admin, &link).await?;
    }

    for (code, address, phone) in CONTACTS {
        let contact = domain::units::Contact { address: address.into(), phone: phone.into(), hours: WORKING_HOURS.into() };
        store.set_unit_contact(&actor, &admin, store.public_unit_by_code(code).await?.id, contact).await?;
    }

    let password_hash = web::hash_password(DEMO_PASSWORD.to_string()).await?;
    for (username, full_name, home, role, role_unit) in OFFICIALS {
        let unit_id = store.public_unit_by_code(home).await?.id;
        let user = NewUser {
            username: username.to_string(),
            full_name: full_name.to_string(),
            email: Some(format!("{}@anlac.gov.vn", username.replace('.', "_"))),
            phone: None,
            unit_id,
            password_hash: password_hash.clone(),
        };
        let user_id = store.insert_user(&actor, &user).await.with_context(|| format!("tạo tài khoản {username}"))?;
        let grant_unit = store.public_unit_by_code(role_unit).await?.id;
        store.insert_grant(&actor, user_id, Grant { role: *role, unit: grant_unit }).await?;
    }
    surveys(store, &actor, &admin, province_id).await?;
    store.audit(&actor, &Entry::new(AuditAction::DemoLoaded, "demo", PROVINCE_CODE).unit(province_id)).await?;
    Ok(true)
}

/// Code of the demo SIPAS survey: its public link is `/s/sipas`.
pub const SURVEY_CODE: &str = "sipas";
/// Code of the short form at the counters and on their QR codes: `/s/danh-gia`.
pub const SHORT_SURVEY_CODE: &str = "danh-gia";

/// The demo's two surveys of every unit in force in 2026, over the year: the full SIPAS 2017
/// questionnaire for sampled respondents and the web, and the short 766 form for counters and QR
/// codes; and every surveyed unit's procedure catalogue.
async fn surveys(store: &Store, actor: &Actor, admin: &Access, province_id: i64) -> anyhow::Result<()> {
    let short = DemoSurvey {
        code: SHORT_SURVEY_CODE,
        title: "Đánh giá nhanh việc giải quyết thủ tục hành chính năm 2026",
        form: domain::sipas::short_766(),
        channels: vec![Channel::Web, Channel::Widget, Channel::Kiosk],
    };
    survey(store, actor, admin, province_id, short).await?;
    // The full form's survey is the newer: the figures open on it.
    let full = DemoSurvey {
        code: SURVEY_CODE,
        title: "Khảo sát sự hài lòng của người dân, tổ chức năm 2026",
        form: domain::sipas::sipas_2017(),
        channels: vec![Channel::Web, Channel::Invitation, Channel::Widget, Channel::Kiosk, Channel::Phone, Channel::Paper, Channel::Api],
    };
    let targets = survey(store, actor, admin, province_id, full).await?;
    // Every surveyed unit's catalogue holds the procedures its dossiers come from.
    let catalogue: Vec<Procedure> =
        PROCEDURES.iter().map(|(code, name, field)| Procedure { code: code.to_string(), name: name.to_string(), field: field.to_string() }).collect();
    for unit in targets {
        store.import_procedures(actor, admin, unit, &catalogue).await?;
    }
    Ok(())
}

struct DemoSurvey {
    code: &'static str,
    title: &'static str,
    form: domain::surveys::Questionnaire,
    channels: Vec<Channel>,
}

/// A published questionnaire asked of every unit in force in 2026, over the year; its units.
async fn survey(store: &Store, actor: &Actor, admin: &Access, province_id: i64, demo: DemoSurvey) -> anyhow::Result<Vec<i64>> {
    let DemoSurvey { code, title, form, channels } = demo;
    let questionnaire = store.create_questionnaire(actor, admin, province_id, &form).await?;
    let version_id = store.publish_questionnaire(actor, admin, questionnaire).await?;
    let in_force = storage::units::UnitFilter { valid_on: domain::text::parse_date("01/01/2026"), ..Default::default() };
    let units = store.units(&[province_id], &in_force, storage::Paging::new(1, 500)).await?;
    let targets: Vec<i64> = units.items.iter().filter(|u| u.level != domain::units::UnitLevel::Province).map(|u| u.id).collect();
    let start = domain::text::parse_date("01/01/2026").context("date")?;
    let end = domain::text::parse_date("31/12/2026").context("date")?;
    let day = 86_400_000;
    let survey = storage::surveys::NewSurvey {
        code: code.into(),
        title: title.into(),
        unit_id: province_id,
        version_id,
        recurrence: domain::surveys::Recurrence::Yearly,
        period_start: start,
        period_end: end,
        // Open since the start of the year (or a day before loading, if later), so that the
        // demo can be answered right away and its year of answers falls inside the window.
        opens_at: domain::text::vn_midnight_ms(start).min(actor.at - day),
        closes_at: actor.at + 365 * day,
        channels,
        targets: targets.clone(),
    };
    store.create_survey(actor, admin, &survey).await?;
    Ok(targets)
}

/// The procedures of the demo: (code in the national procedure database, name, field).
pub const PROCEDURES: [(&str, &str, &str); 6] = [
    ("1.001193", "Đăng ký khai sinh", "Hộ tịch"),
    ("1.000894", "Đăng ký kết hôn", "Hộ tịch"),
    ("2.000815", "Chứng thực bản sao từ bản chính", "Chứng thực"),
    ("1.003003", "Cấp giấy chứng nhận quyền sử dụng đất lần đầu", "Đất đai"),
    ("2.000720", "Đăng ký thành lập hộ kinh doanh", "Thành lập và hoạt động của hộ kinh doanh"),
    ("1.009994", "Cấp giấy phép xây dựng nhà ở riêng lẻ", "Xây dựng"),
];

fn check(report: storage::units::ImportReport) -> anyhow::Result<()> {
    if report.applied {
        return Ok(());
    }
    let problems: Vec<String> =
        report.rows.iter().filter(|r| !r.errors.is_empty()).map(|r| format!("{} (dòng {}): {}", r.code, r.line, r.errors.join("; "))).collect();
    bail!("dữ liệu minh họa không hợp lệ: {}", problems.join(" | "))
}
