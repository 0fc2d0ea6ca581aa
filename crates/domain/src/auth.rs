//! Roles (SPEC §1), what each may do, and over which units: a role is always granted on a unit and
//! reaches that unit and every unit below it.

use serde::{Deserialize, Serialize};

use crate::text;
use crate::units::UnitId;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    CounterStaff,
    Interviewer,
    DataEntry,
    UnitOfficial,
    UnitHead,
    ReformOffice,
    AppraisalCouncil,
    Leadership,
    SystemAdmin,
}

vocabulary!(Permission {
    /// Read the unit register of the subtree.
    ViewUnits = "view_units", "Xem danh mục đơn vị";
    /// Create, edit, import units and lineage in the subtree.
    ManageUnits = "manage_units", "Quản lý đơn vị";
    /// Read officials of the subtree (their contact data is personal data, and audited).
    ViewUsers = "view_users", "Xem danh sách cán bộ";
    /// Create officials, grant and revoke roles, lock accounts in the subtree.
    ManageUsers = "manage_users", "Quản lý tài khoản và vai trò";
    /// Read the audit log of the subtree.
    ViewAudit = "view_audit", "Xem nhật ký hệ thống";
    /// Author questionnaires and run surveys for units of the subtree.
    ManageSurveys = "manage_surveys", "Quản lý mẫu phiếu và cuộc khảo sát";
    /// Read survey results of the subtree.
    ViewResults = "view_results", "Xem kết quả khảo sát";
    /// Read and export raw responses of the subtree (each access is audited).
    ViewResponses = "view_responses", "Xem và xuất phiếu trả lời";
    /// Edit methodologies and targets, and freeze and publish a period's results.
    PublishResults = "publish_results", "Chốt và công bố kết quả";
    /// Read the alert cases of the subtree and their statistics.
    ViewAlerts = "view_alerts", "Xem cảnh báo";
    /// Follow and handle the alert cases of the subtree.
    HandleAlerts = "handle_alerts", "Xử lý cảnh báo";
    /// Add completed dossiers to the sampling frame (the one-stop system's account).
    RegisterDossiers = "register_dossiers", "Đăng ký hồ sơ đã giải quyết";
    /// Send answers collected by another system through the API, counted under the API
    /// channel, for units of the subtree (the one-stop system's account).
    SubmitResponses = "submit_responses", "Gửi phiếu từ hệ thống khác";
    /// Open the names and contacts of the sampling frame (each opening is audited).
    ViewRespondents = "view_respondents", "Xem thông tin người được khảo sát";
    /// Set up the rating kiosks of the subtree's counters, take duty at one, invite ratings.
    RunKiosks = "run_kiosks", "Vận hành máy đánh giá tại quầy";
    /// Key in paper questionnaires of the subtree's units.
    EnterPaper = "enter_paper", "Nhập phiếu giấy";
    /// Interview the sampled people of the subtree's units assigned to oneself.
    ConductInterviews = "conduct_interviews", "Phỏng vấn trực tiếp";
    /// Self-score the PAR index of the subtree's units: points, evidence, notes, explanations.
    SelfAssess = "self_assess", "Tự chấm Chỉ số CCHC";
    /// Approve or return the unit's self-assessment (the unit's head).
    ApproveAssessment = "approve_assessment", "Phê duyệt bản tự chấm";
    /// Appraise the self-assessments of the units one is assigned to (the appraisal council).
    Appraise = "appraise", "Thẩm định Chỉ số CCHC";
    /// Set the criteria trees, open evaluation rounds, assign the council, publish the PAR index.
    ManagePar = "manage_par", "Điều hành đánh giá Chỉ số CCHC";
    /// Read the PAR rounds, assessments and results of the subtree, before publication too,
    /// without writing in them (the province's leaders).
    ViewParResults = "view_par_results", "Xem kết quả Chỉ số CCHC";
    /// Write articles and documents in the portal sections of the subtree's units, and hand
    /// them over to be published.
    WriteContent = "write_content", "Viết bài trên cổng thông tin";
    /// Publish, schedule, return and withdraw the portal items of the subtree's units.
    PublishContent = "publish_content", "Duyệt đăng bài trên cổng thông tin";
    /// Put the subtree's units' drafts to consultation, moderate the comments, answer them and
    /// publish the summary report.
    RunConsultations = "run_consultations", "Tổ chức lấy ý kiến";
    /// Enter questions and feedback received by telephone, at the counter or from another
    /// system (the one-stop and hotline systems, through the API).
    ReceiveQuestions = "receive_questions", "Tiếp nhận câu hỏi, phản ánh";
    /// Read the questions and feedback of the subtree's units and their statistics.
    ViewQuestions = "view_questions", "Xem câu hỏi, phản ánh";
    /// Draft answers to the questions the subtree's units hold, open the asker's contact
    /// (audited), and give back what is not theirs to answer.
    AnswerQuestions = "answer_questions", "Dự thảo trả lời câu hỏi";
    /// Approve the unit's draft answers (the unit's head), which sends them.
    ApproveAnswers = "approve_answers", "Duyệt trả lời câu hỏi";
    /// Dispatch questions no topic routes, re-route, decline, publish and pin them; keep the
    /// topics and the working calendar (the reform office).
    DispatchQuestions = "dispatch_questions", "Điều phối câu hỏi, phản ánh";
    /// List the officials the subtree's agencies chose for the PAR INDEX surveys (their contacts
    /// are sealed, each opening audited), see who has not answered and remind them; never what
    /// anyone answered (the agency's focal point).
    KeepRoster = "keep_roster", "Lập danh sách cán bộ được khảo sát";
    /// Subscribe other systems to events (webhooks) and read and replay their deliveries.
    ManageIntegrations = "manage_integrations", "Quản lý tích hợp với hệ thống khác (webhook)";
});

impl Role {
    pub const ALL: [Role; 9] = [
        Self::CounterStaff,
        Self::Interviewer,
        Self::DataEntry,
        Self::UnitOfficial,
        Self::UnitHead,
        Self::ReformOffice,
        Self::AppraisalCouncil,
        Self::Leadership,
        Self::SystemAdmin,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::CounterStaff => "counter_staff",
            Self::Interviewer => "interviewer",
            Self::DataEntry => "data_entry",
            Self::UnitOfficial => "unit_official",
            Self::UnitHead => "unit_head",
            Self::ReformOffice => "reform_office",
            Self::AppraisalCouncil => "appraisal_council",
            Self::Leadership => "leadership",
            Self::SystemAdmin => "system_admin",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::CounterStaff => "Công chức Bộ phận Một cửa",
            Self::Interviewer => "Điều tra viên",
            Self::DataEntry => "Nhập liệu",
            Self::UnitOfficial => "Cán bộ phụ trách CCHC của đơn vị",
            Self::UnitHead => "Thủ trưởng đơn vị",
            Self::ReformOffice => "Sở Nội vụ (phòng CCHC)",
            Self::AppraisalCouncil => "Hội đồng thẩm định",
            Self::Leadership => "Lãnh đạo UBND tỉnh",
            Self::SystemAdmin => "Quản trị hệ thống",
        }
    }

    pub fn parse(input: &str) -> Option<Self> {
        let key = text::fold(input);
        Self::ALL.into_iter().find(|r| r.code() == key || text::fold(r.label()) == key)
    }

    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Self::CounterStaff => &[RegisterDossiers, SubmitResponses, RunKiosks, ReceiveQuestions],
            Self::Interviewer => &[ConductInterviews],
            Self::DataEntry => &[EnterPaper],
            // The unit's own officials read its responses to act on what citizens said.
            Self::UnitOfficial => &[
                ViewUnits,
                ViewResults,
                ViewResponses,
                ViewAlerts,
                HandleAlerts,
                RunKiosks,
                SelfAssess,
                WriteContent,
                RunConsultations,
                ViewQuestions,
                AnswerQuestions,
                KeepRoster,
            ],
            Self::UnitHead => &[
                ViewUnits,
                ViewResults,
                ViewResponses,
                ViewAlerts,
                HandleAlerts,
                RunKiosks,
                SelfAssess,
                ApproveAssessment,
                WriteContent,
                PublishContent,
                RunConsultations,
                ViewQuestions,
                AnswerQuestions,
                ApproveAnswers,
                KeepRoster,
            ],
            Self::AppraisalCouncil => &[ViewUnits, ViewResults, Appraise],
            // Leaders read everything the province is judged by; they handle no case themselves.
            Self::Leadership => &[ViewUnits, ViewUsers, ViewResults, ViewAlerts, ViewParResults, ViewQuestions],
            // The reform office runs the sampling and contacts respondents; administrators keep
            // the system and have no need of respondents' contacts.
            Self::ReformOffice => &REFORM_OFFICE,
            Self::SystemAdmin => &ADMINISTRATION,
        }
    }
}

/// What administrators may do: everything but open respondents' contacts.
const ADMINISTRATION: [Permission; 26] = {
    use Permission::*;
    [
        ViewUnits,
        ManageUnits,
        ViewUsers,
        ManageUsers,
        ViewAudit,
        ManageSurveys,
        ViewResults,
        ViewResponses,
        PublishResults,
        ViewAlerts,
        HandleAlerts,
        RegisterDossiers,
        SubmitResponses,
        RunKiosks,
        EnterPaper,
        ManagePar,
        ViewParResults,
        WriteContent,
        PublishContent,
        RunConsultations,
        ReceiveQuestions,
        ViewQuestions,
        AnswerQuestions,
        ApproveAnswers,
        DispatchQuestions,
        ManageIntegrations,
    ]
};

/// The reform office: the administrators' permissions, the respondents' contacts and the
/// officials' rosters.
const REFORM_OFFICE: [Permission; 28] = {
    let mut all = [Permission::ViewRespondents; 28];
    all[27] = Permission::KeepRoster;
    let mut i = 0;
    while i < ADMINISTRATION.len() {
        all[i] = ADMINISTRATION[i];
        i += 1;
    }
    all
};

/// Who may open the PAR pages: those who take part in a round in some way (the office that runs
/// it, the units that assess themselves and approve, the council that appraises) and those who
/// read its results.
pub const PAR_PAGES: [Permission; 5] =
    [Permission::ManagePar, Permission::SelfAssess, Permission::ApproveAssessment, Permission::Appraise, Permission::ViewParResults];

/// One role on one unit (and so on its subtree).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Grant {
    pub role: Role,
    pub unit: UnitId,
}

/// What a signed-in official may do where: their grants, read against the unit tree.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Access {
    grants: Vec<Grant>,
    /// The permissions an API token was limited to; none for a person signed in.
    only: Option<Vec<Permission>>,
}

impl Access {
    pub fn new(grants: Vec<Grant>) -> Self {
        Self { grants, only: None }
    }

    /// The same reach for these permissions alone (an API token's scope).
    pub fn limited_to(self, permissions: &[Permission]) -> Self {
        Self { only: Some(permissions.to_vec()), ..self }
    }

    /// The same roles, reaching no further than the subtree of the unit whose ancestry
    /// (`unit`, parent, …, root) is given: a grant above the unit comes down to it, a grant
    /// inside its subtree stays, any other is dropped. `ancestry_of` gives a granted unit's.
    pub fn within(self, unit_ancestry: &[UnitId], ancestry_of: impl Fn(UnitId) -> Vec<UnitId>) -> Self {
        let Some(&unit) = unit_ancestry.first() else { return Self { grants: Vec::new(), ..self } };
        let grants =
            self.grants
                .iter()
                .filter_map(|g| {
                    if unit_ancestry.contains(&g.unit) { Some(Grant { role: g.role, unit }) } else { ancestry_of(g.unit).contains(&unit).then_some(*g) }
                })
                .collect();
        Self { grants, ..self }
    }

    pub fn grants(&self) -> &[Grant] {
        &self.grants
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }

    /// Whether the permission is held anywhere at all (decides whether a page is offered).
    pub fn has(&self, permission: Permission) -> bool {
        !self.roots(permission).is_empty()
    }

    /// Whether any of the permissions is held anywhere.
    pub fn has_any(&self, permissions: &[Permission]) -> bool {
        permissions.iter().any(|p| self.has(*p))
    }

    /// The units whose subtrees the permission covers.
    pub fn roots(&self, permission: Permission) -> Vec<UnitId> {
        if self.only.as_ref().is_some_and(|only| !only.contains(&permission)) {
            return Vec::new();
        }
        let mut roots: Vec<UnitId> = self.grants.iter().filter(|g| g.role.permissions().contains(&permission)).map(|g| g.unit).collect();
        roots.sort_unstable();
        roots.dedup();
        roots
    }

    /// Whether the permission reaches a unit, given the unit's ancestry (`unit`, parent, …, root).
    pub fn can(&self, permission: Permission, ancestry: &[UnitId]) -> bool {
        self.roots(permission).into_iter().any(|root| ancestry.contains(&root))
    }

    /// Who may grant what: a manager of users grants roles inside their subtree; only a system
    /// administrator creates another system administrator.
    pub fn may_grant(&self, role: Role, unit_ancestry: &[UnitId]) -> bool {
        if role == Role::SystemAdmin && !self.has_role(Role::SystemAdmin) {
            return false;
        }
        self.can(Permission::ManageUsers, unit_ancestry)
    }
}

/// A login name: 3 to 64 of `a-z 0-9 . _ -`, stored lower case.
pub fn parse_username(input: &str) -> Result<String, AuthError> {
    let name = input.trim().to_ascii_lowercase();
    let ok = (3..=64).contains(&name.len()) && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if ok { Ok(name) } else { Err(AuthError::InvalidUsername) }
}

pub const MIN_PASSWORD_CHARS: usize = 10;

/// The password rule: long enough, not the login name, not all one character class.
pub fn check_new_password(username: &str, password: &str) -> Result<(), AuthError> {
    let chars = password.chars().count();
    if !(MIN_PASSWORD_CHARS..=256).contains(&chars) {
        return Err(AuthError::WeakPassword);
    }
    let classes = [
        password.chars().any(char::is_lowercase),
        password.chars().any(char::is_uppercase),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_alphanumeric()),
    ];
    if classes.iter().filter(|c| **c).count() < 2 || text::fold(password).contains(&text::fold(username)) {
        return Err(AuthError::WeakPassword);
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AuthError {
    #[error("Tên đăng nhập gồm 3–64 ký tự: chữ thường không dấu, chữ số, dấu chấm, gạch ngang, gạch dưới.")]
    InvalidUsername,
    #[error("Mật khẩu phải có ít nhất 10 ký tự, gồm ít nhất hai loại (chữ thường, chữ hoa, chữ số, ký hiệu) và không chứa tên đăng nhập.")]
    WeakPassword,
}

/// Failed logins before an account locks, and for how long it stays locked.
pub const LOCKOUT_THRESHOLD: i64 = 5;
pub const LOCKOUT_MINUTES: i64 = 15;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    use crate::units::UnitTree;

    // province 1 → district 2 → commune 3; province 1 → department 4.
    fn tree() -> UnitTree {
        UnitTree::new([(1, None), (2, Some(1)), (3, Some(2)), (4, Some(1))])
    }

    fn up(unit: UnitId) -> Vec<UnitId> {
        tree().ancestors(unit)
    }

    #[test]
    fn a_commune_official_sees_only_their_commune() {
        let access = Access::new(vec![Grant { role: Role::UnitOfficial, unit: 3 }]);
        assert!(access.can(Permission::ViewUnits, &up(3)));
        assert!(!access.can(Permission::ViewUnits, &up(2)));
        assert!(!access.can(Permission::ViewUnits, &up(4)));
        assert!(!access.has(Permission::ManageUnits));
    }

    #[test]
    fn a_district_grant_reaches_its_communes() {
        let access = Access::new(vec![Grant { role: Role::ReformOffice, unit: 2 }]);
        assert!(access.can(Permission::ManageUnits, &up(3)));
        assert!(!access.can(Permission::ManageUnits, &up(1)));
        assert!(access.may_grant(Role::UnitHead, &up(3)));
        assert!(!access.may_grant(Role::UnitHead, &up(4)));
        assert!(!access.may_grant(Role::SystemAdmin, &up(3)));
    }

    #[test]
    fn only_an_administrator_makes_an_administrator() {
        let admin = Access::new(vec![Grant { role: Role::SystemAdmin, unit: 1 }]);
        assert!(admin.may_grant(Role::SystemAdmin, &up(1)));
        let leader = Access::new(vec![Grant { role: Role::Leadership, unit: 1 }]);
        assert!(leader.can(Permission::ViewUnits, &up(3)));
        assert!(leader.can(Permission::ViewParResults, &up(3)) && leader.can(Permission::ViewAlerts, &up(3)), "leaders read PAR results and alerts");
        assert!(!leader.can(Permission::HandleAlerts, &up(3)) && !leader.can(Permission::ManagePar, &up(3)), "and change nothing there");
        assert!(!leader.may_grant(Role::UnitOfficial, &up(3)));
    }

    #[test]
    fn a_token_reaches_no_further_than_its_unit_and_permissions() {
        let official = Access::new(vec![Grant { role: Role::ReformOffice, unit: 1 }, Grant { role: Role::UnitHead, unit: 3 }]);
        let token = official.clone().within(&up(2), up).limited_to(&[Permission::ViewResults, Permission::ViewAlerts]);
        assert!(token.can(Permission::ViewResults, &up(3)) && token.can(Permission::ViewResults, &up(2)));
        assert!(!token.can(Permission::ViewResults, &up(4)), "a department outside the token's district");
        assert!(!token.can(Permission::ViewResults, &up(1)), "nor the province above it");
        assert!(!token.can(Permission::HandleAlerts, &up(3)), "a permission the token was not given");
        assert!(!token.has(Permission::ManageUsers));
        let commune = official.within(&up(4), up);
        assert_eq!(commune.roots(Permission::ViewResults), vec![4], "the province's grant comes down to the department");
        assert_eq!(commune.roots(Permission::ApproveAssessment), Vec::<UnitId>::new(), "the commune head's grant is elsewhere");
        let head = Access::new(vec![Grant { role: Role::UnitHead, unit: 3 }]).within(&up(1), up);
        assert_eq!(head.roots(Permission::ApproveAssessment), vec![3], "a token for the province keeps a grant below it as it is");
    }

    proptest! {
        #[test]
        fn a_token_never_reaches_more_than_its_owner(grant_unit in 1i64..=4, token_unit in 1i64..=4, unit in 1i64..=4, role in 0usize..9, perm in 0usize..Permission::ALL.len()) {
            let owner = Access::new(vec![Grant { role: Role::ALL[role], unit: grant_unit }]);
            let permission = Permission::ALL[perm];
            let token = owner.clone().within(&up(token_unit), up).limited_to(&[permission]);
            for p in Permission::ALL {
                if token.can(*p, &up(unit)) {
                    prop_assert!(owner.can(*p, &up(unit)) && *p == permission && up(unit).contains(&token_unit));
                }
            }
        }
    }

    #[test]
    fn roles_parse_from_code_or_label() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.code()), Some(role));
            assert_eq!(Role::parse(role.label()), Some(role));
        }
        assert_eq!(Role::parse("dieu tra vien"), Some(Role::Interviewer));
        assert_eq!(Role::parse("king"), None);
    }

    #[test]
    fn passwords_and_usernames() {
        assert!(check_new_password("nguyenvana", "ThuocDo@2026").is_ok());
        assert_eq!(check_new_password("nguyenvana", "short1A"), Err(AuthError::WeakPassword));
        assert_eq!(check_new_password("nguyenvana", "aaaaaaaaaaaa"), Err(AuthError::WeakPassword));
        assert_eq!(check_new_password("nguyenvana", "NguyenVanA123"), Err(AuthError::WeakPassword));
        assert_eq!(parse_username(" Nguyen.VanA ").unwrap(), "nguyen.vana");
        assert!(parse_username("ng").is_err());
        assert!(parse_username("nguyễn").is_err());
    }

    proptest! {
        #[test]
        fn permission_never_leaks_outside_the_subtree(role_pick in 0usize..9, unit in 1i64..5, target in 1i64..5) {
            let role = Role::ALL[role_pick];
            let access = Access::new(vec![Grant { role, unit }]);
            for permission in [Permission::ViewUnits, Permission::ManageUnits, Permission::ViewUsers,
                               Permission::ManageUsers, Permission::ViewAudit, Permission::ManageSurveys,
                               Permission::ViewResults, Permission::ViewResponses, Permission::ViewAlerts,
                               Permission::HandleAlerts, Permission::ViewParResults] {
                let allowed = access.can(permission, &up(target));
                let expected = role.permissions().contains(&permission) && tree().is_within(target, unit);
                prop_assert_eq!(allowed, expected);
            }
        }
    }
}
