//! The audit vocabulary: every change, every login and every view of personal data is recorded
//! with one of these actions, so that the log can be filtered and read in Vietnamese.

use serde::{Deserialize, Serialize};

mod details;
pub use details::in_words;

macro_rules! actions {
    ($($variant:ident = $code:literal, $label:literal;)*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum AuditAction { $($variant),* }

        impl AuditAction {
            pub const ALL: &'static [AuditAction] = &[$(Self::$variant),*];

            pub fn code(self) -> &'static str {
                match self { $(Self::$variant => $code),* }
            }

            pub fn label(self) -> &'static str {
                match self { $(Self::$variant => $label),* }
            }

            pub fn parse(code: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|a| a.code() == code)
            }
        }
    };
}

actions! {
    LoginSucceeded = "login.succeeded", "Đăng nhập thành công";
    LoginFailed = "login.failed", "Đăng nhập không thành công";
    AccountLocked = "login.locked", "Tài khoản bị tạm khóa do đăng nhập sai nhiều lần";
    Logout = "logout", "Đăng xuất";
    PasswordChanged = "password.changed", "Đổi mật khẩu";
    SessionsRevoked = "sessions.revoked", "Thu hồi phiên đăng nhập";
    UnitCreated = "unit.created", "Tạo đơn vị";
    UnitUpdated = "unit.updated", "Sửa đơn vị";
    UnitsImported = "units.imported", "Nhập danh sách đơn vị";
    LineageAdded = "lineage.added", "Thêm liên kết sắp xếp đơn vị";
    UserCreated = "user.created", "Tạo tài khoản";
    UserUpdated = "user.updated", "Sửa tài khoản";
    UserLocked = "user.locked", "Khóa tài khoản";
    UserUnlocked = "user.unlocked", "Mở khóa tài khoản";
    RoleGranted = "role.granted", "Giao vai trò";
    RoleRevoked = "role.revoked", "Thu hồi vai trò";
    IdentityLinked = "sso.linked", "Liên kết tài khoản đăng nhập một lần";
    IdentityUnlinked = "sso.unlinked", "Gỡ liên kết tài khoản đăng nhập một lần";
    PasswordLoginChanged = "user.password_login", "Bật hoặc tắt đăng nhập bằng mật khẩu";
    TokenCreated = "token.created", "Tạo mã truy cập API";
    TokenRevoked = "token.revoked", "Thu hồi mã truy cập API";
    WebhookCreated = "webhook.created", "Đăng ký nhận thông báo sự kiện (webhook)";
    WebhookChanged = "webhook.changed", "Bật hoặc tạm dừng nhận thông báo sự kiện (webhook)";
    WebhookReplayed = "webhook.replayed", "Gửi lại thông báo sự kiện (webhook)";
    PersonalDataViewed = "personal_data.viewed", "Xem dữ liệu cá nhân";
    DemoLoaded = "demo.loaded", "Nạp dữ liệu minh họa";
    QuestionnaireCreated = "questionnaire.created", "Tạo mẫu phiếu";
    QuestionnaireUpdated = "questionnaire.updated", "Sửa mẫu phiếu";
    QuestionnairePublished = "questionnaire.published", "Phát hành phiên bản mẫu phiếu";
    SurveyCreated = "survey.created", "Tạo cuộc khảo sát";
    SurveyTokensIssued = "survey.tokens_issued", "Phát hành mã trả lời một lần";
    AggregatesRecomputed = "survey.recomputed", "Tính lại số liệu tổng hợp";
    ResponsesExported = "responses.exported", "Xuất phiếu trả lời";
    ResponsesViewed = "responses.viewed", "Xem phiếu trả lời";
    MethodologySaved = "methodology.saved", "Lưu phiên bản phương pháp tính chỉ số";
    TargetSet = "target.set", "Đặt chỉ tiêu";
    ResultsPublished = "results.published", "Công bố kết quả";
    IndexResultsImported = "index_results.imported", "Nhập kết quả chỉ số vào cơ sở dữ liệu kết quả";
    IndexImportWithdrawn = "index_results.withdrawn", "Gỡ một lần nhập kết quả chỉ số";
    ReportTextSaved = "report_text.saved", "Lưu lời văn của báo cáo";
    AlertRulesSaved = "alert_rules.saved", "Lưu quy tắc cảnh báo";
    AlertOpened = "alert.opened", "Mở vụ việc cảnh báo";
    AlertEscalated = "alert.escalated", "Chuyển vụ việc quá hạn lên cấp trên";
    AlertTaken = "alert.taken", "Nhận xử lý vụ việc";
    AlertNoted = "alert.noted", "Ghi chú vụ việc";
    AlertResolved = "alert.resolved", "Kết thúc xử lý vụ việc";
    FrameImported = "frame.imported", "Nhập hồ sơ vào khung mẫu";
    ProceduresImported = "procedures.imported", "Nhập danh mục thủ tục hành chính";
    FrameContactViewed = "frame.contact_viewed", "Xem thông tin liên hệ người nộp hồ sơ";
    FrameEntryErased = "frame.erased", "Xóa thông tin cá nhân khỏi khung mẫu";
    FrameRetentionApplied = "frame.retention", "Xóa thông tin cá nhân hết thời hạn lưu giữ";
    SettingChanged = "setting.changed", "Thay đổi thiết lập";
    SampleDrawn = "sample.drawn", "Rút mẫu khảo sát";
    SampleReplaced = "sample.replaced", "Thay thế người được chọn mẫu";
    InvitationsQueued = "invitations.queued", "Xếp lời mời khảo sát vào hàng gửi";
    KioskCreated = "kiosk.created", "Lắp đặt máy đánh giá tại quầy";
    KioskDutyTaken = "kiosk.duty", "Nhận trực quầy có máy đánh giá";
    KioskDisabled = "kiosk.disabled", "Ngừng máy đánh giá";
    PaperModeSet = "paper.mode_set", "Đặt cách kiểm tra nhập phiếu giấy";
    InterviewsAssigned = "interviews.assigned", "Giao phỏng vấn cho điều tra viên";
    InterviewReviewed = "interview.reviewed", "Duyệt phiếu phỏng vấn";
    RecheckDrawn = "interviews.recheck_drawn", "Chọn mẫu phúc tra phiếu phỏng vấn";
    PaperReconciled = "paper.reconciled", "Đối chiếu hai lần nhập phiếu giấy";
    ParTreeSaved = "par.tree_saved", "Lưu bộ tiêu chí Chỉ số cải cách hành chính";
    ParRoundOpened = "par.round_opened", "Mở đợt đánh giá Chỉ số cải cách hành chính";
    ParCouncilAssigned = "par.council_assigned", "Phân công thành viên hội đồng thẩm định";
    ParMarked = "par.marked", "Chấm điểm tiêu chí thành phần";
    ParEvidenceUploaded = "par.evidence_uploaded", "Tải lên tài liệu kiểm chứng";
    ParEvidenceLinked = "par.evidence_linked", "Gắn hoặc gỡ tài liệu kiểm chứng của tiêu chí";
    ParSubmitted = "par.submitted", "Trình thủ trưởng bản tự đánh giá";
    ParApproved = "par.approved", "Phê duyệt bản tự đánh giá";
    ParReturned = "par.returned", "Trả lại bản tự đánh giá để sửa";
    ParPublished = "par.published", "Công bố kết quả Chỉ số cải cách hành chính";
    ParPlanCreated = "par.plan_created", "Lập kế hoạch cải cách hành chính năm";
    ParTaskAdded = "par.task_added", "Thêm nhiệm vụ vào kế hoạch cải cách hành chính";
    RosterOpened = "roster.opened", "Mở danh sách người được chọn khảo sát PAR INDEX";
    RosterMembersAdded = "roster.members_added", "Thêm người vào danh sách khảo sát PAR INDEX";
    RosterMemberRemoved = "roster.member_removed", "Bỏ một người khỏi danh sách khảo sát PAR INDEX";
    RosterViewed = "roster.viewed", "Xem họ tên trong danh sách khảo sát PAR INDEX";
    RosterInvited = "roster.invited", "Gửi lời mời khảo sát PAR INDEX";
    RosterReminded = "roster.reminded", "Nhắc người chưa trả lời khảo sát PAR INDEX";
    RosterErased = "roster.erased", "Xóa họ tên, liên hệ và liên kết của danh sách khảo sát PAR INDEX sau đợt";
    ParTaskUpdated = "par.task_updated", "Cập nhật tiến độ nhiệm vụ cải cách hành chính";
    ContentSaved = "content.saved", "Lưu bài viết hoặc văn bản trên cổng thông tin";
    ContentSubmitted = "content.submitted", "Gửi duyệt bài viết hoặc văn bản";
    ContentPublished = "content.published", "Đăng bài viết hoặc văn bản";
    ContentReturned = "content.returned", "Trả lại bài viết hoặc văn bản để sửa";
    ContentWithdrawn = "content.withdrawn", "Gỡ bài viết hoặc văn bản khỏi cổng thông tin";
    ContentFileAdded = "content.file_added", "Tải tệp lên bài viết hoặc văn bản";
    ConsultationSaved = "consultation.saved", "Lưu thông tin lấy ý kiến";
    ConsultationTextSaved = "consultation.text_saved", "Lưu toàn văn dự thảo lấy ý kiến";
    ConsultationPublished = "consultation.published", "Công bố dự thảo lấy ý kiến";
    ConsultationCommentModerated = "consultation.comment_moderated", "Duyệt ý kiến góp ý";
    ConsultationAnswered = "consultation.answered", "Tiếp thu, giải trình ý kiến góp ý";
    ConsultationReported = "consultation.reported", "Công bố báo cáo tiếp thu, giải trình";
    QuestionReceived = "qa.received", "Tiếp nhận câu hỏi, phản ánh, kiến nghị";
    QuestionMoved = "qa.moved", "Chuyển, phân công, trả lại câu hỏi";
    QuestionDrafted = "qa.drafted", "Dự thảo trả lời câu hỏi";
    QuestionAnswered = "qa.answered", "Duyệt và gửi trả lời câu hỏi";
    QuestionSentBack = "qa.sent_back", "Yêu cầu sửa dự thảo trả lời";
    QuestionDeclined = "qa.declined", "Không thụ lý câu hỏi";
    QuestionPublished = "qa.published", "Công khai, gỡ, ghim câu hỏi";
    QuestionEscalated = "qa.escalated", "Câu hỏi quá hạn chuyển cấp trên";
    QuestionContactOpened = "qa.contact_opened", "Xem thông tin người hỏi";
    QuestionFileOpened = "qa.file_opened", "Mở tệp đính kèm câu hỏi";
    QaTopicSaved = "qa.topic_saved", "Lưu lĩnh vực hỏi đáp";
    WorkingDayChanged = "calendar.changed", "Sửa lịch ngày làm việc";
    AnalyticsTopicSaved = "analytics.topic_saved", "Sửa chủ đề phân tích ý kiến";
    CommentsViewed = "analytics.comments_viewed", "Xem ý kiến người dân";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_parse_back() {
        let mut codes: Vec<_> = AuditAction::ALL.iter().map(|a| a.code()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), AuditAction::ALL.len());
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.code()), Some(*action));
        }
    }
}
