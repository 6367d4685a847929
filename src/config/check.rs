//! Walks a parsed config document against the field table, collecting every problem at once, filling
//! defaults and reading `*_file` secrets, so that what reaches serde is complete and well-formed.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::ConfigError;
use super::fields::{Field, Format, Kind, MAX_TEMPLATE_CHARS, Need};

/// Largest file a `*_file` key may name (a key, a certificate chain or a password).
const MAX_SECRET_FILE_BYTES: u64 = 1024 * 1024;

/// Where relative `*_file` paths are looked up.
pub(super) struct FileLookup {
    /// The directory of the config file (relative paths are resolved against it).
    pub config_dir: Option<PathBuf>,
    /// systemd's `$CREDENTIALS_DIRECTORY`, looked in first for relative `*_file` paths.
    pub credentials_dir: Option<PathBuf>,
}

impl FileLookup {
    /// Resolves a relative `*_file` path: the credentials directory if the file is there, else the
    /// config file's directory. Returns the chosen path and the places that were considered.
    fn resolve_file(&self, raw: &str) -> (PathBuf, Vec<PathBuf>) {
        let path = Path::new(raw);
        if path.is_absolute() {
            return (path.to_path_buf(), vec![path.to_path_buf()]);
        }
        let mut tried = Vec::new();
        if let Some(dir) = &self.credentials_dir {
            let candidate = dir.join(path);
            if candidate.exists() {
                return (candidate, vec![]);
            }
            tried.push(candidate);
        }
        let candidate = self.relative(raw);
        tried.push(candidate.clone());
        (candidate, tried)
    }

    /// Resolves a relative path that is not a credential against the config file's directory.
    fn relative(&self, raw: &str) -> PathBuf {
        match &self.config_dir {
            Some(dir) if Path::new(raw).is_relative() => dir.join(raw),
            _ => PathBuf::from(raw),
        }
    }
}

pub(super) struct Checker<'a> {
    files: &'a FileLookup,
    pub errors: Vec<ConfigError>,
}

impl<'a> Checker<'a> {
    pub fn new(files: &'a FileLookup) -> Self {
        Checker { files, errors: Vec::new() }
    }

    fn problem(&mut self, path: &str, problem: impl Into<String>) {
        self.errors.push(ConfigError::Invalid { path: path.to_string(), problem: problem.into() });
    }

    /// Checks an object against `fields`, filling defaults in place.
    pub fn object(&mut self, fields: &[Field], value: &mut Value, path: &str) {
        let Some(map) = value.as_object_mut() else {
            self.problem(display_path(path), format!("must be an object ({{ ... }}), not {}", type_name(value)));
            return;
        };
        // Keys starting with "//" are comments, so that an annotated config stays valid JSON.
        map.retain(|k, _| !k.starts_with("//"));
        let unknown: Vec<String> = map.keys().filter(|k| !is_known(fields, k)).cloned().collect();
        for key in unknown {
            let hint = match closest(fields, &key) {
                Some(name) => format!("; did you mean \"{name}\"?"),
                None => "; remove it (see `vmr-scheduler config-schema` for the keys)".to_string(),
            };
            self.problem(&join(path, &key), format!("unknown key{hint}"));
        }
        for field in fields {
            let key_path = join(path, field.name);
            if let Kind::Secret = field.kind {
                self.secret(field, map, &key_path);
                continue;
            }
            let present = map.get(field.name).is_some_and(|v| !v.is_null());
            if present {
                if let Some(v) = map.get_mut(field.name) {
                    self.value(field, v, &key_path);
                }
                continue;
            }
            match field.need {
                Need::Required => self.problem(&key_path, format!("is missing: {}", field.doc)),
                Need::Optional => {
                    map.insert(field.name.to_string(), Value::Null);
                }
                Need::Default(json) => {
                    let mut v = serde_json::from_str(json).unwrap_or(Value::Null);
                    self.value(field, &mut v, &key_path);
                    map.insert(field.name.to_string(), v);
                }
                Need::DefaultText(text) => {
                    map.insert(field.name.to_string(), Value::String(text.to_string()));
                }
            }
        }
    }

    fn value(&mut self, field: &Field, value: &mut Value, path: &str) {
        match &field.kind {
            Kind::Bool => {
                if !value.is_boolean() {
                    self.problem(path, format!("must be true or false, not {}", type_name(value)));
                }
            }
            Kind::Int { min, max, unit } => match value.as_i64() {
                Some(n) if (*min..=*max).contains(&n) => {}
                Some(n) => self.problem(path, format!("{n} is out of range; use {min} to {max} {unit}")),
                None => self.problem(
                    path,
                    format!("must be a whole number of {unit} ({min} to {max}), not {}", type_name(value)),
                ),
            },
            Kind::Str { max_len, format } => self.string(value, path, *max_len, *format, field.name),
            Kind::Enum(choices) => match value.as_str() {
                Some(s) if choices.contains(&s) => {}
                Some(s) => {
                    let hint = choices
                        .iter()
                        .find(|c| c.eq_ignore_ascii_case(s))
                        .map(|c| format!(" (values are lower-case: \"{c}\")"))
                        .unwrap_or_default();
                    self.problem(path, format!("\"{s}\" is not one of {}{hint}", quoted_list(choices)));
                }
                None => {
                    self.problem(path, format!("must be one of {}, not {}", quoted_list(choices), type_name(value)))
                }
            },
            Kind::StrList { max_items, format } => {
                let Some(items) = value.as_array_mut() else {
                    self.problem(path, format!("must be a list of strings ([\"...\"]), not {}", type_name(value)));
                    return;
                };
                if items.len() > *max_items {
                    self.problem(path, format!("has {} entries; at most {max_items} are allowed", items.len()));
                }
                for (i, item) in items.iter_mut().enumerate() {
                    self.string(item, &format!("{path}[{i}]"), 4096, *format, field.name);
                }
            }
            Kind::Secret => {}
            Kind::Template { .. } => self.template(value, path),
            Kind::Object(fields) => self.object(fields, value, path),
            Kind::Objects { fields, min_items } => {
                let Some(items) = value.as_array_mut() else {
                    self.problem(path, format!("must be a list of objects ([{{ ... }}]), not {}", type_name(value)));
                    return;
                };
                if items.len() < *min_items {
                    self.problem(path, format!("needs at least {min_items} entry: {}", field.doc));
                }
                for (i, item) in items.iter_mut().enumerate() {
                    self.object(fields, item, &format!("{path}[{i}]"));
                }
            }
        }
    }

    fn string(&mut self, value: &mut Value, path: &str, max_len: usize, format: Format, key: &str) {
        let Some(s) = value.as_str() else {
            self.problem(path, format!("must be a string, not {}", type_name(value)));
            return;
        };
        if s.chars().count() > max_len {
            self.problem(path, format!("is {} characters long; at most {max_len} are allowed", s.chars().count()));
            return;
        }
        if let Err(problem) = check_format(s, format) {
            self.problem(path, problem);
            return;
        }
        if let Format::Path = format {
            // Resolve relative paths now, so that the rest of the program opens the right file.
            if key.ends_with("_file") {
                let (resolved, tried) = self.files.resolve_file(s);
                if !resolved.is_file() {
                    self.problem(path, format!("file not found ({}); give an existing file", tried_list(&tried)));
                }
                *value = Value::String(resolved.to_string_lossy().into_owned());
            } else {
                *value = Value::String(self.files.relative(s).to_string_lossy().into_owned());
            }
        }
    }

    /// A template must be a string that compiles as a Jinja2 template.
    fn template(&mut self, value: &Value, path: &str) {
        let Some(text) = value.as_str() else {
            self.problem(path, format!("must be a template string, not {}", type_name(value)));
            return;
        };
        if text.chars().count() > MAX_TEMPLATE_CHARS {
            self.problem(path, format!("is longer than {MAX_TEMPLATE_CHARS} characters"));
            return;
        }
        let env = minijinja::Environment::new();
        if let Err(e) = env.template_from_str(text) {
            let at = e.line().map(|l| format!(" (template line {l})")).unwrap_or_default();
            self.problem(
                path,
                format!("does not compile{at}: {}; fix the Jinja2 syntax", e.detail().unwrap_or("syntax error")),
            );
        }
    }

    /// A secret may be given inline (`key`) or as a file (`key_file`); afterwards only `key` remains,
    /// holding the secret or null.
    fn secret(&mut self, field: &Field, map: &mut Map<String, Value>, path: &str) {
        let file_key = format!("{}_file", field.name);
        let file_path = format!("{path}_file");
        let inline = map.remove(field.name).filter(|v| !v.is_null());
        let file = map.remove(&file_key).filter(|v| !v.is_null());
        let secret = match (inline, file) {
            (Some(_), Some(_)) => {
                self.problem(path, format!("is given twice; keep either \"{}\" or \"{file_key}\"", field.name));
                None
            }
            (Some(Value::String(s)), None) if !s.is_empty() => Some(s),
            (Some(Value::String(_)), None) => {
                self.problem(path, format!("is empty; set it, or use \"{file_key}\""));
                None
            }
            (Some(other), None) => {
                self.problem(path, format!("must be a string, not {}", type_name(&other)));
                None
            }
            (None, Some(Value::String(name))) => self.read_secret_file(&name, &file_path),
            (None, Some(other)) => {
                self.problem(&file_path, format!("must be a file path string, not {}", type_name(&other)));
                None
            }
            (None, None) => {
                if let Need::Required = field.need {
                    self.problem(
                        path,
                        format!(
                            "is missing: set \"{file_key}\" to a file holding it (or \"{}\" inline). {}",
                            field.name, field.doc
                        ),
                    );
                }
                None
            }
        };
        map.insert(field.name.to_string(), secret.map_or(Value::Null, Value::String));
    }

    fn read_secret_file(&mut self, raw: &str, path: &str) -> Option<String> {
        if let Err(problem) = check_format(raw, Format::Path) {
            self.problem(path, problem);
            return None;
        }
        let (resolved, tried) = self.files.resolve_file(raw);
        match read_limited(&resolved) {
            Ok(text) => {
                // Files written with `echo` end in a newline that is not part of the secret.
                let trimmed = text.strip_suffix('\n').unwrap_or(&text);
                let trimmed = trimmed.strip_suffix('\r').unwrap_or(trimmed);
                if trimmed.is_empty() {
                    self.problem(path, format!("\"{}\" is empty; put the secret in it", resolved.display()));
                    return None;
                }
                Some(trimmed.to_string())
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                self.problem(path, format!("file not found ({}); give an existing file", tried_list(&tried)));
                None
            }
            Err(e) => {
                self.problem(
                    path,
                    format!("cannot read \"{}\": {e}; check that the service user may read it", resolved.display()),
                );
                None
            }
        }
    }
}

fn read_limited(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    let mut text = String::new();
    let read = file.take(MAX_SECRET_FILE_BYTES + 1).read_to_string(&mut text)?;
    if read as u64 > MAX_SECRET_FILE_BYTES {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "file is larger than 1 MiB"));
    }
    Ok(text)
}

fn tried_list(tried: &[PathBuf]) -> String {
    let names: Vec<String> = tried.iter().map(|p| format!("\"{}\"", p.display())).collect();
    format!("looked for {}", names.join(" and "))
}

/// Checks a string's format; the error says what is wrong and how to write it.
pub(super) fn check_format(s: &str, format: Format) -> Result<(), String> {
    match format {
        Format::Any => Ok(()),
        Format::NonEmpty => non_empty(s),
        Format::Name => {
            let ok = s.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
            if ok {
                Ok(())
            } else {
                Err(format!(
                    "\"{s}\" is not a valid name; use lower-case letters, digits, '-' and '_' (for example \"corp\")"
                ))
            }
        }
        Format::Host => check_host(s),
        Format::HostOrEmpty if s.is_empty() => Ok(()),
        Format::HostOrEmpty => check_host(s),
        Format::HostPort => {
            if s.contains('/') {
                return check_host(s); // a URL given for a host: its message says what to write
            }
            let host = split_host_port(s).map_err(|e| format!("\"{s}\": {e}"))?;
            check_host(host).map_err(|_| {
                format!("\"{s}\" is not a host name with an optional port (such as \"scheduler.example.com\")")
            })
        }
        Format::HttpsUrl => check_url(s, &["https"]),
        Format::Email => check_email(s),
        Format::HttpUrl => check_url(s, &["http", "https"]),
        Format::SocketAddr => s
            .parse::<std::net::SocketAddr>()
            .map(|_| ())
            .map_err(|_| format!("\"{s}\" is not an address:port; write for example \"0.0.0.0:443\" or \"[::]:443\"")),
        Format::Path => {
            non_empty(s)?;
            if s.contains('\0') {
                return Err("contains a NUL character".to_string());
            }
            Ok(())
        }
        Format::Digits => {
            if s.chars().all(|c| c.is_ascii_digit()) {
                Ok(())
            } else {
                Err(format!("\"{s}\" must contain only the digits 0-9"))
            }
        }
        Format::Origin => check_origin(s),
    }
}

fn non_empty(s: &str) -> Result<(), String> {
    if s.trim().is_empty() { Err("must not be empty".to_string()) } else { Ok(()) }
}

fn check_host(s: &str) -> Result<(), String> {
    if let Some((_, rest)) = s.split_once("://") {
        let host = rest.split(['/', ':']).next().unwrap_or(rest);
        return Err(format!("\"{s}\" must be a host name only; write \"{host}\""));
    }
    if s.contains(':') || s.contains('/') {
        let host = s.split(['/', ':']).next().unwrap_or(s);
        return Err(format!("\"{s}\" must be a host name without port or path; write \"{host}\""));
    }
    let labels_ok = !s.is_empty()
        && s.len() <= 253
        && s.trim_end_matches('.').split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if labels_ok {
        Ok(())
    } else {
        Err(format!("\"{s}\" is not a valid host name (letters, digits, '-' and dots, such as \"mail.example.com\")"))
    }
}

/// Splits `scheme://authority/rest` and checks the scheme and host.
fn check_url(s: &str, schemes: &[&str]) -> Result<(), String> {
    let Some((scheme, rest)) = s.split_once("://") else {
        return Err(format!("\"{s}\" has no scheme; write \"{}://{s}\"", schemes[schemes.len() - 1]));
    };
    if !schemes.contains(&scheme) {
        return Err(format!(
            "\"{s}\" must start with {}; credentials and tokens must not travel unencrypted",
            schemes.iter().map(|s| format!("{s}://")).collect::<Vec<_>>().join(" or ")
        ));
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("\"{s}\" contains spaces or control characters"));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = split_host_port(authority).map_err(|e| format!("\"{s}\": {e}"))?;
    check_host(host).map_err(|e| format!("in \"{s}\": {e}"))
}

/// Returns the host of `host[:port]` or `[v6]:port`, checking the port.
fn split_host_port(authority: &str) -> Result<&str, String> {
    if authority.contains('@') {
        return Err("must not contain user:password@; put credentials in their own settings".to_string());
    }
    if let Some(rest) = authority.strip_prefix('[') {
        let (addr, after) = rest.split_once(']').ok_or("unclosed '[' in host")?;
        addr.parse::<std::net::Ipv6Addr>().map_err(|_| format!("\"{addr}\" is not an IPv6 address"))?;
        if let Some(port) = after.strip_prefix(':') {
            port.parse::<u16>().map_err(|_| format!("\"{port}\" is not a port number"))?;
        }
        return Ok("localhost"); // a valid stand-in for the host check: the address itself parsed
    }
    match authority.rsplit_once(':') {
        Some((host, port)) => {
            port.parse::<u16>().map_err(|_| format!("\"{port}\" is not a port number"))?;
            Ok(host)
        }
        None => Ok(authority),
    }
}

fn check_email(s: &str) -> Result<(), String> {
    let Some((local, domain)) = s.split_once('@') else {
        return Err(format!("\"{s}\" is not an e-mail address (name@example.com)"));
    };
    if local.is_empty() || local.chars().any(|c| c.is_whitespace() || c == '<' || c == '>') || domain.contains('@') {
        return Err(format!("\"{s}\" is not an e-mail address (name@example.com)"));
    }
    check_host(domain).map_err(|e| format!("the domain of \"{s}\": {e}"))
}

fn check_origin(s: &str) -> Result<(), String> {
    let Some((scheme, rest)) = s.split_once("://") else {
        return Err(format!("\"{s}\" is not an origin; write \"https://{s}\""));
    };
    if scheme != "https" {
        return Err(format!("\"{s}\" must be an https:// origin"));
    }
    if rest.contains('/') || rest.is_empty() {
        let host = rest.split('/').next().unwrap_or("");
        return Err(format!("\"{s}\" must be an origin without a path; write \"https://{host}\""));
    }
    let host = split_host_port(rest).map_err(|e| format!("\"{s}\": {e}"))?;
    let host = host.strip_prefix("*.").unwrap_or(host);
    check_host(host).map_err(|e| format!("in \"{s}\": {e}"))
}

fn is_known(fields: &[Field], key: &str) -> bool {
    fields.iter().any(|f| match f.kind {
        Kind::Secret => key == f.name || key.strip_suffix("_file") == Some(f.name),
        _ => key == f.name,
    })
}

/// The known key nearest to `key` by edit distance, if it is near enough to be a typo.
fn closest(fields: &[Field], key: &str) -> Option<String> {
    let mut names: Vec<String> = Vec::new();
    for f in fields {
        names.push(f.name.to_string());
        if let Kind::Secret = f.kind {
            names.push(format!("{}_file", f.name));
        }
    }
    // A key cut short or lengthened ("hsts_max_age" for "hsts_max_age_seconds") is also a near miss.
    if let Some(n) = names.iter().find(|n| key.len() >= 4 && (n.starts_with(key) || key.starts_with(n.as_str()))) {
        return Some(n.clone());
    }
    names
        .into_iter()
        .map(|n| (edit_distance(&n, key), n))
        .filter(|(d, n)| *d <= 3.max(n.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

pub(super) fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_string() } else { format!("{path}.{key}") }
}

fn display_path(path: &str) -> &str {
    if path.is_empty() { "(top level)" } else { path }
}

pub(super) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "true/false",
        Value::Number(n) if n.is_i64() || n.is_u64() => "a number",
        Value::Number(_) => "a fractional number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn quoted_list(choices: &[&str]) -> String {
    choices.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_checked_and_a_url_given_for_a_host_gets_the_fix() {
        assert!(check_host("mail.example.com").is_ok());
        assert!(check_host("localhost").is_ok());
        let e = check_host("https://mail.example.com/owa").unwrap_err();
        assert!(e.contains("write \"mail.example.com\""), "{e}");
        assert!(check_host("bad_host.example.com").is_err());
        assert!(check_host("-a.example.com").is_err());
    }

    #[test]
    fn urls_need_https_and_a_valid_host() {
        assert!(check_url("https://mail.example.com/EWS/Exchange.asmx", &["https"]).is_ok());
        assert!(check_url("https://127.0.0.1:8443/EWS/Exchange.asmx", &["https"]).is_ok());
        assert!(check_url("https://[::1]:8443/EWS", &["https"]).is_ok());
        assert!(check_url("http://mail.example.com/EWS", &["https"]).unwrap_err().contains("https://"));
        assert!(check_url("mail.example.com/EWS", &["https"]).unwrap_err().contains("write \"https://mail"));
        assert!(check_url("https://u:p@mail.example.com/", &["https"]).is_err());
        assert!(check_url("https://mail.example.com:99999/", &["https"]).is_err());
    }

    #[test]
    fn typos_in_keys_get_a_suggestion() {
        let fields = super::super::fields::ROOT;
        assert_eq!(closest(fields, "integration").as_deref(), Some("integrations"));
        assert_eq!(closest(fields, "something_else_entirely"), None);
    }

    #[test]
    fn origins_allow_wildcard_subdomains_but_no_paths() {
        assert!(check_origin("https://outlook.office.com").is_ok());
        assert!(check_origin("https://*.officeapps.live.com").is_ok());
        assert!(check_origin("https://mail.example.com:8443").is_ok());
        assert!(check_origin("https://outlook.office.com/mail").is_err());
        assert!(check_origin("http://outlook.office.com").is_err());
    }
}
