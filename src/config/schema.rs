//! The JSON Schema (draft 2020-12) of the config file, generated from the field table so that it can
//! never disagree with what `check-config` accepts.

use serde_json::{Map, Value, json};

use super::fields::{Field, Format, Kind, Need};

pub(super) fn json_schema(root: &[Field]) -> String {
    let mut schema = object_schema(root);
    if let Value::Object(map) = &mut schema {
        map.insert("$schema".into(), json!("https://json-schema.org/draft/2020-12/schema"));
        map.insert("$id".into(), json!("https://vmr-scheduler.invalid/config.schema.json"));
        map.insert("title".into(), json!("vmr-scheduler configuration"));
    }
    let mut out = serde_json::to_string_pretty(&schema).unwrap_or_default();
    out.push('\n');
    out
}

fn object_schema(fields: &[Field]) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for f in fields {
        match f.kind {
            Kind::Secret => {
                let inline = json!({"type": "string", "minLength": 1, "description": f.doc});
                let file = json!({
                    "type": "string",
                    "minLength": 1,
                    "description": format!("File holding {} (a relative path is looked up in $CREDENTIALS_DIRECTORY, then beside the config file).", f.name),
                });
                properties.insert(f.name.to_string(), inline);
                properties.insert(format!("{}_file", f.name), file);
            }
            _ => {
                let mut prop = kind_schema(&f.kind);
                if let Value::Object(map) = &mut prop {
                    map.insert("description".into(), json!(f.doc));
                    match f.need {
                        Need::Default(json) => {
                            if let Ok(v) = serde_json::from_str::<Value>(json) {
                                map.insert("default".into(), v);
                            }
                        }
                        Need::DefaultText(text) => {
                            map.insert("default".into(), json!(text));
                        }
                        Need::Optional => {
                            // null means "not set".
                            if let Some(t) = map.get("type").cloned() {
                                map.insert("type".into(), json!([t, "null"]));
                            }
                        }
                        Need::Required => required.push(f.name),
                    }
                }
                properties.insert(f.name.to_string(), prop);
            }
        }
    }
    let mut schema = json!({"type": "object", "properties": properties, "additionalProperties": false});
    if !required.is_empty() {
        schema["required"] = json!(required);
    }
    // A secret is given either inline or as a file, never both.
    let secrets: Vec<Value> = fields
        .iter()
        .filter(|f| matches!(f.kind, Kind::Secret))
        .map(|f| json!({"not": {"required": [f.name, format!("{}_file", f.name)]}}))
        .collect();
    let required_secrets: Vec<Value> = fields
        .iter()
        .filter(|f| matches!((&f.kind, &f.need), (Kind::Secret, Need::Required)))
        .map(|f| json!({"anyOf": [{"required": [f.name]}, {"required": [format!("{}_file", f.name)]}]}))
        .collect();
    let all_of: Vec<Value> = secrets.into_iter().chain(required_secrets).collect();
    if !all_of.is_empty() {
        schema["allOf"] = json!(all_of);
    }
    schema
}

fn kind_schema(kind: &Kind) -> Value {
    match kind {
        Kind::Bool => json!({"type": "boolean"}),
        Kind::Int { min, max, .. } => json!({"type": "integer", "minimum": min, "maximum": max}),
        Kind::Str { max_len, format } => {
            let mut s = format_schema(*format);
            s["maxLength"] = json!(max_len);
            s
        }
        Kind::Enum(choices) => json!({"type": "string", "enum": choices}),
        Kind::StrList { max_items, format } => {
            json!({"type": "array", "maxItems": max_items, "items": format_schema(*format)})
        }
        Kind::Secret => json!({"type": "string"}),
        Kind::Template { html } => json!({
            "type": "string",
            "maxLength": super::fields::MAX_TEMPLATE_CHARS,
            "contentMediaType": if *html { "text/html" } else { "text/plain" },
        }),
        Kind::Object(fields) => object_schema(fields),
        Kind::Objects { fields, min_items } => {
            json!({"type": "array", "minItems": min_items, "items": object_schema(fields)})
        }
    }
}

fn format_schema(format: Format) -> Value {
    const HOST: &str =
        r"^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$";
    match format {
        Format::Any => json!({"type": "string"}),
        Format::NonEmpty | Format::Path => json!({"type": "string", "minLength": 1}),
        Format::Name => json!({"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]*$"}),
        Format::Host => json!({"type": "string", "pattern": HOST}),
        Format::HostOrEmpty => json!({"type": "string", "pattern": format!("^$|{HOST}")}),
        Format::HostPort => {
            json!({"type": "string", "pattern": format!("{}(:[0-9]{{1,5}})?$", HOST.trim_end_matches("\\.?$"))})
        }
        Format::HttpsUrl => json!({"type": "string", "format": "uri", "pattern": "^https://"}),
        Format::Email => json!({"type": "string", "format": "email"}),
        Format::SocketAddr => json!({"type": "string", "examples": ["0.0.0.0:443", "[::]:443"]}),
        Format::HttpUrl => json!({"type": "string", "format": "uri", "pattern": "^https?://"}),
        Format::Digits => json!({"type": "string", "pattern": "^[0-9]*$"}),
        Format::Origin => json!({"type": "string", "pattern": "^https://[^/]+$"}),
    }
}
