//! A small HTTPS client for the message providers: hyper over rustls with the ring provider and
//! the Mozilla root certificates, set up here rather than through a process-wide TLS default.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

/// How long a provider has to answer.
const TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Clone)]
pub struct Http {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
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
        let mut request = http::Request::post(url).header(http::header::CONTENT_TYPE, "application/json");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(Full::new(Bytes::from(body.to_string()))).map_err(|e| format!("yêu cầu không hợp lệ: {e}"))?;
        let response = tokio::time::timeout(TIMEOUT, self.client.request(request))
            .await
            .map_err(|_| "nhà cung cấp không trả lời kịp".to_string())?
            .map_err(|e| format!("không kết nối được: {e}"))?;
        let status = response.status();
        let bytes = tokio::time::timeout(TIMEOUT, response.into_body().collect())
            .await
            .map_err(|_| "nhà cung cấp không trả lời kịp".to_string())?
            .map_err(|e| format!("không đọc được câu trả lời: {e}"))?
            .to_bytes();
        Ok((status, serde_json::from_slice(&bytes).unwrap_or(Value::Null)))
    }
}
