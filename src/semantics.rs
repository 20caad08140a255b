//! HTTP semantics checks (RFC 9113 §8): request pseudo-headers, field
//! validity, connection-specific fields, `te`, content-length; trailers; and
//! the same rules applied to the responses our own application sends.
//!
//! A request that fails these checks is malformed (§8.1.1): the connection
//! answers 400 itself and resets the stream; the connection lives on.

use crate::error::UserError;
use crate::schedule::Priority;

/// What the connection needs to know about a valid request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RequestHead {
    pub is_connect: bool,
    pub is_head: bool,
    /// Parsed `content-length` (all copies identical).
    pub content_length: Option<u64>,
    /// RFC 9218 `priority` header, if present and parsable.
    pub priority: Option<Priority>,
}

/// §8.2.1: no 0x00-0x20, no uppercase, no 0x7f-0xff, no colon (pseudo-header
/// names are checked separately).
pub fn name_ok(name: &[u8]) -> bool {
    !name.is_empty() && name.iter().all(|&b| b > 0x20 && b < 0x7f && !b.is_ascii_uppercase() && b != b':')
}

/// §8.2.1: no NUL, CR or LF anywhere; no leading or trailing SP/HTAB.
pub fn value_ok(value: &[u8]) -> bool {
    if value.iter().any(|&b| matches!(b, 0 | b'\n' | b'\r')) {
        return false;
    }
    !matches!(value.first(), Some(b' ' | b'\t')) && !matches!(value.last(), Some(b' ' | b'\t'))
}

/// §8.2.2: fields that only mean something on one HTTP/1.1 hop.
pub fn is_connection_specific(name: &[u8]) -> bool {
    matches!(name, b"connection" | b"keep-alive" | b"proxy-connection" | b"transfer-encoding" | b"upgrade")
}

/// Checks shared by requests, trailers and responses for a regular field.
fn regular_field(name: &[u8], value: &[u8]) -> Result<(), &'static str> {
    if !name_ok(name) {
        return Err("invalid field name");
    }
    if !value_ok(value) {
        return Err("invalid field value");
    }
    if is_connection_specific(name) {
        return Err("connection-specific header field");
    }
    if name == b"te" && !value.eq_ignore_ascii_case(b"trailers") {
        return Err("te other than trailers");
    }
    Ok(())
}

/// Parse a content-length value: ASCII digits only, no overflow.
pub fn parse_content_length(value: &[u8]) -> Option<u64> {
    if value.is_empty() {
        return None;
    }
    value.iter().try_fold(0u64, |acc, &b| {
        if !b.is_ascii_digit() {
            return None;
        }
        acc.checked_mul(10)?.checked_add(u64::from(b.saturating_sub(b'0')))
    })
}

/// Validate a request header block (§8.3.1 and §8.2). Fields in wire order.
pub fn check_request<'a>(fields: impl IntoIterator<Item = (&'a [u8], &'a [u8])>) -> Result<RequestHead, &'static str> {
    let mut head = RequestHead::default();
    let mut method: Option<&[u8]> = None;
    let mut scheme: Option<&[u8]> = None;
    let mut path: Option<&[u8]> = None;
    let mut authority: Option<&[u8]> = None;
    let mut host: Option<&[u8]> = None;
    let mut regular_seen = false;
    for (name, value) in fields {
        if let Some(pseudo) = name.strip_prefix(b":") {
            if regular_seen {
                return Err("pseudo-header after regular field");
            }
            if !value_ok(value) {
                return Err("invalid pseudo-header value");
            }
            let slot = match pseudo {
                b"method" => &mut method,
                b"scheme" => &mut scheme,
                b"path" => &mut path,
                b"authority" => &mut authority,
                b"status" => return Err("response pseudo-header in request"),
                _ => return Err("unknown pseudo-header"),
            };
            if slot.is_some() {
                return Err("duplicate pseudo-header");
            }
            *slot = Some(value);
            continue;
        }
        regular_seen = true;
        regular_field(name, value)?;
        match name {
            b"content-length" => {
                let n = parse_content_length(value).ok_or("invalid content-length")?;
                if head.content_length.is_some_and(|c| c != n) {
                    return Err("conflicting content-length");
                }
                head.content_length = Some(n);
            }
            b"host" => {
                if host.is_some() {
                    return Err("duplicate host");
                }
                host = Some(value);
            }
            b"priority" => {
                head.priority = Some(head.priority.unwrap_or_default().parse_update(value));
            }
            _ => {}
        }
    }
    let method = method.ok_or("missing :method")?;
    if method.is_empty() || !method.iter().all(|&b| b > 0x20 && b < 0x7f) {
        return Err("invalid :method");
    }
    head.is_connect = method == b"CONNECT";
    head.is_head = method == b"HEAD";
    if head.is_connect {
        // §8.5: :scheme and :path omitted, :authority required.
        if scheme.is_some() || path.is_some() {
            return Err("CONNECT with :scheme or :path");
        }
        if !authority.is_some_and(|a| !a.is_empty()) {
            return Err("CONNECT without :authority");
        }
    } else {
        let scheme = scheme.ok_or("missing :scheme")?;
        let path = path.ok_or("missing :path")?;
        if path.is_empty() {
            return Err("empty :path");
        }
        if (scheme == b"http" || scheme == b"https")
            && !(path.starts_with(b"/") || (path == b"*" && method == b"OPTIONS"))
        {
            return Err("invalid :path");
        }
    }
    if let (Some(a), Some(h)) = (authority, host) {
        if !a.eq_ignore_ascii_case(h) {
            return Err("host differs from :authority");
        }
    }
    if authority.is_some_and(|a| a.contains(&b'@')) {
        return Err(":authority with userinfo");
    }
    Ok(head)
}

/// Validate a trailer section (§8.1: no pseudo-headers).
pub fn check_trailers<'a>(fields: impl IntoIterator<Item = (&'a [u8], &'a [u8])>) -> Result<(), &'static str> {
    for (name, value) in fields {
        if name.first() == Some(&b':') {
            return Err("pseudo-header in trailers");
        }
        regular_field(name, value)?;
    }
    Ok(())
}

/// Our application's response fields: the same rules; refused, never stripped.
pub fn check_response_fields(fields: &[(&[u8], &[u8])]) -> Result<(), UserError> {
    for (name, value) in fields {
        if name.first() == Some(&b':') {
            return Err(UserError::InvalidHeader);
        }
        regular_field(name, value).map_err(|_| UserError::InvalidHeader)?;
    }
    Ok(())
}

/// Final status: 200..=999; informational: 100..=199 except 101 (§8.6).
pub fn check_status(status: u16, informational: bool) -> Result<(), UserError> {
    let ok = if informational { (100..200).contains(&status) && status != 101 } else { (200..1000).contains(&status) };
    if ok {
        Ok(())
    } else {
        Err(UserError::InvalidStatus)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(f: &[(&str, &str)]) -> Result<RequestHead, &'static str> {
        check_request(f.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes())))
    }

    const BASE: [(&str, &str); 4] = [(":method", "GET"), (":scheme", "https"), (":path", "/"), (":authority", "x")];

    fn with(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
        let mut v = BASE.to_vec();
        v.extend_from_slice(extra);
        v
    }

    #[test]
    fn valid_get() {
        let h = req(&BASE).unwrap();
        assert!(!h.is_connect && h.content_length.is_none());
    }

    #[test]
    fn missing_pseudo() {
        assert_eq!(req(&[(":scheme", "https"), (":path", "/")]), Err("missing :method"));
        assert_eq!(req(&[(":method", "GET"), (":path", "/")]), Err("missing :scheme"));
        assert_eq!(req(&[(":method", "GET"), (":scheme", "http")]), Err("missing :path"));
        assert!(req(&[(":method", "GET"), (":scheme", "http"), (":path", "/")]).is_ok());
    }

    #[test]
    fn pseudo_rules() {
        assert_eq!(req(&with(&[(":path", "/x")])), Err("duplicate pseudo-header"));
        let mut v = vec![(":method", "GET"), (":method", "GET")];
        v.extend_from_slice(&BASE[1..]);
        assert_eq!(req(&v), Err("duplicate pseudo-header"));
        assert_eq!(req(&with(&[])).map(|_| ()), Ok(()));
        let v = [(":method", "GET"), ("a", "b"), (":scheme", "https"), (":path", "/")];
        assert_eq!(req(&v), Err("pseudo-header after regular field"));
        let v = [(":status", "200"), (":method", "GET"), (":scheme", "https"), (":path", "/")];
        assert_eq!(req(&v), Err("response pseudo-header in request"));
        let v = [(":foo", "1"), (":method", "GET"), (":scheme", "https"), (":path", "/")];
        assert_eq!(req(&v), Err("unknown pseudo-header"));
        let v = [(":method", "GET"), (":scheme", "https"), (":path", "")];
        assert_eq!(req(&v), Err("empty :path"));
        let v = [(":method", "OPTIONS"), (":scheme", "https"), (":path", "*")];
        assert!(req(&v).is_ok());
        let v = [(":method", "GET"), (":scheme", "https"), (":path", "*")];
        assert_eq!(req(&v), Err("invalid :path"));
    }

    #[test]
    fn connect_rules() {
        assert!(req(&[(":method", "CONNECT"), (":authority", "h:443")]).unwrap().is_connect);
        assert!(req(&[(":method", "CONNECT")]).is_err());
        assert!(req(&[(":method", "CONNECT"), (":authority", "h:443"), (":path", "/")]).is_err());
    }

    #[test]
    fn names_and_values() {
        assert_eq!(req(&with(&[("Foo", "x")])), Err("invalid field name"));
        assert_eq!(req(&with(&[("fo o", "x")])), Err("invalid field name"));
        assert_eq!(req(&with(&[("foo:", "x")])), Err("invalid field name"));
        assert_eq!(req(&with(&[("foo", "a\r\nb")])), Err("invalid field value"));
        assert_eq!(req(&with(&[("foo", "a\0")])), Err("invalid field value"));
        assert_eq!(req(&with(&[("foo", " a")])), Err("invalid field value"));
        assert_eq!(req(&with(&[("foo", "a\t")])), Err("invalid field value"));
        assert!(req(&with(&[("foo", "a b")])).is_ok());
        assert!(req(&with(&[("foo", "")])).is_ok());
    }

    #[test]
    fn connection_specific() {
        for n in ["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"] {
            assert_eq!(req(&with(&[(n, "x")])), Err("connection-specific header field"), "{n}");
        }
        assert!(req(&with(&[("te", "trailers")])).is_ok());
        assert_eq!(req(&with(&[("te", "gzip")])), Err("te other than trailers"));
    }

    #[test]
    fn content_length() {
        assert_eq!(req(&with(&[("content-length", "5")])).unwrap().content_length, Some(5));
        assert_eq!(req(&with(&[("content-length", "5"), ("content-length", "5")])).unwrap().content_length, Some(5));
        assert_eq!(req(&with(&[("content-length", "5"), ("content-length", "6")])), Err("conflicting content-length"));
        assert_eq!(req(&with(&[("content-length", "-1")])), Err("invalid content-length"));
        assert_eq!(req(&with(&[("content-length", "99999999999999999999999")])), Err("invalid content-length"));
    }

    #[test]
    fn host_and_authority() {
        assert!(req(&with(&[("host", "X")])).is_ok());
        assert_eq!(req(&with(&[("host", "y")])), Err("host differs from :authority"));
        let v = [(":method", "GET"), (":scheme", "https"), (":path", "/"), (":authority", "u@h")];
        assert_eq!(req(&v), Err(":authority with userinfo"));
    }

    #[test]
    fn priority() {
        let h = req(&with(&[("priority", "u=1, i"), ("expect", "100-Continue")])).unwrap();
        assert_eq!(h.priority, Some(Priority { urgency: 1, incremental: true }));
    }

    #[test]
    fn trailers() {
        let t = |f: &[(&str, &str)]| check_trailers(f.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes())));
        assert!(t(&[("grpc-status", "0")]).is_ok());
        assert_eq!(t(&[(":path", "/")]), Err("pseudo-header in trailers"));
        assert_eq!(t(&[("connection", "x")]), Err("connection-specific header field"));
    }

    #[test]
    fn responses() {
        assert_eq!(check_response_fields(&[(b"content-type", b"text/plain")]), Ok(()));
        assert_eq!(check_response_fields(&[(b"Content-Type", b"x")]), Err(UserError::InvalidHeader));
        assert_eq!(check_response_fields(&[(b"connection", b"close")]), Err(UserError::InvalidHeader));
        assert_eq!(check_response_fields(&[(b":status", b"200")]), Err(UserError::InvalidHeader));
        assert_eq!(check_response_fields(&[(b"x", b"a\nb")]), Err(UserError::InvalidHeader));
        assert_eq!(check_status(200, false), Ok(()));
        assert_eq!(check_status(100, false), Err(UserError::InvalidStatus));
        assert_eq!(check_status(100, true), Ok(()));
        assert_eq!(check_status(103, true), Ok(()));
        assert_eq!(check_status(101, true), Err(UserError::InvalidStatus));
        assert_eq!(check_status(1000, false), Err(UserError::InvalidStatus));
    }
}
