//! The table of every key the config file may hold: its kind, limits, default and documentation.
//! Validation (`check.rs`), default filling and the JSON Schema (`schema.rs`) are all driven from here,
//! so adding a setting means one entry here plus its typed field in `raw.rs`/`mod.rs`.

/// What a key holds.
pub(super) enum Kind {
    Bool,
    /// A whole number within `min..=max`; `unit` is shown to the admin ("minutes", "bytes").
    Int {
        min: i64,
        max: i64,
        unit: &'static str,
    },
    Str {
        max_len: usize,
        format: Format,
    },
    /// One of a fixed set of strings.
    Enum(&'static [&'static str]),
    /// A list of strings, each of the given format.
    StrList {
        max_items: usize,
        format: Format,
    },
    /// A secret string, given inline under the key or read from the file named by `<key>_file`.
    Secret,
    /// A Jinja2 template (checked to compile); `html` templates render with HTML escaping.
    Template {
        html: bool,
    },
    Object(&'static [Field]),
    /// A list of objects with the given fields, at least `min_items` long.
    Objects {
        fields: &'static [Field],
        min_items: usize,
    },
}

/// Checks on a string beyond its type.
#[derive(Clone, Copy)]
pub(super) enum Format {
    Any,
    NonEmpty,
    /// A short identifier used in URLs: lower-case letters, digits, `-` and `_`.
    Name,
    /// A DNS host name (no scheme, no port, no path).
    Host,
    /// A host name, or empty.
    HostOrEmpty,
    /// A host name with an optional `:port` (for listeners on a port other than 443).
    HostPort,
    /// An `https://` URL.
    HttpsUrl,
    /// An e-mail address.
    Email,
    /// `address:port`, such as `0.0.0.0:443` or `[::]:443`.
    SocketAddr,
    /// A file system path.
    Path,
    /// Decimal digits only (possibly empty).
    Digits,
    /// An `http://` or `https://` URL (proxies).
    HttpUrl,
    /// A web origin such as `https://outlook.office.com` (scheme, host, optional port, no path).
    Origin,
}

/// Whether a key must be present, and what it is when absent.
pub(super) enum Need {
    Required,
    /// Absent means "not set" (JSON `null` is accepted too).
    Optional,
    /// Absent means this JSON value.
    Default(&'static str),
    /// Absent means this text (for long defaults such as templates).
    DefaultText(&'static str),
}

pub(super) struct Field {
    pub name: &'static str,
    pub kind: Kind,
    pub need: Need,
    pub doc: &'static str,
}

const fn field(name: &'static str, kind: Kind, need: Need, doc: &'static str) -> Field {
    Field { name, kind, need, doc }
}

use super::template_defaults as text;

/// Longest template accepted (the reference product's limit).
pub(super) const MAX_TEMPLATE_CHARS: usize = 12_288;

const fn template(name: &'static str, html: bool, default: &'static str, doc: &'static str) -> Field {
    Field { name, kind: Kind::Template { html }, need: Need::DefaultText(default), doc }
}

pub(super) const ROOT: &[Field] = &[
    field(
        "server",
        Kind::Object(SERVER),
        Need::Default("{}"),
        "The HTTPS listener that serves the Outlook add-in and its API.",
    ),
    field("store", Kind::Object(STORE), Need::Default("{}"), "Where the appliance keeps its state."),
    field(
        "log_level",
        Kind::Enum(&["error", "warn", "info", "debug", "trace"]),
        Need::Default("\"info\""),
        "How much to log: error, warn, info (default), debug or trace. `-v` on the command line raises it.",
    ),
    field(
        "integrations",
        Kind::Objects { fields: INTEGRATION, min_items: 1 },
        Need::Required,
        "One entry per Exchange deployment this appliance schedules for.",
    ),
];

const SERVER: &[Field] = &[
    field(
        "listen",
        Kind::StrList { max_items: 16, format: Format::SocketAddr },
        Need::Default("[\"0.0.0.0:443\"]"),
        "Addresses the HTTPS listener binds, as address:port. Use \"[::]:443\" for IPv6.",
    ),
    field(
        "redirect_listen",
        Kind::Str { max_len: 64, format: Format::SocketAddr },
        Need::Optional,
        "If set, a plain-HTTP listener on this address:port that only redirects to HTTPS (for example \"0.0.0.0:80\").",
    ),
    field(
        "tls_certificate_file",
        Kind::Str { max_len: 4096, format: Format::Path },
        Need::Required,
        "PEM file with the server certificate followed by its intermediate CA certificates. A relative path is looked up in $CREDENTIALS_DIRECTORY first, then beside this config file.",
    ),
    field(
        "tls_private_key",
        Kind::Secret,
        Need::Required,
        "The certificate's private key in PEM (PKCS#8, PKCS#1 RSA or SEC1 EC). Prefer tls_private_key_file.",
    ),
    field(
        "max_connections",
        Kind::Int { min: 16, max: 65536, unit: "connections" },
        Need::Default("2048"),
        "Most client connections served at once; each takes one thread. Past this, new connections get 503.",
    ),
    field(
        "handshake_timeout_seconds",
        Kind::Int { min: 1, max: 300, unit: "seconds" },
        Need::Default("10"),
        "Time a client has to complete the TLS handshake.",
    ),
    field(
        "request_timeout_seconds",
        Kind::Int { min: 1, max: 600, unit: "seconds" },
        Need::Default("30"),
        "Time a client has to send a whole request (head and body) once it has started one.",
    ),
    field(
        "idle_timeout_seconds",
        Kind::Int { min: 1, max: 3600, unit: "seconds" },
        Need::Default("60"),
        "How long a keep-alive connection may wait for its next request.",
    ),
    field(
        "max_header_bytes",
        Kind::Int { min: 1024, max: 1_048_576, unit: "bytes" },
        Need::Default("16384"),
        "Largest request head (request line and headers); larger heads get 431.",
    ),
    field(
        "max_body_bytes",
        Kind::Int { min: 1024, max: 67_108_864, unit: "bytes" },
        Need::Default("1048576"),
        "Largest request body; larger bodies get 413.",
    ),
    field(
        "hsts_max_age_seconds",
        Kind::Int { min: 0, max: 63_072_000, unit: "seconds" },
        Need::Default("31536000"),
        "max-age of the Strict-Transport-Security header; 0 switches HSTS off.",
    ),
    field(
        "addin_frame_ancestors",
        Kind::StrList { max_items: 64, format: Format::Origin },
        Need::Default(
            "[\"https://outlook.office.com\", \"https://outlook.office365.com\", \"https://outlook.live.com\", \"https://outlook.cloud.microsoft\"]",
        ),
        "Web origins allowed to show the add-in pages in a frame (Outlook on the web). The origins of every integration's exchange_domains are added to this list; every other site is denied.",
    ),
    field(
        "office_js_dir",
        Kind::Str { max_len: 4096, format: Format::Path },
        Need::Default("\"/usr/share/vmr-scheduler/office-js\""),
        "Directory where packaging/fetch-office-js installed Office.js; its files listed in SHA256SUMS are served under /addin/lib/ for integrations with use_custom_add_in_sources.",
    ),
];

const STORE: &[Field] = &[field(
    "path",
    Kind::Str { max_len: 4096, format: Format::Path },
    Need::Default("\"/var/lib/vmr-scheduler/store.redb\""),
    "The redb database file. Its directory must exist and be writable by the service.",
)];

const INTEGRATION: &[Field] = &[
    field(
        "name",
        Kind::Str { max_len: 40, format: Format::Name },
        Need::Required,
        "Short name of this integration, used in URLs (for example \"corp\"): lower-case letters, digits, '-' and '_'.",
    ),
    field(
        "description",
        Kind::Str { max_len: 250, format: Format::Any },
        Need::Default("\"\""),
        "Free text for administrators.",
    ),
    field(
        "addin_server_domain",
        Kind::Str { max_len: 260, format: Format::HostPort },
        Need::Required,
        "The host name Outlook clients use to reach this appliance (the Add-in server FQDN), with :port if it is not 443. Every URL in the add-in manifest is on https://<addin_server_domain>.",
    ),
    field(
        "exchange_domains",
        Kind::StrList { max_items: 64, format: Format::Host },
        Need::Required,
        "Host names of the Exchange servers and load balancers of this deployment. Identity tokens are trusted only from these hosts, and Outlook on the web on them may frame the add-in.",
    ),
    field(
        "room_mailbox_email_address",
        Kind::Str { max_len: 320, format: Format::Email },
        Need::Required,
        "The equipment resource mailbox the add-in adds to meetings and the scheduler watches.",
    ),
    field(
        "room_mailbox_name",
        Kind::Str { max_len: 256, format: Format::Any },
        Need::Default("\"\""),
        "Display name of the resource mailbox as it appears among the attendees; empty uses the address.",
    ),
    field(
        "url",
        Kind::Str { max_len: 2048, format: Format::HttpsUrl },
        Need::Required,
        "The EWS URL, for example https://mail.example.com/EWS/Exchange.asmx.",
    ),
    field(
        "ca_certificates_file",
        Kind::Str { max_len: 4096, format: Format::Path },
        Need::Optional,
        "PEM file of enterprise CA certificates trusted, in addition to the public (Mozilla) roots, for EWS and for the Exchange identity metadata.",
    ),
    field(
        "username",
        Kind::Str { max_len: 256, format: Format::NonEmpty },
        Need::Required,
        "The service account that impersonates the resource mailbox and organizers (user@domain or DOMAIN\\user).",
    ),
    field(
        "password",
        Kind::Secret,
        Need::Required,
        "The service account's password. Prefer password_file (for example a systemd credential).",
    ),
    field(
        "authentication_method",
        Kind::Enum(&["basic", "ntlm", "kerberos"]),
        Need::Default("\"basic\""),
        "How the appliance authenticates to EWS.",
    ),
    field(
        "scheduled_alias_prefix",
        Kind::Str { max_len: 10, format: Format::Digits },
        Need::Default("\"\""),
        "Digits that start every single-use alias, so they are recognisable in the dial plan.",
    ),
    field(
        "scheduled_alias_suffix_length",
        Kind::Int { min: 5, max: 15, unit: "digits" },
        Need::Default("6"),
        "Number of random digits after the prefix.",
    ),
    field(
        "scheduled_alias_domain",
        Kind::Str { max_len: 253, format: Format::HostOrEmpty },
        Need::Default("\"\""),
        "Domain of the URI form of single-use aliases (<alias>@<domain>); empty gives numeric aliases only.",
    ),
    field(
        "meeting_buffer_before",
        Kind::Int { min: 0, max: 180, unit: "minutes" },
        Need::Default("30"),
        "Minutes before a meeting's start when its VMR opens.",
    ),
    field(
        "meeting_buffer_after",
        Kind::Int { min: 0, max: 180, unit: "minutes" },
        Need::Default("60"),
        "Minutes after a meeting's end when its VMR closes.",
    ),
    field(
        "poll_interval_seconds",
        Kind::Int { min: 2, max: 3600, unit: "seconds" },
        Need::Default("15"),
        "How often the scheduler looks for new meeting requests in the resource mailbox.",
    ),
    field(
        "unused_reservation_expiry_days",
        Kind::Int { min: 1, max: 365, unit: "days" },
        Need::Default("7"),
        "An alias handed to the add-in but never sent in a meeting is released after this many days.",
    ),
    field(
        "max_reservations_per_user_per_hour",
        Kind::Int { min: 1, max: 10000, unit: "reservations" },
        Need::Default("60"),
        "Most single-use VMRs one Outlook user may reserve in an hour; more get a \"try again later\" answer.",
    ),
    field(
        "ews_timeout_seconds",
        Kind::Int { min: 5, max: 600, unit: "seconds" },
        Need::Default("60"),
        "Longest wait for one EWS request (connect and answer).",
    ),
    field(
        "ews_proxy",
        Kind::Str { max_len: 2048, format: Format::HttpUrl },
        Need::Optional,
        "HTTP proxy for EWS and the identity metadata (http://proxy.example.com:3128). Not set: connect directly; proxy environment variables are never used.",
    ),
    template(
        "meeting_instructions_template",
        true,
        text::MEETING_INSTRUCTIONS,
        "HTML joining instructions the add-in puts in the meeting body for a single-use VMR.",
    ),
    template("conference_name_template", false, text::CONFERENCE_NAME, "Name of a scheduled single-use VMR."),
    template(
        "conference_description_template",
        false,
        text::CONFERENCE_DESCRIPTION,
        "Description of a scheduled single-use VMR.",
    ),
    template("conference_subject_template", false, text::CONFERENCE_SUBJECT, "Subject of a scheduled single-use VMR."),
    template(
        "accept_new_single_meeting_template",
        true,
        text::ACCEPT_NEW_SINGLE_MEETING,
        "Reply body when a new single meeting is booked.",
    ),
    template(
        "accept_new_recurring_series_template",
        true,
        text::ACCEPT_NEW_RECURRING_SERIES,
        "Reply body when a new recurring series is booked.",
    ),
    template(
        "accept_edited_single_meeting_template",
        true,
        text::ACCEPT_EDITED_SINGLE_MEETING,
        "Reply body when a change to a single meeting is accepted.",
    ),
    template(
        "accept_edited_recurring_series_template",
        true,
        text::ACCEPT_EDITED_RECURRING_SERIES,
        "Reply body when a change to a whole series is accepted.",
    ),
    template(
        "accept_edited_occurrence_template",
        true,
        text::ACCEPT_EDITED_OCCURRENCE,
        "Reply body when a change to one occurrence of a series is accepted.",
    ),
    template(
        "reject_alias_conflict_template",
        true,
        text::REJECT_ALIAS_CONFLICT,
        "Reply body when the meeting's VMR already belongs to another meeting.",
    ),
    template(
        "reject_alias_deleted_template",
        true,
        text::REJECT_ALIAS_DELETED,
        "Reply body when the meeting's VMR was released or removed before the meeting was sent.",
    ),
    template(
        "reject_invalid_alias_id_template",
        true,
        text::REJECT_INVALID_ALIAS_ID,
        "Reply body when the meeting carries no valid alias-ID (added without the add-in, or edited).",
    ),
    template(
        "reject_single_meeting_past_template",
        true,
        text::REJECT_SINGLE_MEETING_PAST,
        "Reply body when a single meeting is already over.",
    ),
    template(
        "reject_recurring_series_past_template",
        true,
        text::REJECT_RECURRING_SERIES_PAST,
        "Reply body when every occurrence of a series is already over.",
    ),
    template(
        "reject_general_error_template",
        true,
        text::REJECT_GENERAL_ERROR,
        "Reply body for any other failure; include {{ correlation_id }} so that users can quote it.",
    ),
    field("enable_dynamic_vmrs", Kind::Bool, Need::Default("true"), "Offer single-use VMRs in the add-in."),
    field(
        "enable_personal_vmrs",
        Kind::Bool,
        Need::Default("false"),
        "Offer personal VMRs in the add-in (needs single sign-on settings).",
    ),
    // --- Outlook add-in: manifest labels, Office.js sources, task-pane texts (issue 3) ---
    field(
        "addin_display_name",
        Kind::Str { max_len: 125, format: Format::NonEmpty },
        Need::Default("\"Video Meeting Rooms\""),
        "Name of the add-in in Outlook's add-in lists (manifest DisplayName; at most 125 characters).",
    ),
    field(
        "addin_description",
        Kind::Str { max_len: 250, format: Format::NonEmpty },
        Need::Default("\"Adds a secure video meeting room and its joining instructions to your Outlook meetings.\""),
        "Description of the add-in shown to users and administrators (manifest Description; at most 250 characters).",
    ),
    field(
        "addin_provider_name",
        Kind::Str { max_len: 125, format: Format::NonEmpty },
        Need::Default("\"vmr-scheduler\""),
        "Who provides the add-in, usually your organisation (manifest ProviderName; at most 125 characters).",
    ),
    field(
        "addin_group_label",
        Kind::Str { max_len: 125, format: Format::NonEmpty },
        Need::Default("\"Video meeting\""),
        "Label of the ribbon group that holds the add-in's button (at most 125 characters).",
    ),
    field(
        "addin_button_label",
        Kind::Str { max_len: 125, format: Format::NonEmpty },
        Need::Default("\"Add a video meeting\""),
        "Label of the ribbon button that opens the task pane (at most 125 characters).",
    ),
    field(
        "addin_supertip_title",
        Kind::Str { max_len: 125, format: Format::NonEmpty },
        Need::Default("\"Add a video meeting room\""),
        "Title of the button's tooltip (at most 125 characters).",
    ),
    field(
        "addin_supertip_description",
        Kind::Str { max_len: 250, format: Format::NonEmpty },
        Need::Default(
            "\"Opens a pane that puts a secure video meeting room and its joining instructions into this meeting.\"",
        ),
        "Text of the button's tooltip (at most 250 characters).",
    ),
    field(
        "office_js_url",
        Kind::Str { max_len: 2048, format: Format::HttpsUrl },
        Need::Default("\"https://appsforoffice.microsoft.com/lib/1/hosted/office.js\""),
        "Where the task pane loads Office.js from when use_custom_add_in_sources is false. Its origin is allowed in the pages' Content-Security-Policy.",
    ),
    field(
        "use_custom_add_in_sources",
        Kind::Bool,
        Need::Default("false"),
        "Load Office.js (and MicrosoftAjax.js) from this appliance's /addin/lib/ instead of office_js_url, for sites without Internet access. Install the files with packaging/fetch-office-js into server.office_js_dir.",
    ),
    field(
        "additional_add_in_script_sources",
        Kind::StrList { max_items: 16, format: Format::HttpsUrl },
        Need::Default("[]"),
        "Extra scripts the task pane loads before Office.js (https URLs, in order), for example a MicrosoftAjax.js hosted elsewhere. Their origins are allowed in the pages' Content-Security-Policy.",
    ),
    template(
        "placeholder_instructions_template",
        true,
        text::PLACEHOLDER_INSTRUCTIONS,
        "HTML the add-in puts in the meeting body when it cannot reach this appliance; the scheduler replaces it with the real joining instructions when the meeting arrives.",
    ),
    field(
        "addin_pane_title",
        Kind::Str { max_len: 250, format: Format::NonEmpty },
        Need::Default("\"Video meeting room\""),
        "Task pane: heading.",
    ),
    field(
        "addin_pane_description",
        Kind::Str { max_len: 1000, format: Format::Any },
        Need::Default(
            "\"Give this meeting its own secure video meeting room. The joining details go into the invitation for everyone you invite.\"",
        ),
        "Task pane: text under the heading.",
    ),
    field(
        "addin_pane_button_title",
        Kind::Str { max_len: 250, format: Format::NonEmpty },
        Need::Default("\"Add a single-use room\""),
        "Task pane: the button that adds a single-use VMR.",
    ),
    field(
        "addin_pane_single_use_hint",
        Kind::Str { max_len: 1000, format: Format::Any },
        Need::Default("\"A new room, only for this meeting and its occurrences.\""),
        "Task pane: text under the single-use button when both VMR types are offered.",
    ),
    field(
        "addin_pane_personal_vmr_hint",
        Kind::Str { max_len: 1000, format: Format::Any },
        Need::Default("\"One of the rooms you own, with its usual address and PIN.\""),
        "Task pane: text under the personal-VMR button when both VMR types are offered.",
    ),
    field(
        "addin_pane_working_message",
        Kind::Str { max_len: 150, format: Format::NonEmpty },
        Need::Default("\"Adding the video meeting room…\""),
        "Task pane and notification bar: shown while the room is being added (at most 150 characters).",
    ),
    field(
        "addin_pane_success_heading",
        Kind::Str { max_len: 250, format: Format::NonEmpty },
        Need::Default("\"Room added\""),
        "Task pane: heading after a room was added.",
    ),
    field(
        "addin_pane_success_message",
        Kind::Str { max_len: 1000, format: Format::NonEmpty },
        Need::Default(
            "\"The joining details are in the meeting. The room is booked once you send the invitation, so remember to select Send.\"",
        ),
        "Task pane: text after a room was added.",
    ),
    field(
        "addin_pane_already_video_meeting_heading",
        Kind::Str { max_len: 250, format: Format::NonEmpty },
        Need::Default("\"This meeting already has a room\""),
        "Task pane: heading when the meeting already has a VMR from this add-in.",
    ),
    field(
        "addin_pane_already_video_meeting_message",
        Kind::Str { max_len: 1000, format: Format::NonEmpty },
        Need::Default(
            "\"A video meeting room was added to this meeting earlier, so nothing was changed. Its joining details are in the meeting body.\"",
        ),
        "Task pane: text when the meeting already has a VMR from this add-in.",
    ),
    field(
        "addin_pane_general_error_heading",
        Kind::Str { max_len: 250, format: Format::NonEmpty },
        Need::Default("\"The room could not be added\""),
        "Task pane: heading of the error state.",
    ),
    field(
        "addin_pane_general_error_message",
        Kind::Str { max_len: 1000, format: Format::NonEmpty },
        Need::Default(
            "\"Something went wrong while adding the video meeting room. Please try again; if it keeps happening, contact your help desk.\"",
        ),
        "Task pane: text of the error state (the server's own message and, when there is one, a reference follow it).",
    ),
    field(
        "addin_pane_retry_button",
        Kind::Str { max_len: 250, format: Format::NonEmpty },
        Need::Default("\"Try again\""),
        "Task pane: the button that retries after an error.",
    ),
    field(
        "addin_pane_reference_label",
        Kind::Str { max_len: 250, format: Format::NonEmpty },
        Need::Default("\"Reference\""),
        "Task pane: label before the correlation id shown with errors.",
    ),
    field(
        "addin_pane_management_node_down_heading",
        Kind::Str { max_len: 250, format: Format::NonEmpty },
        Need::Default("\"Joining details will follow\""),
        "Task pane: heading when the appliance cannot be reached and a placeholder was inserted.",
    ),
    field(
        "addin_pane_management_node_down_message",
        Kind::Str { max_len: 1000, format: Format::NonEmpty },
        Need::Default(
            "\"The video service could not be reached just now. A note has been put in the meeting instead: send the invitation as usual, and everyone will receive the joining details in an update.\"",
        ),
        "Task pane: text when the appliance cannot be reached and a placeholder was inserted.",
    ),
    field(
        "addin_pane_personal_vmr_add_button",
        Kind::Str { max_len: 250, format: Format::NonEmpty },
        Need::Default("\"Use one of my rooms\""),
        "Task pane: the button that starts adding a personal VMR.",
    ),
    field(
        "addin_pane_personal_vmr_sign_in_button",
        Kind::Str { max_len: 250, format: Format::NonEmpty },
        Need::Default("\"Sign in\""),
        "Task pane: the sign-in button for personal VMRs.",
    ),
    field(
        "addin_pane_personal_vmr_sign_in_message",
        Kind::Str { max_len: 1000, format: Format::NonEmpty },
        Need::Default("\"To find the rooms you own, sign in once with your work account.\""),
        "Task pane: text above the sign-in button.",
    ),
    field(
        "addin_pane_personal_vmr_select_message",
        Kind::Str { max_len: 1000, format: Format::NonEmpty },
        Need::Default("\"Choose the room for this meeting:\""),
        "Task pane: text above the list of the user's personal VMRs.",
    ),
    field(
        "addin_pane_personal_vmr_none_message",
        Kind::Str { max_len: 1000, format: Format::NonEmpty },
        Need::Default(
            "\"You do not own any video meeting rooms yet. Ask your video administrator for one, or add a single-use room instead.\"",
        ),
        "Task pane: text when the user owns no personal VMR.",
    ),
    field(
        "addin_pane_personal_vmr_error_getting_message",
        Kind::Str { max_len: 1000, format: Format::NonEmpty },
        Need::Default("\"Your rooms could not be listed right now. Please try again later.\""),
        "Task pane: text when the list of personal VMRs cannot be fetched.",
    ),
    field(
        "addin_pane_personal_vmr_error_signing_in_message",
        Kind::Str { max_len: 1000, format: Format::NonEmpty },
        Need::Default("\"Signing in did not complete. Please try again.\""),
        "Task pane: text when sign-in fails or is cancelled.",
    ),
    field(
        "addin_pane_personal_vmr_error_inserting_meeting_message",
        Kind::Str { max_len: 1000, format: Format::NonEmpty },
        Need::Default("\"The room's joining details could not be added to the meeting. Please try again.\""),
        "Task pane: text when adding the chosen personal VMR fails.",
    ),
    field(
        "addin_pane_back_button",
        Kind::Str { max_len: 250, format: Format::NonEmpty },
        Need::Default("\"Back\""),
        "Task pane: the button that returns to the choice of VMR type.",
    ),
    field(
        "addin_pane_not_in_outlook_message",
        Kind::Str { max_len: 1000, format: Format::NonEmpty },
        Need::Default(
            "\"This page works inside Outlook: open a meeting you organise and choose the add-in's button.\"",
        ),
        "Task pane: text when the page is opened outside Outlook or Office.js could not load.",
    ),
    field(
        "addin_pane_shared_calendar_message",
        Kind::Str { max_len: 1000, format: Format::NonEmpty },
        Need::Default(
            "\"You are working in someone else's calendar. Personal rooms can only be added to meetings in your own calendar.\"",
        ),
        "Task pane: text when only personal VMRs are enabled and the meeting is in a shared (delegate) calendar.",
    ),
    field(
        "addin_pane_notification_success_message",
        Kind::Str { max_len: 150, format: Format::NonEmpty },
        Need::Default("\"A video meeting room was added. It is booked when you send the invitation.\""),
        "Notification bar of the meeting after a room was added (at most 150 characters).",
    ),
    field(
        "addin_pane_notification_placeholder_message",
        Kind::Str { max_len: 150, format: Format::NonEmpty },
        Need::Default("\"Joining details will be sent to the attendees after you send the invitation.\""),
        "Notification bar of the meeting after the placeholder was inserted (at most 150 characters).",
    ),
    field(
        "addin_pane_language",
        Kind::Str { max_len: 35, format: Format::NonEmpty },
        Need::Default("\"en\""),
        "Language tag (BCP 47, such as \"en\" or \"de-CH\") of the task-pane texts above, for screen readers and hyphenation.",
    ),
    // --- end of add-in block ---
];
