//! HTTP semantics checks (RFC 9113 §8): request pseudo-headers, field
//! validity, connection-specific fields, `te`, content-length; trailers; and
//! the same rules applied to the responses our own application sends.
//!
//! A request that fails these checks is malformed (§8.1.1): the connection
//! answers 400 itself and resets the stream; the connection lives on. The
//! reason is a [`Malformed`], which also knows its RFC section.

use core::fmt;

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

/// Why a request or trailer section is malformed (RFC 9113 §8.1.1): what
/// the connection answers with 400 and RST_STREAM, and what the inspector
/// reports with [`Malformed::section`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Malformed {
    /// Pseudo-header fields come before every regular field.
    PseudoAfterRegular,
    /// A pseudo-header value with NUL, CR, LF or surrounding whitespace.
    InvalidPseudoValue,
    /// `:status` in a request.
    ResponsePseudoInRequest,
    /// A pseudo-header this version of HTTP does not define.
    UnknownPseudo,
    /// A pseudo-header given twice.
    DuplicatePseudo,
    /// Uppercase, a control or separator byte, or a colon in a field name.
    InvalidName,
    /// NUL, CR or LF in a field value, or whitespace around it.
    InvalidValue,
    /// `connection`, `keep-alive`, `proxy-connection`, `transfer-encoding` or `upgrade`.
    ConnectionSpecific,
    /// `te` with a value other than `trailers`.
    TeNotTrailers,
    /// `content-length` that is not a decimal number.
    InvalidContentLength,
    /// Two `content-length` fields that differ.
    ConflictingContentLength,
    /// `host` given twice.
    DuplicateHost,
    MissingMethod,
    /// An empty `:method` or one with bytes a token may not hold.
    InvalidMethod,
    ConnectWithSchemeOrPath,
    ConnectWithoutAuthority,
    MissingScheme,
    MissingPath,
    EmptyPath,
    /// For http/https: not starting with `/` (or `*` for OPTIONS).
    InvalidPath,
    HostDiffersFromAuthority,
    AuthorityWithUserinfo,
    PseudoInTrailers,
}

impl Malformed {
    /// The reason as text (the 400 response and GOAWAY/event debug text).
    pub fn as_str(self) -> &'static str {
        match self {
            Malformed::PseudoAfterRegular => "pseudo-header after regular field",
            Malformed::InvalidPseudoValue => "invalid pseudo-header value",
            Malformed::ResponsePseudoInRequest => "response pseudo-header in request",
            Malformed::UnknownPseudo => "unknown pseudo-header",
            Malformed::DuplicatePseudo => "duplicate pseudo-header",
            Malformed::InvalidName => "invalid field name",
            Malformed::InvalidValue => "invalid field value",
            Malformed::ConnectionSpecific => "connection-specific header field",
            Malformed::TeNotTrailers => "te other than trailers",
            Malformed::InvalidContentLength => "invalid content-length",
            Malformed::ConflictingContentLength => "conflicting content-length",
            Malformed::DuplicateHost => "duplicate host",
            Malformed::MissingMethod => "missing :method",
            Malformed::InvalidMethod => "invalid :method",
            Malformed::ConnectWithSchemeOrPath => "CONNECT with :scheme or :path",
            Malformed::ConnectWithoutAuthority => "CONNECT without :authority",
            Malformed::MissingScheme => "missing :scheme",
            Malformed::MissingPath => "missing :path",
            Malformed::EmptyPath => "empty :path",
            Malformed::InvalidPath => "invalid :path",
            Malformed::HostDiffersFromAuthority => "host differs from :authority",
            Malformed::AuthorityWithUserinfo => ":authority with userinfo",
            Malformed::PseudoInTrailers => "pseudo-header in trailers",
        }
    }

    /// The RFC 9113 section that makes the message malformed.
    pub fn section(self) -> &'static str {
        use Malformed::*;
        match self {
            PseudoAfterRegular | InvalidPseudoValue | ResponsePseudoInRequest | UnknownPseudo | DuplicatePseudo => {
                "§8.3"
            }
            InvalidName | InvalidValue => "§8.2.1",
            ConnectionSpecific | TeNotTrailers => "§8.2.2",
            InvalidContentLength | ConflictingContentLength => "§8.1.1",
            DuplicateHost
            | MissingMethod
            | InvalidMethod
            | MissingScheme
            | MissingPath
            | EmptyPath
            | InvalidPath
            | HostDiffersFromAuthority
            | AuthorityWithUserinfo => "§8.3.1",
            ConnectWithSchemeOrPath | ConnectWithoutAuthority => "§8.5",
            PseudoInTrailers => "§8.1",
        }
    }
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
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
fn regular_field(name: &[u8], value: &[u8]) -> Result<(), Malformed> {
    if !name_ok(name) {
        return Err(Malformed::InvalidName);
    }
    if !value_ok(value) {
        return Err(Malformed::InvalidValue);
    }
    if is_connection_specific(name) {
        return Err(Malformed::ConnectionSpecific);
    }
    if name == b"te" && !value.eq_ignore_ascii_case(b"trailers") {
        return Err(Malformed::TeNotTrailers);
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
pub fn check_request<'a>(fields: impl IntoIterator<Item = (&'a [u8], &'a [u8])>) -> Result<RequestHead, Malformed> {
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
                return Err(Malformed::PseudoAfterRegular);
            }
            if !value_ok(value) {
                return Err(Malformed::InvalidPseudoValue);
            }
            let slot = match pseudo {
                b"method" => &mut method,
                b"scheme" => &mut scheme,
                b"path" => &mut path,
                b"authority" => &mut authority,
                b"status" => return Err(Malformed::ResponsePseudoInRequest),
                _ => return Err(Malformed::UnknownPseudo),
            };
            if slot.is_some() {
                return Err(Malformed::DuplicatePseudo);
            }
            *slot = Some(value);
            continue;
        }
        regular_seen = true;
        regular_field(name, value)?;
        match name {
            b"content-length" => {
                let n = parse_content_length(value).ok_or(Malformed::InvalidContentLength)?;
                if head.content_length.is_some_and(|c| c != n) {
                    return Err(Malformed::ConflictingContentLength);
                }
                head.content_length = Some(n);
            }
            b"host" => {
                if host.is_some() {
                    return Err(Malformed::DuplicateHost);
                }
                host = Some(value);
            }
            b"priority" => {
                head.priority = Some(head.priority.unwrap_or_default().parse_update(value));
            }
            _ => {}
        }
    }
    let method = method.ok_or(Malformed::MissingMethod)?;
    if method.is_empty() || !method.iter().all(|&b| b > 0x20 && b < 0x7f) {
        return Err(Malformed::InvalidMethod);
    }
    head.is_connect = method == b"CONNECT";
    head.is_head = method == b"HEAD";
    if head.is_connect {
        // §8.5: :scheme and :path omitted, :authority required.
        if scheme.is_some() || path.is_some() {
            return Err(Malformed::ConnectWithSchemeOrPath);
        }
        if !authority.is_some_and(|a| !a.is_empty()) {
            return Err(Malformed::ConnectWithoutAuthority);
        }
    } else {
        let scheme = scheme.ok_or(Malformed::MissingScheme)?;
        let path = path.ok_or(Malformed::MissingPath)?;
        if path.is_empty() {
            return Err(Malformed::EmptyPath);
        }
        if (scheme == b"http" || scheme == b"https")
            && !(path.starts_with(b"/") || (path == b"*" && method == b"OPTIONS"))
        {
            return Err(Malformed::InvalidPath);
        }
    }
    if let (Some(a), Some(h)) = (authority, host) {
        if !a.eq_ignore_ascii_case(h) {
            return Err(Malformed::HostDiffersFromAuthority);
        }
    }
    if authority.is_some_and(|a| a.contains(&b'@')) {
        return Err(Malformed::AuthorityWithUserinfo);
    }
    Ok(head)
}

/// Validate a trailer section (§8.1: no pseudo-headers).
pub fn check_trailers<'a>(fields: impl IntoIterator<Item = (&'a [u8], &'a [u8])>) -> Result<(), Malformed> {
    for (name, value) in fields {
        if name.first() == Some(&b':') {
            return Err(Malformed::PseudoInTrailers);
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

    fn req(f: &[(&str, &str)]) -> Result<RequestHead, Malformed> {
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
        assert_eq!(req(&[(":scheme", "https"), (":path", "/")]), Err(Malformed::MissingMethod));
        assert_eq!(req(&[(":method", "GET"), (":path", "/")]), Err(Malformed::MissingScheme));
        assert_eq!(req(&[(":method", "GET"), (":scheme", "http")]), Err(Malformed::MissingPath));
        assert!(req(&[(":method", "GET"), (":scheme", "http"), (":path", "/")]).is_ok());
    }

    #[test]
    fn pseudo_rules() {
        assert_eq!(req(&with(&[(":path", "/x")])), Err(Malformed::DuplicatePseudo));
        let mut v = vec![(":method", "GET"), (":method", "GET")];
        v.extend_from_slice(&BASE[1..]);
        assert_eq!(req(&v), Err(Malformed::DuplicatePseudo));
        assert_eq!(req(&with(&[])).map(|_| ()), Ok(()));
        let v = [(":method", "GET"), ("a", "b"), (":scheme", "https"), (":path", "/")];
        assert_eq!(req(&v), Err(Malformed::PseudoAfterRegular));
        let v = [(":status", "200"), (":method", "GET"), (":scheme", "https"), (":path", "/")];
        assert_eq!(req(&v), Err(Malformed::ResponsePseudoInRequest));
        let v = [(":foo", "1"), (":method", "GET"), (":scheme", "https"), (":path", "/")];
        assert_eq!(req(&v), Err(Malformed::UnknownPseudo));
        let v = [(":method", "GET"), (":scheme", "https"), (":path", "")];
        assert_eq!(req(&v), Err(Malformed::EmptyPath));
        let v = [(":method", "OPTIONS"), (":scheme", "https"), (":path", "*")];
        assert!(req(&v).is_ok());
        let v = [(":method", "GET"), (":scheme", "https"), (":path", "*")];
        assert_eq!(req(&v), Err(Malformed::InvalidPath));
    }

    #[test]
    fn connect_rules() {
        assert!(req(&[(":method", "CONNECT"), (":authority", "h:443")]).unwrap().is_connect);
        assert!(req(&[(":method", "CONNECT")]).is_err());
        assert!(req(&[(":method", "CONNECT"), (":authority", "h:443"), (":path", "/")]).is_err());
    }

    #[test]
    fn names_and_values() {
        assert_eq!(req(&with(&[("Foo", "x")])), Err(Malformed::InvalidName));
        assert_eq!(req(&with(&[("fo o", "x")])), Err(Malformed::InvalidName));
        assert_eq!(req(&with(&[("foo:", "x")])), Err(Malformed::InvalidName));
        assert_eq!(req(&with(&[("foo", "a\r\nb")])), Err(Malformed::InvalidValue));
        assert_eq!(req(&with(&[("foo", "a\0")])), Err(Malformed::InvalidValue));
        assert_eq!(req(&with(&[("foo", " a")])), Err(Malformed::InvalidValue));
        assert_eq!(req(&with(&[("foo", "a\t")])), Err(Malformed::InvalidValue));
        assert!(req(&with(&[("foo", "a b")])).is_ok());
        assert!(req(&with(&[("foo", "")])).is_ok());
    }

    #[test]
    fn connection_specific() {
        for n in ["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"] {
            assert_eq!(req(&with(&[(n, "x")])), Err(Malformed::ConnectionSpecific), "{n}");
        }
        assert!(req(&with(&[("te", "trailers")])).is_ok());
        assert_eq!(req(&with(&[("te", "gzip")])), Err(Malformed::TeNotTrailers));
    }

    #[test]
    fn content_length() {
        assert_eq!(req(&with(&[("content-length", "5")])).unwrap().content_length, Some(5));
        assert_eq!(req(&with(&[("content-length", "5"), ("content-length", "5")])).unwrap().content_length, Some(5));
        assert_eq!(
            req(&with(&[("content-length", "5"), ("content-length", "6")])),
            Err(Malformed::ConflictingContentLength)
        );
        assert_eq!(req(&with(&[("content-length", "-1")])), Err(Malformed::InvalidContentLength));
        assert_eq!(req(&with(&[("content-length", "99999999999999999999999")])), Err(Malformed::InvalidContentLength));
    }

    #[test]
    fn host_and_authority() {
        assert!(req(&with(&[("host", "X")])).is_ok());
        assert_eq!(req(&with(&[("host", "y")])), Err(Malformed::HostDiffersFromAuthority));
        let v = [(":method", "GET"), (":scheme", "https"), (":path", "/"), (":authority", "u@h")];
        assert_eq!(req(&v), Err(Malformed::AuthorityWithUserinfo));
    }

    #[test]
    fn priority() {
        let h = req(&with(&[("priority", "u=1, i"), ("expect", "100-Continue")])).unwrap();
        assert_eq!(h.priority, Some(Priority { urgency: 1, incremental: true }));
    }

    #[test]
    fn each_reason_names_the_section_that_makes_it_malformed() {
        let section = |f: &[(&str, &str)]| req(f).map(|_| ()).map_err(|m| (m, m.section()));
        use Malformed::*;
        assert_eq!(section(&with(&[("Foo", "x")])), Err((InvalidName, "§8.2.1")));
        assert_eq!(section(&with(&[("te", "gzip")])), Err((TeNotTrailers, "§8.2.2")));
        assert_eq!(section(&with(&[("upgrade", "h2c")])), Err((ConnectionSpecific, "§8.2.2")));
        assert_eq!(section(&with(&[("content-length", "x")])), Err((InvalidContentLength, "§8.1.1")));
        assert_eq!(section(&[(":method", "CONNECT")]), Err((ConnectWithoutAuthority, "§8.5")));
        assert_eq!(section(&[(":method", "GET"), (":path", "/")]), Err((MissingScheme, "§8.3.1")));
        assert_eq!(section(&with(&[(":path", "/x")])), Err((DuplicatePseudo, "§8.3")));
        let trailer = check_trailers([(&b":path"[..], &b"/"[..])]).unwrap_err();
        assert_eq!(
            (trailer, trailer.section(), trailer.to_string()),
            (PseudoInTrailers, "§8.1", "pseudo-header in trailers".into())
        );
    }

    #[test]
    fn trailers() {
        let t = |f: &[(&str, &str)]| check_trailers(f.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes())));
        assert!(t(&[("grpc-status", "0")]).is_ok());
        assert_eq!(t(&[(":path", "/")]), Err(Malformed::PseudoInTrailers));
        assert_eq!(t(&[("connection", "x")]), Err(Malformed::ConnectionSpecific));
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
