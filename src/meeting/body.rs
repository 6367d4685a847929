//! The marked block of joining instructions in a meeting body, as the add-in writes it
//! (`assets/addin/body-block.js`, docs/addin-api.md "The body block"): a wrapper `div` with a known
//! id holding the instructions between two rule lines. The scheduler uses it to swap the add-in's
//! placeholder for real instructions, leaving everything outside the block as it was.

/// The wrapper's id (Outlook on the web may prefix it with `x_`).
pub const BLOCK_ID: &str = "vmr-scheduler-instructions";
/// 40 × U+2500, the visible rule that also survives clients which drop ids.
pub const RULE: &str = "────────────────────────────────────────";

/// The block around `inner`, byte for byte as the add-in writes it.
pub fn block_html(inner: &str) -> String {
    let rule = format!("<p style=\"margin:0;color:#a6a6a6;font-size:8pt;line-height:10pt\">{RULE}</p>");
    format!("<div id=\"{BLOCK_ID}\" style=\"margin:12pt 0 0 0\">{rule}{inner}{rule}</div>")
}

/// Replaces the block in `html` with a block around `inner`: found by its id, else by its two rule
/// lines; without a block the new one goes before `</body>` (or at the end).
pub fn replace_block(html: &str, inner: &str) -> String {
    let block = block_html(inner);
    if let Some((start, end)) = block_by_id(html) {
        return format!("{}{block}{}", &html[..start], &html[end..]);
    }
    if let Some(first) = html.find(RULE)
        && let Some(second_rel) = html[first + RULE.len()..].find(RULE)
    {
        let second = first + RULE.len() + second_rel;
        // The rules' own paragraphs belong to the block, but only when they hold nothing else: in
        // a body converted from text one element may hold every line, and those stay.
        let start = [last_tag_start(html, first, "p"), last_tag_start(html, first, "div")]
            .into_iter()
            .flatten()
            .max()
            .filter(|&tag| text_of(&html[tag..first]).trim().is_empty())
            .unwrap_or(first);
        let rule_end = second + RULE.len();
        let stop = rule_end + closing_paragraph_len(&html[rule_end..]);
        return format!("{}{block}{}", &html[..start], &html[stop..]);
    }
    match rfind_ci(html, "</body") {
        Some(i) => format!("{}{block}{}", &html[..i], &html[i..]),
        None => format!("{html}{block}"),
    }
}

/// The byte range of the `div` with the block's id, up to its matching `</div>`.
fn block_by_id(html: &str) -> Option<(usize, usize)> {
    let lower = html.to_ascii_lowercase();
    let mut from = 0;
    while let Some(rel) = lower[from..].find("<div") {
        let start = from + rel;
        let tag_end = start + lower[start..].find('>')? + 1;
        let tag = &lower[start..tag_end];
        let has_id = [BLOCK_ID.to_string(), format!("x_{BLOCK_ID}")].iter().any(|id| {
            tag.contains(&format!("id=\"{id}\""))
                || tag.contains(&format!("id='{id}'"))
                || tag.contains(&format!("id={id} "))
                || tag.contains(&format!("id={id}>"))
        });
        if has_id {
            let end = matching_div_end(&lower, tag_end)?;
            return Some((start, end));
        }
        from = tag_end;
    }
    None
}

/// The index just after the `</div>` closing a `div` whose content starts at `from` (in lower case).
fn matching_div_end(lower: &str, from: usize) -> Option<usize> {
    let mut depth = 1;
    let mut i = from;
    while let Some(rel) = lower[i..].find("<") {
        let at = i + rel;
        let rest = &lower[at..];
        let gt = rest.find('>')?;
        if rest.starts_with("</div") {
            depth -= 1;
            if depth == 0 {
                return Some(at + gt + 1);
            }
        } else if rest.starts_with("<div") && rest[4..].starts_with([' ', '>', '\t', '\n', '/']) {
            depth += 1;
        }
        i = at + gt + 1;
    }
    None
}

/// The text of an HTML fragment, tags removed.
fn text_of(fragment: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in fragment.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// The length of what closes the rule's paragraph right after it: closing inline tags and
/// whitespace, then `</p>` or `</div>`; 0 if text or anything else comes first.
fn closing_paragraph_len(after: &str) -> usize {
    const INLINE: [&str; 7] = ["span", "font", "b", "i", "u", "strong", "em"];
    let mut i = 0;
    loop {
        let rest = &after[i..];
        let trimmed = rest.trim_start();
        i += rest.len() - trimmed.len();
        let Some(tag) = trimmed.strip_prefix("</") else { return 0 };
        let Some(gt) = tag.find('>') else { return 0 };
        let name = tag[..gt].trim().to_ascii_lowercase();
        let name = name.split_whitespace().next().unwrap_or("");
        i += 2 + gt + 1;
        if name == "p" || name == "div" {
            return i;
        }
        if !INLINE.contains(&name) {
            return 0;
        }
    }
}

fn last_tag_start(html: &str, before: usize, tag: &str) -> Option<usize> {
    let lower = html[..before].to_ascii_lowercase();
    let open = format!("<{tag}");
    lower
        .match_indices(&open)
        .map(|(i, _)| i)
        .filter(|&i| lower[i + open.len()..].starts_with([' ', '>', '\t', '\n', '/']))
        .last()
}

fn rfind_ci(haystack: &str, needle: &str) -> Option<usize> {
    haystack.to_ascii_lowercase().rfind(needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_block_is_replaced_in_place_and_the_rest_kept() {
        let body = format!("<html><body><p>Agenda</p>{}<p>Notes</p></body></html>", block_html("<p>placeholder</p>"));
        let out = replace_block(&body, "<p>real</p>");
        assert_eq!(out, format!("<html><body><p>Agenda</p>{}<p>Notes</p></body></html>", block_html("<p>real</p>")));
    }

    #[test]
    fn a_block_whose_id_was_dropped_is_found_by_its_rules() {
        let rule = format!("<p style=\"x\">{RULE}</p>");
        let body = format!("<div>Agenda</div><div>{rule}<p>placeholder</p>{rule}</div><div>Notes</div>");
        let out = replace_block(&body, "<p>real</p>");
        assert!(out.starts_with("<div>Agenda</div><div>"), "{out}");
        assert!(out.contains(&block_html("<p>real</p>")), "{out}");
        assert!(!out.contains("placeholder"), "{out}");
        assert!(out.ends_with("<div>Notes</div>"), "{out}");
    }

    #[test]
    fn outlook_on_the_webs_prefixed_id_and_nested_divs_are_handled() {
        let body =
            format!("<p>a</p><div id=\"x_{BLOCK_ID}\" style=\"margin:12pt 0 0 0\"><div><p>old</p></div></div><p>b</p>");
        assert_eq!(replace_block(&body, "<p>new</p>"), format!("<p>a</p>{}<p>b</p>", block_html("<p>new</p>")));
    }

    #[test]
    fn rule_lines_rewritten_into_spans_still_delimit_the_block() {
        let rule = format!("<p class=\"elementToProof\"><span style=\"color:#a6a6a6\">{RULE}</span></p>");
        let body = format!("<p>before</p><div>{rule}<p>old</p>{rule}</div><p>after</p>");
        assert_eq!(
            replace_block(&body, "<p>new</p>"),
            format!("<p>before</p><div>{}</div><p>after</p>", block_html("<p>new</p>"))
        );
    }

    #[test]
    fn text_around_the_rules_in_one_element_is_kept() {
        // Exchange's text-to-HTML conversion puts every line in one element.
        let body = format!("<div class=\"PlainText\">Agenda<br>{RULE}<br>placeholder<br>{RULE}<br>Notes</div>");
        let out = replace_block(&body, "<p>real</p>");
        assert_eq!(out, format!("<div class=\"PlainText\">Agenda<br>{}<br>Notes</div>", block_html("<p>real</p>")));
        let pre = format!("<pre>Agenda\n{RULE}\nplaceholder\n{RULE}\nNotes</pre>");
        let out = replace_block(&pre, "x");
        assert_eq!(out, format!("<pre>Agenda\n{}\nNotes</pre>", block_html("x")), "</pre> is not </p>");
    }

    #[test]
    fn without_a_block_it_goes_before_the_end_of_the_body() {
        assert_eq!(replace_block("<body><p>a</p></body>", "x"), format!("<body><p>a</p>{}</body>", block_html("x")));
        assert_eq!(replace_block("plain", "x"), format!("plain{}", block_html("x")));
    }
}
