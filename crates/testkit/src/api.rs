//! A machine client of the JSON API, with a bearer token as another system would hold.

use reqwest::{Client, Method, Response};
use serde_json::Value;

pub struct ApiClient {
    pub base: String,
    pub token: String,
    http: Client,
}

impl ApiClient {
    pub(crate) fn new(base: &str, token: String) -> Self {
        Self { base: base.to_string(), token, http: Client::new() }
    }

    /// A request as sent, for the headers or a body that is not JSON.
    pub async fn raw(&self, method: Method, path: &str, body: Option<&Value>) -> Response {
        let request = self.http.request(method, format!("{}{path}", self.base)).bearer_auth(&self.token);
        let request = match body {
            Some(body) => request.json(body),
            None => request,
        };
        request.send().await.expect("API request")
    }

    /// The status and the JSON answered (null when the body is empty).
    pub async fn send(&self, method: Method, path: &str, body: Option<&Value>) -> (u16, Value) {
        let response = self.raw(method, path, body).await;
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        (status, if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) })
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.send(Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> (u16, Value) {
        self.send(Method::PUT, path, Some(body)).await
    }
}
