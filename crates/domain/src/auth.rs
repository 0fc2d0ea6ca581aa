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

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Read the unit register of the subtree.
    ViewUnits,
    /// Create, edit, import units and lineage in the subtree.
    ManageUnits,
    /// Read officials of the subtree (their contact data is personal data, and audited).
    ViewUsers,
    /// Create officials, grant and revoke roles, lock accounts in the subtree.
    ManageUsers,
    /// Read the audit log of the subtree.
    ViewAudit,
    /// Author questionnaires and run surveys for units of the subtree.
    ManageSurveys,
    /// Read survey results of the subtree.
    ViewResults,
    /// Read and export raw responses of the subtree (each access is audited).
    ViewResponses,
    /// Edit methodologies and targets, and freeze and publish a period's results.
    PublishResults,
    /// Read the alert cases of the subtree and their statistics.
    ViewAlerts,
    /// Follow and handle the alert cases of the subtree.
    HandleAlerts,
    /// Add completed dossiers to the sampling frame (the one-stop system's account).
    RegisterDossiers,
    /// Send answers collected by another system through the API, counted under the API
    /// channel, for units of the subtree (the one-stop system's account).
    SubmitResponses,
    /// Open the names and contacts of the sampling frame (each opening is audited).
    ViewRespondents,
    /// Set up the rating kiosks of the subtree's counters, take duty at one, invite ratings.
    RunKiosks,
    /// Key in paper questionnaires of the subtree's units.
    EnterPaper,
    /// Interview the sampled people of the subtree's units assigned to oneself.
    ConductInterviews,
    /// Self-score the PAR index of the subtree's units: points, evidence, notes, explanations.
    SelfAssess,
    /// Approve or return the unit's self-assessment (the unit's head).
    ApproveAssessment,
    /// Appraise the self-assessments of the units one is assigned to (the appraisal council).
    Appraise,
    /// Set the criteria trees, open evaluation rounds, assign the council, publish the PAR index.
    ManagePar,
    /// Read the PAR rounds, assessments and results of the subtree, before publication too,
    /// without writing in them (the province's leaders).
    ViewParResults,
    /// Write articles and documents in the portal sections of the subtree's units, and hand
    /// them over to be published.
    WriteContent,
    /// Publish, schedule, return and withdraw the portal items of the subtree's units.
    PublishContent,
    /// Put the subtree's units' drafts to consultation, moderate the comments, answer them and
    /// publish the summary report.
    RunConsultations,
    /// Enter questions and feedback received by telephone, at the counter or from another
    /// system (the one-stop and hotline systems, through the API).
    ReceiveQuestions,
    /// Read the questions and feedback of the subtree's units and their statistics.
    ViewQuestions,
    /// Draft answers to the questions the subtree's units hold, open the asker's contact
    /// (audited), and give back what is not theirs to answer.
    AnswerQuestions,
    /// Approve the unit's draft answers (the unit's head), which sends them.
    ApproveAnswers,
    /// Dispatch questions no topic routes, re-route, decline, publish and pin them; keep the
    /// topics and the working calendar (the reform office).
    DispatchQuestions,
    /// List the officials the subtree's agencies chose for the PAR INDEX surveys (their contacts
    /// are sealed, each opening audited), see who has not answered and remind them; never what
    /// anyone answered (the agency's focal point).
    KeepRoster,
}

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
const ADMINISTRATION: [Permission; 25] = {
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
    ]
};

/// The reform office: the administrators' permissions, the respondents' contacts and the
/// officials' rosters.
const REFORM_OFFICE: [Permission; 27] = {
    let mut all = [Permission::ViewRespondents; 27];
    all[26] = Permission::KeepRoster;
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
}

impl Access {
    pub fn new(grants: Vec<Grant>) -> Self {
        Self { grants }
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
