//! Security headers on every response, and which reverse proxies are believed about the
//! client's address.

use std::net::IpAddr;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;

const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
    object-src 'none'; base-uri 'none'; form-action 'self'";

pub async fn headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let is_static = path.starts_with("/static/");
    // The widget's pages may be framed by the agency portals allowed; its loader script may be
    // fetched by any page. Everything else stays out of frames.
    let is_widget = path.starts_with("/w/");
    let is_loader = path == "/static/embed.js";
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    if is_widget {
        let policy = format!("{CSP}; frame-ancestors {}", state.config.widget_origins);
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_str(&policy).unwrap_or(HeaderValue::from_static(CSP)));
    } else {
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_str(&format!("{CSP}; frame-ancestors 'none'")).expect("a fixed header"));
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    if is_loader {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
        h.insert("cross-origin-resource-policy", HeaderValue::from_static("cross-origin"));
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert("permissions-policy", HeaderValue::from_static("camera=(), microphone=(), geolocation=()"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    if state.config.secure_cookies {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    if !is_static && !h.contains_key(header::CACHE_CONTROL) {
        // Pages may carry personal data and CSRF tokens: never cache them.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// The reverse proxies in front of the server, by address or CIDR range. Only a request that
/// reaches us from one of them has its `X-Forwarded-For` read, and then only as far as the
/// proxies wrote it: the right-most address that is not one of them is the client. Anything to
/// its left the client wrote itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

impl TrustedProxies {
    /// A comma-separated list such as `127.0.0.1, 10.0.0.0/8, ::1`.
    pub fn parse(list: &str) -> Result<Self, String> {
        let range = |item: &str| -> Option<(IpAddr, u8)> {
            let (address, bits) = item.split_once('/').unwrap_or((item, ""));
            let address: IpAddr = address.trim().parse().ok()?;
            let max = if address.is_ipv4() { 32 } else { 128 };
            let bits = if bits.is_empty() { max } else { bits.trim().parse().ok().filter(|b| *b <= max)? };
            Some((address.to_canonical(), bits))
        };
        let items = list.split(',').map(str::trim).filter(|i| !i.is_empty());
        items.map(|item| range(item).ok_or_else(|| format!("«{item}» không phải địa chỉ IP hay dải CIDR"))).collect::<Result<_, _>>().map(Self)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|(net, bits)| match (net, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                u32::from(*net).checked_shr(32 - u32::from(*bits)).unwrap_or(0) == u32::from(ip).checked_shr(32 - u32::from(*bits)).unwrap_or(0)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                u128::from(*net).checked_shr(128 - u32::from(*bits)).unwrap_or(0) == u128::from(ip).checked_shr(128 - u32::from(*bits)).unwrap_or(0)
            }
            _ => false,
        })
    }

    /// The client behind a connection from `peer` that carried these `X-Forwarded-For` values
    /// (each header's value, in order).
    pub fn client(&self, peer: IpAddr, forwarded: &[&str]) -> IpAddr {
        if !self.contains(peer) {
            return peer.to_canonical();
        }
        let hops: Vec<&str> = forwarded.iter().flat_map(|v| v.split(',')).map(str::trim).collect();
        let mut client = peer.to_canonical();
        for hop in hops.iter().rev() {
            // A hop that is not an address cannot be told apart from a forgery: stop there.
            let Ok(address) = hop.parse::<IpAddr>() else { break };
            client = address.to_canonical();
            if !self.contains(address) {
                break;
            }
        }
        client
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_is_the_right_most_address_no_proxy_wrote() {
        let proxies = TrustedProxies::parse("127.0.0.1, 10.0.0.0/8, ::1").unwrap();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        // Not from a proxy: the header is the client's own words.
        assert_eq!(proxies.client(ip("203.0.113.9"), &["1.2.3.4"]), ip("203.0.113.9"));
        // From a proxy: the address it saw, whatever the client put on the left.
        assert_eq!(proxies.client(ip("127.0.0.1"), &["6.6.6.6, 203.0.113.9"]), ip("203.0.113.9"));
        assert_eq!(proxies.client(ip("127.0.0.1"), &["6.6.6.6", "203.0.113.9, 10.1.2.3"]), ip("203.0.113.9"));
        assert_eq!(proxies.client(ip("::ffff:127.0.0.1"), &["203.0.113.9"]), ip("203.0.113.9"));
        assert_eq!(proxies.client(ip("::1"), &["garbage, 203.0.113.9"]), ip("203.0.113.9"));
        // A proxy that forwarded no header, or only proxies: the nearest address known.
        assert_eq!(proxies.client(ip("127.0.0.1"), &[]), ip("127.0.0.1"));
        assert_eq!(proxies.client(ip("127.0.0.1"), &["10.0.0.2"]), ip("10.0.0.2"));
        assert_eq!(proxies.client(ip("127.0.0.1"), &["not-an-ip"]), ip("127.0.0.1"));
        assert!(!proxies.contains(ip("11.0.0.1")) && proxies.contains(ip("10.255.0.1")));
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err() && TrustedProxies::parse("proxy").is_err());
        assert!(TrustedProxies::parse("").unwrap().is_empty());
        assert!(TrustedProxies::parse("0.0.0.0/0").unwrap().contains(ip("8.8.8.8")));
    }
}
