//! Single sign-on: sign-ins waiting for the provider to send the browser back, officials'
//! identities at providers, and whether an official may still sign in with a password.

use domain::audit::AuditAction;
use domain::auth::{Access, Permission, Role};
use domain::sso::Purpose;
use serde_json::json;

use crate::audit::{Entry, record};
use crate::auth::Credentials;
use crate::{Actor, Error, Result, Store};

/// A sign-in begun in a browser. Only digests of the state and of the browser's cookie are
/// kept: the database alone cannot finish anyone's sign-in.
#[derive(Clone, Debug)]
pub struct PendingSignIn {
    pub state_hash: String,
    pub browser_hash: String,
    pub purpose: Purpose,
    /// The official who asked to link their identity.
    pub user_id: Option<i64>,
    pub nonce: String,
    pub verifier: String,
    pub next: String,
    pub expires_at: i64,
}

#[derive(sqlx::FromRow)]
struct PendingRow {
    state_hash: String,
    browser_hash: String,
    purpose: String,
    user_id: Option<i64>,
    nonce: String,
    verifier: String,
    next: String,
    expires_at: i64,
}

/// A citizen who proved who they are on this browser.
#[derive(Clone, Debug)]
pub struct Citizen {
    pub identity_digest: String,
    pub name: Option<String>,
}

/// An identity of an official at a provider.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Identity {
    pub id: i64,
    pub issuer: String,
    pub subject: String,
    pub linked_at: i64,
    pub last_used_at: Option<i64>,
}

impl Store {
    pub async fn begin_sign_in(&self, pending: &PendingSignIn) -> Result<()> {
        on_db!(self, write, |pool| {
            sqlx::query(
                "INSERT INTO sso_sign_ins (state_hash, browser_hash, purpose, user_id, nonce, verifier, next, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&pending.state_hash)
            .bind(&pending.browser_hash)
            .bind(pending.purpose.code())
            .bind(pending.user_id)
            .bind(&pending.nonce)
            .bind(&pending.verifier)
            .bind(&pending.next)
            .bind(pending.expires_at)
            .execute(pool)
            .await
            .map(|_| ())
        })?;
        Ok(())
    }

    /// The sign-in a state belongs to, taken: a state is good for one return from the provider.
    /// None when unknown, already taken, or past its time.
    pub async fn take_sign_in(&self, state_hash: &str, now: i64) -> Result<Option<PendingSignIn>> {
        let row: Option<PendingRow> = on_db!(self, write, |pool| {
            sqlx::query_as(
                "DELETE FROM sso_sign_ins WHERE state_hash = $1
                 RETURNING state_hash, browser_hash, purpose, user_id, nonce, verifier, next, expires_at",
            )
            .bind(state_hash)
            .fetch_optional(pool)
            .await
        })?;
        Ok(row.filter(|r| r.expires_at > now).and_then(|r| {
            Some(PendingSignIn {
                purpose: Purpose::parse(&r.purpose)?,
                state_hash: r.state_hash,
                browser_hash: r.browser_hash,
                user_id: r.user_id,
                nonce: r.nonce,
                verifier: r.verifier,
                next: r.next,
                expires_at: r.expires_at,
            })
        }))
    }

    /// Forgets the sign-ins the browser never came back from, and citizens' sessions past
    /// their time.
    pub async fn tidy_sign_ins(&self, now: i64) -> Result<u64> {
        Ok(on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let mut gone = sqlx::query("DELETE FROM sso_sign_ins WHERE expires_at <= $1").bind(now).execute(&mut *tx).await?.rows_affected();
            gone += sqlx::query("DELETE FROM citizen_sessions WHERE expires_at <= $1").bind(now).execute(&mut *tx).await?.rows_affected();
            tx.commit().await?;
            Ok::<_, Error>(gone)
        })?)
    }

    /// Remembers, for this browser, the citizen who proved who they are: a keyed digest of
    /// their identity at the provider, and the name it gave, sealed.
    pub async fn open_citizen_session(&self, token_hash: &str, issuer: &str, subject: &str, name: Option<&str>, now: i64, expires_at: i64) -> Result<()> {
        let identity = self.sealer.blind_index("citizen.identity", &format!("{issuer}\n{subject}"));
        let name = self.sealer.seal_opt("citizen_sessions.name", name);
        on_db!(self, write, |pool| {
            sqlx::query("INSERT INTO citizen_sessions (token_hash, identity_digest, name, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(token_hash)
                .bind(&identity)
                .bind(&name)
                .bind(now)
                .bind(expires_at)
                .execute(pool)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }

    /// The citizen this browser proved to be, while their session lasts.
    pub async fn citizen_session(&self, token_hash: &str, now: i64) -> Result<Option<Citizen>> {
        let row: Option<(String, Option<String>)> = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT identity_digest, name FROM citizen_sessions WHERE token_hash = $1 AND expires_at > $2")
                .bind(token_hash)
                .bind(now)
                .fetch_optional(pool)
                .await
        })?;
        row.map(|(identity_digest, name)| Ok(Citizen { identity_digest, name: self.sealer.open_opt("citizen_sessions.name", name.as_deref())? })).transpose()
    }

    /// The official an identity is linked to, with its row.
    pub async fn official_of_identity(&self, issuer: &str, subject: &str) -> Result<Option<(i64, Credentials)>> {
        let row: Option<(i64, String)> = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT i.id, u.username FROM user_identities i JOIN users u ON u.id = i.user_id WHERE i.issuer = $1 AND i.subject = $2")
                .bind(issuer)
                .bind(subject)
                .fetch_optional(pool)
                .await
        })?;
        let Some((identity_id, username)) = row else { return Ok(None) };
        Ok(self.credentials(&username).await?.map(|c| (identity_id, c)))
    }

    /// Links an identity to an official; an identity already linked to another official stays
    /// theirs (409).
    pub async fn link_identity(&self, actor: &Actor, official: &Credentials, issuer: &str, subject: &str) -> Result<i64> {
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let owner: Option<(i64, i64)> = sqlx::query_as("SELECT id, user_id FROM user_identities WHERE issuer = $1 AND subject = $2")
                .bind(issuer)
                .bind(subject)
                .fetch_optional(&mut *tx)
                .await?;
            let id = match owner {
                Some((id, user_id)) if user_id == official.id => id,
                Some(_) => return Err(Error::Conflict("Tài khoản đăng nhập một lần này đã được liên kết với một cán bộ khác.".into())),
                None => {
                    let id: i64 = sqlx::query_scalar("INSERT INTO user_identities (user_id, issuer, subject, linked_at) VALUES ($1, $2, $3, $4) RETURNING id")
                        .bind(official.id)
                        .bind(issuer)
                        .bind(subject)
                        .bind(actor.at)
                        .fetch_one(&mut *tx)
                        .await?;
                    let entry = Entry::new(AuditAction::IdentityLinked, "user", official.id)
                        .unit(official.unit_id)
                        .details(json!({ "issuer": issuer, "subject": subject }));
                    record!(&mut *tx, actor, &entry)?;
                    id
                }
            };
            tx.commit().await?;
            Ok(id)
        })
    }

    pub async fn identities(&self, user_id: i64) -> Result<Vec<Identity>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as("SELECT id, issuer, subject, linked_at, last_used_at FROM user_identities WHERE user_id = $1 ORDER BY id")
                .bind(user_id)
                .fetch_all(pool)
                .await
        })?)
    }

    /// Removes a link: by the official themselves, or by whoever manages their account.
    pub async fn unlink_identity(&self, actor: &Actor, access: &Access, user_id: i64, identity_id: i64) -> Result<()> {
        let unit_id = if actor.user_id == Some(user_id) {
            on_db!(self, read, |pool| sqlx::query_scalar("SELECT unit_id FROM users WHERE id = $1").bind(user_id).fetch_one(pool).await)?
        } else {
            let (user, _) = self.user(access, user_id).await?;
            if !access.can(Permission::ManageUsers, &self.unit_ancestry(user.unit_id).await?) {
                return Err(Error::Forbidden);
            }
            user.unit_id
        };
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let gone = sqlx::query("DELETE FROM user_identities WHERE id = $1 AND user_id = $2")
                .bind(identity_id)
                .bind(user_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if gone == 0 {
                return Err(Error::NotFound);
            }
            record!(&mut *tx, actor, &Entry::new(AuditAction::IdentityUnlinked, "user", user_id).unit(unit_id).details(json!({ "identity": identity_id })))?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// The account set up first with the administrator's role: its password always works, so
    /// that a broken identity provider never locks the province out.
    pub async fn first_administrator(&self) -> Result<Option<i64>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_scalar("SELECT MIN(user_id) FROM user_roles WHERE role = $1").bind(Role::SystemAdmin.code()).fetch_one(pool).await
        })?)
    }

    /// Turns password sign-in on or off for an official (single sign-on only when off).
    pub async fn set_password_login(&self, actor: &Actor, access: &Access, user_id: i64, allowed: bool) -> Result<()> {
        let (user, _) = self.user(access, user_id).await?;
        if !access.can(Permission::ManageUsers, &self.unit_ancestry(user.unit_id).await?) {
            return Err(Error::Forbidden);
        }
        if !allowed && self.first_administrator().await? == Some(user_id) {
            return Err(Error::Conflict(
                "Quản trị viên đầu tiên luôn giữ đăng nhập bằng mật khẩu, để vẫn vào được hệ thống khi dịch vụ đăng nhập một lần gặp sự cố.".into(),
            ));
        }
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE users SET password_login = $1, updated_at = $2 WHERE id = $3")
                .bind(allowed)
                .bind(actor.at)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            record!(
                &mut *tx,
                actor,
                &Entry::new(AuditAction::PasswordLoginChanged, "user", user_id).unit(user.unit_id).details(json!({ "allowed": allowed }))
            )?;
            tx.commit().await?;
            Ok(())
        })
    }
}
