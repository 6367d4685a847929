//! exchangelib as the organizer.
