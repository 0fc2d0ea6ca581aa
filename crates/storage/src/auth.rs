//! Officials, their role grants, login bookkeeping (failures and lockout), server-side sessions
//! and API tokens. Secrets never reach this module: it stores password hashes and SHA-256
//! digests of session and API tokens.

use std::collections::HashMap;

use domain::audit::AuditAction;
use domain::auth::{Access, Grant, LOCKOUT_MINUTES, LOCKOUT_THRESHOLD, Permission, Role};
use domain::units::UnitId;
use serde_json::json;
use sqlx::AssertSqlSafe;

use crate::audit::{Entry, record};
use crate::db::scope_sql;
use crate::{Actor, Error, Page, Paging, Result, Store, on_conflict};

const USER_COLUMNS: &str = "s.id, s.username, s.full_name, s.unit_id, un.name AS unit_name,
     s.disabled, s.password_login, s.locked_until, s.failed_logins, s.created_at";

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    /// Personal data, stored sealed: filled only by [`Store::user`], empty in listings.
    pub email: Option<String>,
    pub phone: Option<String>,
    pub unit_id: i64,
    pub unit_name: String,
    pub disabled: bool,
    /// Whether the official may sign in with a password (off: single sign-on only).
    pub password_login: bool,
    pub locked_until: Option<i64>,
    pub failed_logins: i64,
    pub created_at: i64,
}

/// A grant as listed on a user's page.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RoleGrant {
    pub id: i64,
    pub role: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub granted_at: i64,
}

impl RoleGrant {
    pub fn role(&self) -> Option<Role> {
        Role::parse(&self.role)
    }
}

#[derive(Clone, Debug)]
pub struct NewUser {
    pub username: String,
    pub full_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub unit_id: UnitId,
    pub password_hash: String,
}

/// What the login form needs to decide.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Credentials {
    pub id: i64,
    pub username: String,
    pub unit_id: i64,
    pub password_hash: String,
    pub disabled: bool,
    pub password_login: bool,
    pub locked_until: Option<i64>,
}

/// The signed-in official behind a session or token.
#[derive(Clone, Debug)]
pub struct Principal {
    pub user_id: i64,
    pub username: String,
    pub full_name: String,
    pub unit_id: i64,
    pub access: Access,
    /// The session row, when signed in through the browser.
    pub session_id: Option<i64>,
    /// The API token, when calling with one: its row and its requests per minute.
    pub token: Option<(i64, u32)>,
}

/// What an API token may reach: a unit's subtree (none: wherever its owner reaches), some of
/// its owner's permissions (none: all of them), and how many requests a minute.
#[derive(Clone, Debug, PartialEq)]
pub struct TokenScope {
    pub unit_id: Option<i64>,
    pub permissions: Vec<Permission>,
    pub per_minute: u32,
}

impl Default for TokenScope {
    fn default() -> Self {
        Self { unit_id: None, permissions: Vec::new(), per_minute: 600 }
    }
}

/// An official's token as their page lists it (never the token itself).
#[derive(Clone, Debug)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub scope: TokenScope,
    pub unit_name: Option<String>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

fn permissions_of(codes: &str) -> Vec<Permission> {
    codes.split_whitespace().filter_map(Permission::parse).collect()
}

#[derive(Clone, Debug)]
pub struct NewSession {
    pub token_hash: String,
    pub user_id: i64,
    pub ip: String,
    pub user_agent: String,
    pub expires_at: i64,
    /// The identity at a provider signed in with, when by single sign-on.
    pub identity_id: Option<i64>,
}

/// How long a session may sit idle, in milliseconds (its absolute expiry is set when it opens).
#[derive(Clone, Copy, Debug)]
pub struct SessionPolicy {
    pub idle_ms: i64,
}

#[derive(sqlx::FromRow)]
struct PrincipalRow {
    session_id: Option<i64>,
    user_id: i64,
    username: String,
    full_name: String,
    unit_id: i64,
}

/// Outcome of a failed password check, after the failure was counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureOutcome {
    Counted,
    /// This failure reached the threshold and locked the account.
    Locked,
}

impl Store {
    async fn grants_of(&self, user_id: i64) -> Result<Vec<Grant>> {
        let rows: Vec<(String, i64)> =
            on_db!(self, read, |pool| { sqlx::query_as("SELECT role, unit_id FROM user_roles WHERE user_id = $1").bind(user_id).fetch_all(pool).await })?;
        Ok(rows.into_iter().filter_map(|(role, unit)| Some(Grant { role: Role::parse(&role)?, unit })).collect())
    }

    async fn principal(&self, row: PrincipalRow) -> Result<Principal> {
        Ok(Principal {
            access: Access::new(self.grants_of(row.user_id).await?),
            user_id: row.user_id,
            username: row.username,
            full_name: row.full_name,
            unit_id: row.unit_id,
            session_id: row.session_id,
            token: None,
        })
    }

    pub async fn create_user(&self, actor: &Actor, access: &Access, user: &NewUser) -> Result<i64> {
        let ancestry = self.unit_ancestry(user.unit_id).await?;
        if ancestry.is_empty() {
            return Err(Error::NotFound);
        }
        if !access.can(Permission::ManageUsers, &ancestry) {
            return Err(Error::Forbidden);
        }
        self.insert_user(actor, user).await
    }

    /// Creates a user without a scope check: the command line's first administrator and the
    /// demo loader.
    pub async fn insert_user(&self, actor: &Actor, user: &NewUser) -> Result<i64> {
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO users (username, full_name, email, phone, unit_id, password_hash,
                                    password_changed_at, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $7) RETURNING id",
            )
            .bind(&user.username)
            .bind(&user.full_name)
            .bind(self.sealer.seal_opt("users.email", user.email.as_deref()))
            .bind(self.sealer.seal_opt("users.phone", user.phone.as_deref()))
            .bind(user.unit_id)
            .bind(&user.password_hash)
            .bind(actor.at)
            .fetch_one(&mut *tx)
            .await
            .map_err(on_conflict(format!("Tên đăng nhập «{}» đã có người dùng.", user.username)))?;
            let entry =
                Entry::new(AuditAction::UserCreated, "user", id).unit(user.unit_id).details(json!({ "username": user.username, "full_name": user.full_name }));
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Officials whose home unit the caller may see, ordered by login name.
    pub async fn users(&self, access: &Access, search: Option<&str>, paging: Paging) -> Result<Page<User>> {
        let scope = scope_sql(&access.roots(Permission::ViewUsers));
        let conditions = "WHERE s.unit_id IN (SELECT id FROM scope)
            AND ($1 IS NULL OR LOWER(s.username) LIKE $1 OR LOWER(s.full_name) LIKE $1)";
        let list = format!(
            "{scope} SELECT {USER_COLUMNS}, CAST(NULL AS TEXT) AS email, CAST(NULL AS TEXT) AS phone
             FROM users s JOIN units un ON un.id = s.unit_id {conditions}
             ORDER BY s.username LIMIT $2 OFFSET $3"
        );
        let count = format!("{scope} SELECT COUNT(*) FROM users s {conditions}");
        let search = search.map(|s| format!("%{}%", s.trim().to_lowercase()));
        on_db!(self, read, |pool| {
            let items = sqlx::query_as(AssertSqlSafe(list.as_str())).bind(&search).bind(paging.limit).bind(paging.offset).fetch_all(pool).await?;
            let total = sqlx::query_scalar(AssertSqlSafe(count.as_str())).bind(&search).fetch_one(pool).await?;
            Ok(Page { items, total })
        })
    }

    /// One official with their grants, if the caller may see them. Contact details are personal
    /// data: the caller must audit the view ([`AuditAction::PersonalDataViewed`]), which
    /// [`Store::user_viewed`] does.
    /// An official and their roles, without their contact data (see [`Store::user_viewed`]).
    pub async fn user(&self, access: &Access, id: i64) -> Result<(User, Vec<RoleGrant>)> {
        let sql = format!("SELECT {USER_COLUMNS}, NULL AS email, NULL AS phone FROM users s JOIN units un ON un.id = s.unit_id WHERE s.id = $1");
        let user: User = on_db!(self, read, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(id).fetch_one(pool).await)?;
        if !access.can(Permission::ViewUsers, &self.unit_ancestry(user.unit_id).await?) {
            return Err(Error::NotFound);
        }
        let grants = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT r.id, r.role, r.unit_id, u.name AS unit_name, r.granted_at FROM user_roles r
                 JOIN units u ON u.id = r.unit_id WHERE r.user_id = $1 ORDER BY r.granted_at, r.id",
            )
            .bind(id)
            .fetch_all(pool)
            .await
        })?;
        Ok((user, grants))
    }

    /// An official with their contact data opened, recorded in the audit log as shown.
    pub async fn user_viewed(&self, actor: &Actor, access: &Access, id: i64) -> Result<(User, Vec<RoleGrant>)> {
        let (mut user, grants) = self.user(access, id).await?;
        let (email, phone): (Option<String>, Option<String>) =
            on_db!(self, read, |pool| sqlx::query_as("SELECT email, phone FROM users WHERE id = $1").bind(id).fetch_one(pool).await)?;
        user.email = self.sealer.open_opt("users.email", email.as_deref())?;
        user.phone = self.sealer.open_opt("users.phone", phone.as_deref())?;
        let entry = Entry::new(AuditAction::PersonalDataViewed, "user", id).unit(user.unit_id).details(json!({ "fields": ["email", "phone"] }));
        self.audit(actor, &entry).await?;
        Ok((user, grants))
    }

    pub async fn user_id_by_name(&self, username: &str) -> Result<i64> {
        Ok(on_db!(self, read, |pool| { sqlx::query_scalar("SELECT id FROM users WHERE username = $1").bind(username).fetch_one(pool).await })?)
    }

    /// Officials' full names by login name, for the pages that speak of counter officers; a
    /// login without an account is left out.
    pub async fn official_names(&self, usernames: &[String]) -> Result<std::collections::HashMap<String, String>> {
        if usernames.is_empty() {
            return Ok(std::collections::HashMap::new());
        }
        // One statement for the page's officers: their logins as numbered parameters.
        let placeholders: Vec<String> = (1..=usernames.len()).map(|i| format!("${i}")).collect();
        let sql = format!("SELECT username, full_name FROM users WHERE username IN ({})", placeholders.join(", "));
        let rows: Vec<(String, String)> = on_db!(self, read, |pool| {
            let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
            for username in usernames {
                query = query.bind(username);
            }
            query.fetch_all(pool).await
        })?;
        Ok(rows.into_iter().collect())
    }

    /// Grants a role on a unit, if the caller may grant it there.
    pub async fn grant_role(&self, actor: &Actor, access: &Access, user_id: i64, grant: Grant) -> Result<()> {
        self.user(access, user_id).await?;
        let ancestry = self.unit_ancestry(grant.unit).await?;
        if ancestry.is_empty() {
            return Err(Error::NotFound);
        }
        if !access.may_grant(grant.role, &ancestry) {
            return Err(Error::Forbidden);
        }
        self.insert_grant(actor, user_id, grant).await
    }

    /// Grants without a scope check: the command line's first administrator and the demo loader.
    pub async fn insert_grant(&self, actor: &Actor, user_id: i64, grant: Grant) -> Result<()> {
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query("INSERT INTO user_roles (user_id, role, unit_id, granted_by, granted_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(user_id)
                .bind(grant.role.code())
                .bind(grant.unit)
                .bind(actor.user_id)
                .bind(actor.at)
                .execute(&mut *tx)
                .await
                .map_err(on_conflict("Người dùng đã có vai trò này trên đơn vị này.".to_string()))?;
            let entry =
                Entry::new(AuditAction::RoleGranted, "user", user_id).unit(grant.unit).details(json!({ "role": grant.role.code(), "unit_id": grant.unit }));
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok(())
        })
    }

    pub async fn revoke_role(&self, actor: &Actor, access: &Access, user_id: i64, grant_id: i64) -> Result<()> {
        let (_, grants) = self.user(access, user_id).await?;
        let grant = grants.iter().find(|g| g.id == grant_id).ok_or(Error::NotFound)?;
        let role = grant.role().ok_or(Error::NotFound)?;
        if !access.may_grant(role, &self.unit_ancestry(grant.unit_id).await?) {
            return Err(Error::Forbidden);
        }
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM user_roles WHERE id = $1").bind(grant_id).execute(&mut *tx).await?;
            let entry =
                Entry::new(AuditAction::RoleRevoked, "user", user_id).unit(grant.unit_id).details(json!({ "role": grant.role, "unit_id": grant.unit_id }));
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Disables or re-enables an account; disabling also ends its sessions.
    pub async fn set_user_disabled(&self, actor: &Actor, access: &Access, user_id: i64, disabled: bool) -> Result<()> {
        let (user, _) = self.user(access, user_id).await?;
        if !access.can(Permission::ManageUsers, &self.unit_ancestry(user.unit_id).await?) {
            return Err(Error::Forbidden);
        }
        if Some(user_id) == actor.user_id {
            return Err(Error::Conflict("Bạn không thể tự khóa tài khoản của mình.".into()));
        }
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE users SET disabled = $1, failed_logins = 0, locked_until = NULL, updated_at = $2 WHERE id = $3")
                .bind(disabled)
                .bind(actor.at)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            if disabled {
                sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
                    .bind(actor.at)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
            }
            let action = if disabled { AuditAction::UserLocked } else { AuditAction::UserUnlocked };
            record!(&mut *tx, actor, &Entry::new(action, "user", user_id).unit(user.unit_id))?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Ends every open session of an official (a lost phone, a suspected intrusion).
    pub async fn revoke_sessions(&self, actor: &Actor, access: &Access, user_id: i64) -> Result<u64> {
        let (user, _) = self.user(access, user_id).await?;
        if !access.can(Permission::ManageUsers, &self.unit_ancestry(user.unit_id).await?) {
            return Err(Error::Forbidden);
        }
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let ended = sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
                .bind(actor.at)
                .bind(user_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            let entry = Entry::new(AuditAction::SessionsRevoked, "user", user_id).unit(user.unit_id).details(json!({ "sessions": ended }));
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok(ended)
        })
    }

    pub async fn credentials(&self, username: &str) -> Result<Option<Credentials>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as("SELECT id, username, unit_id, password_hash, disabled, password_login, locked_until FROM users WHERE username = $1")
                .bind(username)
                .fetch_optional(pool)
                .await
        })?)
    }

    /// Counts a wrong password; the failure that reaches the threshold locks the account.
    pub async fn record_login_failure(&self, actor: &Actor, user_id: i64, unit_id: i64) -> Result<FailureOutcome> {
        let lock_until = actor.at + LOCKOUT_MINUTES * 60_000;
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let failures: i64 = sqlx::query_scalar(
                "UPDATE users SET failed_logins = failed_logins + 1,
                        locked_until = CASE WHEN failed_logins + 1 >= $1 THEN $2 ELSE locked_until END
                 WHERE id = $3 RETURNING failed_logins",
            )
            .bind(LOCKOUT_THRESHOLD)
            .bind(lock_until)
            .bind(user_id)
            .fetch_one(&mut *tx)
            .await?;
            let outcome = if failures >= LOCKOUT_THRESHOLD { FailureOutcome::Locked } else { FailureOutcome::Counted };
            record!(&mut *tx, actor, &Entry::new(AuditAction::LoginFailed, "user", user_id).unit(unit_id))?;
            if outcome == FailureOutcome::Locked {
                sqlx::query("UPDATE users SET failed_logins = 0 WHERE id = $1").bind(user_id).execute(&mut *tx).await?;
                let entry = Entry::new(AuditAction::AccountLocked, "user", user_id).unit(unit_id).details(json!({ "locked_until": lock_until }));
                record!(&mut *tx, actor, &entry)?;
            }
            tx.commit().await?;
            Ok(outcome)
        })
    }

    /// Opens a session after a correct password or a single sign-on, clearing the failure count.
    pub async fn open_session(&self, actor: &Actor, unit_id: i64, session: &NewSession) -> Result<()> {
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1").bind(session.user_id).execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, ip, user_agent)
                 VALUES ($1, $2, $3, $3, $4, $5, $6)",
            )
            .bind(&session.token_hash)
            .bind(session.user_id)
            .bind(actor.at)
            .bind(session.expires_at)
            .bind(&session.ip)
            .bind(&session.user_agent)
            .execute(&mut *tx)
            .await?;
            if let Some(identity) = session.identity_id {
                sqlx::query("UPDATE user_identities SET last_used_at = $1 WHERE id = $2").bind(actor.at).bind(identity).execute(&mut *tx).await?;
            }
            let method = if session.identity_id.is_some() { "sso" } else { "password" };
            let entry = Entry::new(AuditAction::LoginSucceeded, "user", session.user_id).unit(unit_id).details(json!({ "method": method }));
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// The official behind a live session: not revoked, not past its absolute expiry, not idle
    /// too long, account not disabled. Marks the session as seen (at most once a minute).
    pub async fn session_principal(&self, token_hash: &str, now: i64, policy: SessionPolicy) -> Result<Option<Principal>> {
        let row: Option<(PrincipalRow, i64)> = on_db!(self, read, |pool| {
            sqlx::query_as::<_, (i64, i64, String, String, i64, i64)>(
                "SELECT s.id, u.id, u.username, u.full_name, u.unit_id, s.last_seen_at FROM sessions s
                 JOIN users u ON u.id = s.user_id
                 WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2
                   AND s.last_seen_at > $3 AND NOT u.disabled",
            )
            .bind(token_hash)
            .bind(now)
            .bind(now - policy.idle_ms)
            .fetch_optional(pool)
            .await
        })?
        .map(|(session_id, user_id, username, full_name, unit_id, last_seen)| {
            (PrincipalRow { session_id: Some(session_id), user_id, username, full_name, unit_id }, last_seen)
        });
        let Some((row, last_seen)) = row else { return Ok(None) };
        if now - last_seen > 60_000 {
            on_db!(self, write, |pool| {
                sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2").bind(now).bind(row.session_id).execute(pool).await.map(|_| ())
            })?;
        }
        Ok(Some(self.principal(row).await?))
    }

    /// Forgets sessions past their absolute expiry, a bounded batch at a time: none can be used
    /// again (a revoked or idle one reaches its expiry too), and each holds an address and a
    /// browser name. Logins and logouts stay in the audit log.
    pub async fn tidy_sessions(&self, now: i64) -> Result<u64> {
        Ok(on_db!(self, write, |pool| {
            sqlx::query("DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE expires_at <= $1 ORDER BY expires_at LIMIT 1000)")
                .bind(now)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?)
    }

    pub async fn close_session(&self, actor: &Actor, session_id: i64, unit_id: i64) -> Result<()> {
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE id = $2").bind(actor.at).bind(session_id).execute(&mut *tx).await?;
            let user = actor.user_id.unwrap_or_default();
            record!(&mut *tx, actor, &Entry::new(AuditAction::Logout, "user", user).unit(unit_id))?;
            tx.commit().await?;
            Ok(())
        })
    }

    pub async fn password_hash(&self, user_id: i64) -> Result<String> {
        Ok(on_db!(self, read, |pool| { sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1").bind(user_id).fetch_one(pool).await })?)
    }

    /// Sets a new password and ends every other session of the user.
    pub async fn change_password(&self, actor: &Actor, principal: &Principal, new_hash: &str) -> Result<()> {
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE users SET password_hash = $1, password_changed_at = $2, updated_at = $2 WHERE id = $3")
                .bind(new_hash)
                .bind(actor.at)
                .bind(principal.user_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL AND ($3 IS NULL OR id <> $3)")
                .bind(actor.at)
                .bind(principal.user_id)
                .bind(principal.session_id)
                .execute(&mut *tx)
                .await?;
            let entry = Entry::new(AuditAction::PasswordChanged, "user", principal.user_id).unit(principal.unit_id);
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Stores a new API token (its digest) for a user. A scoped token reaches no permission and
    /// no unit its owner does not.
    pub async fn create_api_token(
        &self,
        actor: &Actor,
        user_id: i64,
        name: &str,
        token_hash: &str,
        expires_at: Option<i64>,
        scope: &TokenScope,
    ) -> Result<i64> {
        let owner = Access::new(self.grants_of(user_id).await?);
        if let Some(&missing) = scope.permissions.iter().find(|p| !owner.has(**p)) {
            return Err(Error::Invalid(vec![format!("Tài khoản không có quyền «{}» để giao cho mã truy cập.", missing.label())]));
        }
        if let Some(unit) = scope.unit_id {
            let ancestry = self.unit_ancestry(unit).await?;
            let wanted = if scope.permissions.is_empty() { Permission::ALL } else { scope.permissions.as_slice() };
            if !wanted.iter().any(|p| owner.can(*p, &ancestry)) {
                return Err(Error::Forbidden);
            }
        }
        let codes: Vec<&str> = scope.permissions.iter().map(|p| p.code()).collect();
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let unit_id: i64 = sqlx::query_scalar("SELECT unit_id FROM users WHERE id = $1").bind(user_id).fetch_one(&mut *tx).await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO api_tokens (token_hash, user_id, name, created_at, expires_at, unit_id, permissions, per_minute)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(token_hash)
            .bind(user_id)
            .bind(name)
            .bind(actor.at)
            .bind(expires_at)
            .bind(scope.unit_id)
            .bind(codes.join(" "))
            .bind(i64::from(scope.per_minute))
            .fetch_one(&mut *tx)
            .await?;
            let details = json!({ "name": name, "unit_id": scope.unit_id, "params": codes, "to": expires_at });
            let entry = Entry::new(AuditAction::TokenCreated, "user", user_id).unit(unit_id).details(details);
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(id)
        })
    }

    /// The official's own tokens, newest first.
    pub async fn api_tokens(&self, user_id: i64) -> Result<Vec<ApiToken>> {
        type Row = (i64, String, Option<i64>, String, i64, Option<String>, i64, Option<i64>, Option<i64>, Option<i64>);
        let rows: Vec<Row> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT t.id, t.name, t.unit_id, t.permissions, t.per_minute, u.name, t.created_at, t.expires_at, t.last_used_at, t.revoked_at
                 FROM api_tokens t LEFT JOIN units u ON u.id = t.unit_id WHERE t.user_id = $1 ORDER BY t.id DESC",
            )
            .bind(user_id)
            .fetch_all(pool)
            .await
        })?;
        Ok(rows
            .into_iter()
            .map(|(id, name, unit_id, codes, per_minute, unit_name, created_at, expires_at, last_used_at, revoked_at)| ApiToken {
                id,
                name,
                scope: TokenScope { unit_id, permissions: permissions_of(&codes), per_minute: per_minute as u32 },
                unit_name,
                created_at,
                expires_at,
                last_used_at,
                revoked_at,
            })
            .collect())
    }

    /// Revokes one of the official's own tokens.
    pub async fn revoke_api_token(&self, actor: &Actor, user_id: i64, token_id: i64) -> Result<()> {
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let changed = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL")
                .bind(actor.at)
                .bind(token_id)
                .bind(user_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if changed == 0 {
                return Err(Error::NotFound);
            }
            let unit_id: i64 = sqlx::query_scalar("SELECT unit_id FROM users WHERE id = $1").bind(user_id).fetch_one(&mut *tx).await?;
            record!(&mut *tx, actor, &Entry::new(AuditAction::TokenRevoked, "user", user_id).unit(unit_id).details(json!({ "value": token_id })))?;
            tx.commit().await?;
            Ok::<_, Error>(())
        })
    }

    /// The official behind an API token that is neither revoked nor expired, reaching only what
    /// the token was given. When it was last used is kept to the minute.
    pub async fn token_principal(&self, token_hash: &str, now: i64) -> Result<Option<Principal>> {
        type Row = (i64, i64, String, String, i64, Option<i64>, String, i64, Option<i64>);
        let row: Option<Row> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT t.id, u.id, u.username, u.full_name, u.unit_id, t.unit_id, t.permissions, t.per_minute, t.last_used_at
                 FROM api_tokens t JOIN users u ON u.id = t.user_id
                 WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2)
                   AND NOT u.disabled",
            )
            .bind(token_hash)
            .bind(now)
            .fetch_optional(pool)
            .await
        })?;
        let Some((token_id, user_id, username, full_name, unit_id, scope_unit, codes, per_minute, last_used_at)) = row else { return Ok(None) };
        let mut principal = self.principal(PrincipalRow { session_id: None, user_id, username, full_name, unit_id }).await?;
        if let Some(unit) = scope_unit {
            let mut ancestries = HashMap::new();
            for grant in principal.access.grants() {
                ancestries.insert(grant.unit, self.unit_ancestry(grant.unit).await?);
            }
            let ancestry = self.unit_ancestry(unit).await?;
            principal.access = principal.access.within(&ancestry, |u| ancestries.get(&u).cloned().unwrap_or_default());
        }
        let permissions = permissions_of(&codes);
        if !permissions.is_empty() {
            principal.access = principal.access.limited_to(&permissions);
        }
        principal.token = Some((token_id, per_minute.clamp(1, u32::MAX as i64) as u32));
        if last_used_at.is_none_or(|at| at < now - 60_000) {
            on_db!(self, write, |pool| sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(now)
                .bind(token_id)
                .execute(pool)
                .await
                .map(|_| ()))?;
        }
        Ok(Some(principal))
    }
}
