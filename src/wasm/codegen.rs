//! Writes the JS side of the boundary from its one definition (`boundary`):
//! js/boundary.js (constants and record decoders), js/boundary.d.ts (its
//! types) and the tables between the `boundary:` markers of
//! docs/ARCHITECTURE.md. tests/boundary.rs compares the checked-in files with
//! this output and rewrites them under `H2WASM_BLESS=1`.

use core::fmt::Write;

use super::boundary::{
    client_reset_flag, EventKind, OptionGroup, CALM_RULES, CLIENT_EVENTS, FIELD_HEADER_BYTES, FIELD_VALUE_LEN_AT,
    MAX_SAFE_INTEGER, OPTION_NAMES, PEER_COUNT_BITS, RECORD_BYTES, RECORD_WORD_NAMES, REQUEST_ERROR, SERVER_EVENTS,
    UPGRADE_RESULTS, USER_ERRORS,
};
use crate::client::ClientConfig;
use crate::connection::Config;

/// Where the generated files live, relative to the repository root.
pub const JS_PATH: &str = "js/boundary.js";
pub const DTS_PATH: &str = "js/boundary.d.ts";
pub const DOCS_PATH: &str = "docs/ARCHITECTURE.md";
/// The docs tables sit between these lines of docs/ARCHITECTURE.md.
pub const DOCS_BEGIN: &str =
    "<!-- boundary:begin (generated from src/wasm/boundary.rs: H2WASM_BLESS=1 cargo test boundary) -->";
pub const DOCS_END: &str = "<!-- boundary:end -->";

const HEADER: &str = "// Generated from src/wasm/boundary.rs by src/wasm/codegen.rs: do not edit.\n\
                      // Regenerate with `H2WASM_BLESS=1 cargo test boundary`.\n";

/// `field_start` → `fieldStart`.
pub fn camel(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for ch in snake.chars() {
        if ch == '_' {
            upper = true;
        } else if upper {
            out.extend(ch.to_uppercase());
            upper = false;
        } else {
            out.push(ch);
        }
    }
    out
}

/// Byte offset of word `i` of a record.
fn word_at(i: usize) -> usize {
    i.saturating_mul(4)
}

fn group_const(g: OptionGroup) -> &'static str {
    match g {
        OptionGroup::Limit => "LIMIT_NAMES",
        OptionGroup::Setting => "SETTINGS_NAMES",
        OptionGroup::Connection => "CONNECTION_NAMES",
        OptionGroup::Client => "CLIENT_NAMES",
    }
}

const GROUPS: [(OptionGroup, &str); 4] = [
    (OptionGroup::Limit, "Engine limits (fields of `Limits`, src/limits.rs)"),
    (OptionGroup::Setting, "Our SETTINGS (fields of `LocalSettings`, RFC 9113 §6.5.2 ranges)"),
    (OptionGroup::Connection, "The connection receive window opened at start"),
    (OptionGroup::Client, "Client-only options (fields of `ClientConfig`)"),
];

fn js_events(out: &mut String, role: &str, kinds: &[EventKind]) {
    let upper = role.to_uppercase();
    let cap = format!("{}{}", role.get(..1).unwrap_or("").to_uppercase(), role.get(1..).unwrap_or(""));
    let _ = writeln!(out, "\n/** {cap} event kinds (word `kind` of a record). */");
    let _ = writeln!(out, "export const {upper}_EVENT = Object.freeze({{");
    for k in kinds {
        let _ = writeln!(out, "  /** {} */\n  {}: {},", k.doc.trim(), k.name, k.code);
    }
    out.push_str("});\n");
    let _ = writeln!(out, "\n/** Byte offset in a record of each named word, per {role} event kind. */");
    let _ = writeln!(out, "export const {upper}_EVENT_FIELDS = Object.freeze({{");
    for k in kinds {
        let fields: Vec<String> = k
            .fields
            .iter()
            .enumerate()
            .map(|(i, f)| format!("{}: {}", camel(f), word_at(i.saturating_add(2))))
            .collect();
        let body = if fields.is_empty() { String::new() } else { format!(" {} ", fields.join(", ")) };
        let _ = writeln!(out, "  {}: Object.freeze({{{body}}}),", k.name);
    }
    out.push_str("});\n");
    let _ = writeln!(
        out,
        "\n/** The {role} record at byte `at` of `dv` as an object with its kind's named fields (logs, traces, tests). */"
    );
    let _ = writeln!(out, "export function decode{cap}Event(dv, at = 0) {{");
    let _ = writeln!(out, "  return decodeRecord({upper}_EVENT, {upper}_EVENT_FIELDS, dv, at);");
    out.push_str("}\n");
}

/// js/boundary.js.
pub fn js() -> String {
    let mut out = String::from(HEADER);
    out.push_str("//\n// The JS↔wasm boundary: event records, result codes, the packed header-field\n");
    out.push_str("// format and the option names with their ranges (docs/ARCHITECTURE.md, \"Boundary format\").\n");
    out.push_str(
        "\n/** Event records: six little-endian u32 words; BYTES per record and the byte offset of each word. */\n",
    );
    let words: Vec<String> =
        RECORD_WORD_NAMES.iter().enumerate().map(|(i, w)| format!("{}: {}", w.to_uppercase(), word_at(i))).collect();
    let _ = writeln!(out, "export const RECORD = Object.freeze({{ BYTES: {RECORD_BYTES}, {} }});", words.join(", "));
    js_events(&mut out, "server", SERVER_EVENTS);
    js_events(&mut out, "client", CLIENT_EVENTS);
    out.push_str(
        "\nfunction decodeRecord(kinds, fields, dv, at) {\n  const code = dv.getUint32(at + RECORD.KIND, true);\n  \
         const kind = Object.keys(kinds).find((k) => kinds[k] === code) ?? 'UNKNOWN';\n  \
         const ev = { kind, kindNumber: code, stream: dv.getUint32(at + RECORD.STREAM, true) };\n  \
         for (const [name, off] of Object.entries(fields[kind] ?? {})) ev[name] = dv.getUint32(at + off, true);\n  \
         return ev;\n}\n",
    );
    out.push_str("\n/** Bits of the `flags` word of the client's RESET. */\n");
    let _ = writeln!(
        out,
        "export const CLIENT_RESET_FLAG = Object.freeze({{ REMOTE: {}, NOT_PROCESSED: {} }});",
        client_reset_flag::REMOTE,
        client_reset_flag::NOT_PROCESSED
    );
    out.push_str("\n/** Non-zero results of commands (0 is success). */\nexport const USER_ERROR = Object.freeze({\n");
    for e in USER_ERRORS {
        let _ = writeln!(out, "  /** {} */\n  {}: {},", e.doc.trim(), e.name, e.code);
    }
    out.push_str("});\n");
    let _ = writeln!(
        out,
        "\n/** The client's `request` returns a stream id, or this bit | a USER_ERROR number. */\nexport const REQUEST_ERROR = 0x{REQUEST_ERROR:x};"
    );
    let results: Vec<String> = UPGRADE_RESULTS.iter().map(|(n, v)| format!("{n}: {v}")).collect();
    let _ = writeln!(
        out,
        "\n/** Results of the server's h2c `upgrade`. */\nexport const UPGRADE_RESULT = Object.freeze({{ {} }});",
        results.join(", ")
    );
    let rules: Vec<String> = CALM_RULES.iter().map(|r| format!("  '{r}',")).collect();
    let _ = writeln!(
        out,
        "\n/** GOAWAY(ENHANCE_YOUR_CALM) reasons of `calm(rule)`, by index: kind × 2 (resets, refused, errors) + 1 per address. */\nexport const CALM_RULES = Object.freeze([\n{}\n]);",
        rules.join("\n")
    );
    let _ = writeln!(
        out,
        "\n/** `take_peer_counts` packs [resets, refused, errors] as `r + f·2^BITS + e·2^(2·BITS)` in one number. */\nexport const PEER_COUNT_BITS = {PEER_COUNT_BITS};"
    );
    let _ = writeln!(
        out,
        "\n/** A packed header field: `[u32 name_len][u32 value_len][name][value]`, lengths little-endian. */\n\
         export const PACKED_FIELD = Object.freeze({{ HEADER_BYTES: {FIELD_HEADER_BYTES}, NAME_LEN_AT: 0, VALUE_LEN_AT: {FIELD_VALUE_LEN_AT} }});"
    );
    for (g, doc) in GROUPS {
        let _ = writeln!(out, "\n/** {doc}: name → [min, max]. */\nexport const {} = Object.freeze({{", group_const(g));
        for o in OPTION_NAMES.iter().filter(|o| o.group() == g) {
            let _ = writeln!(out, "  {}: [{}, {}],", o.name, o.min, o.max);
        }
        out.push_str("});\n");
    }
    out
}

fn dts_events(out: &mut String, role: &str, kinds: &[EventKind]) {
    let upper = role.to_uppercase();
    let cap = format!("{}{}", role.get(..1).unwrap_or("").to_uppercase(), role.get(1..).unwrap_or(""));
    let consts: Vec<String> = kinds.iter().map(|k| format!("  {}: {};", k.name, k.code)).collect();
    let _ = writeln!(out, "\nexport declare const {upper}_EVENT: Readonly<{{\n{}\n}}>;", consts.join("\n"));
    let fields: Vec<String> = kinds
        .iter()
        .map(|k| {
            let f: Vec<String> = k
                .fields
                .iter()
                .enumerate()
                .map(|(i, f)| format!("{}: {}", camel(f), word_at(i.saturating_add(2))))
                .collect();
            let body = if f.is_empty() { String::new() } else { format!(" {} ", f.join("; ")) };
            format!("  {}: Readonly<{{{body}}}>;", k.name)
        })
        .collect();
    let _ = writeln!(out, "export declare const {upper}_EVENT_FIELDS: Readonly<{{\n{}\n}}>;", fields.join("\n"));
    let variants: Vec<String> = kinds
        .iter()
        .map(|k| {
            let mut v = format!("  | {{ kind: '{}'; kindNumber: {}; stream: number", k.name, k.code);
            for f in k.fields {
                let _ = write!(v, "; {}: number", camel(f));
            }
            v.push_str(" }");
            v
        })
        .collect();
    let _ = writeln!(out, "/** A decoded {role} event record. */\nexport type {cap}Event =\n{}\n  | {{ kind: 'UNKNOWN'; kindNumber: number; stream: number }};", variants.join("\n"));
    let _ = writeln!(out, "export declare function decode{cap}Event(dv: DataView, at?: number): {cap}Event;");
}

/// js/boundary.d.ts.
pub fn dts() -> String {
    let mut out = String::from(HEADER);
    let words: Vec<String> =
        RECORD_WORD_NAMES.iter().enumerate().map(|(i, w)| format!("{}: {}", w.to_uppercase(), word_at(i))).collect();
    let _ =
        writeln!(out, "\nexport declare const RECORD: Readonly<{{ BYTES: {RECORD_BYTES}; {} }}>;", words.join("; "));
    dts_events(&mut out, "server", SERVER_EVENTS);
    dts_events(&mut out, "client", CLIENT_EVENTS);
    let _ = writeln!(
        out,
        "\nexport declare const CLIENT_RESET_FLAG: Readonly<{{ REMOTE: {}; NOT_PROCESSED: {} }}>;",
        client_reset_flag::REMOTE,
        client_reset_flag::NOT_PROCESSED
    );
    let errs: Vec<String> = USER_ERRORS.iter().map(|e| format!("{}: {}", e.name, e.code)).collect();
    let _ = writeln!(out, "export declare const USER_ERROR: Readonly<{{ {} }}>;", errs.join("; "));
    let _ = writeln!(out, "export declare const REQUEST_ERROR: {REQUEST_ERROR};");
    let results: Vec<String> = UPGRADE_RESULTS.iter().map(|(n, v)| format!("{n}: {v}")).collect();
    let _ = writeln!(out, "export declare const UPGRADE_RESULT: Readonly<{{ {} }}>;", results.join("; "));
    let _ = writeln!(out, "export declare const CALM_RULES: readonly string[];");
    let _ = writeln!(out, "export declare const PEER_COUNT_BITS: {PEER_COUNT_BITS};");
    let _ = writeln!(
        out,
        "export declare const PACKED_FIELD: Readonly<{{ HEADER_BYTES: {FIELD_HEADER_BYTES}; NAME_LEN_AT: 0; VALUE_LEN_AT: {FIELD_VALUE_LEN_AT} }}>;"
    );
    for (g, _) in GROUPS {
        let c = group_const(g);
        let ty = format!("{}Name", camel(&c.trim_end_matches("_NAMES").to_lowercase()));
        let ty = format!("{}{}", ty.get(..1).unwrap_or("").to_uppercase(), ty.get(1..).unwrap_or(""));
        let names: Vec<String> =
            OPTION_NAMES.iter().filter(|o| o.group() == g).map(|o| format!("'{}'", o.name)).collect();
        let _ = writeln!(out, "\nexport type {ty} =\n  | {};", names.join("\n  | "));
        let _ = writeln!(out, "export declare const {c}: Readonly<Record<{ty}, [number, number]>>;");
    }
    out
}

fn range(min: u64, max: u64) -> String {
    let show = |v: u64| match v {
        MAX_SAFE_INTEGER => "2⁵³−1".to_string(),
        0xffff_ffff => "2³²−1".to_string(),
        0x7fff_ffff => "2³¹−1".to_string(),
        v => v.to_string(),
    };
    format!("{}..={}", show(min), show(max))
}

fn docs_events(out: &mut String, title: &str, kinds: &[EventKind]) {
    let _ = writeln!(out, "\n{title}\n\n| kind | event | a, b, c, d | meaning |\n| --- | --- | --- | --- |");
    for k in kinds {
        let f: Vec<String> = k.fields.iter().map(|f| camel(f)).collect();
        let _ = writeln!(out, "| {} | {} | {} | {} |", k.code, k.name, f.join(", "), k.doc.trim());
    }
}

/// The tables between the markers of docs/ARCHITECTURE.md (markers included).
pub fn docs_tables() -> String {
    let mut out = format!("{DOCS_BEGIN}\n");
    let _ = writeln!(
        out,
        "\nEvent records are {RECORD_BYTES} bytes: six little-endian u32 words `[kind, stream, a, b, c, d]`; \
         the words after `stream` are named per kind (js/boundary.js `*_EVENT_FIELDS` gives their byte offsets, \
         `decode*Event` an object). Unnamed words are 0. Text fields point into `text_ptr()`; \
         `unsentLow`/`unsentHigh` are the halves of a u64."
    );
    docs_events(&mut out, "Server events (`server_*` exports, js/engine.js):", SERVER_EVENTS);
    docs_events(&mut out, "Client events (`client_*` exports, js/client.js):", CLIENT_EVENTS);
    out.push_str("\nCommand results (0 is success):\n\n| number | USER_ERROR | meaning |\n| --- | --- | --- |\n");
    for e in USER_ERRORS {
        let _ = writeln!(out, "| {} | {} | {} |", e.code, e.name, e.doc.trim());
    }
    let _ = writeln!(
        out,
        "\nPacked header fields: `[u32 name_len][u32 value_len][name][value]` back to back ({FIELD_HEADER_BYTES}-byte \
         prefix, little-endian). `request` answers a stream id or 0x{REQUEST_ERROR:x} | a USER_ERROR number. \
         `take_peer_counts` packs three {PEER_COUNT_BITS}-bit counts in one f64."
    );
    let server = Config::default();
    let client = ClientConfig::default();
    out.push_str("\nOption names (`configure` lines `name=value`; JS validates the same ranges first):\n\n");
    out.push_str("| name | JS table | range | server default | client default |\n| --- | --- | --- | --- | --- |\n");
    for o in OPTION_NAMES {
        let s = o.server_value(&server).map_or_else(|| "—".to_string(), |v| v.to_string());
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} |",
            o.name,
            group_const(o.group()),
            range(o.min, o.max),
            s,
            o.client_value(&client)
        );
    }
    out.push('\n');
    out.push_str(DOCS_END);
    out
}

/// `doc` with the text between the markers (inclusive) replaced by [`docs_tables`];
/// `None` when the markers are missing.
pub fn splice_docs(doc: &str) -> Option<String> {
    let begin = doc.find(DOCS_BEGIN)?;
    let end = doc.get(begin..)?.find(DOCS_END)?.checked_add(begin)?.checked_add(DOCS_END.len())?;
    Some(format!("{}{}{}", doc.get(..begin)?, docs_tables(), doc.get(end..)?))
}
