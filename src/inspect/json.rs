//! Records as JSON (hand-built: the format is small and fixed; see src/wasm/inspector.rs).

use super::{flag_names, setting_name, Detail, Prio, Record};
use crate::error::ErrorCode;

/// Append `s` as a JSON string literal.
pub fn json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The `i`-th `[name, value]` of a list (`[name, value, true]` when `sensitive`).
fn json_field(out: &mut String, i: usize, name: &[u8], value: &[u8], sensitive: bool) {
    if i > 0 {
        out.push(',');
    }
    out.push('[');
    json_bytes(out, name);
    out.push(',');
    json_bytes(out, value);
    if sensitive {
        out.push_str(",true");
    }
    out.push(']');
}

pub(super) fn json_bytes(out: &mut String, b: &[u8]) {
    json_str(out, &String::from_utf8_lossy(b));
}

pub(super) fn json_hex(out: &mut String, b: &[u8]) {
    out.push('"');
    for byte in b {
        out.push_str(&format!("{byte:02x}"));
    }
    out.push('"');
}

pub(super) fn json_code(out: &mut String, code: ErrorCode) {
    out.push_str(&format!("{{\"code\":{},\"name\":", code.0));
    match code.name() {
        Some(n) => json_str(out, n),
        None => json_str(out, &format!("UNKNOWN({:#x})", code.0)),
    }
    out.push('}');
}

pub(super) fn json_prio(out: &mut String, p: &Prio) {
    out.push_str(&format!(
        "{{\"exclusive\":{},\"dependency\":{},\"weight\":{}}}",
        p.exclusive,
        p.dependency,
        u16::from(p.weight).saturating_add(1)
    ));
}

impl Record {
    /// This record as one JSON object (format in src/wasm/inspector.rs).
    pub fn write_json(&self, out: &mut String) {
        out.push_str(&format!("{{\"i\":{},\"t\":", self.index));
        if self.time.is_finite() {
            out.push_str(&format!("{}", self.time));
        } else {
            out.push_str("null");
        }
        out.push_str(&format!(",\"dir\":\"{}\",\"off\":{},\"type\":", self.dir.as_str(), self.offset));
        json_str(out, self.type_name());
        match self.kind {
            Some(k) => out.push_str(&format!(",\"code\":{k}")),
            None => out.push_str(",\"code\":null"),
        }
        out.push_str(&format!(",\"flagBits\":{},\"flags\":[", self.flags));
        for (i, f) in flag_names(self.kind, self.flags).iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            json_str(out, f);
        }
        out.push_str(&format!("],\"stream\":{},\"len\":{},\"detail\":", self.stream_id, self.length));
        self.write_detail(out);
        if let Some(h) = &self.headers {
            out.push_str(&format!(
                ",\"headers\":{{\"stream\":{},\"kind\":\"{}\",\"encodedLen\":{},\"frames\":{},\"fields\":[",
                h.stream_id,
                h.kind.as_str(),
                h.encoded_len,
                h.frames
            ));
            for (i, (n, v, sensitive)) in h.fields.iter().enumerate() {
                json_field(out, i, n, v, *sensitive);
            }
            out.push_str("]}");
        }
        if let Some(t) = &self.table {
            out.push_str(&format!(
                ",\"table\":{{\"size\":{},\"max\":{},\"inSync\":{},\"entries\":[",
                t.size, t.max_size, t.in_sync
            ));
            for (i, (n, v)) in t.entries.iter().enumerate() {
                json_field(out, i, n, v, false);
            }
            out.push_str("]}");
        }
        if let Some(s) = self.state {
            out.push_str(",\"state\":");
            json_str(out, s);
        }
        out.push_str(&format!(",\"win\":{{\"conn\":[{},{}]", self.windows.connection[0], self.windows.connection[1]));
        if let Some(s) = self.windows.stream {
            out.push_str(&format!(",\"stream\":[{},{}]", s[0], s[1]));
        }
        out.push_str("},\"violations\":[");
        for (i, v) in self.violations.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"sec\":");
            json_str(out, &v.section);
            out.push_str(",\"msg\":");
            json_str(out, &v.message);
            out.push_str(",\"error\":");
            json_code(out, v.code);
            out.push_str(&format!(",\"scope\":\"{}\"}}", if v.connection { "connection" } else { "stream" }));
        }
        out.push_str("],\"notes\":[");
        for (i, n) in self.notes.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            json_str(out, n);
        }
        out.push_str("]}");
    }

    pub(super) fn write_detail(&self, out: &mut String) {
        match &self.detail {
            Detail::None | Detail::Unknown => out.push_str("{}"),
            Detail::Preface => out.push_str("{\"preface\":true}"),
            Detail::Http1 { start_line } => {
                out.push_str("{\"startLine\":");
                json_bytes(out, start_line);
                out.push('}');
            }
            Detail::Malformed => out.push_str("{\"malformed\":true}"),
            Detail::Data { data_len, pad_len, end_stream, preview } => {
                out.push_str(&format!(
                    "{{\"dataLen\":{data_len},\"padLen\":{pad_len},\"endStream\":{end_stream},\"preview\":"
                ));
                json_hex(out, preview);
                out.push('}');
            }
            Detail::Headers { end_stream, end_headers, priority, fragment_len } => {
                out.push_str(&format!(
                    "{{\"endStream\":{end_stream},\"endHeaders\":{end_headers},\"fragmentLen\":{fragment_len}"
                ));
                if let Some(p) = priority {
                    out.push_str(",\"priority\":");
                    json_prio(out, p);
                }
                out.push('}');
            }
            Detail::Priority(p) => {
                out.push_str("{\"priority\":");
                json_prio(out, p);
                out.push('}');
            }
            Detail::RstStream { code } => {
                out.push_str("{\"error\":");
                json_code(out, *code);
                out.push('}');
            }
            Detail::Settings { ack, params } => {
                out.push_str(&format!("{{\"ack\":{ack},\"settings\":["));
                for (i, (id, value)) in params.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&format!("{{\"id\":{id},\"name\":\"{}\",\"value\":{value}}}", setting_name(*id)));
                }
                out.push_str("]}");
            }
            Detail::PushPromise { promised_id, end_headers, fragment_len } => out.push_str(&format!(
                "{{\"promisedId\":{promised_id},\"endHeaders\":{end_headers},\"fragmentLen\":{fragment_len}}}"
            )),
            Detail::Ping { ack, data } => {
                out.push_str(&format!("{{\"ack\":{ack},\"data\":"));
                json_hex(out, data);
                out.push('}');
            }
            Detail::GoAway { last_stream_id, code, debug } => {
                out.push_str(&format!("{{\"lastStreamId\":{last_stream_id},\"error\":"));
                json_code(out, *code);
                out.push_str(",\"debug\":");
                json_bytes(out, debug);
                out.push('}');
            }
            Detail::WindowUpdate { increment } => out.push_str(&format!("{{\"increment\":{increment}}}")),
            Detail::Continuation { end_headers, fragment_len } => {
                out.push_str(&format!("{{\"endHeaders\":{end_headers},\"fragmentLen\":{fragment_len}}}"))
            }
            Detail::PriorityUpdate { prioritized_id, field_value } => {
                out.push_str(&format!("{{\"prioritizedId\":{prioritized_id},\"value\":"));
                json_bytes(out, field_value);
                out.push('}');
            }
        }
    }
}

/// Records as a JSON array.
pub fn records_json(records: &[Record]) -> String {
    let mut out = String::with_capacity(records.len().saturating_mul(256));
    out.push('[');
    for (i, r) in records.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        r.write_json(&mut out);
    }
    out.push(']');
    out
}
