//! The default texts of the Jinja2 templates (joining instructions, VMR names, and the replies the
//! resource mailbox sends), written for this project. Administrators override any of them in the
//! config; the variables each may use are listed in docs/templates.md.

/// Inline styles only: Outlook desktop rewrites or drops anything else in meeting bodies.
pub(super) const MEETING_INSTRUCTIONS: &str = r#"<div style="font-family:'Segoe UI',Helvetica,Arial,sans-serif;font-size:11pt;color:#242424;">
<p style="margin:0 0 6pt 0;font-size:13pt;font-weight:600;">Join the video meeting</p>
<p style="margin:0 0 4pt 0;">Video address: <a href="sip:{{ alias }}" style="color:#0F6CBD;">{{ alias }}</a></p>
{% if numeric_alias != alias %}<p style="margin:0 0 4pt 0;">From a phone or a video system that dials numbers: {{ numeric_alias }}</p>
{% endif %}<p style="margin:0 0 4pt 0;color:#616161;font-size:9pt;">This room is for this meeting only. It opens shortly before the start and closes a while after the end.</p>
</div>"#;

pub(super) const PLACEHOLDER_INSTRUCTIONS: &str = r#"<div style="font-family:'Segoe UI',Helvetica,Arial,sans-serif;font-size:11pt;color:#242424;">
<p style="margin:0 0 6pt 0;font-size:13pt;font-weight:600;">Video meeting</p>
<p style="margin:0 0 4pt 0;">This meeting takes place in a video meeting room. Its joining instructions could not be added when the invitation was written; every attendee receives them in an update of this meeting shortly after it is sent.</p>
</div>"#;

pub(super) const CONFERENCE_NAME: &str = "{{ subject }} ({{ organizer_name }})";

pub(super) const CONFERENCE_DESCRIPTION: &str = "Scheduled from Outlook by {{ organizer_email }}";

pub(super) const CONFERENCE_SUBJECT: &str = "{{ subject }}";

macro_rules! reply {
    ($body:literal) => {
        concat!(
            "<div style=\"font-family:'Segoe UI',Helvetica,Arial,sans-serif;font-size:11pt;color:#242424;\">",
            $body,
            "</div>"
        )
    };
}

pub(super) const ACCEPT_NEW_SINGLE_MEETING: &str = reply!(
    "<p>The video meeting room <b>{{ alias }}</b> is booked for \u{201c}{{ subject }}\u{201d} ({{ start_time }} to {{ end_time }}).</p><p>Attendees join with the instructions in the invitation.</p>"
);

pub(super) const ACCEPT_NEW_RECURRING_SERIES: &str = reply!(
    "<p>The video meeting room <b>{{ alias }}</b> is booked for every occurrence of \u{201c}{{ subject }}\u{201d}, starting {{ start_time }}.</p><p>Attendees join with the instructions in the invitation.</p>"
);

pub(super) const ACCEPT_EDITED_SINGLE_MEETING: &str = reply!(
    "<p>The change to \u{201c}{{ subject }}\u{201d} is noted: the video meeting room <b>{{ alias }}</b> now follows the new time ({{ start_time }} to {{ end_time }}).</p>"
);

pub(super) const ACCEPT_EDITED_RECURRING_SERIES: &str = reply!(
    "<p>The change to the series \u{201c}{{ subject }}\u{201d} is noted: the video meeting room <b>{{ alias }}</b> follows the updated schedule.</p>"
);

pub(super) const ACCEPT_EDITED_OCCURRENCE: &str = reply!(
    "<p>The change to one occurrence of \u{201c}{{ subject }}\u{201d} is noted: the video meeting room <b>{{ alias }}</b> is open for it at its new time ({{ start_time }} to {{ end_time }}).</p>"
);

pub(super) const REJECT_ALIAS_CONFLICT: &str = reply!(
    "<p>\u{201c}{{ subject }}\u{201d} could not be booked: the video meeting room <b>{{ alias }}</b> in its invitation already belongs to another meeting.</p><p>Remove the video meeting instructions from the invitation, add a new video meeting room with the add-in, and send the invitation again.</p>"
);

pub(super) const REJECT_ALIAS_DELETED: &str = reply!(
    "<p>\u{201c}{{ subject }}\u{201d} could not be booked: the video meeting room in its invitation no longer exists (it was not used in time, or an administrator removed it).</p><p>Remove the video meeting instructions from the invitation, add a new video meeting room with the add-in, and send the invitation again.</p>"
);

pub(super) const REJECT_INVALID_ALIAS_ID: &str = reply!(
    "<p>\u{201c}{{ subject }}\u{201d} could not be booked: its invitation has no valid video meeting room. The room's reference in the invitation is missing or was changed.</p><p>Use the add-in to add a video meeting room rather than adding the room mailbox by hand, do not edit the video meeting instructions, and send the invitation again.</p>"
);

pub(super) const REJECT_SINGLE_MEETING_PAST: &str =
    reply!("<p>\u{201c}{{ subject }}\u{201d} could not be booked: the meeting is already over.</p>");

pub(super) const REJECT_RECURRING_SERIES_PAST: &str =
    reply!("<p>\u{201c}{{ subject }}\u{201d} could not be booked: every occurrence of the series is already over.</p>");

pub(super) const REJECT_GENERAL_ERROR: &str = reply!(
    "<p>\u{201c}{{ subject }}\u{201d} could not be booked because of an unexpected problem.</p><p>Try sending the invitation again later. If it keeps failing, give your administrator this reference: <b>{{ correlation_id }}</b>.</p>"
);
