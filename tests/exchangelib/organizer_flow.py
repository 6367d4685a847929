"""exchangelib (a real third-party EWS client) as the organizer against the simulated Exchange.

Run by tests/integration/simex/exchangelib.rs in two phases, with the JSON file it writes:

    python3 organizer_flow.py CONFIG.json send     # account setup, a meeting and a weekly series
    python3 organizer_flow.py CONFIG.json verify   # replies found, meeting updated, series cancelled

Between the phases the Rust side answers the requests as the room (accept one, decline the other).
Each phase writes what it learnt to CONFIG.json's "out" file and exits non-zero on any failure.
"""

import json
import sys

from exchangelib import (BASIC, DELEGATE, Account, CalendarItem, Configuration, Credentials,
                         EWSDate, EWSDateTime, EWSTimeZone, ExtendedProperty, HTMLBody)
from exchangelib.fields import MONDAY
from exchangelib.items import (MeetingCancellation, MeetingResponse, SEND_TO_ALL_AND_SAVE_COPY)
from exchangelib.properties import UID
from exchangelib.recurrence import Recurrence, WeeklyPattern


class CleanGlobalObjectId(ExtendedProperty):
    """PidLidCleanGlobalObjectId: how an appliance finds the organizer's copy of a meeting."""
    distinguished_property_set_id = "Meeting"
    property_id = 35
    property_type = "Binary"


CalendarItem.register("clean_global_object_id", CleanGlobalObjectId)


def check(condition, what):
    if not condition:
        raise AssertionError(what)


def account(cfg):
    config = Configuration(service_endpoint=cfg["ews_url"],
                           credentials=Credentials(cfg["organizer"], cfg["password"]),
                           auth_type=BASIC)
    tz = EWSTimeZone("Europe/Berlin")  # sent as "W. Europe Standard Time"
    return Account(primary_smtp_address=cfg["organizer"], config=config, autodiscover=False,
                   access_type=DELEGATE, default_timezone=tz), tz


def send(cfg, out):
    org, tz = account(cfg)
    # Account setup: the version probe (ConvertId) and GetFolder on distinguished folders.
    check(org.version.build.major_version == 15, f"server version {org.version}")
    check(org.root.name, "root folder has a name")
    check(org.calendar.name == "Calendar", f"calendar folder name {org.calendar.name!r}")
    check(org.inbox.name == "Inbox", f"inbox folder name {org.inbox.name!r}")
    single = CalendarItem(
        account=org, folder=org.calendar, subject=cfg["single_subject"],
        body=HTMLBody("<p>Join the VMR</p>"),
        start=EWSDateTime(2030, 1, 7, 10, 0, tzinfo=tz), end=EWSDateTime(2030, 1, 7, 11, 0, tzinfo=tz),
        location="Room 1", required_attendees=[cfg["attendee"]], resources=[cfg["room"]])
    single.save(send_meeting_invitations=SEND_TO_ALL_AND_SAVE_COPY)
    check(single.id and single.changekey, "CreateItem returned an id and change key")
    series = CalendarItem(
        account=org, folder=org.calendar, subject=cfg["series_subject"], body=HTMLBody("<p>Weekly</p>"),
        start=EWSDateTime(2030, 3, 18, 10, 0, tzinfo=tz), end=EWSDateTime(2030, 3, 18, 10, 30, tzinfo=tz),
        recurrence=Recurrence(pattern=WeeklyPattern(interval=1, weekdays=[MONDAY], first_day_of_week=MONDAY),
                              start=EWSDate(2030, 3, 18), number=4),
        resources=[cfg["room"]])
    series.save(send_meeting_invitations=SEND_TO_ALL_AND_SAVE_COPY)
    single = org.calendar.get(id=single.id)
    series = org.calendar.get(id=series.id)
    check(single.uid and series.uid and single.uid != series.uid, "UIDs are set and distinct")
    check(single.start.astimezone(tz).hour == 10, f"single starts 10:00 Berlin, got {single.start}")
    check(single.is_meeting and single.my_response_type == "Organizer", "organizer's copy is a meeting")
    check(series.type == "RecurringMaster", f"series type {series.type}")
    check(isinstance(series.recurrence.pattern, WeeklyPattern), f"pattern {series.recurrence}")
    check(series.recurrence.boundary.number == 4, f"boundary {series.recurrence.boundary}")
    # CalendarView: four occurrences, all at 10:00 Berlin time across the 2030-03-31 DST change.
    occurrences = list(org.calendar.view(start=EWSDateTime(2030, 3, 17, 0, 0, tzinfo=tz),
                                         end=EWSDateTime(2030, 4, 15, 0, 0, tzinfo=tz)))
    starts = [o.start.astimezone(tz) for o in occurrences if o.subject == cfg["series_subject"]]
    check(len(starts) == 4, f"four occurrences, got {starts}")
    check(all(s.hour == 10 and s.minute == 0 for s in starts), f"local 10:00 for all, got {starts}")
    check(len({s.utcoffset() for s in starts}) == 2, f"two UTC offsets across DST, got {starts}")
    out.update(single_id=single.id, series_id=series.id, single_uid=single.uid, series_uid=series.uid)


def verify(cfg, out, state):
    org, tz = account(cfg)
    accepted = list(org.inbox.filter(subject__contains="Accepted: "))
    check(len(accepted) == 1, f"one acceptance in the inbox, got {[a.subject for a in accepted]}")
    reply = accepted[0]
    check(isinstance(reply, MeetingResponse), f"acceptance is a MeetingResponse, got {type(reply).__name__}")
    check(reply.item_class == "IPM.Schedule.Meeting.Resp.Pos", f"item class {reply.item_class}")
    check(reply.subject == "Accepted: " + cfg["single_subject"], f"subject {reply.subject}")
    check(cfg["accept_text"] in (reply.body or ""), f"reply body {reply.body!r}")
    check(reply.author.email_address == cfg["room"], f"from {reply.author}")
    declined = list(org.inbox.filter(item_class="IPM.Schedule.Meeting.Resp.Neg"))
    check(len(declined) == 1 and declined[0].subject == "Declined: " + cfg["series_subject"],
          f"one decline, got {[d.subject for d in declined]}")
    # The organizer's item recorded the room's answer.
    single = org.calendar.get(id=state["single_id"])
    answers = {a.mailbox.email_address: a.response_type for a in single.resources}
    check(answers.get(cfg["room"]) == "Accept", f"room's answer on the organizer's item: {answers}")
    # Find the organizer's copy by CleanGlobalObjectId (both exchangelib and the appliance do this).
    hits = list(org.calendar.filter(clean_global_object_id=UID.to_global_object_id(state["single_uid"])))
    check(len(hits) == 1 and hits[0].subject == cfg["single_subject"], f"CleanGlobalObjectId lookup: {hits}")
    # Update the meeting: new subject and one hour later.
    single.subject = cfg["single_subject"] + " (moved)"
    single.start = EWSDateTime(2030, 1, 7, 11, 0, tzinfo=tz)
    single.end = EWSDateTime(2030, 1, 7, 12, 0, tzinfo=tz)
    single.save(update_fields=["subject", "start", "end"], send_meeting_invitations=SEND_TO_ALL_AND_SAVE_COPY)
    # Cancel the series.
    series = org.calendar.get(id=state["series_id"])
    series.cancel(body="Series cancelled")
    cancelled = list(org.calendar.filter(subject=cfg["series_subject"]))
    check(not cancelled, f"the cancelled series left the calendar: {cancelled}")
    sent = [i for i in org.sent.all() if isinstance(i, MeetingCancellation)]
    check(len(sent) == 1, f"a copy of the cancellation in Sent Items, got {len(sent)}")
    out.update(updated=True, cancelled=True)


def main():
    config_path, phase = sys.argv[1], sys.argv[2]
    with open(config_path) as f:
        cfg = json.load(f)
    out = {}
    state = {}
    if phase == "verify":
        with open(cfg["state"]) as f:
            state = json.load(f)
        verify(cfg, out, state)
        target = cfg["out"]
    else:
        send(cfg, out)
        target = cfg["state"]
    with open(target, "w") as f:
        json.dump(out, f)
    print(f"organizer_flow {phase}: ok")


if __name__ == "__main__":
    main()
