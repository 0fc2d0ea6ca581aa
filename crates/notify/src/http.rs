//! A small HTTPS client for the message providers: hyper over rustls with the ring provider and
//! the Mozilla root certificates, set up here rather than through a process-wide TLS default.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

/// How long a provider has to answer.
const TIMEOUT: Duration = Duration::from_secs(20);
/// The most of an answer read.
const ANSWER_LIMIT: usize = 64 * 1024;

#[derive(Clone)]
pub struct Http {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

impl Default for Http {
    fn default() -> Self {
        Self::new()
    }
}

impl Http {
    pub fn new() -> Self {
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())
            .expect("ring supports the default TLS versions")
            .https_or_http()
            .enable_http1()
            .build();
        Self { client: Client::builder(TokioExecutor::new()).build(https) }
    }

    /// Posts `body` as JSON; the status and the JSON answer (`null` when there is none).
    pub async fn post_json(&self, url: &str, headers: &[(&str, &str)], body: &Value) -> Result<(http::StatusCode, Value), String> {
        let (status, bytes) = self.post(url, headers, body.to_string()).await?;
        Ok((status, serde_json::from_slice(&bytes).unwrap_or(Value::Null)))
    }

    /// Posts a JSON text as it is (a signed body must reach the receiver byte for byte); the
    /// status and the first 64 KiB of the answer, so that no receiver can flood us.
    pub async fn post(&self, url: &str, headers: &[(&str, &str)], body: String) -> Result<(http::StatusCode, Bytes), String> {
        self.send(http::Request::post(url).header(http::header::CONTENT_TYPE, "application/json"), headers, body).await
    }

    /// Posts a form (`application/x-www-form-urlencoded`), as OAuth token endpoints take.
    pub async fn post_form(&self, url: &str, headers: &[(&str, &str)], fields: &[(&str, &str)]) -> Result<(http::StatusCode, Bytes), String> {
        let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        self.send(http::Request::post(url).header(http::header::CONTENT_TYPE, "application/x-www-form-urlencoded"), headers, body).await
    }

    pub async fn get(&self, url: &str, headers: &[(&str, &str)]) -> Result<(http::StatusCode, Bytes), String> {
        self.send(http::Request::get(url), headers, String::new()).await
    }

    async fn send(&self, mut request: http::request::Builder, headers: &[(&str, &str)], body: String) -> Result<(http::StatusCode, Bytes), String> {
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(Full::new(Bytes::from(body))).map_err(|e| format!("yêu cầu không hợp lệ: {e}"))?;
        let response = tokio::time::timeout(TIMEOUT, self.client.request(request))
            .await
            .map_err(|_| "máy nhận không trả lời kịp".to_string())?
            .map_err(|e| format!("không kết nối được: {e}"))?;
        let status = response.status();
        let bytes = tokio::time::timeout(TIMEOUT, Limited::new(response.into_body(), ANSWER_LIMIT).collect())
            .await
            .map_err(|_| "máy nhận không trả lời kịp".to_string())?
            .map_err(|e| format!("không đọc được câu trả lời: {e}"))?
            .to_bytes();
        Ok((status, bytes))
    }
}
